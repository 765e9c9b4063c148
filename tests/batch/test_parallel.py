"""Parallel grading gives the same results as sequential grading; a dead worker fails its submission only."""

from __future__ import annotations

import functools
import json
import multiprocessing
import os
import signal
import threading
import time
from pathlib import Path

import pytest

from .conftest import CORRECT, assert_gradescope_results, comparable, write_class

from autograder.batch.run import grade_batch
from autograder.submission.collect import find_submissions
from autograder.batch.pool import LocalPool


@pytest.mark.slow
def test_two_jobs_give_the_same_results_as_one(celoss, tmp_path):
    expected = write_class(tmp_path / "class")
    sources = list(find_submissions([tmp_path / "class"]).files)
    one = grade_batch(celoss, sources, tmp_path / "one", jobs=1)
    two = grade_batch(celoss, sources, tmp_path / "two", jobs=2)
    assert not one.failures and not two.failures
    for name, score in expected.items():
        first = json.loads((tmp_path / "one" / f"{name}.json").read_text())
        second = json.loads((tmp_path / "two" / f"{name}.json").read_text())
        assert_gradescope_results(first)
        assert comparable(first) == comparable(second)
        assert first["score"] == score, (name, first["output"])
    assert not (tmp_path / "two" / "_failures.json").exists()


def test_a_batch_grades_each_submission_with_the_seed_of_its_content(celoss, tmp_path):
    """The parent seeds each job; a file changed after planning is graded with its new content's seed."""
    from autograder.batch.run import Job, grade_job
    from autograder.course.seeding import course_secret, submission_seed
    from autograder.submission.extract import file_digest

    write_class(tmp_path / "class", size=2)
    sources = list(find_submissions([tmp_path / "class"]).files)
    result = grade_batch(celoss, sources, tmp_path / "out", jobs=2)
    assert not result.failures
    secret = course_secret(celoss.course_root)
    for source in sources:
        report = json.loads((tmp_path / "out" / f"{source.name}.json").read_text())["extra_data"]
        assert report["seed"] == submission_seed(secret, celoss.name, file_digest(source.path)[0])

    changed = sources[0]
    planned_sha = file_digest(changed.path)[0]
    stale = Job(changed, planned_sha, 0, seed=submission_seed(secret, celoss.name, planned_sha))
    changed.path.write_text(changed.path.read_text() + "\n# edited after the batch was planned\n")
    report = grade_job(celoss, stale)
    assert report.sha256 == file_digest(changed.path)[0] != planned_sha
    assert report.seed == submission_seed(secret, celoss.name, report.sha256)


def _crash_on_two(context, argument):
    if argument == 2:
        os._exit(3)
    return argument * context


def test_a_dead_worker_fails_only_the_submission_it_held():
    with LocalPool(_crash_on_two, 10, workers=2) as pool:
        done = {item.key: item for item in pool.run((key, key) for key in range(5))}
    assert sorted(done) == [0, 1, 2, 3, 4]
    assert [done[k].value for k in (0, 1, 3, 4)] == [0, 10, 30, 40]
    assert done[2].value is None and "exit status 3" in done[2].failure
    assert not multiprocessing.active_children()


def test_the_task_queued_behind_one_that_kills_its_worker_is_graded_by_the_next_worker():
    """One worker holds the task it grades and the next; the second is never failed for the first's crash."""
    with LocalPool(_crash_on_two, 10, workers=1) as pool:
        done = {item.key: item for item in pool.run((key, key) for key in range(1, 5))}
    assert {key: item.value for key, item in done.items() if item.failure is None} == {1: 10, 3: 30, 4: 40}
    assert "exit status 3" in done[2].failure
    assert not multiprocessing.active_children()


def _crash_on_two_and_three(context, argument):
    if argument in (2, 3):
        os._exit(3)
    return argument * context


def test_a_queued_task_that_kills_the_next_worker_too_fails_alone():
    """Given back after one crash, a task that crashes again fails by itself; the tasks after it are graded."""
    with LocalPool(_crash_on_two_and_three, 10, workers=1) as pool:
        done = {item.key: item for item in pool.run((key, key) for key in range(1, 6))}
    assert {key: item.value for key, item in done.items() if item.failure is None} == {1: 10, 4: 40, 5: 50}
    assert all("exit status 3" in done[key].failure for key in (2, 3))
    assert not multiprocessing.active_children()


@pytest.mark.slow
def test_a_worker_killed_mid_batch_is_an_infrastructure_failure_and_the_batch_goes_on(celoss, tmp_path):
    slow = "import time\ntime.sleep(4)\n" + CORRECT
    for name in ("slow1", "slow2"):
        (tmp_path / "in" / f"{name}.py").parent.mkdir(exist_ok=True)
        (tmp_path / "in" / f"{name}.py").write_text(slow)
    (tmp_path / "in" / "zed.py").write_text(CORRECT)
    sources = list(find_submissions([tmp_path / "in"]).files)

    def kill_a_worker():
        time.sleep(3)
        os.kill(multiprocessing.active_children()[0].pid, signal.SIGKILL)

    killer = threading.Thread(target=kill_a_worker)
    killer.start()
    result = grade_batch(celoss, sources, tmp_path / "out", jobs=2)
    killer.join()
    assert len(result.failures) == 1
    failed = result.failures[0]
    assert "killed by SIGKILL" in failed.failure
    graded = {item.source.name for item in result.items if item.ok}
    assert graded == {"slow1", "slow2", "zed"} - {failed.source.name}
    assert not (tmp_path / "out" / f"{failed.source.name}.json").exists()
    listed = json.loads((tmp_path / "out" / "_failures.json").read_text())["failures"]
    assert [entry["name"] for entry in listed] == [failed.source.name]
    assert not multiprocessing.active_children()

    again = grade_batch(celoss, sources, tmp_path / "out", jobs=2)
    assert [item.source.name for item in again.items if not item.skipped] == [failed.source.name]
    assert not again.failures and not (tmp_path / "out" / "_failures.json").exists()


def test_jobs_default_to_the_cores_this_process_may_use():
    import subprocess
    import sys

    pinned = ("import os; os.sched_setaffinity(0, {min(os.sched_getaffinity(0))}); "
              "from autograder.batch.run import usable_cores; print(usable_cores())")
    done = subprocess.run([sys.executable, "-c", pinned], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "1"  # one usable core, whatever os.cpu_count() says


def _cores_of_this_worker(context, argument):
    time.sleep(context)  # long enough that every worker gets tasks
    return os.getpid(), sorted(os.sched_getaffinity(0))


def _worker_cores(workers: int) -> dict[int, list[int]]:
    with LocalPool(_cores_of_this_worker, 0.2, workers=workers) as pool:
        done = [item.value for item in pool.run((key, key) for key in range(3 * workers))]
    return dict(done)


def test_each_worker_runs_on_a_core_of_its_own():
    usable = sorted(os.sched_getaffinity(0))
    cores = _worker_cores(min(2, len(usable)))
    assert len(cores) == min(2, len(usable))
    assert all(len(pinned) == 1 and pinned[0] in usable for pinned in cores.values()), cores
    assert len({pinned[0] for pinned in cores.values()}) == len(cores), f"two workers share a core: {cores}"


def test_workers_are_not_pinned_when_there_are_more_of_them_than_cores():
    usable = sorted(os.sched_getaffinity(0))
    cores = _worker_cores(len(usable) + 1)
    assert all(pinned == usable for pinned in cores.values()), cores


def test_a_worker_that_cannot_be_pinned_still_grades(monkeypatch):
    import autograder.batch.pool as pool

    monkeypatch.setattr(pool, "usable_core_ids", lambda: [10**6])  # no such core: sched_setaffinity fails
    cores = _worker_cores(1)
    assert list(cores.values()) == [sorted(os.sched_getaffinity(0))]


def _student_cores(context, argument):
    """Runs in a worker: the cores the worker may use, and those its student's sandboxed process may use."""
    import numpy as np

    from autograder.sandbox.session import StudentSession
    from autograder.submission.extract import submission_from_bytes

    code = b"import os\nimport numpy as np\ndef cores():\n    return np.array(sorted(os.sched_getaffinity(0)))\n"
    with StudentSession(submission_from_bytes(code, name="cores", filename="cores.py")) as session:
        student = session.call("cores")
        return sorted(os.sched_getaffinity(0)), [int(core) for core in np.asarray(student)], session.isolation


@pytest.mark.slow
def test_a_student_process_runs_on_its_workers_core():
    with LocalPool(_student_cores, None, workers=1) as pool:
        (done,) = list(pool.run([("only", None)]))
    assert done.failure is None, done.failure
    worker, student, isolation = done.value
    assert len(worker) == 1 and student == worker, (worker, student, isolation)


def _half(context, argument):
    if argument == 0:
        raise ZeroDivisionError("the task itself failed")
    return context / argument


def _leave_a_mark_at_exit(folder, argument):
    """Runs in a worker: registers an exit handler, as the sandbox does to stop its zygote, that writes a file."""
    import atexit

    mark = Path(folder) / f"exit-handler-ran-in-{os.getpid()}"
    atexit.register(mark.write_text, "stopped")
    return os.getpid()


def test_a_finished_worker_runs_its_exit_handlers_and_exits_with_status_0(tmp_path):
    pool = LocalPool(_leave_a_mark_at_exit, str(tmp_path), workers=2)
    with pool:
        pids = {item.value for item in pool.run((key, key) for key in range(4))}
        processes = [slot.process for slot in pool._slots]
    assert {p.exitcode for p in processes} == {0}
    assert sorted(path.name for path in tmp_path.iterdir()) == sorted(f"exit-handler-ran-in-{pid}" for pid in pids)


def _refuse():
    raise ValueError("no sandbox works here")


class _Unpicklable(Exception):
    def __reduce__(self):
        raise TypeError("cannot be pickled")


def _refuse_unpicklably():
    raise _Unpicklable("a lock cannot cross processes")


def _record_task(folder, argument):
    (Path(folder) / f"task-{argument}").write_text("ran")
    return argument


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failed_worker_startup_ends_the_batch_with_its_error_and_runs_no_task(tmp_path, workers):
    with pytest.raises(ValueError, match="no sandbox works here"):
        with LocalPool(_record_task, str(tmp_path), workers=workers, startup=_refuse) as pool:
            list(pool.run((key, key) for key in range(6)))
    assert list(tmp_path.iterdir()) == []


def _refuse_after_registering_a_slow_exit_handler(folder):
    import atexit
    import time

    def slow_stop():
        time.sleep(1.0)  # the parent's SIGTERM, sent as soon as the refusal arrives, lands in here
        (Path(folder) / "exit-handler-finished").write_text("stopped")

    atexit.register(slow_stop)
    raise ValueError("no sandbox works here")


def test_a_refusing_worker_stopped_by_the_parent_finishes_its_exit_handlers_without_a_traceback(tmp_path, capfd):
    startup = functools.partial(_refuse_after_registering_a_slow_exit_handler, str(tmp_path))
    with pytest.raises(ValueError, match="no sandbox works here"):
        with LocalPool(_record_task, str(tmp_path), workers=1, startup=startup) as pool:
            list(pool.run([("only", 0)]))
    assert (tmp_path / "exit-handler-finished").exists()
    assert "Traceback" not in capfd.readouterr().err


def _refuse_first_or_be_stopped_while_checking(folder):
    """The first worker to get here refuses at once; the other is still checking when the parent stops it."""
    import atexit
    import time

    folder = Path(folder)
    atexit.register((folder / f"exit-handler-finished-in-{os.getpid()}").write_text, "stopped")
    (folder / f"checking-in-{os.getpid()}").write_text("")
    try:
        os.close(os.open(folder / "first", os.O_CREAT | os.O_EXCL))
    except FileExistsError:
        time.sleep(30)  # the parent's SIGTERM lands here, long before this ends
    while len(list(folder.glob("checking-in-*"))) < 2:
        time.sleep(0.01)
    raise ValueError("no sandbox works here")


def test_a_worker_stopped_in_the_middle_of_its_startup_check_unwinds_without_a_traceback(tmp_path, capfd):
    startup = functools.partial(_refuse_first_or_be_stopped_while_checking, str(tmp_path))
    with pytest.raises(ValueError, match="no sandbox works here"):
        with LocalPool(_record_task, str(tmp_path), workers=2, startup=startup) as pool:
            list(pool.run((key, key) for key in range(4)))
    assert len(list(tmp_path.glob("exit-handler-finished-in-*"))) == 2
    assert not list(tmp_path.glob("task-*"))
    assert "Traceback" not in capfd.readouterr().err


def test_a_startup_error_that_cannot_cross_processes_arrives_as_its_text(tmp_path):
    from autograder.batch.pool import WorkerStartupFailed

    with pytest.raises(WorkerStartupFailed, match="a lock cannot cross processes"):
        with LocalPool(_record_task, str(tmp_path), workers=1, startup=_refuse_unpicklably) as pool:
            list(pool.run([("only", 0)]))


def test_the_inline_pool_runs_its_startup_before_any_task(tmp_path):
    from autograder.batch.pool import InlinePool

    with pytest.raises(ValueError, match="no sandbox works here"):
        with InlinePool(_record_task, str(tmp_path), startup=_refuse) as pool:
            list(pool.run([("only", 0)]))
    assert list(tmp_path.iterdir()) == []


def test_the_inline_pool_checks_nothing_when_there_is_nothing_to_grade():
    from autograder.batch.pool import InlinePool

    with InlinePool(_record_task, None, startup=_refuse) as pool:
        assert list(pool.run([])) == []


def _nothing():
    return None


def test_workers_whose_startup_passes_grade_every_task(tmp_path):
    with LocalPool(_record_task, str(tmp_path), workers=2, startup=_nothing) as pool:
        assert sorted(item.value for item in pool.run((key, key) for key in range(4))) == [0, 1, 2, 3]


def test_the_inline_pool_of_a_batch_of_one_fails_a_raising_task_alone():
    from autograder.batch.pool import InlinePool

    with InlinePool(_half, 1.0) as pool:
        done = {item.key: item for item in pool.run([("a", 2), ("b", 0), ("c", 4)])}
    assert (done["a"].value, done["c"].value) == (0.5, 0.25) and done["a"].failure is None
    assert done["b"].value is None and "ZeroDivisionError: the task itself failed" in done["b"].failure


@pytest.mark.slow
def test_sigterm_during_a_one_file_grade_leaves_no_student_process(tmp_path):
    import subprocess

    import psutil

    from .conftest import cli_command, cli_env, REPO

    (tmp_path / "slow.py").write_text("import time\n\nclass CELoss:\n    @staticmethod\n    def forward(x, y):\n"
                                      "        time.sleep(30)\n\n    backward = forward\n")
    batch = subprocess.Popen([*cli_command(), "grade", "celoss", str(tmp_path / "slow.py"), "--out",
                              str(tmp_path / "out"), "--no-progress"], cwd=REPO, env=cli_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    parent = psutil.Process(batch.pid)
    seen: dict[int, psutil.Process] = {}  # every descendant: the trial sandbox's, then the submission's
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not any(_in_sleep(pid) for pid in seen):
        for child in parent.children(recursive=True):
            seen.setdefault(child.pid, child)
        time.sleep(0.05)
    assert any(_in_sleep(pid) for pid in seen), "the grade never started the submission's call"
    for child in parent.children(recursive=True):
        seen.setdefault(child.pid, child)
    children = list(seen.values())
    batch.send_signal(signal.SIGTERM)
    _, stderr = batch.communicate(timeout=60)
    assert batch.returncode == 130, stderr
    gone, alive = psutil.wait_procs(children, timeout=10)
    assert not alive, [p.info for p in alive]
    assert not (tmp_path / "out" / "slow.json").exists()


def _in_sleep(pid: int) -> bool:
    """Whether process `pid` waits in the kernel's nanosleep: the submission's `time.sleep`, its call under way."""
    try:
        return "nanosleep" in Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False
