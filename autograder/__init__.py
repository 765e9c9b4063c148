"""A trusted autograder for numerical assignments: sandboxed student code, hidden pytest graders."""

__version__ = "0.1.0"
