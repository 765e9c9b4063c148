"""Per-submission hidden-input seeds, HMAC(course secret, assignment, submission content), and each test's rng."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import zlib
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np  # a batch's parent seeds its jobs without numpy

SECRET_FILENAME = ".autograder-secret"


def course_secret(course_root: Path) -> bytes:
    """The course secret (where `c.Autograder.secret_file` says, by default .autograder-secret), made on first use."""
    return read_or_create_secret(secret_path(Path(course_root)))


def secret_path(course_root: Path) -> Path:
    config = course_root / "nbgrader_config.py"
    stamp = config.stat().st_mtime_ns if config.is_file() else 0
    return _secret_path(course_root.resolve(), stamp)


@lru_cache(maxsize=8)
def _secret_path(course_root: Path, config_stamp: int) -> Path:
    from autograder.course.config import load_settings

    return load_settings(course_root).secret_path if config_stamp else course_root / SECRET_FILENAME


def read_or_create_secret(path: Path) -> bytes:
    """Read a hex secret, creating it (mode 0600, 32 random bytes) when the file does not exist."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    fresh = secrets.token_hex(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return bytes.fromhex(path.read_text().strip())
    with os.fdopen(descriptor, "w") as handle:
        handle.write(fresh + "\n")
    return bytes.fromhex(fresh)


def submission_seed(secret: bytes, assignment: str, submission_sha256: str) -> int:
    """A 63-bit seed that only the secret's holder can predict; the same submission reseeds the same."""
    message = f"{assignment}\x00{submission_sha256}".encode()
    digest = hmac.new(secret, message, hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def test_rng(seed: int, test_name: str) -> np.random.Generator:
    """The generator a grader test named `test_name` gets as its `rng` fixture under submission seed `seed`.

    The one derivation of per-test inputs: the runner uses it, and so must any test that re-derives
    a grader's inputs. Tests draw independent streams, and adding a test changes no other's inputs.
    """
    import numpy as np

    return np.random.default_rng([seed, zlib.crc32(test_name.encode())])


test_rng.__test__ = False  # a helper, not a pytest test


def fingerprint(secret: bytes) -> str:
    """A short public name for a secret: two clones grade alike exactly when their fingerprints match."""
    digest = hmac.new(secret, b"autograder fingerprint", hashlib.sha256).hexdigest()[:16]
    return ":".join(digest[i:i + 4] for i in range(0, 16, 4))


def gradescope_secret(secret: bytes, assignment: str) -> bytes:
    """The secret a Gradescope bundle carries: HMAC(course secret, "gradescope:" + assignment).

    The course secret never leaves the course, yet whoever holds it can rebuild the bundle's secret and
    so reproduce any Gradescope seed locally; one assignment's bundle reveals nothing about another's.
    """
    return hmac.new(secret, f"gradescope:{assignment}".encode(), hashlib.sha256).digest()
