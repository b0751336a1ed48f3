"""Shared machinery of every compression transformation: configs, overrides, transactions.

A transformation (``quantize_``, ``prune_``) takes a model and one frozen config; the config's
type picks what happens. Configs are validated when built (in Python or from JSON), save to
and load from JSON with a ``kind`` tag, and carry per-layer ``overrides`` that match modules by
exact name or by ``re.fullmatch`` regex. ``resolve`` turns (model, config) into the list of
(name, module, effective config) that the transformation touches; ``transaction`` makes a
failed call leave the model exactly as it was.

Contract with readers of a compressed model (e.g. ``picojoule.compress.summary``): every
quantized module carries ``module.picojoule_quant: QuantRecord`` saying what was done to it;
read it with ``getattr(module, "picojoule_quant", None)`` (``None`` = not quantized).

Writing a new config: subclass ``TransformConfig`` as
``@register_config @dataclass(frozen=True, kw_only=True) class MyConfig(TransformConfig)``,
set the class variables ``kind`` (unique JSON tag) and ``family`` ("quantize" or "prune";
overrides may only substitute configs of the same family), and add checks in ``_check``.
Field types understood by JSON loading: bool, int, float, str, None, ``X | None``,
``tuple[X, ...]``, ``Literal[...]``, nested frozen dataclasses and registered configs.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import torch
from torch import nn

from picojoule.decode import decode_dataclass, join
from picojoule.errors import Collector, SpecError
from picojoule.fileio import is_file, parse_json, read_text

__all__ = [
    "LayerOverride",
    "QuantRecord",
    "TransformConfig",
    "load_config",
    "register_config",
    "resolve",
    "transaction",
]

_REGISTRY: dict[str, type[TransformConfig]] = {}
C = TypeVar("C", bound="type[TransformConfig]")

#: Module types a transformation touches unless a config says otherwise.
DEFAULT_TARGET_TYPES: tuple[type[nn.Module], ...] = (nn.Linear, nn.Conv1d, nn.Conv2d)


@dataclass(frozen=True)
class QuantRecord:
    """What quantization did to one module; ``None`` bits = that operand stays floating point.

    ``scale_bits_per_weight`` is the metadata cost of the weight scales spread over the weights
    (e.g. 8-bit scales per group of 32 add 0.25), so a compressed size counts it.
    """

    weight_bits: int | None
    input_bits: int | None
    output_bits: int | None
    weight_format: str  # e.g. "int4", "uint8-affine", "fp8_e4m3", "mxfp4", "log4"
    granularity: str  # "per_tensor", "per_channel", "per_group", "per_vector"
    calibration: str  # "max", "percentile", "mse", "entropy", "octav", "learned"
    input_format: str | None = None
    scale_bits_per_weight: float = 0.0


@dataclass(frozen=True)
class LayerOverride:
    """Substitute ``config`` (``None`` = leave the layer alone) for modules whose name equals
    ``pattern`` or ``re.fullmatch``-es it. The first matching override wins."""

    pattern: str
    config: TransformConfig | None = None

    def __post_init__(self) -> None:
        c = Collector("LayerOverride")
        if not isinstance(self.pattern, str) or not self.pattern:
            c.add("pattern", "a non-empty module name or regular expression")
        else:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                c.add("pattern", f"a valid regular expression ({exc})")
        if self.config is not None:
            if not isinstance(self.config, TransformConfig):
                c.add("config", "a TransformConfig or None")
            elif self.config.overrides:
                c.add("config.overrides", "no nested overrides inside an override")
        c.raise_if_any()

    def matches(self, name: str) -> bool:
        return name == self.pattern or re.fullmatch(self.pattern, name) is not None


@dataclass(frozen=True, kw_only=True)
class TransformConfig:
    """Base of every transformation config: frozen, validated on construction, JSON-able."""

    kind: ClassVar[str] = ""
    family: ClassVar[str] = ""
    overrides: tuple[LayerOverride, ...] = ()

    def __post_init__(self) -> None:
        c = Collector(type(self).__name__)
        if not isinstance(self.overrides, tuple) or not all(
            isinstance(o, LayerOverride) for o in self.overrides
        ):
            c.add("overrides", "a tuple of LayerOverride")
        else:
            for i, o in enumerate(self.overrides):
                if o.config is not None and o.config.family != self.family:
                    c.add(f"overrides[{i}].config", f"a {self.family!r} config or None")
        self._check(c)
        c.raise_if_any()

    def _check(self, c: Collector) -> None:
        """Subclasses add a problem per invalid field (naming the field and what is expected)."""

    def target_types(self) -> tuple[type[nn.Module], ...]:
        """Module types this config transforms; others are passed over (or rejected if named)."""
        return DEFAULT_TARGET_TYPES

    # -- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        out.update({f.name: _to_jsonable(getattr(self, f.name)) for f in fields(self)})
        return out

    def to_json(self, path: str | Path | None = None) -> str:
        """The config as JSON text; also written to ``path`` if given."""
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text + "\n")
        return text

    @classmethod
    def from_json(cls: type[T], text_or_path: str | Path) -> T:
        """Load from JSON text or a file; unknown fields and wrong types raise ``SpecError``."""
        where, data = _read_json(text_or_path)
        obj = _decode_config(data, where, "", cls)
        if not isinstance(obj, cls):
            raise SpecError.single(where, "kind", f"{cls.kind!r} (a {cls.__name__})")
        return obj


T = TypeVar("T", bound=TransformConfig)


def register_config(cls: C) -> C:
    """Class decorator: make ``cls`` loadable by its ``kind`` tag."""
    if not cls.kind or not cls.family:
        raise TypeError(f"{cls.__name__} must set the class variables kind and family")
    if cls.kind in _REGISTRY and _REGISTRY[cls.kind] is not cls:
        raise TypeError(f"config kind {cls.kind!r} already registered by {_REGISTRY[cls.kind]}")
    _REGISTRY[cls.kind] = cls
    return cls


def load_config(text_or_path: str | Path) -> TransformConfig:
    """Load any registered config from JSON text or a file; its ``kind`` picks the class."""
    where, data = _read_json(text_or_path)
    obj = _decode_config(data, where, "", TransformConfig)
    if not isinstance(obj, TransformConfig):  # pragma: no cover - _decode_config guarantees it
        raise SpecError.single(where, "", "a transformation config")
    return obj


def _read_json(text_or_path: str | Path) -> tuple[str, Any]:
    if isinstance(text_or_path, Path) or not str(text_or_path).lstrip().startswith("{"):
        path = Path(text_or_path)
        if not is_file(path):
            raise SpecError.single(str(path)[:200], "", "an existing JSON file or JSON text")
        where, text = str(path), read_text(path, "JSON file")
    else:
        where, text = "<json>", str(text_or_path)
    return where, parse_json(text, where)


def _to_jsonable(value: Any) -> Any:
    if isinstance(value, TransformConfig):
        return value.to_dict()
    if is_dataclass(value) and not isinstance(value, type):
        return {f.name: _to_jsonable(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_to_jsonable(v) for v in value]
    return value


def _decode_config(data: Any, where: str, field: str, base: type) -> Any:
    if not isinstance(data, dict):
        raise SpecError.single(where, field, "a JSON object with a 'kind' field")
    kind = data.get("kind")
    cls = _REGISTRY.get(kind) if isinstance(kind, str) else None
    if cls is None or not issubclass(cls, base):
        known = sorted(k for k, v in _REGISTRY.items() if issubclass(v, base))
        raise SpecError.single(where, join(field, "kind"), f"one of {known}")
    body = {k: v for k, v in data.items() if k != "kind"}
    return _decode_dataclass(cls, body, where, field)


def _special(tp: Any, value: Any, where: str, field: str) -> Any:
    """Registered configs decode by their ``kind`` tag; everything else by the generic rules."""
    if isinstance(tp, type) and issubclass(tp, TransformConfig):
        return _decode_config(value, where, field, tp)
    return NotImplemented


def _decode_dataclass(cls: type, data: Any, where: str, field: str) -> Any:
    return decode_dataclass(cls, data, where, field, _special)


# -- resolving which modules a call touches --------------------------------------------------------
def resolve(model: nn.Module, config: TransformConfig) -> list[tuple[str, nn.Module, Any]]:
    """(name, module, effective config) for every module ``config`` will transform, in order.

    A module is a candidate if it is an instance of ``config.target_types()``; the first
    override whose pattern matches its name substitutes its config (``None`` skips the layer).
    Raises ``SpecError`` if ``model`` is not a module, if an override names (exactly) a module
    of an unsupported type, if an override matches nothing, or if nothing would be touched.
    """
    if not isinstance(model, nn.Module):
        raise SpecError.single("model", "", f"a torch.nn.Module, got {type(model).__name__}")
    if not isinstance(config, TransformConfig):
        raise SpecError.single("config", "", f"a TransformConfig, got {type(config).__name__}")
    targets = config.target_types()
    supported = ", ".join(t.__name__ for t in targets)
    c = Collector("config")
    used = [False] * len(config.overrides)
    out: list[tuple[str, nn.Module, Any]] = []
    for name, module in model.named_modules():
        for i, o in enumerate(config.overrides):
            if name == o.pattern and not isinstance(module, targets):
                c.add(f"overrides[{i}].pattern", f"a supported module ({supported}); "
                      f"{name!r} is a {type(module).__name__} (use a regex for its children)")
                used[i] = True
        if not isinstance(module, targets):
            continue
        effective: TransformConfig | None = config
        for i, o in enumerate(config.overrides):
            if o.matches(name):
                used[i], effective = True, o.config
                break
        if effective is not None:
            out.append((name, module, effective))
    for i, was_used in enumerate(used):
        if not was_used:
            c.add(f"overrides[{i}].pattern",
                  f"the name or regex of a module in the model ({config.overrides[i].pattern!r} "
                  f"matches none of the {supported} modules)")
    if not out and not c.problems:
        c.add("", f"a model with at least one module to transform ({supported}); found none")
    c.raise_if_any()
    return out


# -- transactions ------------------------------------------------------------------------------
@contextlib.contextmanager
def transaction(model: nn.Module) -> Iterator[nn.Module]:
    """Undo every change to ``model`` if the body raises; re-raise the exception.

    Restores, for every module reachable at entry: its class (parametrizations swap it), its
    attribute dict (children, parameters, buffers, hooks, flags, added attributes) and the
    values of its parameters and buffers, keeping object identity so optimizers and external
    references stay valid. Memory cost: one clone of every parameter and buffer (the model's
    size again) plus a shallow copy of each module's attribute dict, held until the body ends.
    Plain tensor attributes that are neither parameters nor buffers are restored by reference,
    not by value.
    """
    snapshot: list[tuple[nn.Module, type, dict[str, Any]]] = []
    tensors: list[tuple[torch.Tensor, torch.Tensor, bool]] = []
    with torch.no_grad():
        for module in model.modules():
            state = {k: _shallow(v) for k, v in vars(module).items()}
            snapshot.append((module, type(module), state))
            for t in [*module._parameters.values(), *module._buffers.values()]:
                if t is not None:
                    tensors.append((t, t.detach().clone(), t.requires_grad))
    try:
        yield model
    except BaseException:
        with torch.no_grad():
            for module, cls, state in snapshot:
                module.__class__ = cls
                module.__dict__.clear()
                module.__dict__.update({k: _shallow(v) for k, v in state.items()})
            for t, saved, requires_grad in tensors:
                t.data = saved
                t.requires_grad_(requires_grad)
        raise


def _shallow(value: Any) -> Any:
    """Copy containers one level deep so later in-place edits do not reach the snapshot."""
    if type(value) in (dict, list, set) or isinstance(value, dict):
        return value.copy()
    return value
