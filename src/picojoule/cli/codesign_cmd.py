"""``picojoule codesign``: sweep compression configs of a model, measured on real data and
costed on an architecture; print the table and Pareto front and pick a config."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from picojoule.cli.carbon_option import add_carbon_args, carbon_settings
from picojoule.errors import Collector

MODELS = {"lenet300100": ("mnist", "accuracy"), "lenet5": ("mnist", "accuracy"),
          "minilm": ("FILE of sentences", "cosine")}
DEFAULT_OUT = os.path.join(os.path.expanduser("~"), ".cache", "picojoule", "codesign")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("codesign", help="accuracy vs energy of compressed models on an arch",
                       description="Evaluate compression configs (precision, per-vector "
                                   "scales, sparsity) of MODEL: metric on real data, energy, "
                                   "cycles and area on ARCH; print the Pareto front and pick "
                                   "the cheapest config above --min-accuracy or the most "
                                   "accurate within --budget-uj.")
    p.add_argument("model", metavar="MODEL", help=", ".join(MODELS))
    p.add_argument("--arch", required=True, help="preset name or architecture YAML file")
    p.add_argument("--data", default=None, help="mnist (LeNets) or a text file with one "
                                                "sentence per line (minilm)")
    p.add_argument("--calibration-data", default=None, metavar="FILE",
                   help="minilm: other sentences (one per line) to calibrate activation "
                        "scales and GPTQ on (default: the --data sentences)")
    p.add_argument("--metric", default=None, help="accuracy (LeNets) or cosine (minilm)")
    pick = p.add_mutually_exclusive_group()
    pick.add_argument("--min-accuracy", type=float, default=None, metavar="A",
                      help="report the lowest-energy config with metric >= A")
    pick.add_argument("--budget-uj", type=float, default=None, metavar="X",
                      help="report the most accurate config within X uJ per inference")
    p.add_argument("--configs", type=int, default=30, help="configs to sweep (default 30)")
    p.add_argument("--act-calibration", default="max", metavar="METHOD",
                   help="clipping of every quantized activation: max (default), percentile, "
                        "mse, entropy or octav")
    p.add_argument("--rounding", default="nearest", metavar="METHOD",
                   help="rounding of every quantized weight: nearest (default) or gptq "
                        "(GPTQ, on the calibration data; same bits and energy)")
    p.add_argument("--eval-limit", type=int, default=2000,
                   help="MNIST test images the metric uses (default 2000)")
    p.add_argument("--train-limit", type=int, default=None,
                   help="train the LeNet on the first N MNIST images (default all 60,000)")
    p.add_argument("--epochs", type=int, default=None, help="training epochs (model default)")
    p.add_argument("--model-cache", default=None, metavar="DIR",
                   help="where trained models are cached (default ~/.cache/picojoule/models)")
    p.add_argument("--out", default=DEFAULT_OUT, help=f"store and caches (default {DEFAULT_OUT})")
    p.add_argument("--json", metavar="F", help="also write the points as JSON")
    p.add_argument("--html", metavar="F", help="also write an HTML page with the plot")
    add_carbon_args(p)
    p.set_defaults(func=run)


def _sentences(c: Collector, flag: str, path: str | None) -> list[str] | None:
    """The non-blank lines of a UTF-8 text file, or None with a problem added."""
    expected = "a UTF-8 text file with one sentence per line"
    if path is None or not Path(path).is_file():
        c.add(flag, f"{expected}, got {path!r}")
        return None
    try:
        lines = [s for s in Path(path).read_text(encoding="utf-8").splitlines() if s.strip()]
    except (OSError, UnicodeDecodeError) as exc:
        c.add(flag, f"{expected}; {path!r} could not be read ({exc.__class__.__name__})")
        return None
    if not lines:
        c.add(flag, f"{expected}; {path!r} has none")
    return lines


def run(args: argparse.Namespace) -> int:
    c = Collector("codesign")
    if args.model not in MODELS:
        c.add("MODEL", f"one of {', '.join(MODELS)}, got {args.model!r}")
        c.raise_if_any()
    metric = MODELS[args.model][1]
    if args.metric is not None and args.metric != metric:
        c.add("--metric", f"{metric!r} for {args.model}, got {args.metric!r}")
    if args.model != "minilm" and args.data not in (None, "mnist"):
        c.add("--data", f"'mnist' for {args.model}, got {args.data!r}")
    sentences = calibration = None
    if args.model == "minilm":
        sentences = _sentences(c, "--data", args.data)
        if args.calibration_data is not None:
            calibration = _sentences(c, "--calibration-data", args.calibration_data)
    elif args.calibration_data is not None:
        c.add("--calibration-data", f"no value for {args.model} (minilm only)")
    if args.configs < 1:
        c.add("--configs", f"a positive number, got {args.configs}")
    if args.eval_limit < 1:
        c.add("--eval-limit", f"a positive number, got {args.eval_limit}")
    from picojoule.codesign.config import ACT_CALIBRATIONS
    from picojoule.rounding import ROUNDINGS
    if args.act_calibration not in ACT_CALIBRATIONS:
        c.add("--act-calibration", f"one of {', '.join(ACT_CALIBRATIONS)}, "
                                   f"got {args.act_calibration!r}")
    if args.rounding not in ROUNDINGS:
        c.add("--rounding", f"one of {', '.join(ROUNDINGS)}, got {args.rounding!r}")
    c.raise_if_any()
    carbon = carbon_settings(args)  # a bad --carbon fails before any work
    from picojoule.arch.loader import load_arch
    from picojoule.codesign.pipeline import Codesign, Point, default_cache
    from picojoule.codesign.report import (
        co2e_g_per_inference,
        format_table,
        render_html,
        to_json,
    )
    from picojoule.codesign.search import below_budget, cheapest_above, config_space, pareto_front
    from picojoule.compress.task import minilm_task, mnist_task

    arch = load_arch(args.arch)
    if args.model == "minilm":
        task = minilm_task(sentences or [], calibration=calibration)
    else:
        task = mnist_task(args.model, cache_dir=args.model_cache, eval_limit=args.eval_limit,
                          train_limit=args.train_limit, epochs=args.epochs)
    maps, store = default_cache(args.out)
    cd = Codesign(task, arch, cache_dir=maps, store=store)
    points = cd.sweep(config_space(task.layers(), args.configs, nm_layers=task.nm_layers(),
                                   act_calibration=args.act_calibration,
                                   rounding=args.rounding))
    co2e = (co2e_g_per_inference(points, carbon.intensity, carbon.pue)
            if carbon is not None else None)
    print(format_table(points, metric, co2e))
    if carbon is not None:
        it = carbon.intensity
        print(f"co2e_ng: operational CO2e per inference in nanograms = energy x PUE "
              f"{carbon.pue.pue:g} x {it.name} [{it.region}] {it.g_per_kwh:,.1f} gCO2e/kWh "
              f"({it.source})")

    def pick(best: Point | None) -> str:
        if best is None:
            return "none"
        grams = f", {co2e[best.key] * 1e9:.4g} ngCO2e" if co2e is not None else ""
        return f"{best.label} ({best.metric:.4f}, {best.energy_uj:.3f} uJ{grams})"

    print(f"Pareto front: {', '.join(p.label for p in pareto_front(points))}")
    if args.min_accuracy is not None:
        print(f"lowest energy with {metric} >= {args.min_accuracy}: "
              f"{pick(cheapest_above(points, args.min_accuracy))}")
    if args.budget_uj is not None:
        print(f"most accurate within {args.budget_uj} uJ: "
              f"{pick(below_budget(points, args.budget_uj))}")
    if args.json:
        extra = ({"carbon": {"intensity": carbon.intensity.to_dict(), "pue": carbon.pue.pue}}
                 if carbon is not None else None)
        Path(args.json).write_text(to_json(points, extra, co2e))
    if args.html:
        Path(args.html).write_text(render_html(f"{task.name} on {arch.name}", points, metric))
    return 0
