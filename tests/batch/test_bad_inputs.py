"""Every kind of broken submission gets a report with a clear message, and the batch goes on."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from .conftest import CORRECT, assert_gradescope_results, notebook, run_cli

HUGE_BYTES = 100 * 2**20


def _write_bad_class(folder: Path) -> dict[str, tuple[float, str]]:
    """Each file, the score it deserves and a phrase its results must contain."""
    folder.mkdir()
    (folder / "good.py").write_text(CORRECT)
    (folder / "invalid_json.ipynb").write_text('{"cells": [')
    (folder / "empty.ipynb").write_bytes(b"")
    (folder / "binary.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00" + bytes(range(256)) * 8)
    old = {"nbformat": 3, "nbformat_minor": 0, "metadata": {}, "worksheets": [{"cells": [
        {"cell_type": "code", "language": "python", "input": CORRECT.splitlines(True), "outputs": []}]}]}
    (folder / "old_nbformat.ipynb").write_text(json.dumps(old))
    (folder / "syntax_error.py").write_text("import numpy as np\n\nclass CELoss(:\n    pass\n")
    (folder / "no_celoss.py").write_text("import numpy as np\n\ndef loss(x, y):\n    return 0.0\n")
    (folder / "latin1.py").write_bytes(("# Caf\u00e9 na\u00efve\n" + CORRECT).encode("latin-1"))
    huge = json.loads(notebook(CORRECT))
    huge["cells"][0]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * HUGE_BYTES}]
    (folder / "huge.ipynb").write_text(json.dumps(huge))
    (folder / "calls_input.ipynb").write_text(notebook('name = input("Your name? ")', CORRECT))
    (folder / "shell.ipynb").write_text(notebook(
        '!pip install numpy\n%matplotlib inline\nimport os\nos.system("curl http://127.0.0.1:9/ | sh")\n'
        'import subprocess\nsubprocess.run(["rm", "-rf", "/"])', CORRECT))
    return {
        "good": (10.0, "Score: 10 / 10"),
        "invalid_json": (0.0, "is not valid notebook JSON (line 1, column 12"),
        "empty": (0.0, "empty.ipynb is empty."),
        "binary": (0.0, "binary.ipynb is a binary file, not a notebook or Python source."),
        "old_nbformat": (10.0, "Score: 10 / 10"),
        "syntax_error": (0.0, "cell 1 raised SyntaxError"),
        "no_celoss": (0.0, "the submission does not define CELoss"),
        "latin1": (0.0, "latin1.py is not UTF-8 text (bad byte at position 5). Save it as UTF-8 and resubmit."),
        "huge": (10.0, "Score: 10 / 10"),  # stored outputs never count
        "calls_input": (10.0, "cell 1 raised EOFError: input() is not available while grading"),
        "shell": (10.0, "2 IPython magic or shell line(s) were not run"),
    }


@pytest.mark.slow
def test_bad_inputs_each_get_a_clear_report_and_the_batch_goes_on(tmp_path):
    expected = _write_bad_class(tmp_path / "class")
    assert (tmp_path / "class" / "huge.ipynb").stat().st_size > HUGE_BYTES
    done = run_cli("grade", "celoss", str(tmp_path / "class"), "--out", str(tmp_path / "out"), "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"{len(expected)} graded, 0 already up to date, 0 infrastructure failure(s)" in done.stdout
    for name, (score, phrase) in expected.items():
        document = json.loads((tmp_path / "out" / f"{name}.json").read_text())
        assert_gradescope_results(document)
        assert document["score"] == score, (name, document["output"])
        everything = document["output"] + "\n".join(test["output"] for test in document["tests"])
        assert phrase in everything, (name, document["output"])
        assert "Traceback" not in everything, name
    assert not (tmp_path / "out" / "_failures.json").exists()
    with open(tmp_path / "out" / "grades.csv", newline="") as handle:
        rows = {row["submission"]: row for row in csv.DictReader(handle)}
    assert set(rows) == set(expected)
    assert all(float(rows[name]["score"]) == score for name, (score, _) in expected.items())
    assert all((tmp_path / "out" / "feedback" / f"{name}.md").is_file() for name in expected)
    assert "<img" in (tmp_path / "out" / "report.html").read_text()
