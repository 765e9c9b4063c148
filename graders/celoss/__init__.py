"""Hidden graders for the CELoss assignment, with their probes and bug diagnosis."""
