"""`make demo` grades both assignments' example classes, and the layers class is what its generator makes."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.frontends.demo import CLASSES, run_demo

REPO = Path(__file__).resolve().parents[2]
LAYERS_CLASS = REPO / "examples" / "layers" / "class"


def test_demo_covers_both_assignments():
    assert [name for name, _ in CLASSES] == ["celoss", "layers"]
    assert all(folder.is_dir() for _, folder in CLASSES)


def test_layers_class_is_reproducible(tmp_path):
    committed = {p.name: p.read_bytes() for p in LAYERS_CLASS.iterdir()}
    subprocess.run([sys.executable, str(REPO / "examples" / "layers" / "make_class.py"), str(tmp_path / "class")],
                   check=True)
    assert {p.name: p.read_bytes() for p in (tmp_path / "class").iterdir()} == committed, (
        "examples/layers/class/ is stale: run `python examples/layers/make_class.py` and commit")


@pytest.mark.slow
def test_demo_grades_the_layers_class_as_its_readme_says(tmp_path, capsys):
    assert run_demo(classes=[("layers", LAYERS_CLASS)], out_dir=tmp_path, jobs=2) == 0
    assert "class report:" in capsys.readouterr().out
    rows = re.findall(r"^\| (l\d\d-\w+)\.\w+ \| [^|]+ \| ([^|]+) \|$", (LAYERS_CLASS / "README.md").read_text(), re.M)
    assert len(rows) == 10
    for stem, expected in rows:
        document = json.loads((tmp_path / "layers" / f"{stem}.json").read_text())
        if expected.startswith("full marks"):
            assert document["score"] == 10, stem
        elif expected.startswith("loses"):
            lost = int(re.match(r"loses (\d+) point", expected).group(1))
            assert document["score"] == 10 - lost, stem
            assert set(re.findall(r"bug:([\w-]+)", expected)) == set(document["extra_data"]["diagnoses"]), stem
        else:
            assert document["score"] == 0, stem
