"""The exception tree: the student's code failed, or the grader failed.

    AutograderError
    ├── StudentError            the student's code is at fault; the test scores 0 with `student_message`
    │   ├── UnreadableSubmission    the file is not a notebook or Python source we can read
    │   │   └── NotRegularFile          a link, a folder, a device: only regular files are read
    │   ├── StudentRaised           the student's function raised an exception
    │   ├── StudentTimeout          a call or the whole submission ran past its deadline
    │   ├── StudentCrashed          the child process died (memory, signal, exit during a call)
    │   ├── MissingName             the submission does not define the name a grader calls
    │   └── BadReturnValue          a value came back that the protocol or the contract refuses
    │       └── InputMutated            the function changed an input array in place
    └── InfrastructureError     the grader is at fault; never turned into a score
        ├── SandboxUnavailable      the sandbox cannot be started on this machine
        ├── ProtocolError           the parent could not talk to a child it started
        └── GraderError             a hidden test itself raised, or the course is misconfigured

`Raised` is not an exception: it holds the StudentError of a failed call in the list that a batch of
calls (`student.X.many(...)`) returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Iterator


class AutograderError(Exception):
    """Base class of every error this package raises on purpose."""


class StudentError(AutograderError):
    """The student's code failed; the message is written for the student.

    The engine names no misconception: `error_kind` says what kind of failure this was, and the
    assignment's catalogue (`autograder.checks.catalogue`) decides which bug id, if any, it means.
    """

    @property
    def student_message(self) -> str:
        return str(self)


class UnreadableSubmission(StudentError):
    pass


class NotRegularFile(UnreadableSubmission):
    """The submitted path is not a regular file inside its submission folder; it is never read."""

    def __init__(self, name: str, *, what: str):
        self.name = name
        self.what = what
        super().__init__(
            f"{name} is not a regular file ({what}); it was not read. Submit the notebook or .py file "
            "itself, not a link to it."
        )


class StudentRaised(StudentError):
    """The student's function raised; carries the exception's type name and message."""

    def __init__(self, target: str, type_name: str, message: str, traceback_text: str = ""):
        self.target = target
        self.type_name = type_name
        self.message = message
        self.traceback_text = traceback_text
        super().__init__(f"{target} raised {type_name}: {message}".rstrip(": "))


class StudentTimeout(StudentError):
    pass


class StudentCrashed(StudentError):
    pass


class MissingName(StudentError):
    pass


class BadReturnValue(StudentError):
    pass


class InputMutated(BadReturnValue):
    """The student's function changed the listed positional arguments in place."""

    def __init__(self, target: str, positions: tuple[int, ...]):
        self.target = target
        self.positions = positions
        super().__init__(
            f"{target} changed its input argument(s) {', '.join(str(p) for p in positions)} in place. "
            "A function must never modify the caller's arrays: write `x = x - m` (a new array) "
            "instead of `x -= m`."
        )


def error_kind(error: StudentError) -> str | None:
    """What kind of failure a student error is, in the engine's terms, for a catalogue to map to a bug id.

    "not_implemented": the function raised NotImplementedError (a stub);
    "read_only_write": it tried to write into one of its (read-only) input arrays;
    "mutated_input": it returned after changing an input array in place.
    """
    if isinstance(error, InputMutated):
        return "mutated_input"
    if isinstance(error, StudentRaised):
        if error.type_name == "NotImplementedError":
            return "not_implemented"
        if "read-only" in error.message:
            return "read_only_write"
    return None


class InfrastructureError(AutograderError):
    """The grader failed; reported to the instructor, never scored."""


class SandboxUnavailable(InfrastructureError):
    pass


class ProtocolError(InfrastructureError):
    pass


class GraderError(InfrastructureError):
    pass


@dataclass(frozen=True)
class Raised:
    """The place of a failed call in the list `student.X.many(...)` returns: raise `error` when you reach it."""

    error: StudentError

    @staticmethod
    def values(results: Iterable) -> Iterator:
        """Each result of a batch in turn; the error of a `Raised` is raised when it is reached."""
        for result in results:
            if isinstance(result, Raised):
                raise result.error
            yield result
