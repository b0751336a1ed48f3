"""``quantize_(model, config)``: one entry point, dispatched on the config's type.

``PTQConfig`` calibrates (weights from themselves, activations from observers run over a
calibration set) and freezes the scales. ``QATConfig`` (in ``qat``) inserts trainable
fake-quantizers. Weights are quantized through a ``torch.nn.utils.parametrize``
parametrization, so they compose with pruning masks (mask first, then quantize) and
``module.weight`` always reads the quantized values; activations through child modules
``input_quant`` / ``output_quant`` called from forward hooks. Every quantized module gets
``picojoule_quant: QuantRecord``. Calls are transactional (see ``config.transaction``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any

import torch
from torch import nn

from picojoule.errors import Collector, SpecError

from .config import QuantRecord, TransformConfig, register_config, resolve, transaction
from .formats import Format, IntFormat, element_format
from .gptq import HessianAccumulator, gptq_quantize, unsupported
from .prune_masks import register_parametrization_
from .reuse import digest, memoized
from .scales import QTensor, _group, _ungroup, fake_quant_fixed, quantize_tensor
from .spec import QuantSpec

__all__ = [
    "ActQuant",
    "FixedWeightQuant",
    "PTQConfig",
    "WeightQuant",
    "quantize_",
    "register_quantizer",
]

Forward = Callable[[nn.Module, Any], Any]
Handler = Callable[[nn.Module, list[tuple[str, nn.Module, Any]], list[Any]], None]
_HANDLERS: dict[type, Handler] = {}


def _check_spec(c: Collector, name: str, spec: object, activation: bool) -> None:
    if spec is None:
        return
    if not isinstance(spec, QuantSpec):
        c.add(name, f"a QuantSpec or None, got {type(spec).__name__}")
        return
    if activation:
        spec.check_activation(c, name)


@register_config
@dataclass(frozen=True, kw_only=True)
class PTQConfig(TransformConfig):
    """Post-training quantization of weights and (optionally) input/output activations.

    ``max_samples`` bounds the activation values an observer keeps per layer (a strided
    subsample plus the exact extremes), which bounds calibration memory.
    """

    kind = "ptq"
    family = "quantize"
    weight: QuantSpec | None = QuantSpec(bits=8)  # noqa: RUF009 - frozen, shared safely
    input: QuantSpec | None = None
    output: QuantSpec | None = None
    max_samples: int = 1 << 20

    def _check(self, c: Collector) -> None:
        _check_spec(c, "weight", self.weight, activation=False)
        _check_spec(c, "input", self.input, activation=True)
        _check_spec(c, "output", self.output, activation=True)
        if self.weight is None and self.input is None and self.output is None:
            c.add("weight", "a QuantSpec for at least one of weight, input, output")
        if isinstance(self.max_samples, bool) or not isinstance(self.max_samples, int) \
                or self.max_samples < 1024:
            c.add("max_samples", f"an integer >= 1024, got {self.max_samples!r}")


def register_quantizer(config_type: type) -> Callable[[Handler], Handler]:
    """Decorator: ``handler(model, plan, calibration_batches)`` runs ``quantize_`` for a type."""
    def deco(fn: Handler) -> Handler:
        _HANDLERS[config_type] = fn
        return fn
    return deco


def quantize_(model: nn.Module, config: TransformConfig,
              calibration: Iterable[Any] | None = None,
              forward: Forward | None = None) -> nn.Module:
    """Quantize ``model`` in place as ``config`` says; return it.

    ``calibration`` is an iterable of input batches (needed when activations are quantized):
    a tensor is passed as ``model(x)``, a tuple as ``model(*x)``, a mapping as ``model(**x)``,
    or pass ``forward(model, batch)`` to call the model your way. On any error the model is
    left exactly as it was.
    """
    handler = _HANDLERS.get(type(config))
    if handler is None:
        known = sorted(t.__name__ for t in _HANDLERS)
        raise SpecError.single("config", "", f"a quantization config ({', '.join(known)}), "
                               f"got {type(config).__name__}")
    plan = resolve(model, config)
    c = Collector("config")
    for name, module, eff in plan:
        if type(eff) is not type(config):
            c.add("overrides", f"{type(config).__name__} or None for {name!r}, "
                  f"got {type(eff).__name__}")
        if getattr(module, "picojoule_quant", None) is not None:
            c.add("model", f"{name!r} is already quantized; quantize a fresh copy")
        why = unsupported(module) if _gptq(eff) else None
        if why is not None:
            c.add("weight.rounding", f"'nearest' for {name!r} ({why}): gptq rounds the "
                  "weights of nn.Linear and nn.Conv2d with groups=1 and zero padding")
    c.raise_if_any()
    batches: list[Any] = []
    if any(eff.input is not None or eff.output is not None or _gptq(eff)
           for _, _, eff in plan):
        if calibration is None:
            raise SpecError.single("calibration", "", "an iterable of input batches "
                                   "(activations are quantized or weights use gptq), got None")
        batches = list(calibration)
        if not batches:
            raise SpecError.single("calibration", "", "a non-empty iterable of input batches")
    with transaction(model):
        handler(model, plan, [(b, forward) for b in batches])
    return model


def run_batch(model: nn.Module, batch: Any, forward: Forward | None) -> Any:
    if forward is not None:
        return forward(model, batch)
    if isinstance(batch, torch.Tensor):
        return model(batch)
    if isinstance(batch, Mapping):
        return model(**batch)
    if isinstance(batch, tuple | list):
        return model(*batch)
    return model(batch)


class Observer:
    """Keeps a bounded, deterministic strided subsample of what flows by, plus exact extremes."""

    def __init__(self, max_samples: int) -> None:
        self.max_samples = max_samples
        self.parts: list[torch.Tensor] = []
        self.kept = 0

    def __call__(self, x: torch.Tensor) -> None:
        flat = x.detach().float().reshape(-1)
        if flat.numel() == 0:
            return
        budget = max(1, self.max_samples // 16)
        stride = max(1, math.ceil(flat.numel() / budget))
        self.parts.append(torch.cat([flat[::stride], flat.amin()[None], flat.amax()[None]]))
        self.kept += self.parts[-1].numel()
        if self.kept > 2 * self.max_samples:
            self.parts = [self.values()]
            self.kept = self.parts[0].numel()

    def values(self) -> torch.Tensor:
        allv = torch.cat(self.parts)
        if allv.numel() <= self.max_samples:
            return allv
        stride = math.ceil(allv.numel() / self.max_samples)
        return torch.cat([allv[::stride], allv.amin()[None], allv.amax()[None]])


def _gptq(eff: Any) -> bool:
    return isinstance(getattr(eff, "weight", None), QuantSpec) and eff.weight.rounding == "gptq"


def observe(model: nn.Module, plan: list[tuple[str, nn.Module, Any]],
            batches: list[Any]) -> dict[tuple[str, str], torch.Tensor]:
    """Run the calibration set once; samples of each quantized input/output by (name, operand)
    and, for weights rounded by GPTQ, the input Hessian ``2 X^T X`` by (name, "hessian")."""
    observers: dict[tuple[str, str], Any] = {}
    handles = []
    for name, module, eff in plan:
        if _gptq(eff):
            acc = observers[(name, "hessian")] = HessianAccumulator(module)
            handles.append(module.register_forward_pre_hook(
                lambda _m, args, acc=acc: acc(args[0])))
        if eff.input is not None:
            obs = observers[(name, "input")] = Observer(eff.max_samples)
            handles.append(module.register_forward_pre_hook(
                lambda _m, args, obs=obs: obs(args[0])))
        if eff.output is not None:
            obs = observers[(name, "output")] = Observer(eff.max_samples)
            handles.append(module.register_forward_hook(
                lambda _m, _a, out, obs=obs: obs(out)))
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            for i, (batch, forward) in enumerate(batches):
                try:
                    run_batch(model, batch, forward)
                except (RuntimeError, TypeError, ValueError, IndexError, AttributeError) as exc:
                    first = str(exc).splitlines()[0][:160] if str(exc) else ""
                    raise SpecError.single("calibration", f"batch {i}", (
                        f"an input the model accepts ({_describe(batch)}; the model raised "
                        f"{type(exc).__name__}: {first})")) from None
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    out = {}
    for (name, operand), obs in observers.items():
        if operand == "hessian" and obs.rows == 0:
            raise SpecError.single("calibration", name, "batches that reach this layer "
                                   "(its weights use gptq, which needs its inputs)")
        out[(name, operand)] = obs.hessian() if operand == "hessian" else obs.values()
    for (name, operand), values in out.items():
        if not bool(torch.isfinite(values).all()):
            raise SpecError.single("calibration", f"{name}.{operand}",
                                   "finite activations (the calibration batches produce NaN "
                                   "or inf here)")
    return out


def _describe(batch: Any) -> str:
    if isinstance(batch, torch.Tensor):
        return f"got a {batch.dtype} tensor of shape {tuple(batch.shape)}"
    return f"got a {type(batch).__name__}"


class WeightQuant(nn.Module):
    """Frozen weight fake-quantizer (a parametrization): scales fixed at calibration."""

    scale: torch.Tensor
    zero_point: torch.Tensor | None

    def __init__(self, q: QTensor, spec: QuantSpec) -> None:
        super().__init__()
        self.fmt: Format = q.fmt
        self.granularity = spec.resolved_granularity("weight")
        self.group_size = spec.resolved_group_size()
        self.register_buffer("scale", q.scale.clone())
        self.register_buffer("zero_point", None if q.zero_point is None else q.zero_point.clone())

    def encode(self, w: torch.Tensor) -> torch.Tensor:
        """The codes (bit patterns) a memory would store for ``w`` with the frozen scales."""
        g = _group(w, self.granularity, self.group_size)
        if self.zero_point is not None and isinstance(self.fmt, IntFormat):
            return self.fmt.to_int(g / self.scale, self.zero_point) & (2**self.fmt.bits - 1)
        return self.fmt.encode(g / self.scale)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        g = _group(w, self.granularity, self.group_size, detach=False, pad_value=0.0)
        out = fake_quant_fixed(g, self.fmt, self.scale, self.zero_point)
        return _ungroup(out, w.shape).to(w.dtype)


class FixedWeightQuant(WeightQuant):
    """Weights whose codes were fixed at calibration (GPTQ): the module computes
    ``codes x scales`` whatever the weight it is given (gradients pass straight through)."""

    codes: torch.Tensor

    def __init__(self, q: QTensor, spec: QuantSpec) -> None:
        super().__init__(q, spec)
        self.shape = q.shape
        self.register_buffer("codes", q.codes.clone())

    def encode(self, w: torch.Tensor) -> torch.Tensor:
        return self.codes.clone()

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        fixed = _ungroup(self.fmt.decode(self.codes) * self.scale, self.shape).to(w.dtype)
        return fixed + (w - w.detach())


class ActQuant(nn.Module):
    """Frozen per-tensor activation fake-quantizer."""

    scale: torch.Tensor
    zero_point: torch.Tensor | None

    def __init__(self, q: QTensor) -> None:
        super().__init__()
        self.fmt: Format = q.fmt
        self.register_buffer("scale", q.scale.reshape(()).clone())
        zp = None if q.zero_point is None else q.zero_point.reshape(()).clone()
        self.register_buffer("zero_point", zp)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return fake_quant_fixed(x.float(), self.fmt, self.scale, self.zero_point).to(x.dtype)


def _quant_input_hook(module: nn.Module, args: tuple[Any, ...]) -> tuple[Any, ...]:
    return (_child(module, "input_quant")(args[0]), *args[1:])


def _quant_output_hook(module: nn.Module, _args: tuple[Any, ...], out: Any) -> Any:
    return _child(module, "output_quant")(out)


def _child(module: nn.Module, name: str) -> nn.Module:
    return module.get_submodule(name)


def attach_activation_quant(module: nn.Module, input_q: nn.Module | None,
                            output_q: nn.Module | None) -> None:
    if input_q is not None:
        module.input_quant = input_q
        module.register_forward_pre_hook(_quant_input_hook)
    if output_q is not None:
        module.output_quant = output_q
        module.register_forward_hook(_quant_output_hook)


def make_record(eff: Any, weight_calibration: str | None = None,
                scale_bits_per_weight: float = 0.0) -> QuantRecord:
    w, i, o = eff.weight, eff.input, eff.output
    first = w or i or o
    return QuantRecord(
        weight_bits=None if w is None else w.width_bits,
        input_bits=None if i is None else i.width_bits,
        output_bits=None if o is None else o.width_bits,
        weight_format="fp32" if w is None else w.label(),
        granularity="none" if w is None else w.resolved_granularity("weight"),
        calibration=weight_calibration or first.calibration,
        input_format=None if i is None else i.label("input"),
        scale_bits_per_weight=scale_bits_per_weight,
    )


@register_quantizer(PTQConfig)
def _ptq(model: nn.Module, plan: list[tuple[str, nn.Module, Any]], batches: list[Any]) -> None:
    samples = observe(model, plan, batches) if batches else {}
    for name, module, eff in plan:
        meta = 0.0
        if eff.weight is not None:
            w = _weight(module, name)
            h = samples.get((name, "hessian"))
            params = eff.weight if h is None else (eff.weight, digest(h))
            quant, meta = memoized("weight", w, params, partial(_weight_quant, w, eff.weight, h))
            register_parametrization_(module, "weight", copy.deepcopy(quant))
        act = {}
        for operand in ("input", "output"):
            spec = getattr(eff, operand)
            if spec is not None:
                values = samples[(name, operand)]
                act[operand] = ActQuant(quantize_tensor(values, spec, operand))
        attach_activation_quant(module, act.get("input"), act.get("output"))
        setattr(module, "picojoule_quant", make_record(eff, scale_bits_per_weight=meta))  # noqa: B010


def _weight_quant(w: torch.Tensor, spec: QuantSpec,
                  hessian: torch.Tensor | None = None) -> tuple[WeightQuant, float]:
    """The frozen fake-quantizer of ``w`` and its scale storage (bits per weight); with a
    ``hessian`` (GPTQ rounding) the codes are fixed too."""
    if hessian is not None:
        q = gptq_quantize(w, hessian, spec)
        return FixedWeightQuant(q, spec), q.scale_bits_per_element
    q = quantize_tensor(w, spec, "weight")
    return WeightQuant(q, spec), q.scale_bits_per_element


def _weight(module: nn.Module, name: str = "") -> torch.Tensor:
    """The module's weight, refused (naming the module) if empty or not finite."""
    w = module.weight
    where = f"module {name!r} ({type(module).__name__})" if name else type(module).__name__
    if not isinstance(w, torch.Tensor):
        raise SpecError.single("model", "weight", f"a weight tensor on {type(module).__name__}")
    if w.numel() == 0:
        raise SpecError.single("model", "weight", f"a non-empty weight on {where} (shape "
                                                  f"{tuple(w.shape)})")
    if not bool(torch.isfinite(w).all()):
        bad = int((~torch.isfinite(w)).sum())
        raise SpecError.single("model", "weight", f"finite weights on {where} "
                                                  f"{tuple(w.shape)}; {bad} are NaN or inf")
    return w


def format_of(spec: QuantSpec) -> Format:
    return element_format(spec.format, spec.width_bits, spec.format == "int", spec.symmetric)
