"""The old place of `autograder.frontends.cli`, kept as a stable entry point.

The `autograder` console script of an install made before the move.
"""

from autograder.frontends.cli import main  # noqa: F401

__all__ = ["main"]
