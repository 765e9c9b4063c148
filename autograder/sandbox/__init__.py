"""Run untrusted student code in a separate, sandboxed child process and call into it over pipes."""

from autograder.sandbox.session import Limits, StudentSession

__all__ = ["Limits", "StudentSession"]
