"""The codesign pipeline on a small real slice: LeNet-5 trained on 1,000 MNIST images for
one epoch (in tmp), measured on 500 test images, costed on eyeriss."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from picojoule.arch import load_preset
from picojoule.cli.main import main
from picojoule.codesign.config import CodesignConfig, LayerChoice
from picojoule.codesign.netadapt import shrink_network
from picojoule.codesign.pipeline import Codesign, Point
from picojoule.codesign.search import below_budget, cheapest_above, pareto_front
from picojoule.codesign.store import Store
from picojoule.compress.task import mnist_task
from picojoule.errors import SpecError
from picojoule.mapper import Budget, SearchOptions


@pytest.fixture(scope="module")
def task(tmp_path_factory):
    torch.set_num_threads(1)
    return mnist_task("lenet5", cache_dir=tmp_path_factory.mktemp("models"), eval_limit=500,
                      train_limit=1000, epochs=1)


@pytest.fixture(scope="module")
def points(task, tmp_path_factory):
    root = tmp_path_factory.mktemp("cd")
    cd = Codesign(task, load_preset("eyeriss"), cache_dir=root / "maps",
                  store=Store(root / "p.sqlite"))
    configs = {"int8": LayerChoice(8, 8), "int4": LayerChoice(4, 8),
               "vsq": LayerChoice(4, 8, "per_vector"),
               "s75": LayerChoice(8, 8, sparsity=0.75, pattern="unstructured")}
    out = {k: cd.measure(CodesignConfig(c, name=k)) for k, c in configs.items()}
    again = Codesign(task, load_preset("eyeriss"), cache_dir=root / "maps")
    return out, again.evaluate(CodesignConfig(configs["int8"]))


def test_lower_precision_and_sparsity_cost_less(points):
    p, _ = points
    assert p["int4"].energy_pj < p["int8"].energy_pj
    assert p["s75"].energy_pj < p["int8"].energy_pj  # bitmask weights: less DRAM traffic
    assert p["int4"].size_bits < p["int8"].size_bits
    assert all(0.0 < x.metric <= 1.0 for x in p.values())


def test_per_vector_scales_are_counted(points):
    p, _ = points
    # 4-bit scales per 16 weights add 0.25 bit per weight to the model size
    assert p["vsq"].size_bits > p["int4"].size_bits
    assert all(v["vsq_pj"] > 0 for v in p["vsq"].layers.values())
    assert all(v["vsq_pj"] == 0 for v in p["int4"].layers.values())


def test_each_mapping_is_searched_once(points):
    p, again = points
    assert again.searched == 0  # every layer signature came from the mapping cache
    assert again.energy_pj == p["int8"].energy_pj  # bit for bit


def point(key: str, metric: float, energy_pj: float) -> Point:
    return Point(key, key, {}, metric, energy_pj, 0.0, 0.0, 0, {}, 0.0, 0.0, 0)


def test_front_and_selections():
    pts = [point("a", 0.90, 10e6), point("b", 0.95, 20e6), point("c", 0.93, 25e6),
           point("d", 0.99, 40e6), point("e", 0.80, 10e6)]
    # c is beaten by b (more accurate, cheaper); e by a (same energy, more accurate)
    assert [p.key for p in pareto_front(pts)] == ["a", "b", "d"]
    assert cheapest_above(pts, 0.94).key == "b"
    assert cheapest_above(pts, 0.999) is None
    assert below_budget(pts, 30.0).key == "b"  # 30 uJ: a, b, c, e fit; b is most accurate
    assert below_budget(pts, 5.0) is None


def test_bad_configs_report_every_problem():
    with pytest.raises(SpecError) as err:
        CodesignConfig(LayerChoice(weight_bits=9, granularity="per_row", sparsity=1.5))
    fields = {p.field for p in err.value.problems}
    assert {"default.weight_bits", "default.granularity", "default.sparsity"} <= fields


def test_shrinking_channels_shrinks_the_consumer(task):
    from picojoule.importers.torch_import import import_torch

    net = import_torch(task.model, task.example_inputs)
    small = shrink_network(net, {"conv2": 25})
    # conv2: 50 -> 25 filters of 20x5x5 over 8x8 outputs; fc1 reads 50*4*4 = 800 -> 400
    assert small.node("conv2").op.macs == 25 * 20 * 5 * 5 * 8 * 8
    assert small.node("fc1").op.macs == 500 * 400
    assert small.node("conv1").op.macs == net.node("conv1").op.macs


def test_cli_rejects_bad_arguments(capsys, tmp_path):
    assert main(["codesign", "resnet", "--arch", "eyeriss"]) == 2
    assert main(["codesign", "minilm", "--arch", "eyeriss", "--metric", "accuracy",
                 "--data", str(tmp_path / "none.txt")]) == 2
    err = capsys.readouterr().err
    assert "MODEL" in err and "--metric" in err and "--data" in err
    assert main(["codesign", "lenet5", "--arch", "eyeriss", "--act-calibration", "median"]) == 2
    assert "--act-calibration: one of max, percentile" in capsys.readouterr().err
    blank, latin1 = tmp_path / "blank.txt", tmp_path / "latin1.txt"
    blank.write_text("\n  \n")
    latin1.write_bytes("caf\xe9 au lait\n".encode("latin-1"))
    assert main(["codesign", "minilm", "--arch", "eyeriss", "--data", str(blank),
                 "--calibration-data", str(latin1)]) == 2
    err = capsys.readouterr().err
    assert "--data: a UTF-8 text file with one sentence per line;" in err and "has none" in err
    assert "--calibration-data:" in err and "UnicodeDecodeError" in err
    assert main(["codesign", "lenet5", "--arch", "eyeriss", "--calibration-data",
                 str(blank)]) == 2
    assert "--calibration-data: no value for lenet5" in capsys.readouterr().err


def test_reused_layer_weights_give_the_same_points(task, tmp_path):
    arch = load_preset("eyeriss")
    vsq = LayerChoice(4, 8, "per_vector")
    configs = [CodesignConfig(vsq),
               CodesignConfig(vsq, (("fc1", LayerChoice(8, 8, sparsity=0.5,
                                                        pattern="unstructured")),)),
               CodesignConfig(LayerChoice(8, 6), (("conv2", LayerChoice(8, 6, pattern="N:M")),))]
    fresh = Codesign(task, arch, cache_dir=tmp_path, weight_cache=None)
    reused = Codesign(task, arch, cache_dir=tmp_path)
    a = [fresh.evaluate(c) for c in configs]
    b = [reused.evaluate(c) for c in configs]
    # entries: 4 weight quantizations (config 1); fc1's mask and quantization (config 2, the
    # other three layers reused); conv2's 2:4 mask and 4 INT8 quantizations (config 3)
    assert len(reused.weight_cache) == 4 + 2 + 5
    for x, y in zip(a, b, strict=True):
        assert (x.metric, x.energy_pj, x.cycles, x.size_bits, x.layers) == \
            (y.metric, y.energy_pj, y.cycles, y.size_bits, y.layers)


def test_a_point_as_a_result_adds_up(task, tmp_path):
    cd = Codesign(task, load_preset("eyeriss"), cache_dir=tmp_path)
    config = CodesignConfig(LayerChoice(4, 8, "per_vector"))
    point, result = cd.evaluate(config), cd.result(config)
    assert result.energy_pj == pytest.approx(point.energy_pj, rel=1e-12)
    for name, layer in point.layers.items():
        assert result.total(layer=name) == pytest.approx(layer["energy_pj"], rel=1e-12)
        # VS-Quant's scale storage and multiplies are the operand "scales"
        assert result.total(layer=name, operand="scales") == pytest.approx(layer["vsq_pj"],
                                                                           rel=1e-12)
    df = result.to_pandas()
    assert set(df["layer"]) == set(point.layers)


def test_a_store_never_returns_costs_of_another_costing(task, tmp_path):
    store = Store(tmp_path / "p.sqlite")
    config = CodesignConfig(LayerChoice(8, 8), name="int8")
    arch = load_preset("eyeriss")
    first = Codesign(task, arch, cache_dir=tmp_path / "m", store=store).measure(config)
    # same name, twice the static power: the stored point must not be read back
    hotter = dataclasses.replace(arch, static_power_mw=2 * arch.static_power_mw)
    second = Codesign(task, hotter, cache_dir=tmp_path / "m", store=store).measure(config)
    assert second.energy_pj > first.energy_pj
    assert second.metric == first.metric  # the measured half is shared across costings
    other = Codesign(task, arch, SearchOptions(budget=Budget(300), seed=0),
                     cache_dir=tmp_path / "m", store=store)
    third = other.measure(config)
    assert other.measure(config) == third  # read back under its own key
    again = Codesign(task, arch, cache_dir=tmp_path / "m", store=store)
    assert again.measure(config) == first
    assert again.stored_keys() == {config.key}
    # the same task name measured on other data (another eval_limit, other sentences)
    other_data = dataclasses.replace(task, data_key=task.data_key + "-other")
    assert Codesign(other_data, arch, cache_dir=tmp_path / "m", store=store).stored_keys() == set()


def test_a_store_path_may_be_a_string(tmp_path):
    store = Store(str(tmp_path / "sub" / "p.sqlite"))
    assert store.points("task", "arch") == []  # created with its folder, empty
    assert (tmp_path / "sub" / "p.sqlite").exists()
