"""One process per SQLite database: an exclusive ``flock`` on a file next to it.

SQLite's own locking keeps the file intact with two writers, but two bots would both poll
Telegram and both send every alert. The lock lives as long as the process (the kernel drops
it when the process dies, however it dies), so a crashed bot never blocks its restart.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class AlreadyRunning(RuntimeError):
    """Another process holds the database."""


class SqliteLock:
    def __init__(self, path: Path, database: str) -> None:
        self.path = path
        self._database = database
        self._fd: int | None = None

    @classmethod
    def for_database(cls, database: str | None) -> SqliteLock | None:
        """The lock of a SQLite database file; None for an in-memory database."""
        if not database or database == ":memory:" or database.startswith("file:"):
            return None
        path = Path(database).expanduser()
        return cls(path.with_name(path.name + ".lock"), str(path))

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise AlreadyRunning(
                f"another alertbot process is using {self._database}; SQLite allows one "
                "process (run a standby on PostgreSQL instead)"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None
