"""BadPACS: a misbehaving DICOM Query/Retrieve SCP on loopback, for tests off the happy path.

It serves C-ECHO, C-FIND, C-MOVE and C-GET (Study Root and Patient Root) from a list of
datasets and misbehaves as a `Behaviour` says: it aborts a retrieve after N stores, answers a
wrong final status, sends instances with short pixel data, without SOPInstanceUID or with
unterminated encapsulated pixel data, waits before the first store, paces stores, stalls for
good in the middle of a retrieve, sends no pending responses, floods a C-FIND with thousands of slow answers (honouring
C-CANCEL), fails a C-FIND, or refuses every association. It runs in its own process (forked
from a clean multiprocessing forkserver), so a stall or an abort can never hang the test
process, and `stop()` always ends it: it A-ABORTs its open associations, else it is killed.

Use::

    from badpacs import BadPACS, Behaviour          # tests/ is on sys.path under pytest

    datasets = list(synthdata.iter_datasets(synthdata.generate_set(seed=1)))
    with BadPACS(datasets, Behaviour(abort_after=3),
                 allowed_move_destinations={"MID_SCU": ("127.0.0.1", my_scp_port)}) as pacs:
        peer = peers.make_peer("bad", pacs.aet, pacs.host, pacs.port)
        ... C-MOVE/C-GET/C-FIND against pacs.host:pacs.port, called AE pacs.aet ...
        stats = pacs.wait_for(lambda s: s["aborts_sent"] >= 1)
        assert stats["stores_sent"] == 3

    BadPACS(datasets=(), behaviour=None, aet="BADPACS", allowed_move_destinations=None,
            *, host="127.0.0.1", port=0, log_path=None, start_timeout=30.0)
      .start() -> self, .stop(), context manager; .port (the bound port once started, 0 = any
      free one), .aet, .host, .alive; .stats() -> dict; .wait_for(predicate, timeout=10) -> dict
      (TimeoutError naming the last stats). log_path: pynetdicom's INFO log of the child.
      A script (not pytest) that starts one needs the usual `if __name__ == "__main__":` guard.

Datasets are pydicom Datasets (with file meta, or Explicit VR Little Endian is assumed), DICOM
file paths, or encoded DICOM files (bytes). An "index" in a Behaviour always means the position
of an instance in that list, wherever a retrieve sends it; damage that needs Pixel Data is
skipped for an instance without it. Instances are sent in list order.

Matching (C-FIND, and which instances a C-MOVE/C-GET sends) at PATIENT, STUDY, SERIES and
IMAGE level: every non-empty key of the identifier must match the instance's value: exactly
(trailing spaces ignored), with '*' and '?' wildcards (case-sensitive, as DICOM says), as a
list of UIDs (any of them), or as a date range "A-B" / "A-" / "-B" for DA keys. An empty key
matches everything. Keys of a lower level are ignored at a higher one (SeriesDescription at
STUDY level), except ModalitiesInStudy, which matches if any series of the study matches.
Answers carry exactly the keys asked (empty when unknown at that level) plus
QueryRetrieveLevel and RetrieveAETitle; computed keys: NumberOfStudyRelatedInstances,
NumberOfStudyRelatedSeries, NumberOfSeriesRelatedInstances, ModalitiesInStudy.

A C-MOVE to an AE title not in `allowed_move_destinations` is answered 0xA801 (move
destination unknown). The store association of a C-MOVE proposes the SOP classes of the
datasets with Explicit and Implicit VR Little Endian, plus a separate RLE Lossless context when
`unterminated_encapsulated` is used. A C-GET SCU must propose those storage contexts itself
(RLE Lossless as a context of its own, or it is never chosen); an instance it cannot take is
a failed sub-operation and is named in stats()["send_errors"].

stats() keys:
  associations, rejected, echoes,
  find_requests, find_answers_sent, find_cancelled, find_final_status (last), find_limited
  (answers cut at find_limit),
  cancels_received (C-CANCEL messages, any service), cancel_received_at (time.time()),
  cancel_seen_after (seconds from the last C-CANCEL's arrival to the handler stopping),
  move_requests, get_requests, unknown_destinations,
  stores_sent (C-STORE requests written), stores_answered, sent (one dict per C-STORE: index,
  sop_uid as in the command, damage: list of names, status: int or None), send_errors,
  aborts_sent, stalls (retrieves that stalled for good), stalls_ended (those the peer ended),
  retrieve_cancelled, final_status_sent (a final_status override that went out),
  pending_withheld (pending responses not sent, no_pending),
  last_retrieve: {kind: "move"|"get", level, matched, destination, outcome}, outcome one of
  "completed", "aborted", "stalled", "stalled, then ended by the peer", "cancelled",
  "cancelled during <pause>", "gone during <pause>", "unknown destination".
"""
from __future__ import annotations

import fnmatch
import io
import logging
import multiprocessing
import os
import threading
import time
import traceback
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

from pydicom import dcmread
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.multival import MultiValue
from pydicom.uid import (ExplicitVRLittleEndian, ImplicitVRLittleEndian, RLELossless, UID,
                         generate_uid)

HOST = "127.0.0.1"

# Status codes, named (PS3.4 C.4 and PS3.7 C)
SUCCESS = 0x0000
PENDING = 0xFF00
CANCEL = 0xFE00
MOVE_DESTINATION_UNKNOWN = 0xA801
OUT_OF_RESOURCES_SUBOPS = 0xA702
OUT_OF_RESOURCES_MATCHES = 0xA701
UNABLE_TO_PROCESS = 0xC000

STALL_LIMIT = 600.0          # seconds a "forever" stall lasts at most (stop() ends it sooner)
POLL = 0.005                 # seconds between two looks at an association while waiting
FAKE_UID_ROOT = "1.2.826.0.1.3680043.8.498.77."     # pydicom's root; made-up UIDs



@dataclass
class Behaviour:
    """How the BadPACS misbehaves. The default is a well-behaved PACS.

    Retrieve behaviours (abort_after, final_status, stall_before_store, stall_forever_after)
    apply to every C-MOVE/C-GET, or to the first `bad_retrieves` ones only (later ones behave,
    for retry tests). Damage sets (short_pixel_data, no_sop_uid, unterminated_encapsulated) hold
    indexes into the BadPACS's dataset list and apply whenever that instance is sent.
    """
    abort_after: int | None = None           # C-MOVE/C-GET: N C-STOREs, then A-ABORT (store assoc, then the request's)
    final_status: int | None = None          # C-MOVE/C-GET: final status sent instead of the real one
    short_pixel_data: set[int] = field(default_factory=set)   # PixelData cut to half (even) length
    no_sop_uid: set[int] = field(default_factory=set)         # no SOPInstanceUID; the command carries a made-up one
    unterminated_encapsulated: set[int] = field(default_factory=set)  # sent RLE Lossless, no sequence delimiter
    cut_last_fragment: bool = True           # ...and the last fragment cut to half (False: only no delimiter)
    stall_before_store: float = 0.0          # seconds before the first C-STORE of a retrieve
    stall_forever_after: int | None = None   # after N C-STOREs, send nothing more until the peer aborts/releases
    store_delay: float = 0.0                 # seconds between two C-STOREs, every retrieve (C-CANCEL honoured)
    bad_retrieves: int | None = None         # retrieve behaviours apply to the first K retrieves only (None: all)
    find_answers: int | None = None          # C-FIND: this many synthetic matches instead of the real ones
    find_delay: float = 0.0                  # seconds between two C-FIND answers (C-CANCEL honoured meanwhile)
    find_status: int | None = None           # C-FIND: final status instead of Success, after the matches
    #                                          (find_answers=0: the status alone)
    refuse_association: bool = False         # reject every association (permanent, calling AE not recognised)
    find_limit: int | None = None            # C-FIND: at most this many matches (a PACS's cap) ...
    limit_status: int = SUCCESS              # ... then this status when more matched (Success: silently)
    limit_refuses: bool = False              # ... or, when more matched, no match at all, only limit_status
    no_pending: bool = False                 # C-MOVE/C-GET: no pending responses, only the final one
    #                                          (PS3.4 allows it: the SCU then hears nothing until the end)


class BadPACSError(RuntimeError):
    """The BadPACS process did not start or answer."""


# ============================================================================= parent side

class BadPACS:
    """A misbehaving Q/R SCP in a child process; a context manager. See the module docstring."""

    def __init__(self, datasets: Iterable[Dataset | str | Path | bytes] = (), behaviour: Behaviour | None = None,
                 aet: str = "BADPACS", allowed_move_destinations: Mapping[str, tuple[str, int]] | None = None,
                 *, host: str = HOST, port: int = 0, log_path: str | Path | None = None,
                 start_timeout: float = 30.0) -> None:
        self.datasets = [_as_bytes(d) for d in datasets]
        self.behaviour = behaviour or Behaviour()
        self.aet = aet
        self.allowed_move_destinations = {k: (h, int(p)) for k, (h, p) in (allowed_move_destinations or {}).items()}
        self.host = host
        self.port = port                      # 0: the child binds a free port; the real one after start()
        self.log_path = None if log_path is None else str(log_path)
        self.start_timeout = start_timeout
        self._proc: multiprocessing.process.BaseProcess | None = None
        self._conn: Any = None
        self._lock = threading.Lock()

    # ---------------------------------------------------------------- life
    def start(self) -> "BadPACS":
        if self._proc is not None:
            raise BadPACSError("BadPACS already started")
        ctx = _context()
        parent, child = ctx.Pipe()
        config = {"datasets": self.datasets, "behaviour": asdict(self.behaviour), "aet": self.aet,
                  "destinations": self.allowed_move_destinations, "host": self.host, "port": self.port,
                  "log_path": self.log_path}
        self._proc = ctx.Process(target=_child_main, args=(child, config), daemon=True, name=f"BadPACS-{self.aet}")
        self._proc.start()
        child.close()
        self._conn = parent
        if not parent.poll(self.start_timeout):
            self.stop()
            raise BadPACSError(f"BadPACS did not start within {self.start_timeout} s")
        try:
            kind, value = parent.recv()
        except EOFError:
            self.stop()
            raise BadPACSError("BadPACS process died while starting") from None
        if kind != "ready":
            self.stop()
            raise BadPACSError(f"BadPACS failed to start:\n{value}")
        self.port = int(value)
        return self

    def stop(self) -> None:
        """End the child: politely (it aborts its associations), else by terminate/kill."""
        proc, conn = self._proc, self._conn
        self._proc = self._conn = None
        if proc is None:
            return
        try:
            if conn is not None and proc.is_alive():
                conn.send(("stop", None))
                conn.poll(5)
        except (OSError, EOFError, BrokenPipeError):
            pass
        proc.join(5)
        if proc.is_alive():
            proc.terminate()
            proc.join(3)
        if proc.is_alive():
            proc.kill()
            proc.join(3)
        if conn is not None:
            conn.close()

    def __enter__(self) -> "BadPACS":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive()

    # ---------------------------------------------------------------- counters
    def stats(self, timeout: float = 5.0) -> dict[str, Any]:
        """A copy of the child's counters (see the module docstring)."""
        if self._conn is None:
            raise BadPACSError("BadPACS is not running")
        with self._lock:
            self._conn.send(("stats", None))
            if not self._conn.poll(timeout):
                raise BadPACSError(f"BadPACS did not answer within {timeout} s")
            kind, value = self._conn.recv()
        return value

    def wait_for(self, predicate: Callable[[dict[str, Any]], bool], timeout: float = 10.0,
                 interval: float = 0.02) -> dict[str, Any]:
        """Poll stats() until `predicate(stats)` is true; the stats, or TimeoutError naming the last."""
        end = time.monotonic() + timeout
        while True:
            s = self.stats()
            if predicate(s):
                return s
            if time.monotonic() > end:
                raise TimeoutError(f"BadPACS condition not met within {timeout} s; stats: {_brief(s)}")
            time.sleep(interval)


def _context():
    """Children fork from a clean single-threaded forkserver that has imported pynetdicom once
    (fast starts, and no fork of a test process full of threads)."""
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([__name__, "pynetdicom"])
    return ctx


def _brief(stats: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in stats.items() if k not in ("sent",)}


def _as_bytes(item: Dataset | str | Path | bytes) -> bytes:
    """One dataset as a DICOM file's bytes (what crosses into the child)."""
    if isinstance(item, bytes):
        return item
    if isinstance(item, (str, Path)):
        return Path(item).read_bytes()
    ds = item
    if "TransferSyntaxUID" not in getattr(ds, "file_meta", {}):
        ds = _copy(ds)
        meta = FileMetaDataset(ds.get("file_meta", FileMetaDataset()))
        meta.TransferSyntaxUID = ExplicitVRLittleEndian
        meta.MediaStorageSOPClassUID = ds.get("SOPClassUID", "")
        meta.MediaStorageSOPInstanceUID = ds.get("SOPInstanceUID", "")
        ds.file_meta = meta
    buf = io.BytesIO()
    dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def _copy(ds: Dataset) -> Dataset:
    import copy
    return copy.deepcopy(ds)


# ============================================================================= child side

STUDY_ONLY = {"StudyInstanceUID", "StudyDescription", "StudyDate", "StudyTime", "AccessionNumber", "StudyID",
              "ReferringPhysicianName", "ModalitiesInStudy", "NumberOfStudyRelatedInstances",
              "NumberOfStudyRelatedSeries"}
SERIES_ONLY = {"SeriesInstanceUID", "SeriesDescription", "SeriesNumber", "Modality", "SeriesDate", "SeriesTime",
               "BodyPartExamined", "ProtocolName", "NumberOfSeriesRelatedInstances"}
IMAGE_ONLY = {"SOPInstanceUID", "SOPClassUID", "InstanceNumber", "ContentDate", "ContentTime"}
LEVEL_KEY = {"PATIENT": "PatientID", "STUDY": "StudyInstanceUID", "SERIES": "SeriesInstanceUID",
             "IMAGE": "SOPInstanceUID"}
NOT_MATCHED = {"QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle", "NumberOfStudyRelatedInstances",
               "NumberOfStudyRelatedSeries", "NumberOfSeriesRelatedInstances", "NumberOfPatientRelatedStudies"}


def _new_stats() -> dict[str, Any]:
    return {
        "associations": 0, "rejected": 0, "echoes": 0,
        "find_requests": 0, "find_answers_sent": 0, "find_cancelled": 0, "find_limited": 0, "find_final_status": None,
        "cancels_received": 0, "cancel_received_at": None, "cancel_seen_after": None,
        "move_requests": 0, "get_requests": 0, "unknown_destinations": 0,
        "stores_sent": 0, "stores_answered": 0, "sent": [], "send_errors": [],
        "aborts_sent": 0, "stalls": 0, "stalls_ended": 0, "retrieve_cancelled": 0,
        "last_retrieve": None, "final_status_sent": None, "pending_withheld": 0,
    }


class _Child:
    """The SCP inside the child process."""

    def __init__(self, config: dict[str, Any]) -> None:
        self.b = Behaviour(**config["behaviour"])
        self.aet = config["aet"]
        self.destinations: dict[str, tuple[str, int]] = {k: tuple(v) for k, v in config["destinations"].items()}
        self.datasets = [dcmread(io.BytesIO(raw), force=True) for raw in config["datasets"]]
        self.stats = _new_stats()
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.retrieves = 0
        self.sop_classes = sorted({str(ds.SOPClassUID) for ds in self.datasets if "SOPClassUID" in ds})
        self.native_syntaxes = {str(ds.file_meta.TransferSyntaxUID) for ds in self.datasets
                                if "TransferSyntaxUID" in ds.file_meta}

    # ---------------------------------------------------------------- counters
    def bump(self, key: str, by: int = 1) -> int:
        with self.lock:
            self.stats[key] += by
            return self.stats[key]

    def put(self, key: str, value: Any) -> None:
        with self.lock:
            self.stats[key] = value

    def snapshot(self) -> dict[str, Any]:
        import copy
        with self.lock:
            return copy.deepcopy(self.stats)

    # ---------------------------------------------------------------- AE
    def make_ae(self):
        from pynetdicom import ALL_TRANSFER_SYNTAXES, AE, evt
        from pynetdicom.sop_class import (PatientRootQueryRetrieveInformationModelFind,
                                          PatientRootQueryRetrieveInformationModelGet,
                                          PatientRootQueryRetrieveInformationModelMove,
                                          StudyRootQueryRetrieveInformationModelFind,
                                          StudyRootQueryRetrieveInformationModelGet,
                                          StudyRootQueryRetrieveInformationModelMove, Verification)
        ae = AE(ae_title=self.aet)
        ae.maximum_associations = 20
        ae.network_timeout = 60
        ae.dimse_timeout = 30
        ae.add_supported_context(Verification)
        for cx in (StudyRootQueryRetrieveInformationModelFind, StudyRootQueryRetrieveInformationModelMove,
                   StudyRootQueryRetrieveInformationModelGet, PatientRootQueryRetrieveInformationModelFind,
                   PatientRootQueryRetrieveInformationModelMove, PatientRootQueryRetrieveInformationModelGet):
            ae.add_supported_context(cx)
        for sop_class in self.sop_classes:                         # C-GET sends over the caller's association
            ae.add_supported_context(sop_class, ALL_TRANSFER_SYNTAXES, scp_role=True, scu_role=False)
        # The store association of a C-MOVE proposes what the datasets need
        for sop_class in self.sop_classes:
            ae.add_requested_context(sop_class, [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
            extra = set(self.native_syntaxes) - {ExplicitVRLittleEndian, ImplicitVRLittleEndian}
            if self.b.unterminated_encapsulated:
                extra.add(RLELossless)
            for ts in sorted(extra):
                ae.add_requested_context(sop_class, ts)
        if self.b.refuse_association:
            ae.require_calling_aet = ["NOBODY-ALLOWED"]
        handlers = [(evt.EVT_C_ECHO, self.on_echo), (evt.EVT_C_FIND, self.on_find),
                    (evt.EVT_C_MOVE, self.on_move), (evt.EVT_C_GET, self.on_get),
                    (evt.EVT_ESTABLISHED, lambda e: self.bump("associations")),
                    (evt.EVT_REJECTED, lambda e: self.bump("rejected")),
                    (evt.EVT_DIMSE_RECV, self.on_dimse_recv)]
        return ae, handlers

    # ---------------------------------------------------------------- events
    def on_echo(self, event) -> int:
        self.bump("echoes")
        return SUCCESS

    def on_dimse_recv(self, event) -> None:
        if type(event.message).__name__ == "C_CANCEL_RQ":
            self.bump("cancels_received")
            self.put("cancel_received_at", time.time())

    def _cancel_seen(self) -> None:
        received = self.stats["cancel_received_at"]
        self.put("cancel_seen_after", None if received is None else round(time.time() - received, 4))

    def on_find(self, event):
        self.bump("find_requests")
        ident = event.identifier
        level = str(ident.get("QueryRetrieveLevel", "")).strip().upper()
        if level not in LEVEL_KEY:
            self.put("find_final_status", 0xA900)
            yield 0xA900, None                      # identifier does not match SOP class
            return
        b = self.b
        answers = (_synthetic_answers(ident, level, b.find_answers, self.aet) if b.find_answers is not None
                   else (_answer(ident, level, group, self.aet) for group in _groups(self.datasets, ident, level)))
        if b.find_limit is not None and b.limit_refuses:
            answers = list(answers)
            if len(answers) > b.find_limit:
                self.bump("find_limited")
                self.put("find_final_status", b.limit_status)
                yield b.limit_status, None
                return
        cancelled = _Cancelled(event)
        first = True
        limited = False
        sent = 0
        for answer in answers:
            if b.find_limit is not None and sent >= b.find_limit:
                limited = True
                break
            if not first and b.find_delay and not self._sleep(b.find_delay, event, cancelled):
                break
            if cancelled():
                break
            first = False
            yield PENDING, answer
            sent += 1
            self.bump("find_answers_sent")
        if cancelled():
            self._cancel_seen()
            self.bump("find_cancelled")
            self.put("find_final_status", CANCEL)
            yield CANCEL, None
            return
        final = SUCCESS if b.find_status is None else b.find_status
        if limited:
            self.bump("find_limited")
            final = b.limit_status
        self.put("find_final_status", final)
        if final != SUCCESS:
            yield final, None

    def _sleep(self, seconds: float, event, cancelled: "_Cancelled") -> bool:
        """Wait `seconds`; False as soon as the request is cancelled or its association gone."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            if cancelled() or _gone(event.assoc) or self.stopping.is_set():
                return False
            time.sleep(min(POLL, max(0.0, end - time.monotonic())))
        return True

    def on_move(self, event):
        return self._retrieve(event, "move")

    def on_get(self, event):
        return self._retrieve(event, "get")

    def _retrieve(self, event, kind: str):
        from pynetdicom import evt
        self.bump(f"{kind}_requests")
        with self.lock:
            self.retrieves += 1
            bad = self.b.bad_retrieves is None or self.retrieves <= self.b.bad_retrieves
        b = self.b
        ident = event.identifier
        level = str(ident.get("QueryRetrieveLevel", "")).strip().upper()
        report: dict[str, Any] = {"kind": kind, "level": level, "matched": 0, "destination": None, "outcome": None}
        self.put("last_retrieve", report)
        store_assocs: list[Any] = []
        if kind == "move":
            dest = (event.move_destination or "").strip()
            report["destination"] = dest
            if dest not in self.destinations:
                self.bump("unknown_destinations")
                report["outcome"] = "unknown destination"
                yield None, None
                return
            host, port = self.destinations[dest]

            def accepted(e) -> None:                     # before any C-STORE goes out on it
                self._arm_store(e.assoc)
                store_assocs.append(e.assoc)
            # the program's guard against pynetdicom's reactor race (mid.dimse), which would otherwise
            # now and then take our receiver's C-STORE response from this sender: a 30 s wait, a failure
            yield host, port, {"evt_handlers": [(evt.EVT_CONN_OPEN, _guard_sender), (evt.EVT_ACCEPTED, accepted)]}
        else:
            self._arm_store(event.assoc)
        if bad and b.final_status is not None:
            self._arm_final_status(event, kind)
        if b.no_pending:
            self._arm_no_pending(event, kind)
        records = [i for i, ds in enumerate(self.datasets) if level in LEVEL_KEY and _match(ds, ident, level)]
        report["matched"] = len(records)
        yield len(records)

        def abort() -> None:
            for a in store_assocs:
                a.abort()
            event.assoc.abort()
            self.bump("aborts_sent")
            report["outcome"] = "aborted"

        cancelled = _Cancelled(event)

        def pause(seconds: float, what: str) -> bool:
            """Wait; False when the retrieve ends meanwhile (cancelled, or its association gone)."""
            if self._sleep(seconds, event, cancelled):
                return True
            report["outcome"] = f"cancelled during {what}" if cancelled() else f"gone during {what}"
            return False

        if bad and b.stall_before_store and not pause(b.stall_before_store, "stall_before_store"):
            yield from self._retrieve_cancelled(cancelled)
            return
        for k, index in enumerate(records):
            if bad and b.abort_after is not None and k == b.abort_after:
                abort()
                return
            if bad and b.stall_forever_after is not None and k == b.stall_forever_after:
                self._stall(event, report)
                return
            if k and b.store_delay and not pause(b.store_delay, "store_delay"):
                yield from self._retrieve_cancelled(cancelled)
                return
            if cancelled():
                report["outcome"] = "cancelled"
                yield from self._retrieve_cancelled(cancelled)
                return
            yield PENDING, self._outgoing(index)
        if bad and b.abort_after is not None and b.abort_after >= len(records):
            abort()                                      # every store sent, no final response
            return
        if bad and b.stall_forever_after is not None and b.stall_forever_after >= len(records):
            self._stall(event, report)
            return
        report["outcome"] = "completed"

    def _retrieve_cancelled(self, cancelled: "_Cancelled"):
        """Answer Cancel if the retrieve was cancelled (nothing if its association is gone)."""
        if cancelled():
            self._cancel_seen()
            self.bump("retrieve_cancelled")
            yield CANCEL, None

    def _stall(self, event, report: dict[str, Any]) -> None:
        self.bump("stalls")
        report["outcome"] = "stalled"
        end = time.monotonic() + STALL_LIMIT
        while time.monotonic() < end and not self.stopping.is_set():
            if _gone(event.assoc):
                self.bump("stalls_ended")
                report["outcome"] = "stalled, then ended by the peer"
                return
            time.sleep(POLL * 4)

    # ---------------------------------------------------------------- sending
    def _outgoing(self, index: int) -> Dataset:
        """The dataset to send for instance `index`, damaged as the behaviour says."""
        ds = _copy(self.datasets[index])
        damage = []
        if index in self.b.short_pixel_data and "PixelData" in ds:
            data = ds.PixelData
            ds.PixelData = data[: (len(data) // 2) & ~1]
            damage.append("short_pixel_data")
        if index in self.b.unterminated_encapsulated and "PixelData" in ds:
            if not ds.file_meta.TransferSyntaxUID.is_compressed:
                ds.compress(RLELossless)
            damage.append("unterminated_encapsulated")
        if index in self.b.no_sop_uid:
            del ds.SOPInstanceUID
            damage.append("no_sop_uid")
        ds._badpacs_index = index                      # read back by _send_store
        ds._badpacs_damage = damage
        return ds

    def _arm_store(self, assoc) -> None:
        """Send this association's C-STOREs through _send_store (once per association)."""
        if getattr(assoc, "_badpacs_armed", False):
            return
        assoc._badpacs_armed = True

        def send_c_store(dataset, msg_id=1, priority=2, originator_aet=None, originator_id=None):
            return self._send_store(assoc, dataset, msg_id, priority, originator_aet, originator_id)
        assoc.send_c_store = send_c_store

    def _send_store(self, assoc, ds: Dataset, msg_id: int, priority: int, originator_aet, originator_id) -> Dataset:
        """Build and send one C-STORE request over `assoc` ourselves, with whatever dataset it is.

        Same steps as pynetdicom's Association.send_c_store, minus its checks: the dataset may lack
        SOPInstanceUID, and its bytes may be deliberately broken.
        """
        from pynetdicom.dimse_primitives import C_STORE
        from pynetdicom.dsutils import encode
        index = getattr(ds, "_badpacs_index", None)
        damage = list(getattr(ds, "_badpacs_damage", []))
        sop_uid = str(ds.get("SOPInstanceUID", "") or generate_uid(FAKE_UID_ROOT))
        entry: dict[str, Any] = {"index": index, "sop_uid": sop_uid, "damage": damage, "status": None}
        try:
            ts = ds.file_meta.TransferSyntaxUID
            context = assoc._get_valid_context(ds.SOPClassUID, ts, "scu", allow_conversion=not ts.is_compressed)
            cx_ts = context.transfer_syntax[0]
            if "unterminated_encapsulated" in damage:
                payload = _unterminated(ds, cut=self.b.cut_last_fragment)
            else:
                payload = encode(ds, cx_ts.is_implicit_VR, cx_ts.is_little_endian, cx_ts.is_deflated)
            req = C_STORE()
            req.MessageID = msg_id
            req.Priority = priority
            req.MoveOriginatorApplicationEntityTitle = originator_aet
            req.MoveOriginatorMessageID = originator_id
            req.AffectedSOPClassUID = ds.SOPClassUID
            req.AffectedSOPInstanceUID = sop_uid
            req.DataSet = io.BytesIO(payload)
        except Exception as exc:                       # no context for it, cannot encode...
            self._error(f"instance {index}: {type(exc).__name__}: {exc}")
            raise
        assoc._reactor_checkpoint.clear()              # as send_c_store: keep the reactor off the queue
        try:
            while not assoc._is_paused and assoc.is_established:
                time.sleep(0.0001)
            with self.lock:
                self.stats["stores_sent"] += 1
                self.stats["sent"].append(entry)
            assoc.dimse.send_msg(req, context.context_id)
            _, rsp = assoc.dimse.get_msg(block=True)
        finally:
            assoc._reactor_checkpoint.set()
        status = Dataset()
        if rsp is None or getattr(rsp, "Status", None) is None:
            return status                                # no answer: counted as a failed sub-operation
        with self.lock:
            entry["status"] = int(rsp.Status)
            self.stats["stores_answered"] += 1
        status.Status = int(rsp.Status)
        return status

    def _error(self, text: str) -> None:
        with self.lock:
            self.stats["send_errors"].append(text)

    def _arm_final_status(self, event, kind: str) -> None:
        """Replace the status of this request's final (non-pending) response."""
        from pynetdicom.dimse_primitives import C_GET, C_MOVE
        from pynetdicom.dsutils import encode
        dimse = event.assoc.dimse
        original = dimse.send_msg
        primitive_type = C_MOVE if kind == "move" else C_GET
        ts = UID(event.context.transfer_syntax)
        wanted = self.b.final_status

        def send_msg(primitive, context_id):
            if isinstance(primitive, primitive_type) and primitive.Status not in (None, PENDING, 0xFF01):
                dimse.send_msg = original
                primitive.Status = wanted
                if wanted != SUCCESS and primitive.Identifier is None:
                    failed = Dataset()
                    failed.FailedSOPInstanceUIDList = []
                    primitive.Identifier = io.BytesIO(encode(failed, ts.is_implicit_VR, ts.is_little_endian))
                self.put("final_status_sent", wanted)
            return original(primitive, context_id)
        dimse.send_msg = send_msg


    def _arm_no_pending(self, event, kind: str) -> None:
        """Send none of this request's pending responses (counted in stats()["pending_withheld"])."""
        from pynetdicom.dimse_primitives import C_GET, C_MOVE
        dimse = event.assoc.dimse
        original = dimse.send_msg
        primitive_type = C_MOVE if kind == "move" else C_GET

        def send_msg(primitive, context_id):
            if isinstance(primitive, primitive_type) and primitive.Status in (PENDING, 0xFF01):
                self.bump("pending_withheld")
                return None
            if isinstance(primitive, primitive_type):
                dimse.send_msg = original
            return original(primitive, context_id)
        dimse.send_msg = send_msg


def _guard_sender(event) -> None:
    from mid.dimse import _adapt_association
    _adapt_association(event.assoc)


class _Cancelled:
    """Whether a request was cancelled; sticky (pynetdicom's event.is_cancelled answers True once)."""

    def __init__(self, event) -> None:
        self.event = event
        self.seen = False

    def __call__(self) -> bool:
        if not self.seen and self.event.is_cancelled:
            self.seen = True
        return self.seen


def _gone(assoc) -> bool:
    """Whether `assoc` has been aborted, released or lost."""
    try:
        return (not assoc.is_established or assoc.acse.is_aborted() or assoc.acse.is_release_requested()
                or not assoc.dul.is_alive())
    except Exception:
        return True


def _unterminated(ds: Dataset, cut: bool) -> bytes:
    """`ds` (encapsulated) in Explicit VR Little Endian with its Pixel Data left unterminated.

    Pixel Data is written by hand as the last element: undefined length, the items as they are,
    no Sequence Delimitation Item, and with `cut` the last fragment's bytes cut to half (its item
    header still announcing the full length).
    """
    from pynetdicom.dsutils import encode
    value = bytes(ds.PixelData)
    rest = _copy(ds)
    del rest.PixelData
    for tag in [t for t in rest.keys() if t > 0x7FE00010]:
        del rest[tag]
    head = encode(rest, False, True)
    last_start = _last_item_offset(value)
    if cut and last_start is not None:
        length = int.from_bytes(value[last_start + 4:last_start + 8], "little")
        value = value[: last_start + 8 + length // 2]
    element = b"\xe0\x7f\x10\x00" + b"OB" + b"\x00\x00" + b"\xff\xff\xff\xff"
    return head + element + value


def _last_item_offset(value: bytes) -> int | None:
    """Offset of the last item (FFFE,E000) in an encapsulated Pixel Data value."""
    offset, last = 0, None
    while offset + 8 <= len(value):
        if value[offset:offset + 4] != b"\xfe\xff\x00\xe0":
            break
        last = offset
        offset += 8 + int.from_bytes(value[offset + 4:offset + 8], "little")
    return last


# ----------------------------------------------------------------------------- matching

def _keys(ident: Dataset, level: str) -> list[str]:
    """The keywords of `ident` that count at `level`."""
    out = []
    for elem in ident:
        kw = elem.keyword
        if not kw or kw in NOT_MATCHED:
            continue
        if level in ("PATIENT",) and kw in STUDY_ONLY | SERIES_ONLY | IMAGE_ONLY:
            continue
        if level == "STUDY" and kw in SERIES_ONLY | IMAGE_ONLY:
            continue
        if level == "SERIES" and kw in IMAGE_ONLY:
            continue
        out.append(kw)
    return out


def _values(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, MultiValue)):
        return [str(v).strip() for v in value]
    text = str(value).strip()
    return [v.strip() for v in text.split("\\")] if "\\" in text else [text]


def _match_one(query: str, actual: str, vr: str) -> bool:
    actual = actual.strip()
    if vr == "DA" and "-" in query:
        low, _, high = query.partition("-")
        return (not low or actual >= low) and (not high or actual <= high)
    if "*" in query or "?" in query:
        pattern = query.replace("[", "[[]")
        return fnmatch.fnmatchcase(actual, pattern)
    return actual == query


def _match(ds: Dataset, ident: Dataset, level: str, modalities: set[str] | None = None) -> bool:
    """Whether instance `ds` matches every non-empty key of `ident` that counts at `level`."""
    for kw in _keys(ident, level):
        queries = [q for q in _values(ident[kw].value) if q]
        if not queries:
            continue
        elem = ident[kw]
        if kw == "ModalitiesInStudy":
            have = modalities if modalities is not None else {str(ds.get("Modality", ""))}
            if not any(_match_one(q, m, "CS") for q in queries for m in have):
                return False
            continue
        if kw not in ds:
            return False
        actual = _values(ds[kw].value) or [""]
        if not any(_match_one(q, a, elem.VR) for q in queries for a in actual):
            return False
    return True


def _groups(datasets: list[Dataset], ident: Dataset, level: str) -> list[list[Dataset]]:
    """The matching instances, grouped by the level's unique key, in dataset order."""
    key = LEVEL_KEY[level]
    by_key: dict[str, list[Dataset]] = {}
    for ds in datasets:
        by_key.setdefault(str(ds.get(key, "")), []).append(ds)
    out = []
    for group in by_key.values():
        study_uid = str(group[0].get("StudyInstanceUID", ""))
        modalities = {str(d.get("Modality", "")) for d in datasets if str(d.get("StudyInstanceUID", "")) == study_uid}
        if any(_match(ds, ident, level, modalities) for ds in group):
            out.append([ds for ds in group if _match(ds, ident, level, modalities)])
    return out


def _answer(ident: Dataset, level: str, group: list[Dataset], aet: str) -> Dataset:
    """The C-FIND answer for one matching group: the keys asked, filled at this level."""
    first = group[0]
    study = level == "STUDY"          # at STUDY level the group is the whole study (series keys are ignored)
    computed = {
        "NumberOfStudyRelatedInstances": len(group) if study else None,
        "NumberOfStudyRelatedSeries": len({str(d.get("SeriesInstanceUID", "")) for d in group}) if study else None,
        "NumberOfSeriesRelatedInstances": len(group) if level == "SERIES" else None,
        "ModalitiesInStudy": sorted({str(d.get("Modality", "")) for d in group}) if study else None,
    }
    allowed = set(_keys(ident, level))
    out = Dataset()
    for elem in ident:
        kw = elem.keyword
        if kw in ("QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle"):
            continue
        if kw in computed and computed[kw] is not None:
            out.add_new(elem.tag, elem.VR, computed[kw])
        elif kw in allowed and kw in first and kw not in computed:
            out.add(_copy(first[kw]))
        else:
            out.add_new(elem.tag, elem.VR, None)
    if "SpecificCharacterSet" in first:
        out.SpecificCharacterSet = first.SpecificCharacterSet
    out.QueryRetrieveLevel = level
    out.RetrieveAETitle = aet
    return out


def _synthetic_answers(ident: Dataset, level: str, n: int, aet: str):
    """`n` made-up answers carrying the keys asked (fake values, fake UIDs)."""
    for i in range(n):
        fake = {"PatientID": f"SYN{i:05d}", "PatientName": "FAKE^SYNTH",
                "StudyInstanceUID": f"{FAKE_UID_ROOT}1.{i}", "SeriesInstanceUID": f"{FAKE_UID_ROOT}2.{i}",
                "SOPInstanceUID": f"{FAKE_UID_ROOT}3.{i}",
                "StudyDescription": f"SYNTHETIC ANSWER {i}", "SeriesDescription": f"SYNTHETIC SERIES {i}",
                "Modality": "OT", "ModalitiesInStudy": "OT", "StudyDate": "20200101", "StudyTime": "120000",
                "AccessionNumber": f"SYNACC{i:05d}", "SeriesNumber": "1",
                "NumberOfSeriesRelatedInstances": "1", "NumberOfStudyRelatedInstances": "1",
                "NumberOfStudyRelatedSeries": "1"}
        out = Dataset()
        for elem in ident:
            kw = elem.keyword
            if kw in ("QueryRetrieveLevel", "SpecificCharacterSet", "RetrieveAETitle"):
                continue
            out.add_new(elem.tag, elem.VR, fake.get(kw))
        out.QueryRetrieveLevel = level
        out.RetrieveAETitle = aet
        yield out


# ----------------------------------------------------------------------------- process

def _abort_all(ae) -> None:
    """A-ABORT every open association, so the peers learn at once that we are gone."""
    for assoc in list(ae.active_associations):
        try:
            assoc.abort()
        except Exception:
            pass


def _child_main(conn, config: dict[str, Any]) -> None:
    """The child process: serve until told to stop (or the parent goes away)."""
    if config.get("log_path"):
        logging.basicConfig(filename=config["log_path"], level=logging.INFO,
                            format="%(asctime)s %(threadName)s %(name)s %(levelname)s %(message)s")
        logging.getLogger("pynetdicom").setLevel(logging.INFO)
    try:
        child = _Child(config)
        ae, handlers = child.make_ae()
        server = ae.start_server((config["host"], config["port"]), block=False, evt_handlers=handlers)
        port = server.server_address[1]
    except Exception:
        conn.send(("error", traceback.format_exc()))
        conn.close()
        return
    conn.send(("ready", port))
    try:
        while True:
            try:
                if not conn.poll(1.0):
                    continue
                kind, _ = conn.recv()
            except (EOFError, OSError):
                break                                        # the parent is gone
            if kind == "stats":
                conn.send(("stats", child.snapshot()))
            elif kind == "stop":
                break
    finally:
        child.stopping.set()                                 # stalled handlers give up
        stopper = threading.Thread(target=_abort_all, args=(ae,), daemon=True)
        stopper.start()
        stopper.join(5)
        try:
            conn.send(("stopped", None))
            conn.close()
        except (OSError, EOFError):
            pass
        os._exit(0)
