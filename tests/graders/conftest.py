"""Register the graders' markers, so importing the hidden grader modules in these tests is warning-free."""

from autograder.grading.markers import MARKERS


def pytest_configure(config):
    for line in MARKERS:
        config.addinivalue_line("markers", line)
