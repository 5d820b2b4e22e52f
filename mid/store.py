"""Where an image is written: the program's one receive-and-write path.

Every image that reaches a project goes through `ImageStore.store`, whoever brings it: our
Storage SCP during a C-MOVE, the C-GET store handler (both through `mid.retrieve.Receiver`),
and the `anonymize` command reading files on disk (`anonymize_files`, at the end of this
module). The steps, in order:

    validate      `validate(ds)`: the hook for per-instance checks (the UIDs an image needs
                  today); a dataset that fails is recorded FAILED with the reason
    drop rules    anon_imgs.json, burned-in text, screen captures: recorded IGNORED
    anonymize     PS3.15 de-identification with the project's keys (`mid.anonymizer`)
    pixels        text burned into the pixels masked, or the image IGNORED (`mid.pixels`)
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
import warnings
from dataclasses import dataclass, field, replace
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from mid.atomic import remove_stale_temp_files, write_atomic  # noqa: F401  (remove_...: public here too)
from mid.jobs import Emitter, OnEvent, write_reports
from mid.pixels import MASKED_REASON
from mid.search import SERIES_RETURN, STUDY_RETURN, element_text
from mid.vocab import DOWNLOADED, FAILED, IGNORED, PARTIAL, WRITTEN, DownloadProgress, Message

if TYPE_CHECKING:
    from pydicom import Dataset
    from mid.anonymizer import AnonConfig, Anonymizer, KeyEntry
    from mid.pixels import PixelOutcome
    from mid.project import Project
    from mid.settings import Settings

log = logging.getLogger("mid.engine")

# pydicom warns on stderr when encapsulated Pixel Data ends without its delimiter (and decodes the
# dataset empty); `identify` and `validate` name that damage in the instance's reason, and
# pydicom's logger still puts it in the log, so on the terminal it would only be noise
warnings.filterwarnings("ignore", message="End of file reached before delimiter", category=UserWarning)

#: the outcome of `store` for an instance this project already holds (a resume)
KNOWN = "KNOWN"

#: the reason recorded on a WRITTEN instance whose burned-in text was masked (reports count them)
PIXELS_MASKED = MASKED_REASON

#: what an image must carry to be placed, de-identified and recorded
REQUIRED_UIDS = ("SOPInstanceUID", "SeriesInstanceUID", "StudyInstanceUID", "SOPClassUID")


# ------------------------------------------------------------------------------------- validate
#: the Pixel Data elements and the bits per sample their VR implies (None: BitsAllocated says)
_PIXEL_KEYWORDS = (("PixelData", None), ("FloatPixelData", 32), ("DoubleFloatPixelData", 64))
#: (7FE0,0010) OB/OW with undefined length in Explicit VR Little Endian: encapsulated Pixel Data
_ENCAPSULATED_HEADS = (b"\xe0\x7f\x10\x00OB\x00\x00\xff\xff\xff\xff", b"\xe0\x7f\x10\x00OW\x00\x00\xff\xff\xff\xff")
_ITEM = b"\xfe\xff\x00\xe0"
_SEQUENCE_DELIMITER = b"\xfe\xff\xdd\xe0"


def valid_uid(text: str) -> bool:
    """A UID as PS3.5 9.1 writes it: digits and dots, no empty component, at most 64 characters.

    Components with a leading zero ("1.2.03") are accepted: old modalities write them, and an
    image is better kept than refused for it.
    """
    return 0 < len(text) <= 64 and all(part.isdigit() and part.isascii() for part in text.split("."))


def validate(ds: "Dataset", received: bytes | None = None, origin: str = "in transfer") -> str | None:
    """Why this dataset cannot be stored, or None. The one place per-instance checks go.

    Checks that it parses whole, that the four UIDs are there and valid, that native pixel data
    has the length its Rows, Columns, SamplesPerPixel, BitsAllocated and NumberOfFrames give,
    and (from `received`, the bytes as they arrived, when given) that encapsulated pixel data
    ends with its sequence delimiter after whole fragments. pydicom reads a missing delimiter
    or a cut last element silently (the Pixel Data is then absent or short), hence the bytes.
    `origin` says where a cut happened, in the reason: "in transfer", or "on disk" for files.
    """
    missing = [kw for kw in REQUIRED_UIDS if not element_text(ds, kw).strip()]
    if missing:
        return f"lacks its {', '.join(missing)}; it cannot be placed or de-identified"
    bad = [kw for kw in REQUIRED_UIDS if not valid_uid(element_text(ds, kw).strip())]
    if bad:
        return f"has an invalid {', '.join(bad)} (not a DICOM UID); it cannot be placed or de-identified"
    try:
        for _ in ds.iterall():          # converts every element: a damaged one raises here
            pass
    except Exception as e:  # noqa: BLE001 - whatever pydicom raises, the dataset is not whole
        return f"cannot be parsed whole ({type(e).__name__}: {e})"
    return _pixel_problem(ds, received, origin)


def identify(ds: "Dataset", received: Callable[[], bytes] | None) -> "Dataset":
    """`ds`, or when it came out of decoding without its UIDs, its header re-read from the bytes.

    pydicom decodes a dataset whose encapsulated Pixel Data lacks its delimiter as an empty
    dataset, with only a warning: the header (everything before the Pixel Data) read again
    from the received bytes names the instance and its series, so it can be refused and
    recorded FAILED with the reason (`validate` then finds the damage in the bytes).
    """
    if received is None or element_text(ds, "SeriesInstanceUID"):
        return ds
    from pydicom import dcmread
    try:
        header = dcmread(BytesIO(received()), stop_before_pixels=True, force=True)
    except Exception:  # noqa: BLE001 - nothing better than what was decoded
        return ds
    return header if element_text(header, "SeriesInstanceUID") else ds


def _ts(ds: "Dataset") -> Any:
    meta = ds.get("file_meta")
    return meta.get("TransferSyntaxUID") if meta is not None else None


def _pixel_problem(ds: "Dataset", received: bytes | None, origin: str) -> str | None:
    ts = _ts(ds)
    encapsulated = ts is not None and ts.is_transfer_syntax and ts.is_encapsulated
    if encapsulated and received is not None:
        problem = encapsulated_problem(received, origin)
        if problem is not None:
            return problem
    present = [(kw, bits) for kw, bits in _PIXEL_KEYWORDS if kw in ds]
    if not present:
        if "Rows" in ds and "Columns" in ds and "BitsAllocated" in ds:
            return f"describes an image (Rows, Columns) but holds no pixel data: truncated {origin}"
        return None
    kw, bits = present[0]
    if kw == "PixelData" and encapsulated:
        return None                     # compressed: its length says nothing; the fragments were checked
    try:
        want = expected_pixel_bytes(ds, bits)
    except (TypeError, ValueError):
        return "has Rows, Columns, SamplesPerPixel, BitsAllocated or NumberOfFrames that are not numbers"
    if want is None:
        return None
    have = len(ds[kw].value or b"")
    if have < want:
        return f"pixel data holds {have:,} of {want:,} bytes: truncated {origin}"
    if have > want + (want & 1):
        log.warning("an instance's pixel data holds %d bytes, %d expected; kept (only a short one is refused)",
                    have, want)
    return None


def expected_pixel_bytes(ds: "Dataset", bits: int | None = None) -> int | None:
    """Bytes of native pixel data (before the pad to even length), or None when not computable.

    Rows × Columns × SamplesPerPixel × NumberOfFrames × BitsAllocated / 8; BitsAllocated 1 is
    packed (8 pixels a byte, rounded up); YBR_FULL_422 keeps two samples of three.
    """
    rows, cols = ds.get("Rows"), ds.get("Columns")
    bits = bits or ds.get("BitsAllocated")
    if rows in (None, "") or cols in (None, "") or bits in (None, ""):
        return None
    samples = int(ds.get("SamplesPerPixel") or 1)
    frames = int(str(ds.get("NumberOfFrames") or 1).strip() or 1)
    pixels = int(rows) * int(cols) * samples * max(frames, 1)
    if int(bits) == 1:
        return (pixels + 7) // 8
    length = pixels * int(bits) // 8
    if str(ds.get("PhotometricInterpretation", "")).strip() == "YBR_FULL_422":
        length = length // 3 * 2
    return length


def encapsulated_problem(data: bytes, origin: str = "in transfer") -> str | None:
    """What is wrong with the encapsulated Pixel Data in `data` (an encoded dataset or file), or None.

    Walks the items after the last top-level (7FE0,0010) of undefined length: each fragment must
    be whole, and the value must end with the Sequence Delimitation Item.
    """
    start = max(data.rfind(head) for head in _ENCAPSULATED_HEADS)
    if start < 0:
        return None                     # not encapsulated in these bytes (or no pixel data)
    pos, n = start + 12, 0
    while True:
        if pos + 8 > len(data):
            return (f"encapsulated pixel data ends after {n} fragments without its sequence delimiter: "
                    f"truncated {origin}")
        tag, length = data[pos:pos + 4], int.from_bytes(data[pos + 4:pos + 8], "little")
        if tag == _SEQUENCE_DELIMITER:
            return None
        if tag != _ITEM:
            return (f"encapsulated pixel data ends after {n} fragments without its sequence delimiter "
                    f"(other bytes follow): damaged {origin}")
        if pos + 8 + length > len(data):
            return (f"encapsulated pixel data: item {n + 1} holds {len(data) - pos - 8:,} of {length:,} bytes "
                    f"and the sequence delimiter is missing: truncated {origin}")
        pos += 8 + length
        n += 1


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


# ------------------------------------------------------------------------------ incomplete series
#: the file in a series folder that says the folder does not hold the whole series yet
INCOMPLETE_MARKER = "INCOMPLETE.txt"
_RERUN = ("Run the download (or, for files on disk, the anonymize command) again to complete it; "
          "this file goes away when the series is complete.\n")


def incomplete_text(have: int | None = None, expected: int | None = None) -> str:
    """The marker's text: counts only, never a name, identifier, date or UID."""
    if have is None:
        return "This series is incomplete: its download is under way or was interrupted.\n" + _RERUN
    of = f"{have} of {expected}" if expected else f"{have} (of an unknown number of)"
    return f"This series is incomplete: {of} images.\n" + _RERUN


def mark_incomplete(folder: Path, have: int | None = None, expected: int | None = None) -> None:
    """Writes (or rewrites) the INCOMPLETE.txt marker of a series folder (atomically, never half)."""
    from mid import atomic      # the module's function, not this module's name for it (images only)
    atomic.write_atomic(folder / INCOMPLETE_MARKER, incomplete_text(have, expected).encode("ascii"))


def clear_incomplete(folder: Path) -> None:
    try:
        (folder / INCOMPLETE_MARKER).unlink()
    except FileNotFoundError:
        pass


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
    pixels: "PixelOutcome | None" = None    # what the pixel check found and did (images at risk)


def write_image(ds: "Dataset", study_number: str, anonymizer: "Anonymizer | None", images_dir: Path,
                received: Callable[[], bytes] | None = None, dirs: set[Path] | None = None) -> Written:
    """Drop rules, de-identification, placing, encoding and the atomic write of one image.

    `anonymizer` None keeps the image raw: the bytes as `received`, under `raw_relpath`. A file
    is only ever there whole (write_atomic renames), so one left by a run killed before its
    row was committed is complete: it is kept, and nothing is rewritten. `dirs` remembers the
    folders already made. Runs in a receiving thread or in a worker process (`WriterPool`).
    """
    seen: "PixelOutcome | None" = None
    if anonymizer is None:
        if received is None:
            raise ValueError("a raw image needs its received bytes")
        data = received()
        rel = raw_relpath(ds)
        new_sop = element_text(ds, "SOPInstanceUID")
        key = None
    else:
        from mid.pixels import PixelCheck
        check = PixelCheck.prepare(anonymizer.config.pixels, ds)   # reads the identifiers before they go
        res = anonymizer.anonymize(ds)               # the drop rules first, then de-identification
        if res.dataset is None or res.dropped:
            return Written(dropped=res.dropped or "dropped")
        out = res.dataset
        seen = check.apply(out) if check is not None else None
        if seen is not None and seen.dropped:
            return Written(dropped=seen.dropped, pixels=seen)
        new_sop = element_text(out, "SOPInstanceUID")
        rel = anonymized_relpath(out, study_number)
        data = encode_dataset(out)
        key = res.key
    path = images_dir / rel
    if dirs is None or path.parent not in dirs:
        path.parent.mkdir(parents=True, exist_ok=True)
        if not (path.parent / INCOMPLETE_MARKER).exists():
            mark_incomplete(path.parent)     # before its first image: a crash leaves the folder marked
        if dirs is not None:
            dirs.add(path.parent)
    if not path.exists():
        write_atomic(path, data)
    return Written(dropped=None, relpath=rel, new_sop_uid=new_sop, nbytes=len(data), key=key,
                   pixels=seen)


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
    proj = Project.open(Path(project_root), lock=False)   # the parent process holds the project's lock
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
        self.broken = False
        self._lock = threading.Lock()

    def write(self, data: bytes, study_number: str) -> Written | None:
        """The worker's outcome; None once a worker process has ended abruptly (killed, or out of
        memory): the pool is then unusable, and the caller writes the image itself, as it does
        for every image from then on (the image in hand included: nothing is lost)."""
        from concurrent.futures.process import BrokenProcessPool
        if self.broken:
            return None
        try:
            return self._ex.submit(_worker_write, data, study_number).result()
        except BrokenProcessPool:
            with self._lock:
                first, self.broken = not self.broken, True
            if first:
                log.warning("a de-identification worker process ended abruptly (killed, or out of memory); "
                            "the receiver de-identifies and writes the images itself for the rest of the run")
            return None

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
    conflict: bool = False       # KNOWN, but its content digest differs from the one in the project


class ImageStore:
    """The one place an image is written into a project (see the module's docstring).

    Thread-safe: the receiving threads of a download call `store` at the same time. `known`:
    SOPInstanceUIDs already WRITTEN or IGNORED (a resume skips them); None asks the project.
    `pool`: worker processes for `write_image` (de-identified images only). Call `close` at the
    end: it commits the last rows.
    """

    def __init__(self, project: "Project", anonymizer: "Anonymizer | None", *,
                 known: set[str] | None = None, pool: WriterPool | None = None, origin: str = "in transfer"):
        self.project = project
        self.origin = origin                         # where a cut happens, for the reasons: see validate
        self.images_dir = Path(project.images_dir)
        self.anonymizer = anonymizer
        self.pool = pool if anonymizer is not None else None
        self.log = InstanceLog(project)
        self._ask_project = known is None
        self._known: set[str] = set(known or ())
        self._keyed: dict[str, frozenset[str]] = {}  # series -> descriptors changed, as keyed (this run)
        self._digests: dict[str, str] = {}           # SOPInstanceUID -> content digest (this run)
        self._dirs: set[Path] = set()
        self._folders: dict[str, set[str]] = {}      # series -> its folders under images/ (this run)
        #: series -> why its refused instances were refused (this run), for the series' reason
        self.refused: dict[str, list[str]] = {}
        self._lock = threading.Lock()

    def store(self, ds: "Dataset", study_number: str, received: Callable[[], bytes] | None = None, *,
              command_uid: str | None = None, digest: str | None = None) -> Stored:
        """validate → drop rules → anonymize → place → encode → atomic write → record → key.

        `received` gives the image's bytes as received (a DICOM file): raw images are written
        as they are, a worker process parses them, and encapsulated pixel data is checked in
        them. `command_uid`: the C-STORE request's Affected SOP Instance UID, under which an
        instance that lacks its own SOPInstanceUID is recorded FAILED (never under ''). `digest`:
        of its content (mid.diskfiles.content_digest), recorded with it; an instance already in
        the project comes back KNOWN with `conflict` set when both digests are known and differ.
        Raises OSError when the file cannot be written (nothing is recorded then: it is asked for again).
        """
        series_uid = element_text(ds, "SeriesInstanceUID")
        sop_uid = element_text(ds, "SOPInstanceUID")
        data: bytes | None = None
        if received is not None and _needs_bytes(ds):
            data = received()
            received = _given(data)
        problem = validate(ds, data, self.origin)
        if problem is not None:
            row_uid = sop_uid.strip() if valid_uid(sop_uid.strip()) else (command_uid or "").strip()
            note = " (recorded under the UID its C-STORE request named)" if row_uid != sop_uid.strip() else ""
            # a row needs the instance's and its series' UIDs, and a series row its study's
            if valid_uid(row_uid) and series_uid and element_text(ds, "StudyInstanceUID"):
                self._record(series_uid, row_uid, status=FAILED, reason=problem + note)
            with self._lock:
                self.refused.setdefault(series_uid, []).append(problem)
            return Stored(FAILED, reason=problem)
        if sop_uid in self._known or (self._ask_project and self.project.instance_known(sop_uid)):
            earlier = self._digests.get(sop_uid) or (self.project.instance_digest(sop_uid) if digest else None)
            return Stored(KNOWN, conflict=bool(digest and earlier and earlier != digest))
        if digest:
            self._digests[sop_uid] = digest
        w = self.pool.write(received(), study_number) if self.pool is not None and received is not None else None
        if w is None:
            w = write_image(ds, study_number, self.anonymizer, self.images_dir, received, self._dirs)
        if w.pixels is not None:
            _log_pixels(series_uid, w)
        if w.dropped is not None:
            self._record(series_uid, sop_uid, new_sop_uid=None, relpath=None, nbytes=0, status=IGNORED,
                         reason=w.dropped, digest=digest)
            self._known.add(sop_uid)
            return Stored(IGNORED, reason=w.dropped)
        self._record(series_uid, sop_uid, new_sop_uid=w.new_sop_uid, relpath=w.relpath, nbytes=w.nbytes,
                     status=WRITTEN, digest=digest,
                     reason=PIXELS_MASKED if w.pixels is not None and w.pixels.masked else None)
        self._known.add(sop_uid)
        if w.relpath:
            with self._lock:
                self._folders.setdefault(series_uid, set()).add(w.relpath.rsplit("/", 1)[0])
        if w.key is not None:        # once per series, and again when an instance changed other descriptors
            with self._lock:
                keyed = self._keyed.get(series_uid)
                changed = frozenset(w.key.descriptors_changed)
                again = keyed is None or not changed <= keyed
                self._keyed[series_uid] = changed | (keyed or frozenset())
            if again:
                self.project.record_key(w.key)
        return Stored(WRITTEN, w.nbytes)

    def series_ended(self, series_uid: str, status: str, expected: int | None = None) -> None:
        """Updates the INCOMPLETE.txt marker of the series' folder(s) once its status is final.

        DOWNLOADED or IGNORED removes it (when every series in that folder is complete); any
        other final status rewrites it with the counts ("3 of 10 images"). Call it after the
        status is set in the project. `expected`: the series' size when the project has none
        (files on disk).
        """
        self.flush()
        folders = set(self._folders.get(series_uid, ())) | set(_series_folders(self.project, series_uid))
        for rel in folders:
            folder = self.images_dir / rel
            if not folder.is_dir():
                continue
            states = _folder_series(self.project, series_uid, rel)
            if status in (DOWNLOADED, IGNORED) and all(st in (DOWNLOADED, IGNORED) for st, _, _ in states):
                clear_incomplete(folder)
            elif status not in (DOWNLOADED, IGNORED) or (folder / INCOMPLETE_MARKER).exists():
                have = sum(h for _, h, _ in states)
                total = sum(e for _, _, e in states) if all(e for _, _, e in states) else None
                mark_incomplete(folder, have, total if len(states) > 1 or expected is None else expected)

    def _record(self, series_uid: str, sop_uid: str, **kw: Any) -> None:
        self.log.add(series_uid, sop_uid, **kw)

    def flush(self) -> None:
        """Returns once every row of the images stored so far is committed."""
        self.log.flush()

    def close(self) -> None:
        self.log.close()


def _log_pixels(series_uid: str, w: Written) -> None:
    """The pixel check's finding: the text read only to the project log (extra=PHI)."""
    from mid.logsetup import PHI
    p = w.pixels
    assert p is not None
    what = "dropped" if w.dropped else f"masked {len(p.boxes)} boxes" if p.masked else "kept"
    log.info("pixels of an image of series %s: %s, %s%s", series_uid, p.verdict, what,
             f" ({p.note})" if p.note else "", extra=PHI)
    if p.texts:
        log.info("text in the pixels of %s: %s", series_uid, " | ".join(p.texts), extra=PHI)


def _needs_bytes(ds: "Dataset") -> bool:
    """True when the received bytes must be looked at: encapsulated pixel data (its delimiter)."""
    ts = _ts(ds)
    return ts is not None and ts.is_transfer_syntax and ts.is_encapsulated


def _series_folders(project: "Project", series_uid: str) -> list[str]:
    """The folders under images/ that hold written images of a series (from its instance rows)."""
    rows = project._rows("SELECT DISTINCT relpath FROM instances WHERE series_uid=? AND relpath IS NOT NULL "
                         "AND status='WRITTEN'", (series_uid,))
    return sorted({r[0].rsplit("/", 1)[0] for r in rows if r[0] and "/" in r[0]})


def _folder_series(project: "Project", series_uid: str, folder: str) -> list[tuple[str, int, int]]:
    """(status, written + ignored, expected) of every series of the study with an image in `folder`."""
    rows = project._rows(
        "SELECT DISTINCT s.series_uid, s.status, s.written + s.ignored, COALESCE(s.expected, 0), "
        "rtrim(i.relpath, replace(i.relpath, '/', '')) FROM series s JOIN instances i USING (series_uid) "
        "WHERE s.study_uid = (SELECT study_uid FROM series WHERE series_uid=?) AND i.status='WRITTEN'",
        (series_uid,))
    return [(status, int(have or 0), int(expected or 0))
            for _uid, status, have, expected, parent in rows if parent == folder + "/"]


# ----------------------------------------------------------------- the project's de-id options
# The user_defaults.json options that decide what a de-identified image looks like. A project keeps
# the values of its first de-identified run, so later runs give the same pseudonyms, UIDs and dates.
DEID_OPTIONS = ("deid_retain_modified_dates", "deid_clean_descriptors", "deid_retain_patient_characteristics",
                "patient_id_prefix", "patient_name_prefix", "uid_root", "deid_private_allowlist",
                "deid_drop_sop_classes", "deid_strict")


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
    """What `anonymize_files` did with the files of a folder.

    `problems`: one line per file that was not placed, "<path>: <why>; <what to do>" (files
    that are no image, such as notes or a DICOMDIR, too: they are skipped, not failed).
    `duplicates`: files whose SOPInstanceUID the project already holds with other content.
    """
    written: int = 0
    ignored: int = 0
    known: int = 0
    not_dicom: int = 0
    failed: int = 0
    duplicates: int = 0
    problems: list[str] = field(default_factory=list)
    reports: list[Path] = field(default_factory=list)


def anonymize_files(settings: "Settings", project: "Project", in_dir: Path, *, on_event: OnEvent | None = None,
                    cancel: threading.Event | None = None) -> AnonymizeSummary:
    """De-identifies the DICOM files under `in_dir` into `project` with its rules and keys.

    Goes through the same `ImageStore` as a download: same naming, key and records. Files that
    are not DICOM are skipped and counted. Each series is recorded as found (query-less) and
    ends DOWNLOADED, IGNORED (every image dropped) or FAILED (no image could be stored). Every
    file not placed is named with the reason in the summary and in the project
    (`Project.set_file_problems`, shown by the failed-transfers report).
    """
    from mid.diskfiles import content_digest, read_file
    emit = Emitter(on_event)
    cancel = cancel or threading.Event()
    project.check_mode(raw=False)
    settings = with_project_deid_options(settings, project, emit)
    summary = AnonymizeSummary()
    store = ImageStore(project, make_anonymizer(settings, project), origin="on disk")
    # absolute: the per-file lines and the project's file problems name each file one way
    files = sorted(p for p in Path(in_dir).absolute().rglob("*") if p.is_file())
    series: dict[str, str] = {}            # SeriesInstanceUID -> StudyNumber
    failed: dict[str, int] = {}
    firsts: dict[str, str] = {}            # SOPInstanceUID -> the file of this run that brought it
    problems: dict[str, str] = {}          # path -> why it was not placed
    looked_at: list[str] = []
    start = time.monotonic()
    try:
        for n, path in enumerate(files, start=1):
            if cancel.is_set():
                break
            looked_at.append(str(path))
            got = read_file(path)
            if got.ds is None:
                if got.skipped:
                    summary.not_dicom += 1
                else:
                    summary.failed += 1
                problems[str(path)] = got.problem or "cannot be read"
                continue
            ds, data = got.ds, got.data
            sop_uid = element_text(ds, "SOPInstanceUID")      # before the store de-identifies ds in place
            try:
                series_uid = _ensure_series(project, ds, series)
                out = store.store(ds, series.get(series_uid, ""), received=_given(data),
                                  digest=content_digest(data))
            except Exception as e:
                log.exception("cannot de-identify a file")
                out = Stored(FAILED, reason=str(e))
                series_uid = ""
            why = _count(summary, out, firsts.get(sop_uid))
            if why is not None:
                problems[str(path)] = why
            elif out.status in (WRITTEN, IGNORED, KNOWN):    # KNOWN here: the same content as stored
                firsts.setdefault(sop_uid, str(path))
            if out.status == FAILED and series_uid in series:
                failed[series_uid] = failed.get(series_uid, 0) + 1
            if n % 20 == 0 or n == len(files):
                elapsed = max(time.monotonic() - start, 1e-6)
                emit(DownloadProgress(n, len(files), 0, n / elapsed, (len(files) - n) / (n / elapsed), 0, 0))
    finally:
        store.close()
    summary.problems = [f"{name}: {why}" for name, why in problems.items()]
    from mid.logsetup import PHI
    for name, why in problems.items():      # file names may name patients: the project log only
        log.warning("not de-identified: %s: %s", name, why, extra=PHI)
    project.set_file_problems(looked_at, problems)
    for uid in series:
        w, i = project.counts(uid)
        bad = failed.get(uid, 0)
        if w and bad:
            status, why = PARTIAL, f"{w + i} of {w + i + bad} images; {bad} could not be stored"
        elif w:
            status, why = DOWNLOADED, None
        elif i and not bad:
            status, why = IGNORED, "every image dropped by the de-identification rules"
        elif bad:
            status, why = FAILED, f"none of its {bad} images could be stored"
        else:
            continue
        project.set_series_status(uid, status, why)
        store.series_ended(uid, status, expected=w + i + bad)
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


def _count(summary: AnonymizeSummary, out: Stored, first: str | None) -> str | None:
    """Counts one stored file; returns why it was not placed (None when it was, or is already)."""
    from mid.diskfiles import duplicate_problem, what_to_do
    if out.status == WRITTEN:
        summary.written += 1
    elif out.status == IGNORED:
        summary.ignored += 1
    elif out.conflict:
        summary.duplicates += 1
        return duplicate_problem(first)
    elif out.status == KNOWN:
        summary.known += 1
    else:
        summary.failed += 1
        reason = out.reason or "could not be stored"
        return f"{reason}; {what_to_do(reason)}"
    return None
