"""The search and download jobs: what the GUI and the headless commands both drive.

`search` sends one STUDY C-FIND per pending query and one SERIES C-FIND per found study over
one association, and stores one result row per series in the project. `select` marks which
series to retrieve. `download` retrieves the selected series (C-MOVE into our own Storage SCP,
or C-GET) on a pool of workers, de-identifies every instance on arrival, writes it atomically
under images/, checks each series for completeness, retries what is short or failed
transiently, honours a cancel within about two seconds, and resumes where a previous run
stopped. Progress is reported as small frozen event dataclasses passed to `on_event`, from
worker threads: the caller decides how to show them (the GUI forwards them to its window).
"""
from __future__ import annotations

import hashlib
import inspect
import itertools
import logging
import os
import queue
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import Callable, Iterable

from mid.vocab import (  # noqa: F401  (the events are also public here)
    CANCELLED, DOWNLOADED, DOWNLOADING, EXCLUDED, FAILED, FINISHED, FOUND, IGNORED, MISSING, PARTIAL,
    QUEUED, SEARCHABLE_QUERY, SELF, TO_RETRIEVE, DownloadFinished, DownloadProgress, Message,
    SearchFinished, SearchProgress, SeriesUpdate)

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

# Keys of the Query/Retrieve information model, by level (PS3.4 C.6.2.1).
STUDY_KEYS = (
    "PatientID", "PatientName", "PatientBirthDate", "PatientSex", "PatientAge", "OtherPatientIDs",
    "StudyDate", "StudyTime", "AccessionNumber", "StudyDescription", "StudyInstanceUID", "StudyID",
    "ReferringPhysicianName", "ModalitiesInStudy", "NumberOfStudyRelatedSeries",
    "NumberOfStudyRelatedInstances", "PatientSize", "PatientWeight", "IssuerOfPatientID",
)
SERIES_KEYS = (
    "SeriesInstanceUID", "SeriesNumber", "SeriesDescription", "Modality", "SeriesDate", "SeriesTime",
    "BodyPartExamined", "ProtocolName", "NumberOfSeriesRelatedInstances", "Manufacturer",
    "PerformedProcedureStepStartDate", "InstitutionName", "StationName", "Laterality",
    "OperatorsName", "PerformingPhysicianName", "ManufacturerModelName",
)
#: attributes of the PATIENT level of the Patient Root model (not keys of its STUDY level)
PATIENT_LEVEL_KEYS = ("PatientName", "PatientBirthDate", "PatientSex", "OtherPatientIDs", "IssuerOfPatientID")
#: identifiers a sheet row may name that filter at series level
SERIES_FILTER_KEYS = ("SeriesDescription", "Modality", "SeriesNumber", "SeriesInstanceUID")
#: return keys always asked for, whatever query.json says
STUDY_RETURN = ("PatientID", "PatientName", "StudyDate", "StudyTime", "AccessionNumber",
                "StudyDescription", "StudyInstanceUID", "ModalitiesInStudy")
SERIES_RETURN = ("SeriesInstanceUID", "SeriesNumber", "SeriesDescription", "Modality",
                 "NumberOfSeriesRelatedInstances")
DESCRIPTION_KEYS = ("StudyDescription", "SeriesDescription")
#: keys that narrow a C-FIND to a few studies by themselves
IDENTIFYING_KEYS = ("PatientID", "AccessionNumber", "StudyInstanceUID", "PatientName")
MAX_VALUE_COMBINATIONS = 64
#: association-level failures in a row after which a search stops asking the peer
MAX_CONSECUTIVE_NET_FAILURES = 3
PROGRESS_INTERVAL = 0.25


class EngineError(Exception):
    """A job cannot start as asked; str() says what is wrong and what to do."""


# ------------------------------------------------------------------------------------------- Job
class Job:
    """Runs one engine function on a worker thread with its own cancel event.

    The function gets `cancel=<threading.Event>` unless the caller passed one. `result` holds the
    return value and `error` the exception, once `done`.
    """

    def __init__(self, fn: Callable, *args, **kwargs):
        self._fn = fn
        self._args = args
        self._cancel = kwargs.pop("cancel", None) or threading.Event()
        self._kwargs = kwargs
        if _accepts(fn, "cancel"):
            self._kwargs["cancel"] = self._cancel
        self._thread = threading.Thread(target=self._run, name=f"job-{getattr(fn, '__name__', 'fn')}",
                                        daemon=True)
        self.result = None
        self.error: BaseException | None = None
        self.finished_at: float | None = None      # time.monotonic() when the function returned
        self._finished = threading.Event()          # waits on it survive Ctrl+C (Thread.join may not)

    def _run(self) -> None:
        try:
            self.result = self._fn(*self._args, **self._kwargs)
        except BaseException as e:  # reported to the caller through .error
            log.exception("job %s failed", getattr(self._fn, "__name__", "?"))
            self.error = e
        finally:
            self.finished_at = time.monotonic()
            self._finished.set()

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


def _accepts(fn: Callable, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


class _Emitter:
    """Calls on_event, never letting a faulty listener break a job."""

    def __init__(self, on_event: Callable | None):
        self._on_event = on_event

    def __call__(self, ev) -> None:
        if self._on_event is None:
            return
        try:
            self._on_event(ev)
        except Exception:
            log.exception("progress listener failed on %s", type(ev).__name__)


# ---------------------------------------------------------------------------------------- helpers
def peer_for(settings, name: str):
    """The PeerConfig called `name`; EngineError listing the known peers otherwise."""
    peers = settings.peers
    if name in peers:
        return peers[name]
    known = ", ".join(sorted(n for n in peers if n != SELF)) or "none"
    raise EngineError(f"unknown peer {name!r}: peers.json in {settings.config_dir} knows {known}")


def timeouts_for(settings):
    """pacs.Timeouts built from user_defaults."""
    import pacs
    d = settings.defaults
    return pacs.Timeouts(connect=d.connect_timeout, acse=d.acse_timeout, dimse=d.dimse_timeout,
                         network=d.network_timeout)


def element_text(ds, keyword: str) -> str:
    """A dataset value as text: multi-values joined by a backslash, missing as ''."""
    value = ds.get(keyword, None) if ds is not None else None
    if value is None:
        return ""
    if hasattr(value, "value") and not isinstance(value, (str, bytes)):
        value = value.value
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value)


def _wildcard(text: str) -> str:
    text = text.strip()
    if not text or text.startswith("*") or text.endswith("*"):
        return text
    return f"*{text}*"


def study_key_sets(values: dict[str, list[str]], exact: bool) -> list[dict[str, str]]:
    """The STUDY-level matching keys for one query row, one dict per combination of its values.

    Several values in one cell mean OR: each combination is its own C-FIND and the results are
    merged. Descriptions match as *text* unless exact. PACS differ on case in wildcard matching,
    so when the row also names a patient, accession or study UID the description is not sent
    and is matched here instead, ignoring case (study_matches).
    """
    keys: list[tuple[str, list[str]]] = []
    identified = any(values.get(kw) for kw in IDENTIFYING_KEYS)
    for kw in STUDY_KEYS:
        vals = [v for v in (values.get(kw) or []) if str(v).strip()]
        if not vals:
            continue
        if kw in DESCRIPTION_KEYS and identified and not exact:
            continue                     # matched here, case-insensitively (study_matches)
        if kw in DESCRIPTION_KEYS and not exact:
            vals = [_wildcard(str(v)) for v in vals]
        if kw == "StudyInstanceUID":
            vals = ["\\".join(str(v).strip() for v in vals)]       # list of UID matching
        keys.append((kw, [str(v).strip() for v in vals]))
    combos: list[dict[str, str]] = []
    for combo in itertools.product(*[v for _, v in keys]):
        combos.append({kw: val for (kw, _), val in zip(keys, combo)})
        if len(combos) >= MAX_VALUE_COMBINATIONS:
            log.warning("query has more than %d value combinations; the rest are not searched",
                        MAX_VALUE_COMBINATIONS)
            break
    return combos or [{}]


def study_matches(row_values: dict[str, list[str]], study_tags: dict[str, str], exact: bool) -> bool:
    """Whether a found study satisfies the row's StudyDescription (several values: any of them)."""
    wanted = [str(v).strip() for v in (row_values.get("StudyDescription") or []) if str(v).strip()]
    if not wanted:
        return True
    actual = study_tags.get("StudyDescription") or ""
    return any(_match_description(actual, w, exact) for w in wanted)


def _match_description(actual: str, wanted: str, exact: bool) -> bool:
    a, w = actual.strip().lower(), wanted.strip().lower()
    if exact:
        return a == w
    pattern = "^" + ".*".join(re.escape(part) for part in w.split("*")) + "$"
    if "*" in w or "?" in w:
        pattern = pattern.replace(r"\?", ".")
        return re.match(pattern, a, re.S) is not None
    return w in a


def series_matches(row_values: dict[str, list[str]], series_tags: dict[str, str], exact: bool) -> bool:
    """Whether one series satisfies the row's series-level keys (several values: any of them)."""
    for kw in SERIES_FILTER_KEYS:
        wanted = [str(v).strip() for v in (row_values.get(kw) or []) if str(v).strip()]
        if not wanted:
            continue
        actual = (series_tags.get(kw) or "").strip()
        if kw == "SeriesDescription":
            ok = any(_match_description(actual, w, exact) for w in wanted)
        elif kw == "Modality":
            ok = actual.upper() in {w.upper() for w in wanted}
        elif kw == "SeriesNumber":
            ok = any(_same_number(actual, w) for w in wanted)
        else:
            ok = actual in wanted
        if not ok:
            return False
    return True


def _same_number(a: str, b: str) -> bool:
    try:
        return int(float(a)) == int(float(b))
    except ValueError:
        return a.strip() == b.strip()


def _return_keys(level_keys: Iterable[str], always: Iterable[str], query_tags: Iterable[str]) -> list[str]:
    allowed = set(level_keys)
    out = list(always)
    for kw in query_tags:
        if kw in allowed and kw not in out:
            out.append(kw)
    return out


# ----------------------------------------------------------------------------------------- search
def search(settings, project, source: str, *, exact: bool = False, on_event=None,
           cancel: threading.Event | None = None) -> SearchFinished:
    """C-FIND every query of `project` not yet searched on peer `source`; store the series found.

    One association serves every query. A query with no match is MISSING; a query whose C-FIND
    failed is FAILED with the reason (never MISSING). Reports 0 and 1 are written at the end.
    """
    import pacs
    emit = _Emitter(on_event)
    cancel = cancel or threading.Event()
    peer = peer_for(settings, source)
    queries = [q for q in project.queries() if _searchable(q)]
    total = len(queries)
    found = missing = failed = 0
    net_failures = 0
    last_error: str | None = None
    log.info("search on %s: %d queries", source, total)
    model = getattr(peer, "query_model", "study") or "study"
    session = pacs.QuerySession(settings.self_peer.aet, peer, timeouts_for(settings), model=model)
    patients: dict[str, dict[str, str]] = {}
    try:
        for done, q in enumerate(queries, start=1):
            if cancel.is_set():
                break
            if net_failures >= MAX_CONSECUTIVE_NET_FAILURES:
                project.set_query_status(q.number, "FAILED", last_error)
                failed += 1
            else:
                try:
                    n_studies, n = _search_one(settings, project, session, q,
                                               exact or bool(getattr(q, "exact", False)), model, patients)
                    net_failures = 0
                    if n:
                        found += 1
                        project.set_query_status(q.number, "FOUND", None)
                    else:
                        missing += 1
                        project.set_query_status(q.number, "MISSING", "no study matched" if not n_studies else
                                                 f"{n_studies} studies matched, but none of their series "
                                                 f"matched the row's series description, modality or number")
                except pacs.NetError as e:
                    failed += 1
                    last_error = str(e)
                    if getattr(e, "kind", "") in ("refused", "timeout", "rejected"):
                        net_failures += 1
                    project.set_query_status(q.number, "FAILED", last_error)
                    log.warning("query %s failed: %s", q.number, last_error)
            emit(SearchProgress(done, total, found, missing, failed))
    finally:
        session.close()
    result = SearchFinished(found, missing, failed, cancel.is_set())
    _write_reports(project, settings, "search", emit)
    emit(result)
    log.info("search ended: %d found, %d missing, %d failed%s", found, missing, failed,
             " (cancelled)" if result.cancelled else "")
    return result


def _searchable(q) -> bool:
    status = (getattr(q, "status", "") or "").upper()
    return status in SEARCHABLE_QUERY and bool(getattr(q, "values", None))


def _search_one(settings, project, session, q, exact: bool, model: str = "study",
                patients: dict | None = None) -> tuple[int, int]:
    """Runs one query row; returns (studies matched, series stored for it).

    Patient Root: patient attributes are not keys of the STUDY level there, so they are asked
    once per patient at the PATIENT level and merged in (`patients` caches them per run).
    """
    patient_root = model == "patient"
    study_return = _return_keys(STUDY_KEYS, STUDY_RETURN, settings.query_tags)
    if patient_root:
        study_return = [kw for kw in study_return if kw not in PATIENT_LEVEL_KEYS]
    series_return = _return_keys(SERIES_KEYS, SERIES_RETURN, settings.query_tags)
    studies: dict[str, dict[str, str]] = {}
    for match_keys in study_key_sets(q.values, exact):
        keys: dict[str, object] = {kw: "" for kw in study_return}
        if patient_root:
            match_keys = {k: v for k, v in match_keys.items() if k not in PATIENT_LEVEL_KEYS}
        keys.update(match_keys)
        for ds in session.find("STUDY", keys):
            uid = element_text(ds, "StudyInstanceUID")
            if uid and uid not in studies:
                tags = {kw: element_text(ds, kw) for kw in study_return}
                if study_matches(q.values, tags, exact):
                    studies[uid] = tags
    stored = 0
    for study_uid, study_tags in studies.items():
        if patient_root and study_tags.get("PatientID"):
            study_tags.update(_patient_tags(session, study_tags["PatientID"], settings, patients))
        keys = {kw: "" for kw in series_return}
        keys["StudyInstanceUID"] = study_uid
        if patient_root and study_tags.get("PatientID"):
            keys["PatientID"] = study_tags["PatientID"]
        for ds in session.find("SERIES", keys):
            series_tags = {kw: element_text(ds, kw) for kw in series_return}
            if not series_tags.get("SeriesInstanceUID"):
                continue
            if not series_matches(q.values, series_tags, exact):
                continue
            tags = dict(study_tags)
            tags.update({k: v for k, v in series_tags.items() if v or k not in tags})
            tags["StudyInstanceUID"] = study_uid
            project.upsert_series(q.number, tags)
            stored += 1
    log.info("query %s: %d studies, %d series", q.number, len(studies), stored)
    return len(studies), stored


def _patient_tags(session, patient_id: str, settings, cache: dict | None) -> dict[str, str]:
    """Patient attributes from a PATIENT-level C-FIND (Patient Root), asked once per patient."""
    if cache is not None and patient_id in cache:
        return cache[patient_id]
    wanted = _return_keys(PATIENT_LEVEL_KEYS, ("PatientName",), settings.query_tags)
    keys: dict[str, object] = {kw: "" for kw in wanted}
    keys["PatientID"] = patient_id
    found = session.find("PATIENT", keys)
    tags = {kw: element_text(found[0], kw) for kw in wanted} if found else {}
    if cache is not None:
        cache[patient_id] = tags
    return tags


# ----------------------------------------------------------------------------------------- select
def select(project, *, include_series: str | None = None, exclude_series: str | None = None,
           modalities: Iterable[str] | str | None = None, series_uids: Iterable[str] | None = None) -> int:
    """Marks the chosen series QUEUED and the other found ones EXCLUDED; returns how many were chosen.

    With `series_uids`, exactly those (still narrowed by the filters given). Otherwise every series
    found, minus the filters. Filters: regexes on SeriesDescription (case-insensitive) and a list
    of modalities. DOWNLOADED and IGNORED series keep their status.
    """
    inc = _compile(include_series, "--include-series")
    exc = _compile(exclude_series, "--exclude-series")
    if isinstance(modalities, str):
        modalities = [m for m in re.split(r"[,;\s]+", modalities) if m]
    mods = {m.strip().upper() for m in modalities} if modalities else None
    wanted = set(series_uids) if series_uids is not None else None
    chosen: set[str] = set()
    for s in project.series():
        if s.status == MISSING:
            continue
        if wanted is not None and s.series_uid not in wanted:
            continue
        desc = (s.tags.get("SeriesDescription") or "")
        if inc is not None and not inc.search(desc):
            continue
        if exc is not None and exc.search(desc):
            continue
        if mods is not None and (s.tags.get("Modality") or "").strip().upper() not in mods:
            continue
        chosen.add(s.series_uid)
    project.select(chosen)
    project.set_setting("filters", {"include_series": include_series, "exclude_series": exclude_series,
                                    "modalities": sorted(mods) if mods else None,
                                    "series_uids": len(wanted) if wanted is not None else None})
    return len(chosen)


def _compile(pattern: str | None, option: str):
    if not pattern:
        return None
    try:
        return re.compile(pattern, re.IGNORECASE)
    except re.error as e:
        raise EngineError(f"{option} {pattern!r} is not a valid regular expression ({e}); "
                          f"write plain text, or escape special characters with a backslash") from e


# ----------------------------------------------------------------------------------- naming files
def _hex8(uid: str) -> str:
    return hashlib.sha256(uid.encode("ascii", "replace")).hexdigest()[:8]


def _int_or_zero(text) -> int:
    try:
        return int(float(str(text).strip()))
    except (TypeError, ValueError):
        return 0


def _safe(text: str) -> str:
    from mid.anonymizer import safe_component
    return safe_component(text or "")


def series_folder_name(ds) -> str:
    """`<SeriesNumber>_<clean SeriesDescription>` (just the number when there is no description)."""
    number = _int_or_zero(element_text(ds, "SeriesNumber"))
    desc = _safe(element_text(ds, "SeriesDescription"))
    return f"{number}_{desc}" if desc else f"{number}"


def instance_file_name(ds, sop_uid: str) -> str:
    """`<InstanceNumber:05d>_<8 hex of the SOPInstanceUID>.dcm`: unique even for equal numbers."""
    return f"{_int_or_zero(element_text(ds, 'InstanceNumber')):05d}_{_hex8(sop_uid)}.dcm"


def anonymized_relpath(ds, study_number: str) -> str:
    """Path under images/ of a de-identified instance (built from no PHI)."""
    return "/".join((str(study_number), series_folder_name(ds),
                     instance_file_name(ds, element_text(ds, "SOPInstanceUID"))))


def raw_relpath(ds) -> str:
    """Path under images/ of an instance kept as received: `<MRN>_<StudyDate>_<Accession>/...`."""
    study = "_".join((_safe(element_text(ds, "PatientID")) or "NOID",
                      _safe(element_text(ds, "StudyDate")) or "NODATE",
                      _safe(element_text(ds, "AccessionNumber")) or "NOACC"))
    return "/".join((study, series_folder_name(ds), instance_file_name(ds, element_text(ds, "SOPInstanceUID"))))


#: numbers the temp files of write_atomic (next() on a count is atomic under the GIL)
_TEMP_SEQ = itertools.count()


def write_atomic(path: Path, data: bytes, fsync: bool = False) -> None:
    """Writes `data` to a temp file beside `path`, then renames it over `path`: never a half file.

    The guarantee is atomicity, not durability: the rename is atomic, so after a crash or kill
    the file either exists whole (old or new content) or not at all; a temp file left behind is
    removed by the next run (remove_stale_temp_files). A killed process loses nothing that was
    renamed. Without `fsync` (the default: one per file costs more than the rest of the write),
    a power loss or OS crash may lose the last files written, or rows, in either order; the
    receiver does not fsync, so after such a crash check the images against the project."""
    tmp = path.parent / f".{path.name}.{os.getpid()}-{next(_TEMP_SEQ)}.tmp"   # unique per process and call
    try:
        with open(tmp, "wb") as f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            tmp.unlink()
        except OSError:
            pass
        raise


def remove_stale_temp_files(images_dir: Path) -> int:
    """Deletes temp files a killed run left under images/; returns how many."""
    n = 0
    for p in Path(images_dir).rglob(".*.tmp"):
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n


def encode_dataset(ds) -> bytes:
    """The dataset as a DICOM file (preamble, meta, dataset) in the transfer syntax of its meta.

    The same bytes as `ds.save_as(..., enforce_file_format=True)`, but the file meta is updated
    in place rather than deep-copied and checked once rather than twice, which halves the cost
    for a received instance (the dataset is ours and is dropped once written). Deflated,
    big-endian and unknown transfer syntaxes take pydicom's full path.
    """
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset, write_file_meta_info
    from pydicom.uid import DeflatedExplicitVRLittleEndian
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if (ts is None or ts == DeflatedExplicitVRLittleEndian or ts.is_private or not ts.is_transfer_syntax
            or not ts.is_little_endian or (getattr(ds, "preamble", None) or b"\0" * 128) != b"\0" * 128):
        buf = BytesIO()
        ds.save_as(buf, enforce_file_format=True)
        return buf.getvalue()
    for meta_kw, ds_kw in (("MediaStorageSOPClassUID", "SOPClassUID"),
                           ("MediaStorageSOPInstanceUID", "SOPInstanceUID")):
        value = ds.get(ds_kw)
        if meta.get(meta_kw) is None or (value and value != meta.get(meta_kw)):
            setattr(meta, meta_kw, value)
    if "PixelData" in ds:
        ds["PixelData"].is_undefined_length = ts.is_compressed
    fp = DicomBytesIO()
    fp.is_implicit_VR, fp.is_little_endian = ts.is_implicit_VR, True
    fp.write(b"\0" * 128 + b"DICM")
    write_file_meta_info(fp, meta, enforce_standard=True)
    write_dataset(fp, ds)
    return fp.getvalue()


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
    result: object | None
    error: Exception | None
    idle: bool
    level: str


@dataclass(frozen=True)
class _Verdict:
    """How a series stands after an attempt; `final` means no retry will change it."""
    status: str
    reason: str | None
    final: bool


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

#: per-process state of a de-identification worker process (set once by _pool_init; each
#: worker process has its own copy, nothing is shared with the parent)
_POOL_WORKER: dict = {}


def _pool_init(project_root: str, config) -> None:
    """Runs once in each worker process: opens the project (for its keys) and builds the anonymizer."""
    from mid import anonymizer
    from mid import project as project_mod
    proj = project_mod.Project.open(Path(project_root))
    _POOL_WORKER["anonymizer"] = anonymizer.Anonymizer(config, keys=proj)
    _POOL_WORKER["images"] = Path(proj.images_dir)


def _pool_process(data: bytes, study_number: str) -> dict:
    """In a worker process: parse, de-identify, encode and write one instance; say what happened."""
    from pydicom import dcmread
    ds = dcmread(BytesIO(data))
    res = _POOL_WORKER["anonymizer"].anonymize(ds)
    if res.dataset is None or res.dropped:
        return {"dropped": res.dropped or "dropped"}
    out = res.dataset
    rel = anonymized_relpath(out, study_number)
    path = _POOL_WORKER["images"] / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = encode_dataset(out)
    if not path.exists():
        write_atomic(path, blob)
    return {"dropped": None, "relpath": rel, "new_sop": element_text(out, "SOPInstanceUID"),
            "nbytes": len(blob), "key": res.key}


class _AnonPool:
    """De-identification, encoding and writing in worker processes, so they run beside the GIL.

    The receiver threads hand over the instance bytes as received and wait for the outcome;
    the parent keeps the routing and every project record.
    """

    def __init__(self, project_root: Path, config, processes: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        self._ex = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_pool_init, initargs=(str(project_root), config))
        self.processes = processes

    def run(self, data: bytes, study_number: str) -> dict:
        return self._ex.submit(_pool_process, data, study_number).result()

    def close(self) -> None:
        self._ex.shutdown(wait=True, cancel_futures=True)


class _InstanceLog:
    """Instance rows committed in batches by one thread, not one transaction per instance.

    Crash safety: a row is queued only after its file is whole on disk (written to a temp file
    and renamed, which is atomic), so a kill can lose rows but never leaves a row without its
    file. A file whose row was lost is not counted, so its series is retrieved again on resume;
    the file, found whole, is kept and only its row is written; nothing is counted twice because
    rows are unique per SOPInstanceUID. flush() returns once every row queued so far is
    committed: the run calls it before it reads a series' counts.
    """

    BATCH = 200          # rows per transaction at most
    INTERVAL = 0.2       # seconds a row may wait for others before it is committed

    def __init__(self, project):
        self.project = project
        self._q: queue.Queue = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="instance-log", daemon=True)
        self._thread.start()

    def add(self, series_uid: str, sop_uid: str, **kw) -> None:
        self._q.put((series_uid, sop_uid, kw))

    def flush(self) -> None:
        if not self._thread.is_alive():
            return
        done = threading.Event()
        self._q.put(done)
        while not done.wait(0.5):
            if not self._thread.is_alive():
                return

    def close(self) -> None:
        self.flush()
        self._q.put(None)
        self._thread.join(10)

    def _run(self) -> None:
        while True:
            item = self._q.get()
            batch, waiters, stop = [], [], False
            deadline = time.monotonic() + self.INTERVAL
            while True:
                if item is None:
                    stop = True
                    break
                if isinstance(item, threading.Event):
                    waiters.append(item)
                    break
                batch.append(item)
                left = deadline - time.monotonic()
                if len(batch) >= self.BATCH or left <= 0:
                    break
                try:
                    item = self._q.get(timeout=left)
                except queue.Empty:
                    break
            if batch:
                self._commit(batch)
            for w in waiters:
                w.set()
            if stop:
                return

    def _commit(self, batch: list) -> None:
        try:
            self.project.record_instances(batch)
            return
        except Exception:
            log.exception("recording %d instances in one transaction failed; recording them one by one",
                          len(batch))
        for series_uid, sop_uid, kw in batch:
            try:
                self.project.record_instance(series_uid, sop_uid, **kw)
            except Exception:
                log.exception("an instance could not be recorded; its series will be retrieved again")


class _Receiver:
    """The store handler for C-MOVE (our StorageSCP) and C-GET: de-identify, write, record.

    Answers Success only once the file is written and recorded; a write failure answers
    Out of Resources (0xA700) so the PACS counts the sub-operation as failed.
    """

    def __init__(self, run: "_DownloadRun"):
        self.run = run
        self.project = run.project
        self.images_dir = Path(run.project.images_dir)
        self.anonymizer = run.anonymizer
        self._dirs: set[Path] = set()
        self._keyed: set[str] = set()
        self._lock = threading.Lock()
        self.log = run.instance_log
        #: instances of this run's series already WRITTEN or IGNORED, so a resume skips them
        #: without asking the database once per instance
        self._known: set[str] = run.project.known_instances(run.records)

    def _record(self, series_uid: str, sop_uid: str, **kw) -> None:
        self.log.add(series_uid, sop_uid, **kw)
        self._known.add(sop_uid)

    def __call__(self, req) -> int:
        ds = req.dataset
        series_uid = element_text(ds, "SeriesInstanceUID")
        sop_uid = element_text(ds, "SOPInstanceUID")
        rec = self.run.records.get(series_uid)
        if rec is None:
            log.warning("received an instance of a series this run did not ask for; refused")
            return STATUS_CANNOT_UNDERSTAND
        self.run.touch(series_uid)
        try:
            if sop_uid in self._known:
                self.run.counted(0)
                return STATUS_SUCCESS
            nbytes = self._store(req, ds, rec, series_uid, sop_uid)
        except OSError as e:
            log.error("study %s series %s: cannot write an instance: %s", rec.study_number,
                      rec.tags.get("SeriesNumber", "?"), e)
            return STATUS_OUT_OF_RESOURCES
        except Exception:
            log.exception("study %s series %s: cannot process an instance", rec.study_number,
                          rec.tags.get("SeriesNumber", "?"))
            return STATUS_CANNOT_UNDERSTAND
        self.run.counted(nbytes)
        return STATUS_SUCCESS

    def _store(self, req, ds, rec, series_uid: str, sop_uid: str) -> int:
        key = None
        if self.run.pool is not None and self.anonymizer is not None:
            return self._store_in_pool(req, rec, series_uid, sop_uid)
        if self.anonymizer is None:
            data = req.encoded()
            rel = raw_relpath(ds)
            new_sop = sop_uid
        else:
            res = self.anonymizer.anonymize(ds)
            if res.dataset is None or res.dropped:
                self._record(series_uid, sop_uid, new_sop_uid=None, relpath=None, nbytes=0,
                             status="IGNORED", reason=res.dropped or "dropped")
                return 0
            out = res.dataset
            new_sop = element_text(out, "SOPInstanceUID")
            rel = anonymized_relpath(out, rec.study_number)
            data = encode_dataset(out)
            key = res.key
        path = self.images_dir / rel
        self._ensure_dir(path.parent)
        # A file is only ever there whole (write_atomic renames), so one left by a run killed
        # before its row was committed is complete: keep it, record it, rewrite nothing.
        if not path.exists():
            write_atomic(path, data)
        self._record(series_uid, sop_uid, new_sop_uid=new_sop, relpath=rel, nbytes=len(data), status="WRITTEN")
        if key is not None:
            with self._lock:
                first = series_uid not in self._keyed
                self._keyed.add(series_uid)
            if first:
                self.project.record_key(key)
        return len(data)

    def _store_in_pool(self, req, rec, series_uid: str, sop_uid: str) -> int:
        r = self.run.pool.run(req.encoded(), rec.study_number)
        if r["dropped"]:
            self._record(series_uid, sop_uid, new_sop_uid=None, relpath=None, nbytes=0,
                         status="IGNORED", reason=r["dropped"])
            return 0
        self._record(series_uid, sop_uid, new_sop_uid=r["new_sop"], relpath=r["relpath"],
                     nbytes=r["nbytes"], status="WRITTEN")
        with self._lock:
            first = series_uid not in self._keyed
            self._keyed.add(series_uid)
        if first:
            self.project.record_key(r["key"])
        return r["nbytes"]

    def _ensure_dir(self, d: Path) -> None:
        if d not in self._dirs:
            d.mkdir(parents=True, exist_ok=True)
            self._dirs.add(d)


class _DownloadRun:
    """State of one download run: the series to fetch, the active retrieves, the counters."""

    def __init__(self, settings, project, peer, *, method: str, destination: str, workers: int,
                 raw: bool, emit: _Emitter, cancel: threading.Event):
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
        self.anonymizer = None if raw else _make_anonymizer(settings, project)
        self.pool: _AnonPool | None = None
        self.instance_log = _InstanceLog(project)
        self.receiver = _Receiver(self)
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

    def _plan(self) -> list[tuple[str, list]]:
        """Retrieves to run: STUDY level when the whole study is wanted and allowed, else SERIES."""
        by_study: dict[str, list] = {}
        for s in sorted(self.records.values(), key=_series_order):
            by_study.setdefault(s.study_uid, []).append(s)
        all_by_study: dict[str, int] = {}
        for s in self.project.series():
            all_by_study[s.study_uid] = all_by_study.get(s.study_uid, 0) + 1
        filtered = self._queries_with_series_keys()
        tasks: list[tuple[str, list]] = []
        for study_uid, recs in by_study.items():
            whole = (len(recs) > 1 and len(recs) == all_by_study.get(study_uid, 0)
                     and not any(r.query_number in filtered for r in recs)
                     and getattr(self.peer, "allow_study_move", True))
            if whole:
                tasks.append(("STUDY", recs))
            else:
                tasks.extend(("SERIES", [r]) for r in recs)
        return tasks

    def _queries_with_series_keys(self) -> set:
        out = set()
        for q in self.project.queries():
            values = getattr(q, "values", None) or {}
            if any(values.get(k) for k in SERIES_FILTER_KEYS):
                out.add(q.number)
        return out

    def _watchdog(self, stop: threading.Event) -> None:
        idle_limit = float(self.settings.defaults.move_idle_timeout)
        while not stop.wait(0.2):
            now = time.monotonic()
            with self._active_lock:
                actives = set(self._active.values())
            for a in actives:
                if self.cancel.is_set():
                    a.cancel.set()
                elif idle_limit > 0 and now - a.last > idle_limit and not a.cancel.is_set():
                    a.idle = True
                    a.cancel.set()

    def _run_task(self, task: tuple[str, list]) -> None:
        level, recs = task
        try:
            if self.cancel.is_set():
                for r in recs:
                    self._set(r, _Verdict(CANCELLED, "cancelled before it started", True))
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
            log.exception("retrieve failed unexpectedly")
            for r in recs:
                self._set(r, _Verdict(FAILED, f"internal error: {e}", True))

    def _retry_series(self, rec, first_attempt: int, verdict: _Verdict | None = None) -> None:
        attempts = int(self.settings.defaults.retries) + 1
        for attempt in range(first_attempt, attempts):
            if attempt > 0:
                delay = float(self.settings.defaults.retry_backoff) * (2 ** max(attempt - 1, 0))
                if self.cancel.wait(min(delay, 60.0)):
                    break
            if self.cancel.is_set():
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
        elif verdict is not None:
            self._set(rec, _Verdict(verdict.status, verdict.reason, True))

    def _attempt(self, level: str, recs: list) -> _Outcome:
        active = _Active(frozenset(r.series_uid for r in recs))
        with self._active_lock:
            for uid in active.series_uids:
                self._active[uid] = active
        keys = {"StudyInstanceUID": recs[0].study_uid}
        if level == "SERIES":
            keys["SeriesInstanceUID"] = recs[0].series_uid
        if getattr(self.peer, "query_model", "study") == "patient" and recs[0].tags.get("PatientID"):
            keys["PatientID"] = recs[0].tags["PatientID"]
        try:
            if self.method == "get":
                res = self.pacs.get(self.local_aet, self.peer, level, keys, self.timeouts,
                                    on_store=self.receiver, cancel=active.cancel)
            else:
                res = self.pacs.move(self.local_aet, self.peer, self.dest_aet, level, keys, self.timeouts,
                                     cancel=active.cancel)
            return _Outcome(res, None, active.idle, level)
        except self.pacs.NetError as e:
            return _Outcome(None, e, active.idle, level)
        finally:
            with self._active_lock:
                for uid in active.series_uids:
                    if self._active.get(uid) is active:
                        del self._active[uid]

    def counts(self, series_uid: str) -> tuple[int, int]:
        """(written, ignored) of a series, once every instance received so far is committed."""
        self.instance_log.flush()
        return self.project.counts(series_uid)

    def _judge(self, rec, outcome: _Outcome) -> _Verdict:
        """Compares what arrived with what was announced; decides the status and whether to retry."""
        written, ignored = self.counts(rec.series_uid)
        have = written + ignored
        res = outcome.result
        announced = [int(rec.expected)] if rec.expected else []
        series_level = outcome.level == "SERIES"
        if res is not None and series_level:
            subops = int(res.completed or 0) + int(res.failed or 0) + int(res.warning or 0)
            if getattr(res, "cancelled", False):
                subops += int(res.remaining or 0)
            if subops:
                announced.append(subops)
        expected = max(announced) if announced else None
        failed_subops = int(getattr(res, "failed", 0) or 0) if (res is not None and series_level) else 0
        if expected is not None:
            complete = have >= expected and failed_subops == 0
        else:   # nothing announced (some PACS give no counts): trust only a clean, whole retrieve
            clean = (outcome.error is None and not outcome.idle and res is not None
                     and not getattr(res, "cancelled", False) and int(getattr(res, "failed", 0) or 0) == 0)
            complete = have > 0 and clean
        if complete and not (self.destination != SELF and self.method == "move"):
            return _Verdict(IGNORED if written == 0 else DOWNLOADED,
                            "every image dropped by the de-identification rules" if written == 0 else None, True)
        if self.destination != SELF and self.method == "move" and res is not None and not outcome.error:
            ok = int(res.failed or 0) == 0 and int(res.completed or 0) > 0
            return _Verdict(DOWNLOADED if ok else FAILED, None if ok else _status_reason(res), True)
        if self.cancel.is_set():
            return self._cancelled_verdict(rec)
        short = f"{have} of {expected if expected is not None else '?'} instances"
        if outcome.idle:
            idle = self.settings.defaults.move_idle_timeout
            return _Verdict(PARTIAL if have else FAILED, f"no instance arrived for {idle:g} s ({short})", False)
        if outcome.error is not None:
            e = outcome.error
            # a failure status of a retrieve (often because one of our stores failed) is worth a
            # retry, unless it says the request itself can never work
            hopeless = getattr(e, "status", None) in (STATUS_MOVE_DESTINATION_UNKNOWN, STATUS_IDENTIFIER_MISMATCH)
            retry = (bool(getattr(e, "transient", False)) or getattr(e, "kind", "") in ("aborted", "status")
                     or have > 0) and not hopeless
            reason = str(e) if not have else f"{short}; {e}"
            return _Verdict(PARTIAL if have else FAILED, reason, not retry)
        status = int(getattr(res, "status", 0) or 0)
        if status == STATUS_MOVE_DESTINATION_UNKNOWN:
            return _Verdict(FAILED, f"{self.peer.name}: the PACS does not know {self.dest_aet!r} as a "
                                    f"move destination — register our AE title, IP and port at the PACS",
                            True)
        if have == 0 and not failed_subops and not expected:
            return _Verdict(FAILED, f"{self.peer.name}: the PACS sent no instance for this series"
                                    f"{' (' + _status_reason(res) + ')' if status else ''}", True)
        reason = f"{short}" + (f"; {failed_subops} failed at our side" if failed_subops else "")
        if status not in (STATUS_SUCCESS, STATUS_WARNING_SUBOPS, STATUS_CANCEL):
            reason += f"; {_status_reason(res)}"
        return _Verdict(PARTIAL if have else FAILED, reason, False)

    def _cancelled_verdict(self, rec) -> _Verdict:
        written, ignored = self.counts(rec.series_uid)
        have = written + ignored
        if rec.expected and have >= int(rec.expected):
            return _Verdict(IGNORED if written == 0 else DOWNLOADED, None, True)
        return _Verdict(CANCELLED, f"cancelled by the user ({have} of {rec.expected or '?'} instances)", True)

    def _set(self, rec, v: _Verdict) -> None:
        written, ignored = self.counts(rec.series_uid)
        self.project.set_series_status(rec.series_uid, v.status, v.reason)
        if v.final and v.status in FINISHED | {FAILED, PARTIAL, CANCELLED}:
            with self.counters.lock:
                self.counters.series_done += 1
        desc = rec.tags.get("SeriesDescription", "")
        self.emit(SeriesUpdate(rec.series_uid, rec.study_number, desc, v.status, v.reason,
                               written + ignored, rec.expected))
        line = "query %s study %s series %s: %s%s"
        args = (rec.query_number, rec.study_number, rec.tags.get("SeriesNumber", "?"), v.status,
                f" ({v.reason})" if v.reason else "")
        (log.warning if v.status in (FAILED, PARTIAL) and v.final else log.info)(line, *args)
        log.debug("query %s study %s series %r: %s", rec.query_number, rec.study_number, desc, v.status,
                  extra={"phi": True})

    def finish(self, error: str | None) -> dict[str, int]:
        """Leaves no series DOWNLOADING; returns the run's series counts per status."""
        self.instance_log.close()
        counts: dict[str, int] = {}
        for s in self.project.series(set(TO_RETRIEVE) | FINISHED):
            if s.series_uid not in self.records:
                continue
            if s.status in (DOWNLOADING, QUEUED):
                if self.cancel.is_set():
                    self._set(s, self._cancelled_verdict(s))
                else:
                    self._set(s, _Verdict(FAILED, error or "the run stopped before this series was retrieved",
                                          True))
        for s in self.project.series():
            if s.series_uid in self.records:
                counts[s.status] = counts.get(s.status, 0) + 1
        return counts


def _status_reason(res) -> str:
    status = int(getattr(res, "status", 0) or 0)
    names = {0xA701: "out of resources: unable to calculate number of matches",
             0xA702: "out of resources: unable to perform sub-operations",
             0xA801: "move destination unknown", 0xA900: "identifier does not match SOP class",
             0xB000: "sub-operations complete with failures or warnings", 0xFE00: "cancelled"}
    name = names.get(status, "failed" if status >= 0xC000 else "status")
    return f"status 0x{status:04X} {name}"


def _series_order(s) -> tuple:
    return (str(s.study_number), _int_or_zero(s.tags.get("SeriesNumber")), s.series_uid)


def _make_anonymizer(settings, project):
    from mid import anonymizer
    return anonymizer.Anonymizer(anonymizer.AnonConfig.from_settings(settings), keys=project)


# The user_defaults.json options that decide what a de-identified image looks like. A project keeps
# the values of its first de-identified run, so later runs give the same pseudonyms, UIDs and dates.
DEID_OPTIONS = ("deid_retain_modified_dates", "deid_clean_descriptors", "deid_retain_patient_characteristics",
                "patient_id_prefix", "patient_name_prefix", "uid_root", "deid_private_allowlist",
                "deid_drop_sop_classes")


def with_project_deid_options(settings, project, emit=None):
    """`settings` with the project's de-identification options (recorded on first use)."""
    current = {k: getattr(settings.defaults, k) for k in DEID_OPTIONS}
    recorded = project.get_setting("deid_options")
    if not isinstance(recorded, dict):
        project.set_setting("deid_options", current)
        return settings
    kept = {k: recorded[k] for k in DEID_OPTIONS if k in recorded}
    changed = sorted(k for k, v in kept.items() if v != current[k])
    if not changed:
        return settings
    text = (f"this project was de-identified with other options than user_defaults.json now has "
            f"({', '.join(changed)}); the project's own are used so its images stay consistent")
    log.warning(text)
    if emit is not None:
        emit(Message("warning", text))
    return replace(settings, defaults=replace(settings.defaults, **kept))


def check_mode(project, raw: bool) -> None:
    """Refuses to mix raw and de-identified images in one project (EngineError says what to do)."""
    fn = getattr(project, "check_mode", None)
    if callable(fn):
        fn(raw)
        return
    previous = project.get_setting("raw")
    if previous is not None and bool(previous) != bool(raw):
        have = "raw" if previous else "de-identified"
        want = "raw" if raw else "de-identified"
        raise EngineError(f"project {project.root} holds {have} images; it cannot take {want} ones. "
                          f"Use another --project folder" + ("" if raw else ", or add --raw") + ".")
    project.set_setting("raw", bool(raw))


def effective_workers(settings, peer, workers: int | None) -> int:
    """Workers asked for (or user_defaults), capped by the peer's max_associations."""
    n = int(workers or settings.defaults.workers or 1)
    cap = getattr(peer, "max_associations", None)
    if cap:
        n = min(n, int(cap))
    return max(1, n)


def download(settings, project, source: str, *, destination: str = SELF, method: str | None = None,
             workers: int | None = None, anonymize: bool = True, on_event=None,
             cancel: threading.Event | None = None, processes: int | None = None) -> DownloadFinished:
    """Retrieves every selected series not yet complete; de-identifies and writes each instance.

    Resumes by itself: series DOWNLOADED or IGNORED are skipped, and instances already recorded
    are acknowledged without being rewritten. Every report is written at the end, also after a
    cancel or an error. `processes`: worker processes for de-identification (0: in the receiver
    threads; None: automatic, used for runs of POOL_MIN_INSTANCES instances or more).
    """
    import pacs
    emit = _Emitter(on_event)
    cancel = cancel or threading.Event()
    peer = peer_for(settings, source)
    method = (method or getattr(peer, "retrieve_method", None) or "move").lower()
    if method not in ("move", "get"):
        raise EngineError(f"retrieve method {method!r} is not known: use move or get")
    check_mode(project, raw=not anonymize)
    if anonymize:
        settings = with_project_deid_options(settings, project, emit)
    project.set_setting("source", source)
    project.set_setting("method", method)
    n_workers = effective_workers(settings, peer, workers)
    run = _DownloadRun(settings, project, peer, method=method, destination=destination, workers=n_workers,
                       raw=not anonymize, emit=emit, cancel=cancel)
    error: str | None = None
    scp = None
    try:
        stale = remove_stale_temp_files(project.images_dir)
        if stale:
            log.info("removed %d temp files left by an interrupted run", stale)
        if run.records:
            n_proc = _pool_size(processes, run, n_workers)
            if n_proc and not run.raw:
                run.pool = _AnonPool(project.root, _anon_config(settings), n_proc)
            if method == "move" and destination == SELF:
                scp = _start_receiver(settings, run)
            run.execute()
    except pacs.NetError as e:
        error = str(e)
    except OSError as e:
        me = settings.self_peer
        error = (f"our receiver cannot listen on {me.host}:{me.port} ({e}) — another program may use "
                 f"that port; change <SELF>'s port in peers.json")
    finally:
        if scp is not None:
            try:
                scp.stop()
            except Exception:
                log.exception("stopping our receiver failed")
        if run.pool is not None:
            run.pool.close()
        counts = run.finish(error)
        paths = _write_reports(project, settings, "all", emit)
    if error:
        log.error("download stopped: %s", error)
        emit(Message("error", error))
    result = DownloadFinished(counts, cancel.is_set(), error, paths)
    emit(result)
    log.info("download ended: %s%s", ", ".join(f"{v} {k}" for k, v in sorted(counts.items())) or "nothing to do",
             " (cancelled)" if cancel.is_set() else "")
    return result


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


def _anon_config(settings):
    from mid import anonymizer
    return anonymizer.AnonConfig.from_settings(settings)


def _start_receiver(settings, run: _DownloadRun):
    import pacs
    me = settings.self_peer
    peers = settings.peers

    def allowed() -> set[str]:
        return {p.aet for name, p in peers.items() if name != SELF}

    scp = pacs.StorageSCP(me.aet, me.host, int(me.port), allowed, run.receiver, timeouts_for(settings))
    scp.start()
    return scp


def _write_reports(project, settings, which: str, emit: _Emitter) -> list[Path]:
    try:
        from mid import reports
        paths = reports.write_reports(project, settings, which=which)
    except Exception as e:  # reports are regenerable; say so rather than lose the run
        log.exception("writing the reports failed")
        emit(Message("error", f"the reports could not be written ({e}); run "
                              f"`python main.py report --project {project.root}` to retry"))
        return []
    return list(paths or [])


# -------------------------------------------------------------------------- anonymize files on disk
@dataclass
class AnonymizeSummary:
    """What `anonymize_files` did with the files of a folder."""
    written: int = 0
    ignored: int = 0
    known: int = 0
    not_dicom: int = 0
    failed: int = 0
    problems: list[str] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)


@dataclass
class _FileRequest:
    """A file read from disk, shaped like pacs.StoreRequest for the receiver."""
    dataset: object
    raw_bytes: bytes
    calling_aet: str = ""

    def encoded(self) -> bytes:
        return self.raw_bytes


def anonymize_files(settings, project, in_dir: Path, *, on_event=None,
                    cancel: threading.Event | None = None) -> AnonymizeSummary:
    """De-identifies the DICOM files under `in_dir` into `project` with its rules and keys.

    Uses the same naming, key and records as a download. Files that are not DICOM are skipped
    and counted. Each series is recorded as found (query-less) and ends DOWNLOADED or IGNORED.
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError
    emit = _Emitter(on_event)
    cancel = cancel or threading.Event()
    check_mode(project, raw=False)
    settings = with_project_deid_options(settings, project, emit)
    summary = AnonymizeSummary()
    anon = _make_anonymizer(settings, project)
    files = sorted(p for p in Path(in_dir).rglob("*") if p.is_file())
    images = Path(project.images_dir)
    touched: dict[str, object] = {}
    keyed: set[str] = set()
    start = time.monotonic()
    for n, path in enumerate(files, start=1):
        if cancel.is_set():
            break
        try:
            data = path.read_bytes()
            ds = dcmread(BytesIO(data))
        except (InvalidDicomError, EOFError):
            summary.not_dicom += 1
            continue
        except Exception as e:
            summary.not_dicom += 1
            summary.problems.append(f"{path}: cannot be read as DICOM ({e}); skipped")
            continue
        try:
            _anonymize_one(project, anon, ds, touched, keyed, images, summary)
        except Exception as e:
            log.exception("cannot de-identify a file")
            summary.failed += 1
            summary.problems.append(f"{path}: {e}")
        if n % 20 == 0 or n == len(files):
            elapsed = max(time.monotonic() - start, 1e-6)
            emit(DownloadProgress(n, len(files), 0, n / elapsed, (len(files) - n) / (n / elapsed), 0, 0))
    for uid in touched:
        w, i = project.counts(uid)
        project.set_series_status(uid, DOWNLOADED if w else IGNORED,
                                  None if w else "every image dropped by the de-identification rules")
    summary.reports = _write_reports(project, settings, "all", emit)
    return summary


def _anonymize_one(project, anon, ds, touched: dict, keyed: set, images: Path, summary: AnonymizeSummary) -> None:
    series_uid = element_text(ds, "SeriesInstanceUID")
    study_uid = element_text(ds, "StudyInstanceUID")
    sop_uid = element_text(ds, "SOPInstanceUID")
    if not (series_uid and study_uid and sop_uid):
        raise ValueError("lacks a Study, Series or SOP Instance UID; cannot be placed")
    if series_uid not in touched:
        tags = {kw: element_text(ds, kw) for kw in STUDY_RETURN + SERIES_RETURN if kw in ds}
        tags.update(StudyInstanceUID=study_uid, SeriesInstanceUID=series_uid)
        touched[series_uid] = project.upsert_series(None, tags)
    rec = touched[series_uid]
    if project.instance_known(sop_uid):
        summary.known += 1
        return
    res = anon.anonymize(ds)
    if res.dataset is None or res.dropped:
        project.record_instance(series_uid, sop_uid, status="IGNORED", reason=res.dropped or "dropped")
        summary.ignored += 1
        return
    out = res.dataset
    rel = anonymized_relpath(out, rec.study_number)
    data = encode_dataset(out)
    target = images / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(target, data)
    project.record_instance(series_uid, sop_uid, new_sop_uid=element_text(out, "SOPInstanceUID"), relpath=rel,
                            nbytes=len(data), status="WRITTEN")
    if series_uid not in keyed:
        keyed.add(series_uid)
        project.record_key(res.key)
    summary.written += 1
