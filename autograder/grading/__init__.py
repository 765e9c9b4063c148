"""The grading stage: hidden pytest graders run on the sandboxed submission and the reference: a `ScoreReport`."""
