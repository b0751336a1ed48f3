"""The system level: datasheet devices, rooflines, LLM serving and training at scale.

Imports point down (workload, arch, cost, analysis, result, device); no torch.
"""

from picojoule.system.devices import DatasheetDevice, arch_device, device_names, get_device
from picojoule.system.llm import LLMSpec, load_llm
from picojoule.system.roofline import network_roofline, op_roofline, ridge, run_network
from picojoule.system.serve import ServeConfig, serve, serve_result, sweep, to_frame
from picojoule.system.train import TrainConfig, megatron_days, train, train_result

__all__ = ["DatasheetDevice", "LLMSpec", "ServeConfig", "TrainConfig", "arch_device",
           "device_names", "get_device", "load_llm", "megatron_days", "network_roofline",
           "op_roofline", "ridge", "run_network", "serve", "serve_result", "sweep", "to_frame",
           "train", "train_result"]
