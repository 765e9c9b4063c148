"""The bubblewrap launcher: private namespaces, a read-only filesystem holding only what the child needs."""

from __future__ import annotations

from autograder.sandbox.launch import PlainLauncher


class BubblewrapLauncher(PlainLauncher):
    """Placeholder until the namespace launcher lands: behaves as the plain launcher."""

    isolation = "process"
