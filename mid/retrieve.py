"""Retrieve: the download run, third step of the flow (search → selection → retrieve → store).

`download` retrieves the selected series (C-MOVE into our own Storage SCP, or C-GET) on a pool
of workers. Every arriving instance goes to `Receiver`, which routes it to its series and
hands it to `mid.store.ImageStore` (where an image is written). Each series is then checked
for completeness against what the PACS announced, what is short or failed transiently is
retried with a backoff, a cancel is honoured within about two seconds, and a later run
resumes where this one stopped. Progress goes out as `mid.vocab` events through `on_event`.

Two failures stop the whole run at once instead of failing each instance and series one by
one (`_Halt`): a failure of our own side (`mid.store.local_failure`: a full disk, a read-only
or unwritable project folder) and a dead peer (`_Breaker`: `connection_failures_limit()`
association attempts in a row refused, timed out or rejected for good, with no instance
arriving meanwhile). The active retrieves are
cancelled, every series not done gets that one reason, and `DownloadFinished.error` says it
(`.local` tells the first kind from the second). The run keeps HEADROOM_BYTES reserved in
private/ and frees them when it stops on a local failure, so the statuses (and, room allowing,
the reports) can still be written on a full disk.
"""
from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from mid.jobs import Emitter, EngineError, OnEvent, peer_for, timeouts_for, write_reports
from mid.search import SERIES_FILTER_KEYS, element_text
from mid.store import (INCOMPLETE_MARKER, KNOWN, ImageStore, WriterPool, _int_or_zero, anon_config, identify,
                       local_failure, make_anonymizer, remove_stale_temp_files, with_project_deid_options)
from mid.throttle import Clock, Gate
from mid.vocab import (CANCELLED, DOWNLOADED, DOWNLOADING, FAILED, FINISHED, IGNORED, PARTIAL, QUEUED, SELF,
                       TO_RETRIEVE, DownloadFinished, DownloadProgress, Message, SeriesUpdate)

if TYPE_CHECKING:
    import pacs
    from mid.project import Project, SeriesRecord
    from mid.settings import PeerConfig, Settings

log = logging.getLogger("mid.engine")

# DIMSE statuses, named (PS3.4 C.4.2 / PS3.7 C).
STATUS_SUCCESS = 0x0000
STATUS_OUT_OF_RESOURCES = 0xA700
STATUS_CANNOT_UNDERSTAND = 0xC000
STATUS_MOVE_OUT_OF_RESOURCES_SUBOPS = 0xA702
STATUS_MOVE_DESTINATION_UNKNOWN = 0xA801
STATUS_IDENTIFIER_MISMATCH = 0xA900
STATUS_CANCEL = 0xFE00
STATUS_WARNING_SUBOPS = 0xB000

PROGRESS_INTERVAL = 0.25

#: NetError kinds that mean the peer cannot be reached or will not talk to us at all
CONNECTION_KINDS = frozenset({"refused", "timeout", "rejected"})


def connection_level(e: "pacs.NetError") -> bool:
    """Whether the circuit breaker counts this failure: no TCP connection, no answer to the
    association request, or a permanent rejection. A transient rejection (e.g. the PACS's limit
    of associations reached) says the peer is there, busy: it is retried, not counted."""
    return e.kind in CONNECTION_KINDS and not (e.kind == "rejected" and e.transient)
#: bytes kept reserved in private/ during a run, freed when it stops on a local failure
HEADROOM_BYTES = 512 * 1024
HEADROOM_NAME = ".headroom.tmp"


def connection_failures_limit(retries: int) -> int:
    """K of the circuit breaker: association attempts in a row that failed at connection level
    (`connection_level`), whichever series they were for, after which a run sends the peer no
    more work. K is the attempts one series is given (the configured retries + 1)."""
    return max(1, int(retries) + 1)


def breaker_grace(retries: int, backoff: float) -> float:
    """Seconds a streak of failures must last before the breaker opens: the backoff one series
    waits through its retries. With several workers K failures come at once; the peer still gets
    the grace of one series' retries, so a dead peer costs about K x the connect timeout plus
    the backoff, and a blip shorter than that costs nothing."""
    return sum(min(float(backoff) * (2 ** i), 60.0) for i in range(max(0, int(retries))))


class _Halt:
    """Why a run stops before its end: set once, by the first local failure or the breaker."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: str | None = None
        self.local = False
        self._lock = threading.Lock()

    def trip(self, reason: str, local: bool) -> bool:
        """True for the first call (which sets the reason); later calls change nothing."""
        with self._lock:
            if self.event.is_set():
                return False
            self.reason, self.local = reason, local
            self.event.set()
            return True

    def is_set(self) -> bool:
        return self.event.is_set()


class _Breaker:
    """The circuit breaker of the run's peer: counts connection-level failures in a row.

    It opens once `limit` failures came in a row over at least `grace` seconds, or when the run
    ends with such a streak (`tripped(at_end=True)`: every series failed before the grace ran out)."""

    def __init__(self, limit: int, grace: float = 0.0):
        self.limit = limit
        self.grace = grace
        self.last: "pacs.NetError | None" = None
        self._in_a_row = 0
        self._since = 0.0
        self._lock = threading.Lock()

    def failed(self, e: "pacs.NetError | None" = None) -> bool:
        """Counts one failure; True when the breaker opens on it."""
        with self._lock:
            if self._in_a_row == 0:
                self._since = time.monotonic()
            self._in_a_row += 1
            self.last = e
            return self.tripped()

    def tripped(self, at_end: bool = False) -> bool:
        enough = self._in_a_row >= self.limit
        return enough and (at_end or time.monotonic() - self._since >= 0.9 * self.grace)

    @property
    def in_a_row(self) -> int:
        return self._in_a_row

    def ok(self) -> None:
        with self._lock:
            self._in_a_row = 0


# --------------------------------------------------------------------------------------- download
@dataclass(eq=False)
class _Active:
    """One retrieve in flight: its own cancel event and when an instance last arrived."""
    series_uids: frozenset[str]
    cancel: threading.Event = field(default_factory=threading.Event)
    last: float = field(default_factory=time.monotonic)
    idle: bool = False


@dataclass
class _Outcome:
    """What one C-MOVE/C-GET attempt returned: a RetrieveResult or the NetError it raised."""
    result: "pacs.RetrieveResult | None"
    error: "pacs.NetError | None"
    idle: bool
    level: str


@dataclass(frozen=True)
class _Verdict:
    """How a series stands after an attempt; `final` means no retry will change it."""
    status: str
    reason: str | None
    final: bool
    connection: bool = False     # failed because the peer could not be reached (the breaker counts it)


class _Counters:
    """Run-wide progress figures, updated from the receiver threads."""

    def __init__(self, done: int, total: int, series_total: int):
        self.lock = threading.Lock()
        self.start = time.monotonic()
        self.initial = done
        self.done = done
        self.total = max(total, done)
        self.bytes = 0
        self.series_done = 0
        self.series_total = series_total
        self.last_emit = 0.0

    def restart(self) -> None:
        """The transfer starts now (the run may have waited for its transfer window)."""
        with self.lock:
            self.start = time.monotonic()

    def add(self, nbytes: int) -> None:
        with self.lock:
            self.done += 1
            self.bytes += nbytes
            self.total = max(self.total, self.done)

    def snapshot(self) -> DownloadProgress:
        with self.lock:
            elapsed = max(time.monotonic() - self.start, 1e-6)
            new = self.done - self.initial
            rate = new / elapsed
            left = max(self.total - self.done, 0)
            eta = (left / rate) if rate > 0 else None
            return DownloadProgress(self.done, self.total, self.bytes, rate, eta,
                                    self.series_done, self.series_total)

    def due(self) -> bool:
        now = time.monotonic()
        with self.lock:
            if now - self.last_emit < PROGRESS_INTERVAL:
                return False
            self.last_emit = now
            return True


#: expected instances from which a de-identifying run uses worker processes (automatic mode)
POOL_MIN_INSTANCES = 400
#: cores from which a de-identifying run uses worker processes (automatic mode)
POOL_MIN_CORES = 4

class Receiver:
    """The store handler for C-MOVE (our StorageSCP) and C-GET: routes each instance to its
    series and hands it to the run's ImageStore (where an image is written).

    Answers Success only once the file is whole on disk and recorded; a write failure answers
    Out of Resources (0xA700), so the PACS counts the sub-operation as failed; an instance that
    is not valid (or of a series this run did not ask for) answers Cannot Understand (0xC000).
    """

    def __init__(self, run: "_DownloadRun"):
        self.run = run

    def __call__(self, req: "pacs.StoreRequest") -> int:
        ds = identify(req.dataset, req.encoded)
        series_uid = element_text(ds, "SeriesInstanceUID")
        rec = self.run.records.get(series_uid)
        if rec is None:
            log.warning("received an instance of a series this run did not ask for; refused")
            return STATUS_CANNOT_UNDERSTAND
        if self.run.halt.is_set():       # the run is stopping: refuse quietly, it is said once
            return STATUS_OUT_OF_RESOURCES
        self.run.breaker.ok()            # an instance came: the peer is alive
        self.run.touch(series_uid)
        try:
            out = self.run.store.store(ds, rec.study_number, req.encoded, command_uid=_command_uid(req))
        except Exception as e:
            why = local_failure(e, self.run.project.root)
            if why is None:
                return self._failed(rec, e)
            self.run.stop_local(why, e)
            return STATUS_OUT_OF_RESOURCES
        if out.status == FAILED:
            log.warning("study %s series %s: an instance was refused: %s", rec.study_number,
                        rec.tags.get("SeriesNumber", "?"), out.reason)
            return STATUS_CANNOT_UNDERSTAND
        if out.status != KNOWN:           # one already in the project was counted when it came first
            self.run.counted(out.nbytes)
        self.run.gate.pace(out.nbytes, self.run.stopping)     # the peer's rate limit (mid.throttle)
        return STATUS_SUCCESS

    @staticmethod
    def _failed(rec: "SeriesRecord", e: Exception) -> int:
        """The answer for an instance that could not be stored for a reason of its own."""
        if isinstance(e, OSError):
            log.error("study %s series %s: cannot write an instance: %s", rec.study_number,
                      rec.tags.get("SeriesNumber", "?"), e)
            return STATUS_OUT_OF_RESOURCES
        log.error("study %s series %s: cannot process an instance", rec.study_number,
                  rec.tags.get("SeriesNumber", "?"), exc_info=e)
        return STATUS_CANNOT_UNDERSTAND


class _Judge:
    """How a series stands after an attempt, a cancel or a stop: the half of a download run
    that judges completeness, names refused instances and keeps INCOMPLETE.txt true."""

    peer: "PeerConfig"
    dest_aet: str
    halt: "_Halt"
    store: ImageStore
    project: "Project"
    settings: "Settings"
    method: str
    destination: str
    cancel: threading.Event
    gate: Gate

    def counts(self, series_uid: str) -> tuple[int, int]:
        raise NotImplementedError       # the run's: it commits what was received first

    def _judge(self, rec: "SeriesRecord", outcome: _Outcome) -> _Verdict:
        """Compares what arrived with what was announced; decides the status and whether to retry."""
        if self.halt.is_set():
            return self._halted_verdict(rec)
        written, ignored = self.counts(rec.series_uid)
        have = written + ignored
        res = outcome.result
        announced = [int(rec.expected)] if rec.expected else []
        series_level = outcome.level == "SERIES"
        if res is not None and series_level:
            subops = int(res.completed or 0) + int(res.failed or 0) + int(res.warning or 0)
            if res.cancelled:
                subops += int(res.remaining or 0)
            if subops:
                announced.append(subops)
        expected = max(announced) if announced else None
        failed_subops = int(res.failed or 0) if (res is not None and series_level) else 0
        if expected is not None:
            complete = have >= expected and failed_subops == 0
        else:   # nothing announced (some PACS give no counts): trust only a clean, whole retrieve
            clean = (outcome.error is None and not outcome.idle and res is not None
                     and not res.cancelled and int(res.failed or 0) == 0)
            complete = have > 0 and clean
        if complete and not (self.destination != SELF and self.method == "move"):
            return _Verdict(IGNORED if written == 0 else DOWNLOADED,
                            "every image dropped by the de-identification rules" if written == 0 else None, True)
        if self.destination != SELF and self.method == "move" and res is not None and not outcome.error:
            ok = int(res.failed or 0) == 0 and int(res.completed or 0) > 0
            return _Verdict(DOWNLOADED if ok else FAILED, None if ok else _status_reason(int(res.status or 0)), True)
        if self.cancel.is_set():
            return self._cancelled_verdict(rec)
        if self.gate.closed:
            return self._halted_verdict(rec, window=True)
        short = f"{have} of {expected if expected is not None else '?'} instances"
        if outcome.idle:
            idle = self.settings.defaults.move_idle_timeout
            return _Verdict(PARTIAL if have else FAILED, f"no instance arrived for {idle:g} s ({short})", False)
        if outcome.error is not None:
            e = outcome.error
            # a failure status of a retrieve (often because one of our stores failed) is worth a
            # retry, unless it says the request itself can never work
            hopeless = e.status in (STATUS_MOVE_DESTINATION_UNKNOWN, STATUS_IDENTIFIER_MISMATCH)
            retry = (bool(e.transient) or e.kind in ("aborted", "status")
                     or have > 0) and not hopeless
            reason = str(e) if not have else f"{short}; {e}"
            return _Verdict(PARTIAL if have else FAILED, reason, not retry, connection_level(e))
        status = int(res.status or 0) if res is not None else 0
        if status == STATUS_MOVE_DESTINATION_UNKNOWN:
            return _Verdict(FAILED, f"{self.peer.name}: the PACS does not know {self.dest_aet!r} as a "
                                    f"move destination — register our AE title, IP and port at the PACS",
                            True)
        # a study's retrieve with failed sub-operations may have failed this series: asked again alone
        study_failed = int(res.failed or 0) if (res is not None and not series_level) else 0
        if have == 0 and not failed_subops and not expected and not study_failed:
            return _Verdict(FAILED, f"{self.peer.name}: the PACS sent no instance for this series"
                                    f"{' (' + _status_reason(status) + ')' if status else ''}", True)
        reason = f"{short}" + (f"; {failed_subops} failed at our side" if failed_subops else "")
        if status not in (STATUS_SUCCESS, STATUS_WARNING_SUBOPS, STATUS_CANCEL):
            reason += f"; {_status_reason(status)}"
        return _Verdict(PARTIAL if have else FAILED, reason, False)

    def _cancelled_verdict(self, rec: "SeriesRecord") -> _Verdict:
        written, ignored = self.counts(rec.series_uid)
        have = written + ignored
        if rec.expected and have >= int(rec.expected):
            return _Verdict(IGNORED if written == 0 else DOWNLOADED, None, True)
        return _Verdict(CANCELLED, f"cancelled by the user ({have} of {rec.expected or '?'} instances)", True)

    def _halted_verdict(self, rec: "SeriesRecord", window: bool = False) -> _Verdict:
        """A series when the run stops early: done if whole, else the run's one stop reason. At the
        end of the transfer window (`window`) one not started stays QUEUED for the next."""
        written, ignored = self.counts(rec.series_uid)
        have = written + ignored
        if rec.expected and have >= int(rec.expected):
            return _Verdict(IGNORED if written == 0 else DOWNLOADED, None, True)
        reason = "the transfer window closed; the rest comes in the next" if window else \
            self.halt.reason or "the run stopped"
        if have:
            return _Verdict(PARTIAL, f"{have} of {rec.expected or '?'} instances; {reason}", True)
        return _Verdict(QUEUED if window else FAILED, reason, True)

    # -- integrity: refused instances named in the series' reason, INCOMPLETE.txt in its folder

    def _mark_folder(self, rec: "SeriesRecord", v: _Verdict) -> None:
        """A final status: INCOMPLETE.txt goes (DOWNLOADED, IGNORED) or says the counts."""
        if not v.final or v.status in (DOWNLOADING, QUEUED):
            return
        try:
            self.store.series_ended(rec.series_uid, v.status)
        except Exception as e:  # noqa: BLE001 - the marker never changes the series' outcome
            local = local_failure(e, self.project.root) is not None      # said once, by the run's stop
            (log.info if local else log.error)("study %s series %s: cannot update its %s: %s", rec.study_number,
                                               rec.tags.get("SeriesNumber", "?"), INCOMPLETE_MARKER, e,
                                               exc_info=not local)



class _DownloadRun(_Judge):
    """State of one download run: the series to fetch, the active retrieves, the counters."""

    def __init__(self, settings: "Settings", project: "Project", peer: "PeerConfig", *, method: str,
                 destination: str, workers: int, raw: bool, emit: Emitter, cancel: threading.Event,
                 clock: Clock | None = None):
        import pacs
        self.pacs = pacs
        self.settings = settings
        self.project = project
        self.peer = peer
        self.method = method
        self.destination = destination
        self.raw = raw
        self.emit = emit
        self.cancel = cancel
        self.timeouts = timeouts_for(settings)
        self.local_aet = settings.self_peer.aet
        self.dest_aet = settings.self_peer.aet if destination == SELF else \
            (settings.peers[destination].aet if destination in settings.peers else destination)
        self.records = {s.series_uid: s for s in project.series(set(TO_RETRIEVE))}
        #: where every instance this run receives is written (mid.store)
        self.store = ImageStore(project, None if raw else make_anonymizer(settings, project),
                                known=project.known_instances(self.records))
        self.receiver = Receiver(self)
        self._active: dict[str, _Active] = {}
        self._active_lock = threading.Lock()
        done = 0
        total = 0
        for s in self.records.values():
            w, i = project.counts(s.series_uid)
            done += w + i
            total += max(int(s.expected or 0), w + i)
        self.counters = _Counters(done, total, len(self.records))
        self.workers = max(1, min(workers, len(self.records) or 1))
        self.halt = _Halt()
        #: the peer's transfer windows and rate limits
        self.gate = Gate(peer, clock=clock, emit=emit)
        self.breaker = _Breaker(connection_failures_limit(settings.defaults.retries),
                                breaker_grace(settings.defaults.retries, settings.defaults.retry_backoff))
        self._headroom = Path(project.private_dir) / HEADROOM_NAME
        self._unsaved: dict[str, tuple[str, str | None]] = {}   # statuses the DB refused (a full disk)
        #: series that failed to connect while the breaker counts: said once it is clear whether the
        #: peer is dead (they then get its one reason) or not (their own reason, at the next success)
        self._held: dict[str, tuple["SeriesRecord", _Verdict]] = {}
        self._held_lock = threading.Lock()

    # -- stopping the whole run
    def stop_local(self, reason: str, exc: BaseException | None = None) -> None:
        """Stops the run on a failure of our own side (said once; the traceback goes to the log)."""
        if self.halt.trip(reason, local=True):
            # INFO: the Message is the user's one line (at WARNING the console would repeat it)
            log.info("download stopped: %s", reason)
            if exc is not None:
                log.debug("the local failure that stopped the download", exc_info=exc)
            self.emit(Message("error", reason))
            self._cancel_active()

    def _stop_peer(self, e: "pacs.NetError") -> None:
        reason = (f"{e}; {self.breaker.in_a_row} connection attempts in a row failed, so this run sent "
                  f"{self.peer.name} no more requests")
        if self.halt.trip(reason, local=False):
            log.info("download stopped: %s", reason)
            self.emit(Message("error", reason))
            self._cancel_active()
            for rec, _ in self._take_held():
                self._set(rec, self._halted_verdict(rec))

    def _take_held(self) -> list[tuple["SeriesRecord", _Verdict]]:
        with self._held_lock:
            held = list(self._held.values())
            self._held.clear()
        return held

    def _peer_answered(self) -> None:
        """An association was made: the breaker closes, and held series are said as they are."""
        self.breaker.ok()
        for rec, v in self._take_held():
            self._set(rec, v)

    def stopping(self) -> bool:
        """Whether the run winds down: cancelled, stopped, or its transfer window closed."""
        return self.cancel.is_set() or self.halt.is_set() or self.gate.closed

    def _cancel_active(self) -> None:
        with self._active_lock:
            actives = set(self._active.values())
        for a in actives:
            a.cancel.set()

    def counts(self, series_uid: str) -> tuple[int, int]:
        """(written, ignored) of a series, once every instance received so far is committed."""
        self.store.flush()
        self._check_log()
        return self.project.counts(series_uid)

    def _check_log(self) -> None:
        failure = self.store.log.failure
        if failure is not None and not self.halt.is_set():
            self.stop_local(local_failure(failure, self.project.root) or str(failure), failure)

    def reserve_headroom(self) -> None:
        """Reserves HEADROOM_BYTES in private/ (raises the OSError of a disk already full)."""
        from mid.atomic import write_atomic
        write_atomic(self._headroom, b"\0" * HEADROOM_BYTES)

    def release_headroom(self) -> None:
        try:
            self._headroom.unlink()
        except FileNotFoundError:
            pass
        except OSError as e:
            log.debug("the reserved space %s could not be freed: %s", self._headroom, e)

    def start_pool(self, processes: int) -> None:
        """Lets `processes` worker processes de-identify and write (mid.store.WriterPool)."""
        self.store.pool = WriterPool(self.project.root, anon_config(self.settings), processes)

    def stop_pool(self) -> None:
        if self.store.pool is not None:
            self.store.pool.close()
            self.store.pool = None

    # -- activity and progress, called from receiver threads
    def touch(self, series_uid: str) -> None:
        a = self._active.get(series_uid)
        if a is not None:
            a.last = time.monotonic()

    def counted(self, nbytes: int) -> None:
        self.counters.add(nbytes)
        if self.counters.due():
            self.emit(self.counters.snapshot())

    # -- the run
    def execute(self) -> None:
        tasks = self._plan()
        log.info("download: %d series in %d retrieves, %d workers, %s%s", len(self.records), len(tasks),
                 self.workers, self.method, " raw" if self.raw else "")
        self.counters.restart()          # the rate counts from here, not from a wait for the window
        self.emit(self.counters.snapshot())
        stop = threading.Event()
        dog = threading.Thread(target=self._watchdog, args=(stop,), name="retrieve-watchdog", daemon=True)
        dog.start()
        try:
            with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="retrieve") as pool:
                for f in [pool.submit(self._run_task, t) for t in tasks]:
                    f.result()
        finally:
            stop.set()
            dog.join(2)
        self.emit(self.counters.snapshot())

    def _plan(self) -> list[tuple[str, list["SeriesRecord"]]]:
        """Retrieves to run: STUDY level when the whole study is wanted and allowed, else SERIES."""
        by_study: dict[str, list["SeriesRecord"]] = {}
        for s in sorted(self.records.values(), key=_series_order):
            by_study.setdefault(s.study_uid, []).append(s)
        all_by_study: dict[str, int] = {}
        for s in self.project.series():
            all_by_study[s.study_uid] = all_by_study.get(s.study_uid, 0) + 1
        filtered = self._queries_with_series_keys()
        tasks: list[tuple[str, list["SeriesRecord"]]] = []
        for study_uid, recs in by_study.items():
            whole = (len(recs) > 1 and len(recs) == all_by_study.get(study_uid, 0)
                     and not any(r.query_number in filtered for r in recs)
                     and self.peer.allow_study_move and not self.peer.is_dicomweb)   # WADO-RS: series in parallel
            if whole:
                tasks.append(("STUDY", recs))
            else:
                tasks.extend(("SERIES", [r]) for r in recs)
        return tasks

    def _queries_with_series_keys(self) -> set[int]:
        out: set[int] = set()
        for q in self.project.queries():
            if any(q.values.get(k) for k in SERIES_FILTER_KEYS):
                out.add(q.number)
        return out

    def _watchdog(self, stop: threading.Event) -> None:
        idle_limit = float(self.settings.defaults.move_idle_timeout)
        while not stop.wait(0.2):
            now = time.monotonic()
            with self._active_lock:
                actives = set(self._active.values())
            for a in actives:
                if self.stopping():          # C-CANCEL, also at the end of the transfer window
                    a.cancel.set()
                elif idle_limit > 0 and now - a.last > idle_limit and not a.cancel.is_set():
                    a.idle = True
                    a.cancel.set()

    def _run_task(self, task: tuple[str, list["SeriesRecord"]]) -> None:
        level, recs = task
        try:
            if self.cancel.is_set():
                for r in recs:
                    self._set(r, _Verdict(CANCELLED, "cancelled before it started", True))
                return
            if self.halt.is_set():
                for r in recs:
                    self._set(r, self._halted_verdict(r))
                return
            if self.gate.closed:          # the transfer window closed: it stays queued for the next
                return
            for r in recs:
                self._set(r, _Verdict(DOWNLOADING, None, False))
            if level == "STUDY":
                outcome = self._attempt("STUDY", recs)
                left = []
                for r in recs:
                    v = self._judge(r, outcome)
                    self._set(r, v)
                    if not v.final:
                        left.append(r)
                for r in left:
                    self._retry_series(r, first_attempt=1, verdict=self._judge(r, outcome))
            else:
                self._retry_series(recs[0], first_attempt=0)
        except Exception as e:  # never lose a series silently
            why = local_failure(e, self.project.root)
            if why is not None:
                self.stop_local(why, e)
            else:
                log.exception("retrieve failed unexpectedly")
            for r in recs:
                self._set(r, self._halted_verdict(r) if self.halt.is_set()
                          else _Verdict(FAILED, f"internal error: {e}", True))

    def _retry_series(self, rec: "SeriesRecord", first_attempt: int, verdict: _Verdict | None = None) -> None:
        attempts = int(self.settings.defaults.retries) + 1
        for attempt in range(first_attempt, attempts):
            if attempt > 0:
                delay = float(self.settings.defaults.retry_backoff) * (2 ** max(attempt - 1, 0))
                if self._wait(min(delay, 60.0)):
                    break
            if self.stopping():
                break
            outcome = self._attempt("SERIES", [rec])
            verdict = self._judge(rec, outcome)
            self._set(rec, verdict)
            if verdict.final:
                return
            log.info("query %s study %s series %s: %s, retrying (%d of %d)", rec.query_number,
                     rec.study_number, rec.tags.get("SeriesNumber", "?"), verdict.reason,
                     attempt + 1, attempts - 1)
        if self.cancel.is_set():
            self._set(rec, self._cancelled_verdict(rec))
        elif self.halt.is_set():
            self._set(rec, self._halted_verdict(rec))
        elif self.gate.closed:
            self._set(rec, self._halted_verdict(rec, window=True))
        elif verdict is not None:
            self._set(rec, _Verdict(verdict.status, verdict.reason, True, verdict.connection))

    def _wait(self, seconds: float) -> bool:
        """Sleeps up to `seconds`; True as soon as the run is cancelled or stopped."""
        deadline = time.monotonic() + seconds
        while True:
            if self.stopping():
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.halt.event.wait(min(left, 0.1))

    def _attempt(self, level: str, recs: list["SeriesRecord"]) -> _Outcome:
        if self.gate.limited and self._wait(self.gate.debt()):    # the rate limit's pause between moves
            return _Outcome(None, None, False, level)
        active = _Active(frozenset(r.series_uid for r in recs))
        with self._active_lock:
            for uid in active.series_uids:
                self._active[uid] = active
        keys: dict[str, object] = {"StudyInstanceUID": recs[0].study_uid}
        if level == "SERIES":
            keys["SeriesInstanceUID"] = recs[0].series_uid
        if self.peer.query_model == "patient" and recs[0].tags.get("PatientID"):
            keys["PatientID"] = recs[0].tags["PatientID"]
        try:
            if self.method == "wado":         # a DICOMweb peer: WADO-RS, through the same receiver
                from mid import dicomweb
                res = dicomweb.retrieve(self.local_aet, self.peer, level, keys, self.timeouts,
                                        on_store=self.receiver, cancel=active.cancel)
            elif self.method == "get":
                # the series' modalities (from the search) choose the classes proposed with a context per
                # compressed transfer syntax, for a PACS that sends images only as it stored them
                modalities = sorted({str(r.tags.get("Modality") or "") for r in recs} - {""})
                res = self.pacs.get(self.local_aet, self.peer, level, keys, self.timeouts,
                                    on_store=self.receiver, cancel=active.cancel, modalities=modalities)
            else:
                # into our receiver the watchdog ends a move whose instances stop (move_idle_timeout),
                # so a series bigger than the DIMSE timeout allows is not cut by it
                watched = self.destination == SELF and float(self.settings.defaults.move_idle_timeout) > 0
                res = self.pacs.move(self.local_aet, self.peer, self.dest_aet, level, keys, self.timeouts,
                                     cancel=active.cancel, watched=watched)
            self._peer_answered()
            return _Outcome(res, None, active.idle, level)
        except self.pacs.NetError as e:
            if connection_level(e):
                if self.breaker.failed(e):
                    self._stop_peer(e)
            elif e.kind not in CONNECTION_KINDS:
                self._peer_answered()   # the association was made: the peer is there
            return _Outcome(None, e, active.idle, level)
        finally:
            with self._active_lock:
                for uid in active.series_uids:
                    if self._active.get(uid) is active:
                        del self._active[uid]





    def _set(self, rec: "SeriesRecord", v: _Verdict) -> None:
        if v.final and v.connection and not self.halt.is_set():
            with self._held_lock:
                self._held[rec.series_uid] = (rec, v)
            v = _Verdict(v.status, v.reason, False)      # recorded, said later (see _held)
        written, ignored = self.counts(rec.series_uid)
        v = self._with_refusals(rec, v)
        try:
            self.project.set_series_status(rec.series_uid, v.status, v.reason)
            self._unsaved.pop(rec.series_uid, None)
        except sqlite3.Error as e:
            why = local_failure(e, self.project.root)
            if why is None:
                raise
            self.stop_local(why, e)
            self._unsaved[rec.series_uid] = (v.status, v.reason)     # written by finish(), room allowing
        self._mark_folder(rec, v)
        if v.final and v.status in FINISHED:          # "series N of M" counts what the reports call done
            with self.counters.lock:
                self.counters.series_done += 1
        desc = rec.tags.get("SeriesDescription", "")
        stopped = bool(self.halt.reason and v.reason and v.reason.endswith(self.halt.reason))
        self.emit(SeriesUpdate(rec.series_uid, rec.study_number, desc, v.status, v.reason,
                               written + ignored, rec.expected, v.final, stopped))
        line = "query %s study %s series %s: %s%s"
        args = (rec.query_number, rec.study_number, rec.tags.get("SeriesNumber", "?"), v.status,
                f" ({v.reason})" if v.reason else "")
        (log.warning if v.status in (FAILED, PARTIAL) and v.final and not stopped else log.info)(line, *args)
        log.debug("query %s study %s series %r: %s", rec.query_number, rec.study_number, desc, v.status,
                  extra={"phi": True})

    def _with_refusals(self, rec: "SeriesRecord", v: _Verdict) -> _Verdict:
        """`v` with the reasons its refused instances were refused, once the series ends short."""
        refused = sorted(set(self.store.refused.get(rec.series_uid, ())))
        if not (v.final and refused and v.status in (PARTIAL, FAILED, CANCELLED)):
            return v
        more = f" (and {len(refused) - 2} other reasons)" if len(refused) > 2 else ""
        text = f"refused: {'; '.join(refused[:2])}{more}"
        return _Verdict(v.status, f"{v.reason}; {text}" if v.reason else text, v.final)


    def finish(self, error: str | None) -> dict[str, int]:
        """Leaves no series DOWNLOADING; returns the run's series counts per status.

        Statuses the project DB refused during the run (a full disk) are written again here,
        once the reserved headroom is free; what still cannot be written is counted as it is
        (a rerun retrieves it: its stored status is one a run retrieves again)."""
        self.store.close()
        self._check_log()
        if self.breaker.last is not None and not self.halt.is_set() and self.breaker.tripped(at_end=True):
            self._stop_peer(self.breaker.last)        # every series failed to connect, before the grace
        for rec, v in self._take_held():      # the breaker never opened: each says its own reason
            self._set(rec, self._halted_verdict(rec) if self.halt.is_set() else _Verdict(v.status, v.reason, True))
        for uid, (status, reason) in list(self._unsaved.items()):
            try:
                self.project.set_series_status(uid, status, reason)
                del self._unsaved[uid]
            except sqlite3.Error as e:
                log.debug("series status not recorded: %s", e)
        counts: dict[str, int] = {}
        for s in self.project.series(set(TO_RETRIEVE) | FINISHED):
            if s.series_uid not in self.records:
                continue
            if s.status in (DOWNLOADING, QUEUED) and s.series_uid not in self._unsaved:
                if self.cancel.is_set():
                    self._set(s, self._cancelled_verdict(s))
                elif self.halt.is_set():
                    self._set(s, self._halted_verdict(s))
                elif self.gate.was_closed:
                    if s.status == DOWNLOADING:
                        self._set(s, self._halted_verdict(s, window=True))
                else:
                    self._set(s, _Verdict(FAILED, error or "the run stopped before this series was retrieved",
                                          True))
        for s in self.project.series():
            if s.series_uid in self.records:
                status = self._unsaved.get(s.series_uid, (s.status, None))[0]
                counts[status] = counts.get(status, 0) + 1
        if self._unsaved:
            log.info("%d series statuses could not be recorded (%s); a rerun retrieves them again",
                      len(self._unsaved), self.halt.reason)
        return counts


def _command_uid(req: "pacs.StoreRequest") -> str | None:
    """The Affected SOP Instance UID of the C-STORE request (names an instance that lacks its own)."""
    event = getattr(req, "_event", None)
    try:
        return str(event.request.AffectedSOPInstanceUID or "") or None if event is not None else None
    except AttributeError:
        return None


def _status_reason(status: int) -> str:
    names = {0xA701: "out of resources: unable to calculate number of matches",
             0xA702: "out of resources: unable to perform sub-operations",
             0xA801: "move destination unknown", 0xA900: "identifier does not match SOP class",
             0xB000: "sub-operations complete with failures or warnings", 0xFE00: "cancelled"}
    name = names.get(status, "failed" if status >= 0xC000 else "status")
    return f"status 0x{status:04X} {name}"


def _series_order(s: "SeriesRecord") -> tuple[str, int, str]:
    return (str(s.study_number), _int_or_zero(s.tags.get("SeriesNumber")), s.series_uid)


def effective_workers(settings: "Settings", peer: "PeerConfig", workers: int | None) -> int:
    """Workers asked for (or user_defaults), capped by the peer's max_associations."""
    n = int(workers or settings.defaults.workers or 1)
    cap = peer.max_associations
    if cap:
        n = min(n, int(cap))
    return max(1, n)


def download(settings: "Settings", project: "Project", source: str, *, destination: str = SELF,
             method: str | None = None, workers: int | None = None, anonymize: bool = True,
             on_event: OnEvent | None = None, cancel: threading.Event | None = None,
             processes: int | None = None, clock: Clock | None = None) -> DownloadFinished:
    """Retrieves every selected series not yet complete; de-identifies and writes each instance.

    Resumes by itself: series DOWNLOADED or IGNORED are skipped, and instances already recorded
    are acknowledged without being rewritten. Every report is written at the end, also after a
    cancel or an error (after a local failure only when there is room: the user is told to run
    `report` later). `processes`: worker processes for de-identification (0: in the receiver
    threads; None: automatic, used for runs of POOL_MIN_INSTANCES instances or more).
    A full disk or an unwritable project folder stops the run at once: the result's `error`
    says so and `local` is True. A peer that refuses every association stops it once
    connection_failures_limit() attempts in a row failed. Outside the peer's transfer windows the
    run waits for the next one; at the end of its window it stops (`window_closed`), see mid.throttle
    (`clock`: the local time the windows are read against, datetime.now by default).
    """
    import pacs
    emit = Emitter(on_event)
    cancel = cancel or threading.Event()
    peer = peer_for(settings, source)
    method = "wado" if peer.is_dicomweb else (method or peer.retrieve_method or "move").lower()
    if method not in ("move", "get", "wado"):
        raise EngineError(f"retrieve method {method!r} is not known: use move or get")
    project.check_mode(raw=not anonymize)      # refuses to mix raw and de-identified images
    try:
        if anonymize:
            settings = with_project_deid_options(settings, project, emit)
        project.set_setting("source", source)
        project.set_setting("method", method)
    except (OSError, sqlite3.Error) as e:
        why = local_failure(e, project.root)
        if why is None:
            raise
        log.debug("the local failure that stopped the download", exc_info=e)
        log.info("download stopped: %s", why)
        emit(Message("error", why))
        result = DownloadFinished({}, cancel.is_set(), why, [], local=True)
        emit(result)
        return result
    n_workers = effective_workers(settings, peer, workers)
    run = _DownloadRun(settings, project, peer, method=method, destination=destination, workers=n_workers,
                       raw=not anonymize, emit=emit, cancel=cancel, clock=clock)
    error: str | None = None
    scp = None
    try:
        stale = remove_stale_temp_files(project.images_dir)
        if stale:
            log.info("removed %d temp files left by an interrupted run", stale)
        if run.records and run.gate.wait_for_window(cancel):
            run.reserve_headroom()
            n_proc = _pool_size(processes, run, n_workers)
            if n_proc and not run.raw:
                run.start_pool(n_proc)
            if method == "move" and destination == SELF:
                scp = _start_receiver(settings, run)
            run.execute()
    except pacs.NetError as e:
        error = str(e)
    except (OSError, sqlite3.Error) as e:
        why = local_failure(e, project.root)
        if why is not None:
            run.stop_local(why, e)
        elif isinstance(e, OSError):
            me = settings.self_peer
            error = (f"our receiver cannot listen on {me.host}:{me.port} ({e}) — another program may use "
                     f"that port; change <SELF>'s port in peers.json")
        else:
            raise
    finally:
        if scp is not None:
            try:
                scp.stop()
            except Exception:
                log.exception("stopping our receiver failed")
        run.stop_pool()
        run.release_headroom()
        counts = run.finish(error)
        paths = _reports_after(run, project, settings, emit)
    local = run.halt.local
    if run.halt.is_set():
        error = run.halt.reason           # said when the run stopped (stop_local / _stop_peer)
    elif error:
        log.error("download stopped: %s", error)
        emit(Message("error", error))
    result = DownloadFinished(counts, cancel.is_set(), error, paths, local=local,
                              window_closed=run.gate.was_closed)
    emit(result)
    log.info("download ended: %s%s", ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "nothing to do",
             " (cancelled)" if cancel.is_set() else "")
    return result


#: free bytes below which a run stopped by a local failure does not try to write its reports
REPORTS_MIN_FREE = 2 * 1024 * 1024


def _reports_after(run: _DownloadRun, project: "Project", settings: "Settings", emit: Emitter) -> list[Path]:
    """The reports at the end of a run; after a local failure only when they can be written."""
    if run.halt.local:
        import shutil
        try:
            room = shutil.disk_usage(project.private_dir).free >= REPORTS_MIN_FREE \
                and os.access(project.private_dir, os.W_OK)
        except OSError:
            room = False
        if not room:
            emit(Message("warning", f"the reports were not written; once the cause above is fixed, "
                                    f"the rerun writes them (or `python main.py report --project {project.root}`)"))
            return []
    return write_reports(project, settings, "all", emit)


def _pool_size(processes: int | None, run: _DownloadRun, workers: int) -> int:
    """Worker processes for de-identification: only where spare cores make them pay.

    Handing an instance to a process costs the receiver about as much as a third of the work
    it saves, so with fewer than POOL_MIN_CORES cores (where the PACS or the network stack
    already keeps a core busy) the receiver threads do the work themselves.
    """
    if processes is not None:
        return max(0, int(processes))
    cores = os.cpu_count() or 1
    if run.counters.total < POOL_MIN_INSTANCES or cores < POOL_MIN_CORES:
        return 0
    return max(0, min(workers, cores - 2))


def _start_receiver(settings: "Settings", run: _DownloadRun) -> "pacs.StorageSCP":
    import pacs
    me = settings.self_peer
    peers = settings.peers

    def allowed() -> set[str]:
        return {p.aet for name, p in peers.items() if name != SELF}

    scp = pacs.StorageSCP(me.aet, me.host, int(me.port), allowed, run.receiver, timeouts_for(settings), tls=me.tls)
    scp.start()
    return scp

