"""Where an image is written: the program's one receive-and-write path.

Every image that reaches a project goes through `ImageStore.store`, whoever brings it: our
Storage SCP during a C-MOVE, the C-GET store handler (both through `mid.retrieve.Receiver`),
and the `anonymize` command reading files on disk (`anonymize_files`, at the end of this
module). The steps, in order:

    validate      `validate(ds)`: the hook for per-instance checks (the UIDs an image needs
                  today); a dataset that fails is recorded FAILED with the reason
    drop rules    anon_imgs.json, burned-in text, screen captures: recorded IGNORED
    anonymize     PS3.15 de-identification with the project's keys (`mid.anonymizer`)
    place         its path under images/ (`anonymized_relpath`, or `raw_relpath` when raw)
    encode        the dataset as a DICOM file (`encode_dataset`; raw: the bytes as received)
    atomic write  `mid.atomic.write_atomic`; a file already there whole (from a killed run)
                  is kept and only recorded
    record        the instance row, committed in batches (`InstanceLog`)
    key           the series' master-key row, once per series

The steps from "drop rules" to "atomic write" are `write_image`, which runs either in the
receiving thread or, on machines with cores to spare, in a worker process (`WriterPool`);
validation, recording and the key always happen in the parent, which owns the project.

Guarantees: `store` returns only once the file is whole on disk and its row queued; an
OSError of the write propagates (the receiver answers Out of Resources, 0xA700); rows are
unique per SOPInstanceUID, so nothing counts twice.
"""
from __future__ import annotations

import errno
import hashlib
import logging
import queue
import threading
import time
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mid.atomic import remove_stale_temp_files, write_atomic  # noqa: F401  (remove_...: public here too)
from mid.jobs import Emitter, OnEvent, write_reports
from mid.search import SERIES_RETURN, STUDY_RETURN, element_text
from mid.vocab import DOWNLOADED, FAILED, IGNORED, WRITTEN, DownloadProgress, Message

if TYPE_CHECKING:
    from pydicom import Dataset
    from mid.anonymizer import AnonConfig, Anonymizer, KeyEntry
    from mid.project import Project
    from mid.settings import Settings

log = logging.getLogger("mid.engine")

#: the outcome of `store` for an instance this project already holds (a resume)
KNOWN = "KNOWN"

#: what an image must carry to be placed, de-identified and recorded
REQUIRED_UIDS = ("SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID", "SOPClassUID")


# ------------------------------------------------------------------------------------- validate
def validate(ds: "Dataset") -> str | None:
    """Why this dataset cannot be stored, or None. The one place per-instance checks go."""
    missing = [kw for kw in REQUIRED_UIDS if not element_text(ds, kw).strip()]
    if missing:
        return f"lacks its {', '.join(missing)}; it cannot be placed or de-identified"
    return None


# ---------------------------------------------------------------------------------------- place
def _hex8(uid: str) -> str:
    return hashlib.sha256(uid.encode("ascii", "replace")).hexdigest()[:8]


def _int_or_zero(text: object) -> int:
    try:
        return int(float(str(text).strip()))
    except (TypeError, ValueError):
        return 0


def _safe(text: str) -> str:
    from mid.anonymizer import safe_component
    return safe_component(text or "")


def series_folder_name(ds: "Dataset") -> str:
    """`<SeriesNumber>_<clean SeriesDescription>` (just the number when there is no description)."""
    number = _int_or_zero(element_text(ds, "SeriesNumber"))
    desc = _safe(element_text(ds, "SeriesDescription"))
    return f"{number}_{desc}" if desc else f"{number}"


def instance_file_name(ds: "Dataset", sop_uid: str) -> str:
    """`<InstanceNumber:05d>_<8 hex of the SOPInstanceUID>.dcm`: unique even for equal numbers."""
    return f"{_int_or_zero(element_text(ds, 'InstanceNumber')):05d}_{_hex8(sop_uid)}.dcm"


def anonymized_relpath(ds: "Dataset", study_number: str) -> str:
    """Path under images/ of a de-identified instance (built from no PHI)."""
    return "/".join((str(study_number), series_folder_name(ds),
                     instance_file_name(ds, element_text(ds, "SOPInstanceUID"))))


def raw_relpath(ds: "Dataset") -> str:
    """Path under images/ of an instance kept as received: `<MRN>_<StudyDate>_<Accession>/...`."""
    study = "_".join((_safe(element_text(ds, "PatientID")) or "NOID",
                      _safe(element_text(ds, "StudyDate")) or "NODATE",
                      _safe(element_text(ds, "AccessionNumber")) or "NOACC"))
    return "/".join((study, series_folder_name(ds), instance_file_name(ds, element_text(ds, "SOPInstanceUID"))))


# --------------------------------------------------------------------------------------- encode
def encode_dataset(ds: "Dataset") -> bytes:
    """The dataset as a DICOM file (preamble, meta, dataset) in the transfer syntax of its meta.

    The same bytes as `ds.save_as(..., enforce_file_format=True)`, but the file meta is updated
    in place rather than deep-copied and checked once rather than twice, which halves the cost
    for a received instance (the dataset is ours and is dropped once written). Deflated,
    big-endian and unknown transfer syntaxes take pydicom's full path.
    """
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset, write_file_meta_info
    from pydicom.uid import DeflatedExplicitVRLittleEndian
    meta = ds.get("file_meta")
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if (meta is None or ts is None or ts == DeflatedExplicitVRLittleEndian or ts.is_private
            or not ts.is_transfer_syntax or not ts.is_little_endian
            or (ds.get("preamble") or b"\0" * 128) != b"\0" * 128):
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


# ---------------------------------------------- drop rules → anonymize → place → encode → write
@dataclass(frozen=True)
class Written:
    """What `write_image` did: the file it wrote (or found whole), or why the image was dropped."""
    dropped: str | None                 # the drop rule that matched; nothing was written
    relpath: str | None = None          # under images/
    new_sop_uid: str | None = None
    nbytes: int = 0
    key: "KeyEntry | None" = None       # the series' master-key row (de-identified images)


def write_image(ds: "Dataset", study_number: str, anonymizer: "Anonymizer | None", images_dir: Path,
                received: Callable[[], bytes] | None = None, dirs: set[Path] | None = None) -> Written:
    """Drop rules, de-identification, placing, encoding and the atomic write of one image.

    `anonymizer` None keeps the image raw: the bytes as `received`, under `raw_relpath`. A file
    is only ever there whole (write_atomic renames), so one left by a run killed before its
    row was committed is complete: it is kept, and nothing is rewritten. `dirs` remembers the
    folders already made. Runs in a receiving thread or in a worker process (`WriterPool`).
    """
    if anonymizer is None:
        if received is None:
            raise ValueError("a raw image needs its received bytes")
        data = received()
        rel = raw_relpath(ds)
        new_sop = element_text(ds, "SOPInstanceUID")
        key = None
    else:
        res = anonymizer.anonymize(ds)               # the drop rules first, then de-identification
        if res.dataset is None or res.dropped:
            return Written(dropped=res.dropped or "dropped")
        out = res.dataset
        new_sop = element_text(out, "SOPInstanceUID")
        rel = anonymized_relpath(out, study_number)
        data = encode_dataset(out)
        key = res.key
    path = images_dir / rel
    if dirs is None or path.parent not in dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        if dirs is not None:
            dirs.add(path.parent)
    if not path.exists():
        write_atomic(path, data)
    return Written(dropped=None, relpath=rel, new_sop_uid=new_sop, nbytes=len(data), key=key)


# ------------------------------------------------------------------------------ worker processes
@dataclass
class _WorkerState:
    """What one worker process keeps between images (its own copy; nothing shared)."""
    anonymizer: "Anonymizer"
    images_dir: Path
    dirs: set[Path] = field(default_factory=set)


#: set once per worker process by _worker_init
_WORKER: list[_WorkerState] = []


def _worker_init(project_root: str, config: "AnonConfig") -> None:
    """Runs once in each worker process: opens the project (for its keys), builds the anonymizer."""
    from mid import anonymizer
    from mid.project import Project
    proj = Project.open(Path(project_root))
    _WORKER[:] = [_WorkerState(anonymizer.Anonymizer(config, keys=proj), proj.images_dir)]


def _worker_write(data: bytes, study_number: str) -> Written:
    """In a worker process: parse the received bytes, then `write_image`."""
    from pydicom import dcmread
    w = _WORKER[0]
    return write_image(dcmread(BytesIO(data)), study_number, w.anonymizer, w.images_dir, dirs=w.dirs)


class WriterPool:
    """`write_image` in worker processes, so de-identification and encoding run beside the GIL.

    The receiving threads hand over the instance bytes as received and wait for the outcome;
    the parent keeps validation, the routing and every project record.
    """

    def __init__(self, project_root: Path, config: "AnonConfig", processes: int):
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor
        self._ex = ProcessPoolExecutor(max_workers=processes, mp_context=multiprocessing.get_context("spawn"),
                                       initializer=_worker_init, initargs=(str(project_root), config))
        self.processes = processes

    def write(self, data: bytes, study_number: str) -> Written:
        return self._ex.submit(_worker_write, data, study_number).result()

    def close(self) -> None:
        self._ex.shutdown(wait=True, cancel_futures=True)


# ------------------------------------------------------------------------------ local failures
#: errno values of a write that fails on our own side, whatever the PACS sends: a full disk or
#: quota, a read-only file system, a folder this user may not write
LOCAL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM})


def local_failure(exc: BaseException, where: Path | str) -> str | None:
    """The sentence for a failure of our own side that no retry can mend, or None.

    `where` is the project folder. An OSError with one of LOCAL_ERRNOS, or SQLite's "database
    or disk is full" / "readonly database" (the project state lives in the same folder), is
    such a failure: a download stops at the first one (mid.retrieve)."""
    import shutil
    import sqlite3
    code = None
    if isinstance(exc, OSError) and exc.errno in LOCAL_ERRNOS:
        code = exc.errno
    elif isinstance(exc, sqlite3.OperationalError):
        primary = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        code = {sqlite3.SQLITE_FULL: errno.ENOSPC, sqlite3.SQLITE_READONLY: errno.EROFS}.get(primary)
    if code is None:
        return None
    detail = getattr(exc, "strerror", None) or str(exc)
    if code in (errno.ENOSPC, errno.EDQUOT):
        try:
            free = shutil.disk_usage(where).free
        except OSError:
            free = 0
        size = f"{free / 1e6:.0f} MB" if free >= 1e6 else f"{free // 1024} KB"
        what = "disk full" if code == errno.ENOSPC else "disk quota exceeded"
        return f"{what} at {where}: {size} free; free space and rerun"
    if code == errno.EROFS:
        return (f"the project folder {where} is read-only ({detail}); make it writable, or copy the "
                f"project to a writable disk, and rerun")
    return (f"the project folder {where} is not writable by this user ({detail}: "
            f"{getattr(exc, 'filename', None) or where}); give this user write permission there and rerun")


# --------------------------------------------------------------------------------------- record
class InstanceLog:
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

    def __init__(self, project: "Project"):
        self.project = project
        #: the first local failure (mid.store.local_failure) a commit met; its rows were dropped
        self.failure: BaseException | None = None
        self._q: queue.Queue[Any] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="instance-log", daemon=True)
        self._thread.start()

    def add(self, series_uid: str, sop_uid: str, **kw: Any) -> None:
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

    def _commit(self, batch: list[tuple[str, str, dict[str, Any]]]) -> None:
        try:
            self.project.record_instances(batch)
            return
        except Exception as e:
            why = local_failure(e, self.project.root)
            if why is not None:       # one by one would fail the same way: say it once, keep the files
                if self.failure is None:
                    self.failure = e
                    # INFO: the run that owns this log says it once (mid.retrieve stops on it)
                    log.info("%d instances not recorded: %s", len(batch), why)
                log.debug("recording instances failed", exc_info=True)
                return
            log.exception("recording %d instances in one transaction failed; recording them one by one",
                          len(batch))
        for series_uid, sop_uid, kw in batch:
            try:
                self.project.record_instance(series_uid, sop_uid, **kw)
            except Exception:
                log.exception("an instance could not be recorded; its series will be retrieved again")


# ------------------------------------------------------------------------------------ the store
@dataclass(frozen=True)
class Stored:
    """The outcome of `ImageStore.store` for one image."""
    status: str                  # WRITTEN | IGNORED | FAILED (not valid) | KNOWN (already in the project)
    nbytes: int = 0              # bytes written (0 unless WRITTEN)
    reason: str | None = None    # why IGNORED or FAILED


class ImageStore:
    """The one place an image is written into a project (see the module's docstring).

    Thread-safe: the receiving threads of a download call `store` at the same time. `known`:
    SOPInstanceUIDs already WRITTEN or IGNORED (a resume skips them); None asks the project.
    `pool`: worker processes for `write_image` (de-identified images only). Call `close` at the
    end: it commits the last rows.
    """

    def __init__(self, project: "Project", anonymizer: "Anonymizer | None", *,
                 known: set[str] | None = None, pool: WriterPool | None = None):
        self.project = project
        self.images_dir = Path(project.images_dir)
        self.anonymizer = anonymizer
        self.pool = pool if anonymizer is not None else None
        self.log = InstanceLog(project)
        self._ask_project = known is None
        self._known: set[str] = set(known or ())
        self._keyed: set[str] = set()
        self._dirs: set[Path] = set()
        self._lock = threading.Lock()

    def store(self, ds: "Dataset", study_number: str, received: Callable[[], bytes] | None = None) -> Stored:
        """validate → drop rules → anonymize → place → encode → atomic write → record → key.

        `received` gives the image's bytes as received (a DICOM file): raw images are written
        as they are, and a worker process parses them. Raises OSError when the file cannot be
        written (nothing is recorded then: the image is asked for again).
        """
        series_uid = element_text(ds, "SeriesInstanceUID")
        sop_uid = element_text(ds, "SOPInstanceUID")
        problem = validate(ds)
        if problem is not None:
            # a row needs the instance's and its series' UIDs, and a series row its study's
            if sop_uid and series_uid and element_text(ds, "StudyInstanceUID"):
                self._record(series_uid, sop_uid, status=FAILED, reason=problem)
            return Stored(FAILED, reason=problem)
        if sop_uid in self._known or (self._ask_project and self.project.instance_known(sop_uid)):
            return Stored(KNOWN)
        if self.pool is not None and received is not None:
            w = self.pool.write(received(), study_number)
        else:
            w = write_image(ds, study_number, self.anonymizer, self.images_dir, received, self._dirs)
        if w.dropped is not None:
            self._record(series_uid, sop_uid, new_sop_uid=None, relpath=None, nbytes=0, status=IGNORED,
                         reason=w.dropped)
            self._known.add(sop_uid)
            return Stored(IGNORED, reason=w.dropped)
        self._record(series_uid, sop_uid, new_sop_uid=w.new_sop_uid, relpath=w.relpath, nbytes=w.nbytes,
                     status=WRITTEN)
        self._known.add(sop_uid)
        if w.key is not None:
            with self._lock:
                first = series_uid not in self._keyed
                self._keyed.add(series_uid)
            if first:
                self.project.record_key(w.key)
        return Stored(WRITTEN, w.nbytes)

    def _record(self, series_uid: str, sop_uid: str, **kw: Any) -> None:
        self.log.add(series_uid, sop_uid, **kw)

    def flush(self) -> None:
        """Returns once every row of the images stored so far is committed."""
        self.log.flush()

    def close(self) -> None:
        self.log.close()


# ----------------------------------------------------------------- the project's de-id options
# The user_defaults.json options that decide what a de-identified image looks like. A project keeps
# the values of its first de-identified run, so later runs give the same pseudonyms, UIDs and dates.
DEID_OPTIONS = ("deid_retain_modified_dates", "deid_clean_descriptors", "deid_retain_patient_characteristics",
                "patient_id_prefix", "patient_name_prefix", "uid_root", "deid_private_allowlist",
                "deid_drop_sop_classes")


def with_project_deid_options(settings: "Settings", project: "Project",
                              emit: Callable[[Message], None] | None = None) -> "Settings":
    """`settings` with the project's de-identification options (recorded on first use)."""
    current = {k: getattr(settings.defaults, k) for k in DEID_OPTIONS}    # names listed above
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


def anon_config(settings: "Settings") -> "AnonConfig":
    from mid import anonymizer
    return anonymizer.AnonConfig.from_settings(settings)


def make_anonymizer(settings: "Settings", project: "Project") -> "Anonymizer":
    from mid import anonymizer
    return anonymizer.Anonymizer(anon_config(settings), keys=project)


# ------------------------------------------------------------------------ files already on disk
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


def anonymize_files(settings: "Settings", project: "Project", in_dir: Path, *, on_event: OnEvent | None = None,
                    cancel: threading.Event | None = None) -> AnonymizeSummary:
    """De-identifies the DICOM files under `in_dir` into `project` with its rules and keys.

    Goes through the same `ImageStore` as a download: same naming, key and records. Files that
    are not DICOM are skipped and counted. Each series is recorded as found (query-less) and
    ends DOWNLOADED, IGNORED (every image dropped) or FAILED (no image could be stored).
    """
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError
    emit = Emitter(on_event)
    cancel = cancel or threading.Event()
    project.check_mode(raw=False)
    settings = with_project_deid_options(settings, project, emit)
    summary = AnonymizeSummary()
    store = ImageStore(project, make_anonymizer(settings, project))
    files = sorted(p for p in Path(in_dir).rglob("*") if p.is_file())
    series: dict[str, str] = {}            # SeriesInstanceUID -> StudyNumber
    failed: dict[str, int] = {}
    start = time.monotonic()
    try:
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
                series_uid = _ensure_series(project, ds, series)
                out = store.store(ds, series.get(series_uid, ""), received=_given(data))
            except Exception as e:
                log.exception("cannot de-identify a file")
                out = Stored(FAILED, reason=str(e))
                series_uid = ""
            _count(summary, out, path)
            if out.status == FAILED and series_uid in series:
                failed[series_uid] = failed.get(series_uid, 0) + 1
            if n % 20 == 0 or n == len(files):
                elapsed = max(time.monotonic() - start, 1e-6)
                emit(DownloadProgress(n, len(files), 0, n / elapsed, (len(files) - n) / (n / elapsed), 0, 0))
    finally:
        store.close()
    for uid in series:
        w, i = project.counts(uid)
        if w:
            project.set_series_status(uid, DOWNLOADED, None)
        elif i:
            project.set_series_status(uid, IGNORED, "every image dropped by the de-identification rules")
        elif failed.get(uid):
            project.set_series_status(uid, FAILED, f"none of its {failed[uid]} images could be stored")
    summary.reports = write_reports(project, settings, "all", emit)
    return summary


def _given(data: bytes) -> Callable[[], bytes]:
    """The received-bytes callback of a file read from disk."""
    return lambda: data


def _ensure_series(project: "Project", ds: "Dataset", series: dict[str, str]) -> str:
    """Records the image's series as found (once per run); returns its SeriesInstanceUID."""
    series_uid = element_text(ds, "SeriesInstanceUID")
    study_uid = element_text(ds, "StudyInstanceUID")
    if series_uid and study_uid and series_uid not in series:
        tags = {kw: element_text(ds, kw) for kw in STUDY_RETURN + SERIES_RETURN if kw in ds}
        tags.update(StudyInstanceUID=study_uid, SeriesInstanceUID=series_uid)
        series[series_uid] = project.upsert_series(None, tags).study_number
    return series_uid


def _count(summary: AnonymizeSummary, out: Stored, path: Path) -> None:
    if out.status == WRITTEN:
        summary.written += 1
    elif out.status == IGNORED:
        summary.ignored += 1
    elif out.status == KNOWN:
        summary.known += 1
    else:
        summary.failed += 1
        summary.problems.append(f"{path}: {out.reason}")

