"""The public facade: ``import picojoule`` is light (no numpy, no torch) and each entry point
is the library's own function, loaded on first use."""

from __future__ import annotations

import subprocess
import sys

import pytest

import picojoule


def test_import_is_light_and_entry_points_load_lazily() -> None:
    code = ("import sys, picojoule; assert 'numpy' not in sys.modules; "
            "picojoule.load_model; picojoule.analyze; picojoule.evaluate; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_entry_points_are_the_library_functions() -> None:
    from picojoule.analysis import analyze
    from picojoule.arch import load_arch
    from picojoule.cost import evaluate
    from picojoule.importers import load_model

    assert picojoule.analyze is analyze and picojoule.evaluate is evaluate
    assert picojoule.load_arch is load_arch and picojoule.load_model is load_model
    assert set(picojoule.__all__) <= set(dir(picojoule))
    with pytest.raises(AttributeError):
        picojoule.no_such_thing  # noqa: B018
