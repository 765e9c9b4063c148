"""The layers misconception catalogue, as declared in this folder's assignment.toml."""

from pathlib import Path

from autograder.checks.catalogue import load_catalogue

CATALOGUE = load_catalogue(Path(__file__).parent)
