"""Hypothesis strategies for fuzz cases: an argv template and the files it reads.

Files are named in the argv as ``{dir}/NAME``; the runner writes them to a fresh folder.
Bases are real inputs (a preset, the demo mapping, a small network, a small ONNX graph),
mutated textually or byte-wise, so most cases get past the first parser and reach deeper
checks; the rest are junk from the start.
"""

from __future__ import annotations

from importlib import resources

from hypothesis import strategies as st

PRESETS = ("eyeriss", "nvdla-small", "simple-systolic", "tpu-v1")
SMALL_LAYER = "gemm M=16 N=16 K=16"
BUDGET = "30"  # evaluations per search: cases stay fast, the code paths are the same

# Values people (and typos) put where a number goes: edges of int64/float64/2**53, YAML 1.1
# specials, huge digit strings, wrong types, anchors/aliases.
TOKENS = ("0", "1", "2", "3", "7", "16", "64", "-1", "-0", "2147483648", "4294967296",
          "9007199254740992", "9007199254740993", "18446744073709551616",
          "1" + "0" * 30, "9" * 5000, "1e9", "1e30", "1e-300", "1e400", ".inf", "-.inf",
          ".nan", "nan", "inf", "0.5", "1.5", "-2.5", "true", "false", "null", "~", "''",
          "x", "zigzag", "[gemm]", "[1, 2]", "{a: 1}", "[[[[[[[[]]]]]]]]", "&a 3", "*a",
          "10**30", "0x10", "1_000", "\"\\xff\"", "☃")
KEYS = ("N", "C", "M", "P", "Q", "R", "S", "K", "B", "H", "W", "pad", "pad_w", "stride",
        "stride_w", "dilation", "groups", "bits", "input_bits", "weight_bits", "psum_bits",
        "input_density", "weight_density", "name", "kind", "Z", "")
KINDS = ("conv2d", "fc", "gemm", "bmm", "conv3d", "", "einsum")

token = st.sampled_from(TOKENS) | st.integers(-5, 300).map(str) | st.text(
    st.characters(blacklist_categories=("Cs",)), max_size=8)


def _preset_text(name: str) -> str:
    return resources.files("picojoule.arch").joinpath(f"presets/{name}.yaml").read_text()


DEMO_MAP = resources.files("picojoule").joinpath("data/demo_eyeriss.map").read_text()
DEMO_LAYER = "conv2d N=1 C=3 M=32 P=112 Q=112 R=3 S=3 stride=2"
NETWORK_YAML = """format: picojoule-network/1
name: tiny
nodes:
- name: c1
  layer: conv2d N=1 C=3 M=8 H=16 W=16 R=3 S=3 pad=1
  params: 216
- name: relu
  vector: relu
  elements: 2048
- name: fc
  layer: {kind: fc, C: 2048, M: 10}
  params: 20480
"""


@st.composite
def mutated_text(draw: st.DrawFn, base: str) -> str:
    """``base`` with a few lines' values replaced, lines dropped, duplicated or added."""
    lines = base.splitlines()
    for _ in range(draw(st.integers(1, 4))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        op = draw(st.sampled_from(("value", "value", "value", "drop", "dup", "junk", "word")))
        line = lines[i]
        if op == "value" and ":" in line:
            head = line.split(":", 1)[0]
            lines[i] = f"{head}: {draw(token)}"
        elif op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, line)
        elif op == "junk":
            lines.insert(i, f"{draw(st.sampled_from(KEYS))}: {draw(token)}")
        else:
            words = line.split()
            if words:
                words[draw(st.integers(0, len(words) - 1))] = draw(token)
                lines[i] = " ".join(words)
    return "\n".join(lines) + "\n"


@st.composite
def layer_text(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(KINDS))
    pairs = draw(st.lists(st.tuples(st.sampled_from(KEYS), token), max_size=9))
    if draw(st.booleans()):  # often start from a valid layer and break it a little
        base = draw(st.sampled_from((SMALL_LAYER, "conv2d C=8 M=8 P=8 Q=8 R=3 S=3",
                                     "fc C=64 M=10", "bmm B=2 M=8 N=8 K=8")))
        return " ".join([base, *(f"{k}={v}" for k, v in pairs[:2])])
    return " ".join([kind, *(f"{k}={v}" for k, v in pairs)])


@st.composite
def layer_case(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    text = draw(layer_text())
    if draw(st.integers(0, 3)) == 0:
        return (["evaluate", "--arch", "eyeriss", "--layer", text, "--mapping", "{dir}/m.map",
                 "--json"], {"m.map": DEMO_MAP})
    if draw(st.integers(0, 3)) == 0:  # the same keys as a layer YAML file
        body = "\n".join(f"{w.partition('=')[0] or 'x'}: {w.partition('=')[2] or '~'}"
                         for w in text.split()[1:])
        return (["map", "--arch", "eyeriss", "--layer", "{dir}/l.yaml", "--budget", BUDGET,
                 "--json"], {"l.yaml": f"kind: {text.split()[0] if text.split() else '~'}\n"
                                       f"{body}\n"})
    preset = draw(st.sampled_from(PRESETS))
    return (["map", "--arch", preset, "--layer", text, "--budget", BUDGET, "--json"], {})


@st.composite
def arch_case(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    text = draw(mutated_text(_preset_text(draw(st.sampled_from(PRESETS)))))
    if draw(st.booleans()):
        return (["arch", "show", "{dir}/a.yaml"], {"a.yaml": text})
    return (["map", "--arch", "{dir}/a.yaml", "--layer", SMALL_LAYER, "--budget", BUDGET,
             "--json"], {"a.yaml": text})


@st.composite
def mapping_case(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    text = draw(mutated_text(DEMO_MAP))
    return (["evaluate", "--arch", "eyeriss", "--layer", DEMO_LAYER, "--mapping",
             "{dir}/m.map", "--json"], {"m.map": text})


CONFIG_YAML = """model_type: llama
hidden_size: 64
num_hidden_layers: 2
num_attention_heads: 4
num_key_value_heads: 2
intermediate_size: 128
vocab_size: 1000
max_position_embeddings: 256
"""


@st.composite
def network_case(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    which = draw(st.integers(0, 2))
    if which == 0:
        name, text = "n.yaml", draw(mutated_text(NETWORK_YAML))
    elif which == 1:
        name, text = "n.txt", "\n".join(draw(st.lists(layer_text(), min_size=0, max_size=3)))
    else:  # a transformer config, with phase and sequence flags
        flags = draw(st.lists(st.sampled_from(("--phase", "--seq", "--kv", "--batch")),
                              max_size=2, unique=True))
        return (["zoo", "show", "{dir}/c.yaml", *(x for f in flags for x in (
            f, draw(st.sampled_from(FLAG_VALUES[f]))))], {"c.yaml": draw(mutated_text(
                CONFIG_YAML))})
    if draw(st.booleans()):
        return (["zoo", "show", f"{{dir}}/{name}"], {name: text})
    return (["analyze", f"{{dir}}/{name}", "--arch", "eyeriss", "--budget", BUDGET,
             "--workers", "1", "--json"], {name: text})


FLAG_VALUES = {
    "--budget": ("5", "1", "0", "-1", "infs", "nans", "1e30", "1e30s", "0.01s", "5,0.5s", ",",
                 "s", "99999999999999999999999", "1e-9s", "2s,10"),
    "--objective": ("energy", "cycles", "edp", "mix:0.5", "mix:2", "mix:nan", "mix:", "x"),
    "--strategy": ("auto", "exhaustive", "guided", "random", "bogus"),
    "--seed": ("0", "1", "-1", "99999999999999999999", "x"),
    "--dataflow": ("ws", "os", "is", "rs", "any", "zigzag", ""),
    "--batch": ("1", "2", "0", "-3", "4096", "99999999999", "x"),
    "--phase": ("prefill", "decode", "train"),
    "--seq": ("1", "16", "0", "-1", "99999999999"),
    "--kv": ("1", "16", "0", "99999999999"),
    "--workers": ("1", "0", "-1"),
}


@st.composite
def cli_case(draw: st.DrawFn) -> tuple[list[str], dict[str, str]]:
    command = draw(st.sampled_from(("map", "map", "zoo", "analyze", "arch", "evaluate", "x")))
    flags: list[str] = []
    allowed = {"map": ("--budget", "--objective", "--strategy", "--seed", "--dataflow"),
               "analyze": ("--budget", "--objective", "--strategy", "--seed", "--dataflow",
                           "--batch", "--workers"),
               "zoo": ("--batch", "--phase", "--seq", "--kv")}.get(command, tuple(FLAG_VALUES))
    for flag in draw(st.lists(st.sampled_from(allowed), max_size=3, unique=True)):
        flags += [flag, draw(st.sampled_from(FLAG_VALUES[flag]))]
    files: dict[str, str] = {}
    if draw(st.integers(0, 4)) == 0 and command in ("map", "analyze"):
        files["c.yaml"] = draw(mutated_text("dataflow: ws\nspatial_x: [M]\nspatial_y: [C]\n"
                                            "factors: {DRAM: {M: 1}}\n"))
        flags += ["--constraints", "{dir}/c.yaml"]
    if command == "map":
        layer = draw(st.sampled_from((SMALL_LAYER, "fc C=32 M=10",
                                      "gemm M=17592186044416 N=1 K=1")))
        if "gemm M=17592186044416" in layer:  # a huge dim: only with a short time budget
            pairs = [(f, v) for f, v in zip(flags[::2], flags[1::2], strict=True)
                     if f != "--budget"]
            flags = [x for pair in pairs for x in pair] + ["--budget", "1s"]
        elif "--budget" not in flags:  # the default (200,000 evaluations) is a real search
            flags += ["--budget", BUDGET]
        return (["map", "--arch", draw(st.sampled_from(PRESETS)), "--layer", layer,
                 *flags, "--json"], files)
    if command == "analyze":
        if "--budget" not in flags:
            flags += ["--budget", BUDGET]
        if "--workers" not in flags:
            flags += ["--workers", "1"]
        return (["analyze", "lenet-5", "--arch", "eyeriss", *flags, "--json"], files)
    if command == "zoo":
        model = draw(st.sampled_from(("lenet-5", "bert-base", "gpt2", "nosuch", "")))
        return (["zoo", "show", model, *flags], files)
    if command == "arch":
        return (["arch", draw(st.sampled_from(("show", "list", "x"))),
                 draw(st.sampled_from((*PRESETS, "nosuch", "a" * 300, "x.yaml")))], files)
    return ([command, *flags], files)


def onnx_base() -> bytes:
    """A small valid ONNX graph (conv, relu, pool, gemm) with a symbolic batch."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    inits = [numpy_helper.from_array(np.zeros(shape, np.float32), name) for name, shape in
             (("w", (4, 3, 3, 3)), ("b", (4,)), ("fw", (10, 4)), ("fb", (10,)))]
    nodes = [helper.make_node("Conv", ["x", "w", "b"], ["c"], name="stem", pads=[1, 1, 1, 1]),
             helper.make_node("Relu", ["c"], ["r"], name="act"),
             helper.make_node("GlobalAveragePool", ["r"], ["p"], name="pool"),
             helper.make_node("Flatten", ["p"], ["f"], name="flat"),
             helper.make_node("Gemm", ["f", "fw", "fb"], ["y"], name="head", transB=1)]
    graph = helper.make_graph(
        nodes, "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 3, 8, 8])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], inits)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]) \
        .SerializeToString()


@st.composite
def onnx_case(draw: st.DrawFn, base: bytes) -> tuple[list[str], dict[str, bytes]]:
    data = bytearray(base)
    how = draw(st.sampled_from(("flip", "flip", "truncate", "junk", "intact")))
    if how == "flip":
        for _ in range(draw(st.integers(1, 6))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    elif how == "truncate":
        data = data[: draw(st.integers(0, len(data) - 1))]
    elif how == "junk":
        data = bytearray(draw(st.binary(max_size=200)))
    argv = ["zoo", "show", "{dir}/m.onnx", "--batch", draw(st.sampled_from(("1", "2")))]
    if draw(st.booleans()):
        argv = ["analyze", "{dir}/m.onnx", "--arch", "eyeriss", "--budget", BUDGET,
                "--workers", "1", "--json"]
    return argv, {"m.onnx": bytes(data)}
