"""Where submissions come from: files, folders, zip archives (extracted safely), nbgrader's submitted/ layout."""

from __future__ import annotations

import json
import stat
import zipfile
from pathlib import Path

import pytest

from .conftest import CORRECT, NAIVE, notebook

from autograder.batch.run import grade_batch
from autograder.submission.collect import find_submissions


def _names(found) -> dict[str, tuple[str, str | None]]:
    return {item.name: (item.path.name, item.student_id) for item in found.files}


def test_files_and_folders_are_named_by_stem_and_relative_path(tmp_path):
    (tmp_path / "lab" / "alice").mkdir(parents=True)
    (tmp_path / "lab" / "alice" / "celoss.ipynb").write_text(notebook(CORRECT))
    (tmp_path / "lab" / "bob.py").write_text(NAIVE)
    (tmp_path / "lab" / "notes.txt").write_text("not a submission")
    (tmp_path / "lab" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "lab" / ".ipynb_checkpoints" / "bob-checkpoint.py").write_text(NAIVE)
    (tmp_path / "carol.py").write_text(CORRECT)
    found = find_submissions([tmp_path / "lab", tmp_path / "carol.py"])
    assert _names(found) == {
        "alice__celoss": ("celoss.ipynb", None), "bob": ("bob.py", None), "carol": ("carol.py", None),
    }


def test_name_collisions_get_stable_suffixes(tmp_path):
    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "hw.py").write_text(CORRECT)
    (tmp_path / "hw-2.py").write_text(CORRECT)
    files = [tmp_path / "a" / "hw.py", tmp_path / "b" / "hw.py", tmp_path / "hw-2.py", tmp_path / "c" / "hw.py"]
    found = find_submissions(files)
    assert [item.name for item in found.files] == ["hw", "hw-3", "hw-2", "hw-4"]
    assert find_submissions(files) == found, "a rerun must map each file to the same name"


def test_nbgrader_submitted_layout_names_results_by_student_id(tmp_path):
    submitted = tmp_path / "course" / "submitted"
    for student, assignment in (("s001", "celoss"), ("s002", "celoss"), ("s001", "other")):
        folder = submitted / student / assignment
        folder.mkdir(parents=True)
        (folder / f"{assignment}.ipynb").write_text(notebook(CORRECT))
        (folder / "timestamp.txt").write_text("2024-01-01 00:00:00")
    found = find_submissions([submitted], assignment="celoss")
    assert _names(found) == {"s001": ("celoss.ipynb", "s001"), "s002": ("celoss.ipynb", "s002")}
    assert _names(find_submissions([submitted / "s002" / "celoss" / "celoss.ipynb"], assignment="celoss")) == {
        "s002": ("celoss.ipynb", "s002")}


def _zip(path: Path, members: dict[str, bytes], *, symlink: str | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in members.items():
            bundle.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo("link.py")
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, symlink)
    return path


def test_zip_archives_are_extracted_and_graded(celoss, tmp_path):
    archive = _zip(tmp_path / "section1.zip", {
        "section1/alice.py": CORRECT.encode(), "section1/bob.ipynb": notebook(NAIVE).encode(),
        "__MACOSX/section1/._alice.py": b"\x00\x05junk",
    })
    (tmp_path / "late").mkdir()
    _zip(tmp_path / "late" / "carol.zip", {"celoss.py": CORRECT.encode()})
    scratch = tmp_path / "scratch"
    found = find_submissions([archive, tmp_path / "late"], scratch=scratch)
    assert _names(found) == {"section1__alice": ("alice.py", None), "section1__bob": ("bob.ipynb", None),
                             "carol": ("celoss.py", None)}
    assert all(item.path.is_relative_to(scratch) for item in found.files)
    result = grade_batch(celoss, list(found.files), tmp_path / "out", jobs=2)
    scores = {item.source.name: item.mark.score for item in result.items}
    assert scores == {"section1__alice": 10.0, "section1__bob": 7.0, "carol": 10.0}


@pytest.mark.parametrize("member", ["../escape.py", "/etc/evil.py", "a/../../escape.py", "C:/evil.py"])
def test_a_zip_member_escaping_the_folder_is_refused(tmp_path, member):
    archive = _zip(tmp_path / "evil.zip", {"ok.py": CORRECT.encode(), member: b"print('pwned')"})
    found = find_submissions([archive], scratch=tmp_path / "scratch")
    assert found.files == ()
    assert "outside the extraction folder" in found.rejected[0].reason
    assert not (tmp_path / "escape.py").exists() and not any((tmp_path / "scratch").rglob("*.py"))


def test_zip_symlinks_are_not_followed_or_created(tmp_path):
    archive = _zip(tmp_path / "links.zip", {"ok.py": CORRECT.encode()}, symlink="/etc/passwd")
    found = find_submissions([archive], scratch=tmp_path / "scratch")
    assert [item.name for item in found.files] == ["ok"]
    assert not any(path.is_symlink() for path in (tmp_path / "scratch").rglob("*"))


def test_a_zip_bomb_is_refused_without_filling_the_disk(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.submission.archive.MAX_MEMBER_BYTES", 4 * 2**20)  # the real cap is 256 MiB
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as bundle:
        with bundle.open("bomb.py", "w") as member:
            for _ in range(6):
                member.write(b"0" * 2**20)
    assert archive.stat().st_size < 64 * 2**10
    found = find_submissions([archive], scratch=tmp_path / "scratch")
    assert found.files == ()
    assert "MiB" in found.rejected[0].reason or "size cap" in found.rejected[0].reason
    assert sum(p.stat().st_size for p in (tmp_path / "scratch").rglob("*") if p.is_file()) == 0


def test_a_zip_whose_headers_lie_about_sizes_is_capped_while_extracting(tmp_path, monkeypatch):
    monkeypatch.setattr("autograder.submission.archive.MAX_MEMBER_BYTES", 1000)
    archive = _zip(tmp_path / "liar.zip", {"big.py": b"#" * 5000})
    data = bytearray(archive.read_bytes())
    # forge the declared uncompressed size (local header and central directory) down to 10 bytes
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        at = data.find(signature)
        data[at + offset:at + offset + 4] = (10).to_bytes(4, "little")
    archive.write_bytes(bytes(data))
    found = find_submissions([archive], scratch=tmp_path / "scratch")
    assert found.files == () and found.rejected
    assert not any(p.stat().st_size > 1000 for p in (tmp_path / "scratch").rglob("*") if p.is_file())


def test_a_corrupt_zip_is_reported_and_the_rest_is_found(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04 not really a zip")
    (tmp_path / "alice.py").write_text(CORRECT)
    found = find_submissions([tmp_path / "broken.zip", tmp_path / "alice.py"], scratch=tmp_path / "scratch")
    assert _names(found) == {"alice": ("alice.py", None)}
    assert "broken.zip" in found.rejected[0].source


def test_the_cli_grades_an_nbgrader_course_by_student_id(tmp_path):
    from .conftest import run_cli

    for student, code in (("s001", CORRECT), ("s002", NAIVE)):
        folder = tmp_path / "submitted" / student / "celoss"
        folder.mkdir(parents=True)
        (folder / "celoss.ipynb").write_text(notebook(code))
    done = run_cli("grade", "celoss", str(tmp_path / "submitted"), "--out", str(tmp_path / "out"), "--jobs", "2")
    assert done.returncode == 0, done.stderr
    for student, score in (("s001", 10.0), ("s002", 7.0)):
        document = json.loads((tmp_path / "out" / f"{student}.json").read_text())
        assert document["score"] == score
        assert document["extra_data"]["student_id"] == student


def test_usage_errors_exit_2(tmp_path):
    from .conftest import run_cli

    (tmp_path / "notes.txt").write_text("nothing to grade")
    assert run_cli("grade", "celoss", str(tmp_path), "--out", str(tmp_path / "out")).returncode == 2
    assert run_cli("grade", "nosuch", str(tmp_path), "--out", str(tmp_path / "out")).returncode == 2
    bad = run_cli("grade", "celoss", str(tmp_path), "--scheduler", "127.0.0.1:8786")
    assert bad.returncode == 2 and "tcp://HOST:PORT" in bad.stderr
