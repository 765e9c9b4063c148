"""The old place of `autograder.frontends.gradescope_run`, kept as a stable entry point.

`python -m autograder.gradescope_run`, what run_autograder ran before the move (new bundles run the new module).
"""

from autograder.frontends.gradescope_run import choose_submission, main, run  # noqa: F401

__all__ = ["choose_submission", "main", "run"]

if __name__ == "__main__":
    raise SystemExit(main())
