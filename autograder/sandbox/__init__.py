"""Run untrusted student code in a separate, sandboxed child process and call into it over pipes.

`Limits` and `StudentSession` are loaded on first use, so the launchers (which need no numpy) can
start a sandbox before the session's protocol imports numpy.
"""

__all__ = ["Limits", "StudentSession"]


def __getattr__(name: str):
    if name == "Limits":
        from autograder.sandbox.limits import Limits

        return Limits
    if name == "StudentSession":
        from autograder.sandbox.session import StudentSession

        return StudentSession
    raise AttributeError(f"module 'autograder.sandbox' has no attribute {name!r}")
