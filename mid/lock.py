"""One project, one writer: a lock file in the project's private/ folder.

The process that opens a project holds an OS lock on `private/project.lock` for as long as it
has the project open; the file says who holds it (PID, host, command, since when). A second
process that opens the project is refused at once with a message naming the holder. A lock
left by a process that is gone (killed, crashed, machine restarted) holds no OS lock any more:
the next process takes it over and says so.

The OS lock (fcntl.flock on POSIX, msvcrt.locking on Windows) is what decides; the PID and
host are only for the message, so a reused PID cannot make a stale lock look alive. On a
network share whose OS locks do not reach other machines, two hosts are told apart by name.

Imports nothing of ours.
"""
from __future__ import annotations

import datetime as _dt
import json
import os
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

LOCK_NAME = "project.lock"


class ProjectLocked(Exception):
    """Another process holds the project; str() names it and says what to do."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) a lock, as written in the lock file."""
    pid: int
    host: str
    command: str
    since: str

    def describe(self) -> str:
        return f"process {self.pid} on {self.host} ({self.command}), since {self.since}"


def _read_holder(path: Path) -> Holder | None:
    try:
        d = json.loads(path.read_text(encoding="utf-8") or "{}")
        return Holder(int(d["pid"]), str(d["host"]), str(d.get("command", "?")), str(d.get("since", "?")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _try_os_lock(fd: int) -> bool:
    """True when this process now holds the OS lock on fd; False when another one does."""
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import msvcrt
        try:
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
            return True
        except OSError:
            return False
    import fcntl
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False


class ProjectLock:
    """The held lock of one project in this process (re-entrant: nested opens share it)."""

    _held: dict[Path, "ProjectLock"] = {}      # per process: one OS lock per lock file
    _guard = threading.Lock()

    def __init__(self, path: Path, fd: int, notice: str | None):
        self.path = path
        self._fd = fd
        self._count = 1
        #: set when a stale lock of a process that is gone was taken over
        self.notice = notice

    @classmethod
    def acquire(cls, private_dir: Path, command: str = "") -> "ProjectLock":
        """Takes the project's lock, or raises ProjectLocked naming the holder."""
        path = (Path(private_dir) / LOCK_NAME).resolve()
        with cls._guard:
            held = cls._held.get(path)
            if held is not None:
                held._count += 1
                return held
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                previous = _read_holder(path)
                if not _try_os_lock(fd):
                    who = previous.describe() if previous else "another process"
                    raise ProjectLocked(
                        f"the project {path.parent.parent} is in use by {who}. Wait for it to finish or "
                        f"stop it, then try again; only one program may work on a project at a time.")
                host = socket.gethostname()
                if previous and previous.host != host:
                    raise ProjectLocked(
                        f"the project {path.parent.parent} is marked in use by {previous.describe()}, another "
                        f"computer. If nothing runs there any more, delete {path} and try again.")
                notice = None
                if previous and previous.pid != os.getpid():
                    notice = (f"the project was left locked by {previous.describe()}, which is gone; "
                              f"its lock was taken over")
                me = {"pid": os.getpid(), "host": host, "command": command or Path(sys.argv[0]).name,
                      "since": _dt.datetime.now().isoformat(timespec="seconds")}
                data = json.dumps(me).encode()
                os.ftruncate(fd, 0)
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, data)
            except BaseException:
                os.close(fd)
                raise
            lock = cls(path, fd, notice)
            cls._held[path] = lock
            return lock

    def release(self) -> None:
        """Gives the lock up (when the last nested holder in this process releases it)."""
        with self._guard:
            self._count -= 1
            if self._count > 0 or self._fd < 0:
                return
            self._held.pop(self.path, None)
            try:
                os.ftruncate(self._fd, 0)          # nobody holds it: the file says so
            except OSError:
                pass
            os.close(self._fd)                     # closing drops the OS lock
            self._fd = -1

    @staticmethod
    def holder(private_dir: Path) -> Holder | None:
        """Who the lock file names (None when nobody or unreadable); for messages and tests."""
        return _read_holder(Path(private_dir) / LOCK_NAME)
