"""How quantized weights are rounded once their scales are set, shared by the torch-side
``compress.QuantSpec`` and the numpy-only ``codesign.LayerChoice`` (one list, one default,
one check): ``nearest`` rounds each weight on its own; ``gptq`` (Frantar et al., ICLR 2023)
moves each column's rounding error onto the columns not yet rounded, weighted by the
layer's calibration inputs, with ``GPTQ_DAMPING`` of the mean Hessian diagonal added."""

from __future__ import annotations

from picojoule.errors import Collector

__all__ = ["GPTQ_DAMPING", "ROUNDINGS", "check_damping"]

ROUNDINGS = ("nearest", "gptq")
#: GPTQ's default damping: 1 % of the mean of the Hessian's diagonal (Frantar et al. 2023).
GPTQ_DAMPING = 0.01


def check_damping(c: Collector, at: str, rounding: str, damping: object) -> None:
    """``damping`` is a number in (0, 100], and left at the default unless rounding is gptq."""
    if (isinstance(damping, bool) or not isinstance(damping, int | float)
            or not 0.0 < float(damping) <= 100.0):
        c.add(f"{at}gptq_damping", f"a number in (0, 100], got {damping!r}")
    elif rounding != "gptq" and damping != GPTQ_DAMPING:
        c.add(f"{at}gptq_damping", f"{GPTQ_DAMPING} (the default) unless rounding is 'gptq', "
              f"got {damping!r}")
