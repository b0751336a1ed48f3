"""How the non-zeros of an operand are spread: density models as data.

A model answers three questions about a tile of ``size`` elements cut from the operand (the
questions Sparseloop asks of its density models):

* ``expected(size)``: non-zeros in the tile on average (payload moved and stored);
* ``prob_empty(size)``: probability that the tile holds no non-zero (what skipping and gating
  conditioned on this operand save, and which fibers of a compressed format are absent);
* ``capacity(size, confidence)``: non-zeros the tile holds with probability ``confidence``
  (what a buffer must reserve).

Models:

* ``FixedStructured(d)``: exactly ``d`` of every tile is non-zero (in expectation; a tile
  holds ``ceil(d * size)``); a tile of ``size >= 1`` is empty with probability ``1 - d`` only
  when it is a single element (Sparseloop's ``fixed_structured``).
* ``Hypergeometric(d, tensor_size)``: ``round(d * N)`` non-zeros placed uniformly at random in
  the ``N`` elements; a tile's occupancy is hypergeometric (exact integer arithmetic).
* ``NM(n, m)``: ``n`` non-zeros in every aligned group of ``m`` along one dimension (2:4
  structured sparsity); density ``n / m``.
* ``Measured``: densities counted in a real tensor (``from_array``), per tensor and per channel.

Every constructor is plain data; ``parse_density`` validates a YAML/dict entry once at the edge.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Protocol

import numpy as np

from picojoule.errors import Collector
from picojoule.workload.einsum import Layer, Operand


class DensityModel(Protocol):
    @property
    def density(self) -> float: ...

    def expected(self, size: int) -> float: ...

    def prob_empty(self, size: int) -> float: ...

    def capacity(self, size: int, confidence: float = 1.0) -> int: ...


@dataclass(frozen=True)
class FixedStructured:
    """Exactly ``density`` of every tile is non-zero."""

    density: float

    def expected(self, size: int) -> float:
        return self.density * size

    def prob_empty(self, size: int) -> float:
        # a single element is non-zero with probability d; a larger tile holds d * size >= ...
        # non-zeros in every instance once d * size >= 1, and is empty with 1 - d * size else
        return max(0.0, 1.0 - self.density * size) if size >= 1 else 1.0

    def capacity(self, size: int, confidence: float = 1.0) -> int:
        return math.ceil(self.density * size - 1e-9)


EXACT = 2048  # tensors up to this many elements: exact integer binomials


def _log_comb(n: int, k: int) -> float:
    """log C(n, k); -inf when k is outside 0..n."""
    if k < 0 or k > n:
        return -math.inf
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


@dataclass(frozen=True)
class Hypergeometric:
    """``round(density * tensor_size)`` non-zeros uniformly at random in the tensor."""

    density: float
    tensor_size: int

    @property
    def nonzeros(self) -> int:
        return round(self.density * self.tensor_size)

    def pmf(self, size: int) -> np.ndarray:
        """P(tile of ``size`` holds k non-zeros), k = 0..size: C(K,k) C(N-K,n-k) / C(N,n)
        (exact integers for tensors up to ``EXACT`` elements, log-gamma beyond)."""
        N, K, n = self.tensor_size, self.nonzeros, min(size, self.tensor_size)
        if N <= EXACT:
            total = math.comb(N, n)
            return np.array([math.comb(K, k) * math.comb(N - K, n - k) / total
                             for k in range(n + 1)])
        return np.array([math.exp(_log_comb(K, k) + _log_comb(N - K, n - k)
                                  - _log_comb(N, n)) for k in range(n + 1)])

    def expected(self, size: int) -> float:
        return min(size, self.tensor_size) * self.nonzeros / self.tensor_size

    def prob_empty(self, size: int) -> float:
        # C(N-K, n) / C(N, n) as an exact ratio of integers
        N, K, n = self.tensor_size, self.nonzeros, min(size, self.tensor_size)
        if N <= EXACT:
            return math.comb(N - K, n) / math.comb(N, n)
        return math.exp(_log_comb(N - K, n) - _log_comb(N, n))

    def capacity(self, size: int, confidence: float = 1.0) -> int:
        """Smallest k with P(occupancy <= k) >= confidence."""
        cdf = np.cumsum(self.pmf(size))
        return int(np.searchsorted(cdf, confidence - 1e-12))


@dataclass(frozen=True)
class NM:
    """``n`` non-zeros in every aligned group of ``m`` consecutive elements along ``dim``."""

    n: int
    m: int
    dim: str = ""

    @property
    def density(self) -> float:
        return self.n / self.m

    def expected(self, size: int) -> float:
        return self.density * size

    def prob_empty(self, size: int) -> float:
        # a single element: (m - n) / m; whole groups are never empty; a partial group (a tile
        # of fewer than m elements cut along the dim) is empty only if it misses all n
        if size >= self.m:
            return 0.0
        return math.comb(self.m - self.n, size) / math.comb(self.m, size)

    def capacity(self, size: int, confidence: float = 1.0) -> int:
        groups, rest = divmod(size, self.m)
        return groups * self.n + min(rest, self.n)


@dataclass(frozen=True)
class Measured:
    """Densities counted in a real tensor: the whole tensor and each channel (axis 0)."""

    density: float
    per_channel: tuple[float, ...] = ()
    source: str = ""

    @classmethod
    def from_array(cls, values: np.ndarray, channel_axis: int = 0,
                   source: str = "") -> Measured:
        arr = np.asarray(values)
        nz = arr != 0
        per = nz.reshape(arr.shape[channel_axis], -1) if arr.ndim == 1 else \
            np.moveaxis(nz, channel_axis, 0).reshape(arr.shape[channel_axis], -1)
        return cls(float(nz.mean()), tuple(float(x) for x in per.mean(axis=1)), source)

    def expected(self, size: int) -> float:
        return self.density * size

    def prob_empty(self, size: int) -> float:
        return FixedStructured(self.density).prob_empty(size)

    def capacity(self, size: int, confidence: float = 1.0) -> int:
        """The densest channel bounds what any tile within a channel can hold."""
        worst = max(self.per_channel, default=self.density)
        return math.ceil(worst * size - 1e-9)


def with_models(layer: Layer, **models: DensityModel) -> Layer:
    """``layer`` with density models on the named operands (their density follows)."""
    ops = tuple(replace(o, density=models[o.name].density, density_model=models[o.name])
                if o.name in models else o for o in layer.operands)
    return replace(layer, operands=ops)


def model_of(op: Operand) -> DensityModel:
    """The operand's density model: its own, else fixed-structured at its density."""
    m = op.density_model
    return m if m is not None else FixedStructured(op.density)  # type: ignore[return-value]


DISTRIBUTIONS = ("fixed_structured", "hypergeometric", "nm")


def parse_density(raw: Any, field: str, c: Collector, dims: Mapping[str, int] | None = None,
                  tensor_size: int | None = None) -> DensityModel | None:
    """One density entry: a number (fixed-structured) or ``{distribution, density}`` /
    ``{distribution: nm, n, m, dim}``. Problems go to ``c`` (one line each); None if bad."""
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = {"distribution": "fixed_structured", "density": raw}
    if not isinstance(raw, Mapping):
        c.add(field, f"a density in (0, 1] or {{distribution, density}}, got {raw!r}")
        return None
    kind = raw.get("distribution", "fixed_structured")
    if kind not in DISTRIBUTIONS:
        c.add(f"{field}.distribution", f"one of {', '.join(DISTRIBUTIONS)}, got {kind!r}")
        return None
    if kind == "nm":
        return _parse_nm(raw, field, c, dims or {})
    d = raw.get("density")
    if isinstance(d, bool) or not isinstance(d, (int, float)) or not 0 < d <= 1:
        c.add(f"{field}.density", f"a density in (0, 1], got {d!r}")
        return None
    if kind == "hypergeometric":
        if tensor_size is None or tensor_size < 1:
            c.add(field, "hypergeometric needs the tensor's size (the layer's operand)")
            return None
        return Hypergeometric(float(d), tensor_size)
    return FixedStructured(float(d))


def _parse_nm(raw: Mapping[str, Any], field: str, c: Collector,
              dims: Mapping[str, int]) -> NM | None:
    n, m, dim = raw.get("n"), raw.get("m"), raw.get("dim", "")
    if not (isinstance(n, int) and isinstance(m, int) and 0 < n <= m):
        c.add(field, f"N:M needs integers 0 < n <= m, got n={n!r}, m={m!r}")
        return None
    if dims:
        if dim not in dims:
            c.add(f"{field}.dim", f"one of the layer's dims {', '.join(dims)}, got {dim!r}")
            return None
        if dims[dim] % m:
            c.add(f"{field}.m", f"M must divide dim {dim} = {dims[dim]}, got m={m}")
            return None
    return NM(n, m, str(dim))


# The text form of a density, one word without spaces or colons (layer and network text):
#   0.5                 fixed-structured at 0.5
#   fixed(0.5)          the same, stated as a model
#   hypergeometric(0.5) uniformly random non-zeros over the operand
#   nm(2,4,C)           2 non-zeros in every 4 along dim C
TEXT_FORMS = "a density in (0, 1] such as 0.5, fixed(0.5), hypergeometric(0.5) or nm(2,4,DIM)"
_CALL = re.compile(r"^(fixed|hypergeometric|nm)\((.*)\)$")


def density_raw(value: Any) -> Any:
    """A text density (see ``TEXT_FORMS``) as the mapping ``parse_density`` reads; numbers and
    mappings pass through; text that is neither is returned as is (``parse_density`` then
    reports it)."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    try:
        return float(text)
    except ValueError:
        pass
    call = _CALL.match(text)
    if call is None:
        return text
    kind, args = call.group(1), [a.strip() for a in call.group(2).split(",")]
    if kind == "nm":
        n, m = (int(a) if a.isdigit() else a for a in [*args, "", ""][:2])
        return {"distribution": "nm", "n": n, "m": m, "dim": args[2] if len(args) > 2 else ""}
    try:
        number: Any = float(args[0]) if len(args) == 1 else text
    except ValueError:
        number = args[0]
    return {"distribution": "fixed_structured" if kind == "fixed" else kind, "density": number}


def model_text(model: DensityModel | None, density: float) -> str:
    """The text form of an operand's density (``density`` alone when no model is set);
    a measured model is written as its density (the text cannot hold a tensor)."""
    if isinstance(model, NM):
        return f"nm({model.n},{model.m},{model.dim})"
    if isinstance(model, Hypergeometric):
        return f"hypergeometric({model.density!r})"
    if isinstance(model, FixedStructured):
        return f"fixed({model.density!r})"
    return repr(density)


def apply_densities(layer: Layer, raw: Mapping[str, Any], c: Collector,
                    fields: Mapping[str, str] | None = None) -> Layer:
    """``layer`` with operand -> density entries (numbers, text forms or mappings) applied,
    each validated against the layer (its dims, the operand's size); problems go to ``c``
    under ``fields[operand]`` (default: the operand's name) and leave that operand as it
    was."""
    models: dict[str, DensityModel] = {}
    plain: dict[str, float] = {}
    for name, value in raw.items():
        field = (fields or {}).get(name, name)
        try:
            op = layer.operand(name)
        except KeyError:
            names = ", ".join(o.name for o in layer.operands)
            c.add(field, f"an operand of {layer.name} ({names})")
            continue
        entry = density_raw(value)
        if isinstance(entry, str):
            c.add(field, f"{TEXT_FORMS}, got {entry!r}")
            continue
        if isinstance(entry, Mapping) and entry.get("distribution") == "nm" and \
                entry.get("dim") not in op.dims:
            c.add(f"{field}.dim", f"a dim of {name} ({', '.join(sorted(op.dims))}), got "
                                  f"{entry.get('dim')!r}")
            continue
        model = parse_density(entry, field, c, layer.bound, layer.size(name))
        if model is None:
            continue
        if isinstance(entry, (int, float)):
            plain[name] = model.density
        else:
            models[name] = model
    out = layer.with_density(**plain) if plain else layer
    return with_models(out, **models) if models else out


def parse_overrides(text: str, where: str) -> dict[str, str]:
    """``i=0.4,w=nm(2,4,C)`` (keys i/w/o or inputs/weights/outputs) -> operand -> text."""
    c = Collector(where)
    out: dict[str, str] = {}
    keys = {"i": "inputs", "w": "weights", "o": "outputs"}
    for part in filter(None, (p.strip() for p in re.split(r",(?![^()]*\))", text))):
        key, sep, value = part.partition("=")
        name = keys.get(key.strip(), key.strip())
        if not sep or name not in keys.values():
            c.add("", f"OPERAND=DENSITY with OPERAND one of i, w, o (inputs, weights, "
                      f"outputs), got {part!r}")
            continue
        out[name] = value.strip()
    if not out:
        c.add("", f"at least one OPERAND=DENSITY, e.g. w=0.5 or w=nm(2,4,C), got {text!r}")
    c.raise_if_any()
    return out
