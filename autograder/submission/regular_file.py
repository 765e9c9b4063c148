"""Read a submission's files without following links: regular files only, no symlinked folder on the way.

A submission's own directory is trusted only as far as its root: the folder the instructor named,
nbgrader's `submitted/` folder, or Gradescope's `/autograder/submission`. Below that root every
folder is opened with O_NOFOLLOW and the file itself with O_NOFOLLOW | O_NONBLOCK, then checked
with fstat, so a link to the course's source notebook or to its secret is never read.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path

from autograder.errors import NotRegularFile

_DIRECTORY_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC


def submission_root(path: Path) -> Path:
    """Where trust ends for `path`: nbgrader's `submitted/` folder in that layout, else the file's folder."""
    absolute = Path(os.path.abspath(path))
    parts = absolute.parts
    if len(parts) >= 4 and parts[-4] == "submitted":
        return Path(*parts[:-3])
    return absolute.parent


def open_regular(path: Path, *, root: Path | None = None) -> int:
    """A read-only descriptor on `path`, or `NotRegularFile` (a link, a folder, a device, a link on the way).

    A missing file raises FileNotFoundError (an OSError), as `open` would.
    """
    absolute = Path(os.path.abspath(path))
    root = Path(os.path.abspath(root)) if root is not None else submission_root(absolute)
    try:
        relative = absolute.relative_to(root).parts
    except ValueError:
        raise NotRegularFile(absolute.name, what="outside its submission folder") from None
    if not relative:
        raise NotRegularFile(absolute.name, what="a folder")
    folder = os.open(root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        for part in relative[:-1]:
            inner = _step(folder, part, absolute.name)
            os.close(folder)
            folder = inner
        try:
            fd = os.open(relative[-1], _FILE_FLAGS, dir_fd=folder)
        except OSError as error:
            if error.errno == errno.ELOOP:
                raise NotRegularFile(absolute.name, what="a symbolic link") from None
            raise
    finally:
        os.close(folder)
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        raise NotRegularFile(absolute.name, what=_kind(mode))
    return fd


def _step(folder: int, part: str, name: str) -> int:
    try:
        return os.open(part, _DIRECTORY_FLAGS, dir_fd=folder)
    except OSError as error:
        if error.errno in (errno.ELOOP, errno.ENOTDIR):
            linked = error.errno == errno.ELOOP or stat.S_ISLNK(os.stat(part, dir_fd=folder, follow_symlinks=False).st_mode)
            kind = "a symbolic link" if linked else "not a folder"
            raise NotRegularFile(name, what=f"inside {part!r}, which is {kind}") from None
        raise


def read_regular(path: Path, *, limit: int, root: Path | None = None) -> bytes:
    """The bytes of a regular file, at most `limit` + 1 of them (so the caller can tell it is too big)."""
    fd = open_regular(path, root=root)
    with os.fdopen(fd, "rb") as handle:
        return handle.read(limit + 1)


def size_of_regular(path: Path, *, root: Path | None = None) -> int:
    fd = open_regular(path, root=root)
    try:
        return os.fstat(fd).st_size
    finally:
        os.close(fd)


def walk(root: Path) -> Iterator[Path]:
    """Every entry under `root`, in sorted order, never descending into a symbolic link to a folder.

    Links and other non-regular entries are yielded too (so their owner hears why they were refused);
    a link to a folder is yielded as itself, not followed.
    """
    try:
        entries = sorted(os.scandir(root), key=lambda entry: entry.name)
    except OSError:
        return
    for entry in entries:
        path = Path(entry.path)
        yield path
        if entry.is_dir(follow_symlinks=False):
            yield from walk(path)


def is_readable(path: Path, *, root: Path | None = None) -> bool:
    """True when `open_regular` would open `path`."""
    try:
        os.close(open_regular(path, root=root))
    except (NotRegularFile, OSError):
        return False
    return True


def is_plain_folder(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except OSError:
        return False


def is_regular(path: Path) -> bool:
    try:
        return stat.S_ISREG(os.lstat(path).st_mode)
    except OSError:
        return False


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a plain file"
