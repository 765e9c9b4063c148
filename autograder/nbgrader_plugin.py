"""The old place of `autograder.frontends.nbgrader_plugin`, kept as a stable entry point.

Named in courses' nbgrader_config.py.
"""

from autograder.frontends.nbgrader_plugin import (  # noqa: F401
    RestoreMissingCells, SaveExtraCredit, TrustedGrades, autograde_preprocessors, generate_preprocessors,
    sanitize_preprocessors,
)

__all__ = [
    "RestoreMissingCells", "SaveExtraCredit", "TrustedGrades", "autograde_preprocessors", "generate_preprocessors",
    "sanitize_preprocessors",
]
