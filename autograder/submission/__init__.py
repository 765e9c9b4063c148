"""The submission stage: a student's files read safely (archives, folders, notebooks) into a `Submission`."""
