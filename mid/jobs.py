"""What every engine job shares: the worker thread that runs it (`Job`), the way it sends its
events (`Emitter`), its error (`EngineError`), the peer and timeouts it talks with, and the
reports it writes when it ends.

The jobs themselves read in the order of the flow: `mid.search` (C-FIND) → `mid.selection`
→ `mid.retrieve` (C-MOVE/C-GET, retries, completeness) → `mid.store` (where an image is written).
"""
from __future__ import annotations

import inspect
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mid.vocab import SELF, Message

if TYPE_CHECKING:
    import pacs
    from mid.project import Project
    from mid.settings import PeerConfig, Settings

log = logging.getLogger("mid.engine")

#: what a job calls with each of its events (mid.vocab.EVENTS), from its worker threads
OnEvent = Callable[[Any], None]


class EngineError(Exception):
    """A job cannot start as asked; str() says what is wrong and what to do."""


# ------------------------------------------------------------------------------------------- Job
class Job:
    """Runs one engine function on a worker thread with its own cancel event.

    The function gets `cancel=<threading.Event>` unless the caller passed one. `result` holds the
    return value and `error` the exception, once `done`. `on_done(job)`, when given, is called
    on the worker thread once the function has returned or raised (after `done` is true), so a
    window can take completion as an event instead of polling; its own errors are logged.
    """

    def __init__(self, fn: Callable[..., Any], *args: Any, on_done: Callable[["Job"], None] | None = None,
                 **kwargs: Any):
        self._fn = fn
        self._args = args
        self._cancel: threading.Event = kwargs.pop("cancel", None) or threading.Event()
        self._kwargs = kwargs
        self._on_done = on_done
        if _accepts(fn, "cancel"):
            self._kwargs["cancel"] = self._cancel
        self.name: str = getattr(fn, "__name__", "fn")      # any callable: a partial has no __name__
        self._thread = threading.Thread(target=self._run, name=f"job-{self.name}", daemon=True)
        self.result: Any = None
        self.error: BaseException | None = None
        self.finished_at: float | None = None      # time.monotonic() when the function returned
        self._finished = threading.Event()          # waits on it survive Ctrl+C (Thread.join may not)

    def _run(self) -> None:
        try:
            self.result = self._fn(*self._args, **self._kwargs)
        except BaseException as e:  # reported to the caller through .error
            log.exception("job %s failed", self.name)
            self.error = e
        finally:
            self.finished_at = time.monotonic()
            self._finished.set()
        if self._on_done is not None:
            try:
                self._on_done(self)
            except Exception:
                log.exception("the completion callback of job %s failed", self.name)

    def start(self) -> "Job":
        self._thread.start()
        return self

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def join(self, timeout: float | None = None) -> bool:
        """Waits until the function has returned (or `timeout` s); True when it has."""
        return self._finished.wait(timeout)

    @property
    def done(self) -> bool:
        return self._finished.is_set()


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class Emitter:
    """Calls on_event, never letting a faulty listener break a job."""

    def __init__(self, on_event: OnEvent | None):
        self._on_event = on_event

    def __call__(self, ev: object) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(ev)
        except Exception:
            log.exception("progress listener failed on %s", type(ev).__name__)


# ---------------------------------------------------------------------------------------- peers
def peer_for(settings: "Settings", name: str) -> "PeerConfig":
    """The PeerConfig called `name`; EngineError listing the known peers otherwise."""
    peers = settings.peers
    if name in peers:
        return peers[name]
    known = ", ".join(sorted(n for n in peers if n != SELF)) or "none"
    raise EngineError(f"unknown peer {name!r}: peers.json in {settings.config_dir} knows {known}")


def preload_network() -> None:
    """Import the networking (pacs, pynetdicom) now rather than when the first job runs: the
    window's start-up freezes every object imported by then out of the garbage collector's way."""
    import pacs  # noqa: F401


def timeouts_for(settings: "Settings") -> "pacs.Timeouts":
    """pacs.Timeouts built from user_defaults."""
    import pacs
    d = settings.defaults
    return pacs.Timeouts(connect=d.connect_timeout, acse=d.acse_timeout, dimse=d.dimse_timeout,
                         network=d.network_timeout)


# -------------------------------------------------------------------------------------- reports
def write_reports(project: "Project", settings: "Settings", which: str, emit: Emitter) -> list[Path]:
    """The reports at the end of a job; a failure is said to the user, never lost in the job."""
    try:
        from mid import reports
        paths = reports.write_reports(project, settings, which=which)
    except Exception as e:  # reports are regenerable; say so rather than lose the run
        log.exception("writing the reports failed")
        emit(Message("error", f"the reports could not be written ({e}); run "
                              f"`python main.py report --project {project.root}` to retry"))
        return []
    return list(paths or [])
