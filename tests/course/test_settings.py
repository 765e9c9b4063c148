"""One place to configure a course: `c.Autograder.*` in nbgrader_config.py, read by every front end."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
from click.testing import CliRunner

from autograder.frontends.cli import main
from autograder.course.config import load_settings
from autograder.errors import GraderError
from autograder.course.seeding import course_secret, fingerprint, gradescope_secret

REPO = Path(__file__).resolve().parents[2]


def course(tmp_path: Path, settings: str = "") -> Path:
    root = tmp_path / "course"
    (root / "solutions").mkdir(parents=True)
    text = (REPO / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(text + "\n" + settings)
    return root


def test_the_course_file_sets_every_setting(tmp_path):
    root = course(tmp_path, 'c.Autograder.memory_mb = 512\nc.Autograder.cpu_seconds = 7\nc.Autograder.jobs = 3\n'
                            'c.Autograder.wall_seconds = 12.5\nc.Autograder.secret_file = "keys/course.key"\n'
                            'c.Autograder.due_dates = {"celoss": "2026-12-08 23:59:00 UTC"}\n'
                            'c.LateSubmissionPlugin.penalty_method = "zero"\n')
    settings = load_settings(root)
    assert (settings.memory_mb, settings.cpu_seconds, settings.jobs, settings.wall_seconds) == (512, 7, 3, 12.5)
    assert settings.secret_path == root / "keys" / "course.key"
    assert settings.due_date("celoss") == datetime(2026, 12, 8, 23, 59, tzinfo=timezone.utc)
    assert settings.due_date("other") is None
    assert settings.late_penalty == "zero"
    limits = settings.limits()
    assert (limits.memory_bytes, limits.cpu_seconds, limits.submission_seconds) == (512 * 2**20, 7, 12.5)
    assert settings.gradebook_url == f"sqlite:///{root / 'gradebook.db'}"


def test_reading_the_settings_never_touches_the_gradebook(tmp_path):
    root = course(tmp_path)
    load_settings(root)
    assert not (root / "gradebook.db").exists()


def test_the_secret_lives_where_the_course_says(tmp_path):
    root = course(tmp_path, 'c.Autograder.secret_file = "private/seed.key"\n')
    secret = course_secret(root)
    assert (root / "private" / "seed.key").read_text().strip() == secret.hex()
    assert not (root / ".autograder-secret").exists()
    assert (root / "private" / "seed.key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("line, words", [
    ('c.LateSubmissionPlugin.penalty_method = "half"\n', "penalty_method must be 'none' or 'zero'"),
    ('c.Autograder.isolation = "nothing"\n', "isolation"),
    ("c.Autograder.memory_mb = \n", "SyntaxError"),
])
def test_a_bad_setting_is_a_clear_error(tmp_path, line, words):
    root = course(tmp_path, line)
    with pytest.raises(GraderError, match="cannot read the course settings|penalty_method") as caught:
        load_settings(root)
    assert words in str(caught.value)


def test_a_bad_due_date_says_how_to_write_one(tmp_path):
    root = course(tmp_path, 'c.Autograder.due_dates = {"celoss": "next friday-ish"}\n')
    with pytest.raises(GraderError, match=r'due_dates\[\'celoss\'\].*"2026-12-08 23:59:00 UTC"'):
        load_settings(root).due_date("celoss")


def test_fingerprint_is_printed_and_two_clones_with_the_same_secret_agree(tmp_path, monkeypatch):
    first = course(tmp_path / "a")
    second = course(tmp_path / "b")
    secret = course_secret(first)
    shutil.copy2(first / ".autograder-secret", second / ".autograder-secret")
    outputs = []
    for root in (first, second):
        monkeypatch.chdir(root)
        result = CliRunner().invoke(main, ["secret", "fingerprint"])
        assert result.exit_code == 0, result.output
        outputs.append(result.output.split()[0])
    assert outputs[0] == outputs[1] == fingerprint(secret)
    assert secret.hex()[:8] not in outputs[0].replace(":", "")


def test_a_missing_secret_is_created_and_said(tmp_path, monkeypatch):
    root = course(tmp_path)
    monkeypatch.chdir(root)
    result = CliRunner().invoke(main, ["secret", "fingerprint"])
    assert result.exit_code == 0 and "(just created)" in result.output


def test_bundle_secrets_differ_per_assignment_and_hide_the_course_secret():
    secret = bytes(range(32))
    assert gradescope_secret(secret, "celoss") != gradescope_secret(secret, "layers")
    assert gradescope_secret(secret, "celoss") == gradescope_secret(bytes(range(32)), "celoss")
    assert secret not in gradescope_secret(secret, "celoss")
