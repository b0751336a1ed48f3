"""Sparse features of a storage level (Sparseloop's ``sparse_optimizations``), as data.

Per level, per operand: a representation ``format`` composed over the operand's ranks
(outermost first), each rank one of

* ``U``   uncompressed: every coordinate present, no metadata;
* ``B``   bitmask: one metadata bit per coordinate of every present fiber;
* ``RLE`` run-length: one run length (metadata word) per non-empty coordinate;
* ``CP``  coordinate-payload: one coordinate (metadata word) per non-empty coordinate;
* ``UOP`` uncompressed offset pairs (CSR's row pointers): ``size + 1`` offsets (payload words)
  per present fiber.

A tensor with fewer ranks listed than axes flattens its outer axes into the first rank.
Any rank other than ``U`` makes the level hold (and move) only non-zeros.

And actions, each ``gate`` (the access happens as an idle slot: no energy saved on the
bandwidth, the cycle is kept) or ``skip`` (neither energy nor cycle), on a ``target`` operand,
``condition_on`` one or more operands: the target's access is avoided when any condition
operand's matching data is zero ("skip B when A is zero"; with two conditions, the
intersection of their non-zeros survives).

In an arch file (picojoule format), under a level::

    sparse:
      weights: {format: [UOP, CP], metadata_bits: 4}
      actions:
        - {kind: skip, target: inputs, condition_on: [weights]}
      metadata_width_bits: 4          # bits per metadata access (default: metadata_bits)
      metadata_read_energy_pj: 0.19   # per metadata access (default: data energy per bit)
      metadata_write_energy_pj: 0.17

The default (no ``sparse`` key) changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from picojoule.errors import Collector

RANK_FORMATS = ("U", "B", "RLE", "CP", "UOP")
ACTION_KINDS = ("gate", "skip")
_ALIASES = {"UB": "B", "bitmask": "B", "rle": "RLE", "cp": "CP", "uop": "UOP", "u": "U",
            "b": "B", "gating": "gate", "skipping": "skip"}


@dataclass(frozen=True)
class OperandFormat:
    """One operand's representation at one level: rank formats, outermost rank first."""

    ranks: tuple[str, ...]
    metadata_bits: int = 4  # bits of one metadata word (coordinate, run length, offset)

    @property
    def compressed(self) -> bool:
        return any(r != "U" for r in self.ranks)


@dataclass(frozen=True)
class SparseAction:
    kind: str  # gate | skip
    target: str
    condition_on: tuple[str, ...]


@dataclass(frozen=True)
class LevelSparse:
    """Formats per operand and actions of one level."""

    formats: tuple[tuple[str, OperandFormat], ...] = ()
    actions: tuple[SparseAction, ...] = ()
    metadata_width_bits: int | None = None  # per metadata access; None: one metadata word
    metadata_read_energy_pj: float | None = None  # per metadata access
    metadata_write_energy_pj: float | None = None

    def format_of(self, operand: str) -> OperandFormat | None:
        for name, fmt in self.formats:
            if name == operand:
                return fmt
        return None


_KEYS = {"actions", "metadata_width_bits", "metadata_read_energy_pj",
         "metadata_write_energy_pj"}


def parse_level_sparse(c: Collector, raw: Any, path: str,
                       operands: tuple[str, ...]) -> LevelSparse | None:
    """Validate one level's ``sparse`` entry; every problem goes to ``c``."""
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        c.add(path, "a mapping of operand -> {format, metadata_bits} and actions")
        return None
    formats = []
    for key, value in raw.items():
        if key in _KEYS:
            continue
        if key not in operands:
            c.add(f"{path}.{key}", f"an operand ({', '.join(operands)}) or one of "
                                   f"{', '.join(sorted(_KEYS))}")
            continue
        fmt = parse_format(c, value, f"{path}.{key}")
        if fmt is not None:
            formats.append((str(key), fmt))
    actions = []
    raw_actions = raw.get("actions", [])
    if not isinstance(raw_actions, list):
        c.add(f"{path}.actions", "a list of {kind, target, condition_on}")
        raw_actions = []
    for i, a in enumerate(raw_actions):
        act = parse_action(c, a, f"{path}.actions[{i}]", operands)
        if act is not None:
            actions.append(act)
    numbers: dict[str, Any] = {}
    for key in ("metadata_width_bits", "metadata_read_energy_pj", "metadata_write_energy_pj"):
        v = raw.get(key)
        if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float)) or v < 0
                              or (key == "metadata_width_bits" and not
                                  (isinstance(v, int) and v > 0))):
            c.add(f"{path}.{key}", f"a non-negative number (a positive int for widths), "
                                   f"got {v!r}")
            v = None
        numbers[key] = v
    return LevelSparse(tuple(formats), tuple(actions), **numbers)


def parse_format(c: Collector, raw: Any, path: str) -> OperandFormat | None:
    if isinstance(raw, (list, str)):
        raw = {"format": raw}
    if not isinstance(raw, Mapping):
        c.add(path, "{format: [rank formats outermost first], metadata_bits: int}")
        return None
    ranks_raw = raw.get("format")
    if isinstance(ranks_raw, str):
        ranks_raw = [ranks_raw]
    if not isinstance(ranks_raw, list) or not ranks_raw:
        c.add(f"{path}.format", f"a non-empty list of rank formats ({', '.join(RANK_FORMATS)})")
        return None
    ranks = []
    for i, r in enumerate(ranks_raw):
        name = _ALIASES.get(r, r) if isinstance(r, str) else r
        if name not in RANK_FORMATS:
            c.add(f"{path}.format[{i}]", f"one of {', '.join(RANK_FORMATS)}, got {r!r}")
            return None
        ranks.append(str(name))
    bits = raw.get("metadata_bits", 4)
    if isinstance(bits, bool) or not isinstance(bits, int) or bits < 1:
        c.add(f"{path}.metadata_bits", f"a positive int, got {bits!r}")
        return None
    return OperandFormat(tuple(ranks), bits)


def parse_action(c: Collector, raw: Any, path: str,
                 operands: tuple[str, ...]) -> SparseAction | None:
    if not isinstance(raw, Mapping):
        c.add(path, "{kind: gate|skip, target: operand, condition_on: [operands]}")
        return None
    kind = raw.get("kind")
    kind = _ALIASES.get(kind, kind) if isinstance(kind, str) else kind
    target = raw.get("target")
    cond = raw.get("condition_on")
    ok = True
    if kind not in ACTION_KINDS:
        c.add(f"{path}.kind", f"one of {', '.join(ACTION_KINDS)}, got {raw.get('kind')!r}")
        ok = False
    if target not in operands:
        c.add(f"{path}.target", f"one of {', '.join(operands)}, got {target!r}")
        ok = False
    if not isinstance(cond, list) or not cond or any(x not in operands for x in cond):
        c.add(f"{path}.condition_on", f"a non-empty list drawn from {', '.join(operands)}, "
                                      f"got {cond!r}")
        ok = False
    elif target in cond:
        c.add(f"{path}.condition_on", f"other operands than the target {target!r}")
        ok = False
    if not ok or not isinstance(cond, list):
        return None
    return SparseAction(str(kind), str(target), tuple(str(x) for x in cond))


def check_rank_counts(c: Collector, levels: tuple[tuple[str, LevelSparse | None], ...],
                      axes: Mapping[str, int], tileable: frozenset[str] = frozenset()) -> None:
    """A format lists at most as many ranks as its operand has axes, unless the operand is
    ``tileable`` (every axis one dim: ranks may then split by the mapping's tiling)."""
    for name, sp in levels:
        if sp is None:
            continue
        for op, fmt in sp.formats:
            if op in axes and op not in tileable and len(fmt.ranks) > axes[op]:
                c.add(f"{name}.sparse.{op}.format",
                      f"at most {axes[op]} rank formats ({op} has {axes[op]} axes, some over "
                      f"several dims, so its ranks cannot split by the tiling), got "
                      f"{len(fmt.ranks)}: {list(fmt.ranks)}")
