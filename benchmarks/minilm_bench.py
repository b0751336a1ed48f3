"""The MiniLM task the codesign benchmarks share (imported from this folder): measured on
the 50 sentences of ``data/sentences.txt``, calibrated (activation scales, GPTQ's Hessians)
on the 128 others of ``data/calibration_sentences.txt``, so the metric is taken on text the
compression never saw; and the kinds of layer its six blocks repeat."""

from __future__ import annotations

from pathlib import Path

from picojoule.compress.task import Task, minilm_task

DATA = Path(__file__).parent / "data"
KINDS = (("attention.self.query", "query"), ("attention.self.key", "key"),
         ("attention.self.value", "value"), ("attention.output.dense", "attn-out"),
         ("intermediate.dense", "ffn-up"), ("output.dense", "ffn-down"))


def lines(name: str) -> list[str]:
    return [s for s in (DATA / name).read_text().splitlines() if s.strip()]


def bench_task() -> Task:
    sentences, calibration = lines("sentences.txt"), lines("calibration_sentences.txt")
    if set(sentences) & set(calibration):
        raise SystemExit("calibration sentences must differ from the measured ones")
    return minilm_task(sentences, calibration=calibration)


def kind_of(name: str) -> str | None:
    """query, key, value, attn-out, ffn-up or ffn-down; None for other layers (pooler)."""
    return next((k for suffix, k in KINDS if name.endswith(suffix)), None)


def kinds(task: Task, others: bool = False) -> dict[str, list[str]]:
    """Layer names per kind across the six blocks (``attention.output.dense`` is attn-out,
    not ffn-down); with ``others``, every other layer (the pooler, costed but unused by the
    mean-pooled embedding) as a group of its own."""
    out: dict[str, list[str]] = {}
    for name in task.layers():
        kind = kind_of(name) or (name if others else None)
        if kind is not None:
            out.setdefault(kind, []).append(name)
    return out
