"""Per-submission hidden-input seeds, HMAC(course secret, assignment, submission content), and each test's rng."""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import zlib
from pathlib import Path

import numpy as np

SECRET_FILENAME = ".autograder-secret"


def course_secret(course_root: Path) -> bytes:
    """Read the course secret, creating it (mode 0600) on first use."""
    path = course_root / SECRET_FILENAME
    try:
        return bytes.fromhex(path.read_text().strip())
    except FileNotFoundError:
        pass
    fresh = secrets.token_hex(32)
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
    return np.random.default_rng([seed, zlib.crc32(test_name.encode())])


test_rng.__test__ = False  # a helper, not a pytest test
