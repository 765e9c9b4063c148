"""Hidden-input seeds: secret-keyed, reproducible, different per submission and per assignment."""

import stat

from autograder.course.seeding import SECRET_FILENAME, course_secret, submission_seed


def test_the_secret_is_created_once_private_and_then_reused(tmp_path):
    first = course_secret(tmp_path)
    assert len(first) == 32
    assert stat.S_IMODE((tmp_path / SECRET_FILENAME).stat().st_mode) == 0o600
    assert course_secret(tmp_path) == first


def test_seeds_reproduce_and_depend_on_secret_assignment_and_content():
    seed = submission_seed(b"k" * 32, "celoss", "ab" * 32)
    assert seed == submission_seed(b"k" * 32, "celoss", "ab" * 32)
    assert 0 <= seed < 2**63
    others = {
        submission_seed(b"j" * 32, "celoss", "ab" * 32),
        submission_seed(b"k" * 32, "other", "ab" * 32),
        submission_seed(b"k" * 32, "celoss", "cd" * 32),
    }
    assert seed not in others and len(others) == 3
