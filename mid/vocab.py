"""The words every module shares, each defined once: our own peer's name, the statuses of
queries, series and instances, the exit codes of the commands, and the events the engine's
jobs send to whoever shows their progress (the window or the terminal).

Pure data: this module imports nothing of ours.
"""
from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path

#: the peers.json entry that is our own side: our AE title and our receiver's port
SELF = "<SELF>"

# --------------------------------------------------------------------------- series statuses
FOUND = "FOUND"                # found by a search, not chosen yet
MISSING = "MISSING"            # a query that matched nothing
EXCLUDED = "EXCLUDED"          # found, and left out by the user's selection
QUEUED = "QUEUED"              # chosen for download
DOWNLOADING = "DOWNLOADING"    # a retrieve is running (left behind by a crash otherwise)
DOWNLOADED = "DOWNLOADED"      # every instance written (or dropped by the rules)
PARTIAL = "PARTIAL"            # some instances came, not all
FAILED = "FAILED"              # the retrieve failed
IGNORED = "IGNORED"            # every instance dropped by the de-identification rules
CANCELLED = "CANCELLED"        # the user stopped the run before this series ended
STATUSES = (FOUND, MISSING, EXCLUDED, QUEUED, DOWNLOADING, DOWNLOADED, PARTIAL, FAILED, IGNORED, CANCELLED)

#: series statuses a download run retrieves (again)
TO_RETRIEVE = frozenset({QUEUED, PARTIAL, FAILED, CANCELLED, DOWNLOADING})
#: series statuses that mean "this series is finished"
FINISHED = frozenset({DOWNLOADED, IGNORED})

# ---------------------------------------------------------------------------- query statuses
PENDING = "PENDING"            # not searched yet
QUERY_STATUSES = (PENDING, FOUND, MISSING, FAILED)
#: query statuses a search (re)runs ("" and "NEW" from older project files)
SEARCHABLE_QUERY = frozenset({"", PENDING, FAILED, QUEUED, "NEW"})

# ------------------------------------------------------------------------- instance statuses
WRITTEN = "WRITTEN"
INSTANCE_STATUSES = (WRITTEN, IGNORED, FAILED)


class ExitCode(IntEnum):
    """What a headless command returns (README.md, "Exit codes")."""
    OK = 0              # everything asked for was done
    INCOMPLETE = 1      # ran, but not everything asked for was done (rows unusable, series not downloaded)
    USAGE = 2           # bad command line, unreadable sheet or file
    NETWORK = 3         # a peer could not be reached, refused us, or failed
    PROJECT = 4         # the project folder cannot be used as asked
    LOCAL = 5           # our own side failed: the disk is full, the project folder is read-only or not writable
    WINDOW_CLOSED = 75  # stopped at the end of the peer's transfer window; the same command later continues
    CANCELLED = 130     # interrupted (Ctrl+C)


# ------------------------------------------------------------------------------ engine events
@dataclass(frozen=True)
class SearchProgress:
    """A search has finished `done` of `total` queries, at `rate` rows per second so far."""
    done: int
    total: int
    found: int
    missing: int
    failed: int
    rate: float = 0.0                  # rows per second over this run
    eta_seconds: float | None = None   # None until a rate is known


@dataclass(frozen=True)
class SearchFinished:
    """A search ended (also when cancelled)."""
    found: int
    missing: int
    failed: int
    cancelled: bool


@dataclass(frozen=True)
class DownloadProgress:
    """Instances and bytes received so far in a download run, with a rate and an ETA."""
    instances_done: int
    instances_total: int
    bytes_done: int
    rate: float                  # instances per second over this run
    eta_seconds: float | None
    series_done: int
    series_total: int


@dataclass(frozen=True)
class SeriesUpdate:
    """One series changed status."""
    series_uid: str
    study_number: str
    series_description: str
    status: str
    reason: str | None
    received: int
    expected: int | None
    final: bool = True           # False: a retry follows (the status is that of the attempt just made)
    run_stopped: bool = False    # the reason is the run's own stop reason (DownloadFinished.error), said once


@dataclass(frozen=True)
class DownloadFinished:
    """A download run ended: series counts per status, whether it was cancelled, a fatal error.

    `local`: the error is a failure of our own side (a full disk, a read-only or unwritable
    project folder), not of the peer (ExitCode.LOCAL rather than NETWORK). `window_closed`: the
    run stopped because the peer's transfer window closed (the series not done stay queued)."""
    counts: dict[str, int]
    cancelled: bool
    error: str | None
    reports: list[Path]
    local: bool = False
    window_closed: bool = False


#: Message.edge: the line says the run waits for a transfer window, or that its window closed
EDGE_WAITING = "waiting"
EDGE_CLOSED = "closed"


@dataclass(frozen=True)
class Message:
    """A line for the user (level: "info" | "warning" | "error").

    `edge` marks the lines of a transfer window's edges (mid.throttle.Gate): EDGE_WAITING (the
    run waits for a window to open) or EDGE_CLOSED (the window it ran in has closed); "" else."""
    level: str
    text: str
    edge: str = ""


#: every event type a job may send
EVENTS = (SearchProgress, SearchFinished, DownloadProgress, SeriesUpdate, DownloadFinished, Message)
