"""A one-file `autograder grade` imports only what grading needs: no plotting, Dask, nbgrader, Jupyter or rich."""

from __future__ import annotations

import re
import subprocess
import sys
import time

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


def test_the_script_ends_with_its_status_its_output_written_and_nothing_left_running(tmp_path):
    """The script skips the interpreter's teardown, not its exit handlers: output flushed, sandbox stopped."""
    import psutil

    submission = tmp_path / "alice.ipynb"
    submission.write_text(notebook(CORRECT))
    grade = subprocess.Popen([*cli_command(), "grade", "celoss", str(submission), "--out", str(tmp_path / "out"),
                              "--no-progress"], cwd=REPO, env=cli_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(grade.pid)
    seen: dict[int, psutil.Process] = {}
    while grade.poll() is None:
        try:
            for child in parent.children(recursive=True):
                seen.setdefault(child.pid, child)
        except psutil.NoSuchProcess:
            break
        time.sleep(0.005)
    stdout, stderr = grade.communicate(timeout=120)
    assert grade.returncode == 0, stderr[-3000:]
    assert "alice   10.0 / 10" in stdout and "1 graded, 0 already up to date" in stdout
    assert (tmp_path / "out" / "alice.json").is_file() and (tmp_path / "out" / "report.html").is_file()
    assert seen, "the grade started no sandbox"
    _, alive = psutil.wait_procs(list(seen.values()), timeout=10)
    assert not alive, [process.pid for process in alive]

    usage = subprocess.run([*cli_command(), "grade", "no-such-assignment", str(submission)], capture_output=True,
                           text=True, timeout=60, cwd=REPO, env=cli_env())
    assert usage.returncode == 2 and "error:" in usage.stderr
