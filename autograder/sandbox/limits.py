"""How much one submission may use: the `Limits` every launcher and the session apply (no numpy needed)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How much one submission may use. Times are wall-clock seconds."""

    load_seconds: float = 10.0
    call_seconds: float = 10.0
    submission_seconds: float = 60.0
    memory_bytes: int = 1024 * 2**20
    cpu_seconds: int = 60
    file_bytes: int = 16 * 2**20
    open_files: int = 64
    processes: int = 16
    max_restarts: int = 3
