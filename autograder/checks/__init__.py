"""Reusable checks: pure functions on arrays that return a frozen `CheckResult`."""

from autograder.checks.result import CheckResult

__all__ = ["CheckResult"]
