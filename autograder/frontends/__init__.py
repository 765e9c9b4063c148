"""The front ends, each calling the same engine: the CLI, the nbgrader plugin, the Gradescope bundle, the demo."""
