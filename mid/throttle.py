"""When a download run may transfer, and how fast: a peer's transfer windows and rate limits.

`Gate` is what a run (mid/retrieve.py) asks:

* `wait_for_window(cancel)`: before the run starts, outside every window, it waits (saying until
  when, and still honouring Cancel);
* `closed`: once the window the run started in has closed, no new retrieve starts, the ones in
  flight are cancelled (C-CANCEL) and the series not done stay queued for the next window;
* `pace(nbytes, stopped)` after each instance received, and `debt()` before each retrieve: a token
  bucket per limit (instances/s, MB/s) keeps the average rate at or under the peer's limit.

Pacing works for both retrieve methods the same way: the C-STORE response of an instance is held
back until its turn, so the sender (the PACS pushing a C-MOVE to our receiver, or answering our
C-GET) cannot send the next one sooner. A response is held at most MAX_HOLD seconds, well within
any PACS's DIMSE timeout; at rates so low that an instance's turn lies further away, the rest
of the wait is taken between two retrieves (`debt()`), so the average still holds.

`keep_downloading` is the long-running mode (`download --wait`, `serve`, and the window's
Download): it runs download after download, each waiting for its window, until the project is
done, the user cancels or a run stops for another reason.

The limits of one run can be set on the command line (`peer_with_limits`, `parse_rate`,
`parse_windows`); docs/SERVER.md describes the long-running mode.
"""
from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import re
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

from mid.schedule import Schedule, window_problem
from mid.vocab import EDGE_CLOSED, EDGE_WAITING, DownloadFinished, Message

if TYPE_CHECKING:
    from mid.settings import PeerConfig

log = logging.getLogger("mid.engine")

MB = 1_000_000                 # a megabyte, as the progress figures count it
MAX_HOLD = 2.0                 # seconds a C-STORE response may be held back
BURST = 1.0                    # seconds of unused rate a bucket saves up
POLL = 0.1                     # seconds between two looks at Cancel or the clock while waiting
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_RATE = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*(mb|instances?|images?)?\s*(?:/\s*s(?:ec(?:ond)?)?)?\s*$",
                   re.IGNORECASE)
Clock = Callable[[], _dt.datetime]


class LimitError(ValueError):
    """A limit typed on the command line cannot be read; the message says what to type."""


# ------------------------------------------------------------------------------ parsing limits
def parse_rate(text: str) -> tuple[float | None, float | None]:
    """`--max-rate`: "20/s" (instances per second) or "5MB/s" -> (instances_per_s, mb_per_s)."""
    m = _RATE.match(str(text))
    if m is None:
        raise LimitError(f"{text!r} is not a rate; write instances per second as 20/s or megabytes per "
                         f"second as 5MB/s")
    value = float(m.group(1))
    if value <= 0:
        raise LimitError(f"{text!r}: the rate must be above 0 (leave the option out for no limit)")
    if (m.group(2) or "").lower() == "mb":
        return None, value
    return value, None


def parse_windows(texts: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """`--window` values (the option may be repeated; ";" also separates windows)."""
    out: list[str] = []
    for text in texts:
        out.extend(part.strip() for part in str(text).split(";") if part.strip())
    problems = [m for m in (window_problem(w) for w in out) if m]
    if problems:
        raise LimitError("; ".join(problems))
    if not out:
        raise LimitError('no window given; write e.g. "19:00-07:00" or "Mon-Fri 19:00-07:00;Sat-Sun"')
    return tuple(out)


def format_rate(peer: "PeerConfig") -> str:
    """The peer's limits as the Settings tab shows them: "20/s", "5MB/s", "20/s, 5MB/s" or ""."""
    parts = []
    if peer.max_instances_per_s:
        parts.append(f"{peer.max_instances_per_s:g}/s")
    if peer.max_mb_per_s:
        parts.append(f"{peer.max_mb_per_s:g}MB/s")
    return ", ".join(parts)


def parse_rates(text: str) -> tuple[float | None, float | None]:
    """The Settings tab's rate field: empty, one rate or both ("20/s, 5MB/s")."""
    instances: float | None = None
    mb: float | None = None
    for part in (p for p in text.split(",") if p.strip()):
        i, m = parse_rate(part)
        instances, mb = i or instances, m or mb
    return instances, mb


def peer_with_limits(peer: "PeerConfig", *, windows: tuple[str, ...] | None = None, rate: str | None = None,
                     max_associations: int | None = None) -> "PeerConfig":
    """`peer` with this run's limits from the command line in place of its own (None keeps its own)."""
    changes: dict[str, Any] = {}
    if windows is not None:
        changes["transfer_windows"] = tuple(windows)
    if rate is not None:
        instances, mb = parse_rate(rate)
        changes.update(max_instances_per_s=instances, max_mb_per_s=mb)
    if max_associations is not None:
        changes["max_associations"] = max_associations
    return dataclasses.replace(peer, **changes) if changes else peer


# ---------------------------------------------------------------------------------- the bucket
class TokenBucket:
    """Paces `rate` units per second: each `reserve(n)` gets the next free slot and says how long
    to wait for it. Time not used is saved up to `burst` seconds' worth (BURST), so the pause
    between two retrieves (a new association) is made up for, and in any stretch of time T at
    most rate x (T + burst) units pass."""

    def __init__(self, rate: float, clock: Callable[[], float] = time.monotonic, burst: float | None = None):
        self.rate = float(rate)
        self.burst = BURST if burst is None else float(burst)
        self._clock = clock
        self._free_at = clock()
        self._lock = threading.Lock()

    def reserve(self, amount: float) -> float:
        with self._lock:
            now = self._clock()
            start = max(self._free_at, now - self.burst)
            self._free_at = start + amount / self.rate
            return max(0.0, start - now)

    def debt(self) -> float:
        """Seconds until the next slot is free (0 when it is free now)."""
        with self._lock:
            return max(0.0, self._free_at - self._clock())


def _when(moment: _dt.datetime, now: _dt.datetime) -> str:
    if moment.date() == now.date():
        return moment.strftime("%H:%M")
    if moment.date() == now.date() + _dt.timedelta(days=1):
        return moment.strftime("%H:%M tomorrow")
    return f"{_DAYS[moment.weekday()]} {moment.day} {moment.strftime('%b %H:%M')}"


# ------------------------------------------------------------------------------------ the gate
class Gate:
    """The windows and limits of one run's peer (see the module's docstring)."""

    def __init__(self, peer: "PeerConfig", *, clock: Clock | None = None,
                 emit: Callable[[object], None] | None = None):
        self.peer_name = peer.name
        self.schedule = Schedule.from_texts(peer.transfer_windows)
        self.clock: Clock = clock or _dt.datetime.now
        self.emit = emit or (lambda ev: None)
        self.buckets: list[tuple[TokenBucket, bool]] = []       # (bucket, counts bytes)
        if peer.max_instances_per_s:
            self.buckets.append((TokenBucket(peer.max_instances_per_s), False))
        if peer.max_mb_per_s:
            self.buckets.append((TokenBucket(peer.max_mb_per_s * MB), True))
        self._closed = False
        self._lock = threading.Lock()

    def _windows_text(self) -> str:
        n = len(self.schedule.windows)
        return f"the transfer window{'s' if n > 1 else ''} {self.schedule.describe()}"

    # -- windows
    def wait_for_window(self, cancel: threading.Event) -> bool:
        """Waits until a window is open; False when cancelled meanwhile."""
        now = self.clock()
        if self.schedule.open_at(now):
            return True
        opens = self.schedule.next_open(now)
        text = f"waiting for {self._windows_text()}, opens at {_when(opens, now)}"
        log.info("download from %s: %s", self.peer_name, text)
        self.emit(Message("info", text, edge=EDGE_WAITING))
        while not self.schedule.open_at(self.clock()):
            left = (self.schedule.next_open(self.clock()) - self.clock()).total_seconds()
            if cancel.wait(min(max(left, 0.01), POLL * 5)):
                log.info("download from %s: cancelled while waiting for its transfer window", self.peer_name)
                return False
        log.info("download from %s: %s opened", self.peer_name, self._windows_text())
        return True

    @property
    def closed(self) -> bool:
        """True once no window is open any more (it stays so for the rest of the run)."""
        if self._closed or self.schedule.always:
            return self._closed
        now = self.clock()
        if self.schedule.open_at(now):
            return False
        with self._lock:
            if self._closed:
                return True
            self._closed = True
        opens = self.schedule.next_open(now)
        text = (f"{self._windows_text()} closed at {now.strftime('%H:%M')}: no new series starts and the "
                f"retrieves in progress are cancelled; what was received is kept and the rest stays "
                f"queued for the next window ({_when(opens, now)})")
        log.info("download from %s: %s", self.peer_name, text)
        self.emit(Message("warning", text, edge=EDGE_CLOSED))
        return True

    @property
    def was_closed(self) -> bool:
        """Whether the window closed during the run (without looking at the clock again)."""
        return self._closed

    def next_open_text(self) -> str:
        now = self.clock()
        return _when(self.schedule.next_open(now), now)

    # -- rate
    @property
    def limited(self) -> bool:
        return bool(self.buckets)

    def pace(self, nbytes: int, stopped: Callable[[], bool]) -> None:
        """Holds the caller (the C-STORE response of an instance just received) until its turn,
        at most MAX_HOLD seconds; returns at once when `stopped()` turns true."""
        if not self.buckets:
            return
        wait = max(b.reserve(nbytes if by_bytes else 1) for b, by_bytes in self.buckets)
        deadline = time.monotonic() + min(wait, MAX_HOLD)
        while not stopped():
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(left, POLL))

    def debt(self) -> float:
        """Seconds a new retrieve should wait so the average rate stays under the limits."""
        return max((b.debt() for b, _ in self.buckets), default=0.0)


# ---------------------------------------------------------------------------- long-running mode
def keep_downloading(*args: Any, on_event: Callable[[object], None] | None = None,
                     cancel: threading.Event | None = None, **kwargs: Any) -> DownloadFinished:
    """mid.retrieve.download again and again, each run in its own window, until one ends for
    another reason than its window closing (done, cancelled, an error); returns that run's result.

    Every run writes the reports when it stops, so they are up to date between two windows."""
    from mid.retrieve import download
    cancel = cancel or threading.Event()
    while True:
        result = download(*args, on_event=on_event, cancel=cancel, **kwargs)
        if not result.window_closed or cancel.is_set():
            return result
        log.info("download: the transfer window closed; the next run waits for the next window")
