"""One entry point for "a model" wherever the CLI or the mapper takes one: a zoo name, or a
file read by the registered reader for its suffix."""

from __future__ import annotations

from pathlib import Path

from picojoule.errors import Collector, SpecError
from picojoule.fileio import is_file, shown
from picojoule.importers.readers import OnnxReader
from picojoule.workload.network import Network
from picojoule.workload.readers import WORKLOAD_READERS, ModelRequest, Reader

MAX_BATCH = 2**20  # larger batches overflow no count, but are certainly a typo
MAX_TOKENS = 2**24

# Every file reader, asked in order; the first whose suffixes match reads the file.
READERS: list[Reader] = [OnnxReader(), *WORKLOAD_READERS]


def reader_for(path: Path) -> Reader | None:
    """The first registered reader that declares ``path``'s suffix (case-insensitive)."""
    suffix = path.suffix.lower()
    return next((r for r in READERS if suffix in r.suffixes), None)


def accepted() -> str:
    """What ``load_model`` accepts, for error messages (from the registered readers)."""
    parts = ["a zoo name (picojoule zoo list)", *(r.describe for r in READERS),
             "a transformer config .json"]
    return ", ".join(parts[:-1]) + ", or " + parts[-1]


def load_model(spec: str | Path, batch: int = 1, phase: str = "prefill", seq_len: int | None = None,
               kv_len: int | None = None, where: str = "model",
               allow_unsupported: bool = False) -> Network:
    """A zoo name or a model file: ``.onnx``, ``.yaml``/``.json`` network, ``.net`` text,
    ``.txt`` layer list (one ``KIND KEY=VALUE ...`` per line, ``#`` comments) or HF config
    JSON (``READERS``).

    ``batch`` applies to zoo models, configs and ONNX files with a symbolic batch dimension;
    a saved network keeps the batch it was built with. ``allow_unsupported`` lets an ONNX
    import skip ops it cannot model (listed in ``meta["skipped_ops"]``) instead of failing.
    """
    from picojoule.workload import zoo

    if not isinstance(spec, str | Path):
        raise SpecError.single(where, "", f"{accepted()}; got a {type(spec).__name__}")
    spec = str(spec)
    c = Collector(where)
    if isinstance(batch, bool) or not isinstance(batch, int) or not 1 <= batch <= MAX_BATCH:
        c.add("batch", f"a positive integer up to {MAX_BATCH:,}, got {shown(batch)}")
    if phase not in ("prefill", "decode"):
        c.add("phase", f"prefill or decode, got {shown(phase)}")
    for key, value in (("seq_len", seq_len), ("kv_len", kv_len)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or not 1 <= value <= MAX_TOKENS):
            c.add(key, f"a positive integer up to {MAX_TOKENS:,}, got {shown(value)}")
    c.raise_if_any()
    path = Path(spec)
    found = is_file(path)
    if zoo.is_zoo_name(spec) and not found:
        return zoo.build(spec, batch, phase, seq_len, kv_len)
    reader = reader_for(path)
    if reader is not None:
        if not found:
            raise SpecError.single(shown(spec, 200)[1:-1], "", "an existing file")
        return reader.read(path, ModelRequest(batch, phase, seq_len, kv_len, allow_unsupported))
    if path.suffix:
        raise SpecError.single(where, spec, accepted())
    zoo.lookup(spec, where)  # raises with close names
    raise SpecError.single(where, spec, accepted())  # pragma: no cover - lookup raised
