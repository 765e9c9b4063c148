"""`make bench`: throughput against stock nbgrader, latency, scale and reference speed, measured in one run."""
