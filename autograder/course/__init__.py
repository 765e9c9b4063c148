"""The course: assignments, settings, the secret and seeds, the student release, a new assignment's scaffold."""
