"""The exception tree: the student's code failed, or the grader failed.

    AutograderError
    ├── StudentError            the student's code is at fault; the test scores 0 with `student_message`
    │   ├── UnreadableSubmission    the file is not a notebook or Python source we can read
    │   ├── StudentRaised           the student's function raised an exception
    │   ├── StudentTimeout          a call or the whole submission ran past its deadline
    │   ├── StudentCrashed          the child process died (memory, signal, exit during a call)
    │   ├── MissingName             the submission does not define the name a grader calls
    │   └── BadReturnValue          a value came back that the protocol or the contract refuses
    └── InfrastructureError     the grader is at fault; never turned into a score
        ├── SandboxUnavailable      the sandbox cannot be started on this machine
        ├── ProtocolError           the parent could not talk to a child it started
        └── GraderError             a hidden test itself raised, or the course is misconfigured
"""

from __future__ import annotations


class AutograderError(Exception):
    """Base class of every error this package raises on purpose."""


class StudentError(AutograderError):
    """The student's code failed; the message is written for the student."""

    bug_tag: str | None = None

    @property
    def student_message(self) -> str:
        return str(self)


class UnreadableSubmission(StudentError):
    pass


class StudentRaised(StudentError):
    """The student's function raised; carries the exception's type name and message."""

    def __init__(self, target: str, type_name: str, message: str, traceback_text: str = ""):
        self.target = target
        self.type_name = type_name
        self.message = message
        self.traceback_text = traceback_text
        if type_name == "NotImplementedError":
            self.bug_tag = "not-implemented"
        super().__init__(f"{target} raised {type_name}: {message}".rstrip(": "))


class StudentTimeout(StudentError):
    pass


class StudentCrashed(StudentError):
    pass


class MissingName(StudentError):
    pass


class BadReturnValue(StudentError):
    pass


class InfrastructureError(AutograderError):
    """The grader failed; reported to the instructor, never scored."""


class SandboxUnavailable(InfrastructureError):
    pass


class ProtocolError(InfrastructureError):
    pass


class GraderError(InfrastructureError):
    pass
