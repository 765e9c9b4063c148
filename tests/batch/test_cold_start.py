"""A one-file `autograder grade` imports only what grading needs: no plotting, Dask, nbgrader, Jupyter or rich."""

from __future__ import annotations

import re
import subprocess
import sys

from .conftest import CORRECT, REPO, cli_command, cli_env, notebook

# Top-level packages a one-file grade must never import, in the grading process (`-X importtime` lists them).
HEAVY = ("matplotlib", "dask", "distributed", "nbgrader", "jupyter_core", "jupyter_client", "jupyter_server",
         "jupyterlab", "notebook", "nbformat", "nbclient", "nbconvert", "ipykernel", "IPython", "rich")
IMPORT_LINE = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|(?P<indent> *)(?P<name>[\w.]+)$", re.M)


def test_grading_one_notebook_imports_no_heavy_package(tmp_path):
    submission = tmp_path / "alice.ipynb"
    submission.write_text(notebook(CORRECT))
    command = [sys.executable, "-X", "importtime", cli_command()[0], "grade", "celoss", str(submission),
               "--out", str(tmp_path / "out"), "--no-progress"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=REPO, env=cli_env())
    assert done.returncode == 0, done.stderr[-3000:]
    assert "alice   10.0 / 10" in done.stdout

    imported = {match["name"].split(".")[0] for match in IMPORT_LINE.finditer(done.stderr)}
    # The harness sees the grading imports. The trial sandbox's thread imports too, so a line can be
    # interleaved with another; pytest is also seen through its `_pytest` modules.
    assert {"numpy", "autograder"} <= imported and imported & {"pytest", "_pytest"}, sorted(imported)
    assert not imported & set(HEAVY), sorted(imported & set(HEAVY))
    html = (tmp_path / "out" / "report.html").read_text()
    assert html.count('src="data:image/svg+xml;base64,') == 2  # histogram and pass rates; no bug diagnosed
