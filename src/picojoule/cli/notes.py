"""Footnotes under the tables: what the `static` and `network` rows are, and why a layer's
utilization is low. Pure functions of the results; printing happens in the commands.

docs/design.md ("Reading the output") explains the same rows at length.
"""

from __future__ import annotations

from picojoule.analysis.network import NetworkAnalysis
from picojoule.cost.stats import Stats

LOW_UTILIZATION = 0.1
STALLED = 1.2  # cycles over the MAC time of the used PEs beyond which data movement sets time
MAX_LISTED = 4


def stats_notes(stats: Stats) -> list[str]:
    """One line per non-obvious row of the level table."""
    out = []
    total = stats.energy_pj or 1.0
    if stats.static_energy_pj and stats.seconds:
        mw = stats.static_energy_pj / (1e9 * stats.seconds)
        out.append(
            f"static: {mw:,.3g} mW of idle power (clock tree and leakage; the arch's "
            f"static_power_mw) x {stats.seconds * 1e3:,.4g} ms run time = "
            f"{100 * stats.static_energy_pj / total:.0f}% of the energy; it grows with cycles.")
    if stats.network_energy_pj:
        out.append(
            "network: on-chip wires from a buffer to the PEs: bits moved x hop length (half "
            "the used array's span at its PE pitch) x the wire's pJ per bit per mm.")
    return out


def utilization_notes(a: NetworkAnalysis) -> list[str]:
    """Why layers run at utilization below 0.1: bandwidth-bound, or PEs left idle."""
    bound, idle, fc = [], [], False
    for r in a.layers:
        s = r.stats
        if s is None or not s.cycles or s.utilization >= LOW_UTILIZATION:
            continue
        mac_cycles = s.macs / max(s.used_pes, 1)
        if s.cycles > STALLED * mac_cycles:
            fc = fc or r.layer.kind == "fc"
            bound.append(f"{r.name} ({s.used_pes} of {s.num_pes} PEs, {s.cycles:,.0f} cycles "
                         f"vs {mac_cycles:,.0f} for its MACs)")
        else:
            idle.append(f"{r.name} ({s.used_pes} of {s.num_pes} PEs)")
    time_free = not a.arch.static_power_mw and not a.options.objective.cycles_exp
    hint = (" Under the energy objective with no static power, time costs no energy, so the "
            "energy optimum accepts stalls and idle PEs to save accesses and wire energy (try "
            "--objective edp or mix:0.5)." if time_free else "")
    out = []
    if bound:
        out.append(
            f"utilization < {LOW_UTILIZATION}, bandwidth-bound: {_listed(bound)}: cycles are "
            "the time to move data, not to compute." + (
                " At batch 1 an fc layer uses each weight once, so the array waits on DRAM "
                "weight reads (more PEs would not be faster) and its pJ/MAC is those reads "
                "plus static power over that time." if fc else "") + hint)
    if idle:
        out.append(f"utilization < {LOW_UTILIZATION}, PEs idle: {_listed(idle)}: the layer's "
                   "dims do not fill the array." + hint)
    return out


def _listed(items: list[str]) -> str:
    more = len(items) - MAX_LISTED
    return "; ".join(items[:MAX_LISTED]) + (f"; and {more} more" if more > 0 else "")
