"""The old place of `autograder.frontends.nbgrader_register`, kept as a stable entry point.

Named in courses' nbgrader_config.py.
"""

from autograder.frontends.nbgrader_register import register_missing_assignments  # noqa: F401

__all__ = ["register_missing_assignments"]
