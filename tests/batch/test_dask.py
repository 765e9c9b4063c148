"""`--scheduler` grades on a Dask cluster (a LocalCluster on loopback here) with results identical to local."""

from __future__ import annotations

import json

import pytest

from .conftest import comparable, run_cli, write_class

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(host="127.0.0.1", processes=True, n_workers=2, threads_per_worker=1,
                                  dashboard_address=None, worker_dashboard_address=None) as local:
        assert local.scheduler_address.startswith("tcp://127.0.0.1:")
        yield local


@pytest.mark.slow
def test_dask_results_are_identical_to_local_results(celoss, cluster, tmp_path):
    from autograder.batch.run import grade_batch
    from autograder.submission.collect import find_submissions

    expected = write_class(tmp_path / "class", size=2)
    (tmp_path / "class" / "empty.ipynb").write_bytes(b"")
    sources = list(find_submissions([tmp_path / "class"]).files)
    local = grade_batch(celoss, sources, tmp_path / "local", jobs=2)
    remote = grade_batch(celoss, sources, tmp_path / "dask", scheduler=cluster.scheduler_address)
    assert not local.failures and not remote.failures
    for name in [*expected, "empty"]:
        here = json.loads((tmp_path / "local" / f"{name}.json").read_text())
        there = json.loads((tmp_path / "dask" / f"{name}.json").read_text())
        assert comparable(here) == comparable(there), name
        assert here["score"] == expected.get(name, 0.0)


@pytest.mark.slow
def test_the_cli_sends_work_to_the_scheduler_and_resumes(cluster, tmp_path):
    write_class(tmp_path / "class", size=2)
    args = ("grade", "celoss", str(tmp_path / "class"), "--out", str(tmp_path / "out"),
            "--scheduler", cluster.scheduler_address)
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert "2 graded, 0 already up to date" in first.stdout
    second = run_cli(*args)
    assert second.returncode == 0 and "0 graded, 2 already up to date" in second.stdout


def test_an_unreachable_scheduler_is_a_clear_infrastructure_error(monkeypatch):
    from autograder.batch.cluster import DaskPool

    monkeypatch.setattr("autograder.batch.cluster.CONNECT_TIMEOUT", "1s")
    with pytest.raises(ConnectionError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        with DaskPool(len, None, address="tcp://127.0.0.1:9"):
            pass
