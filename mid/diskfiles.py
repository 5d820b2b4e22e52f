"""Files on disk for the `anonymize` command: reading one, the digest of its content, and the
sentence that says why a file cannot be placed and what to do about it.

`mid.store.anonymize_files` reads every file through `read_file`; a file that is no image
(not DICOM, empty, a DICOMDIR) is skipped, one that is an image but cannot be read whole is
refused, and every such file gets its own line in the summary and in the failed-transfers
report (`Project.set_file_problems`).
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pydicom import Dataset

#: Media Storage Directory Storage: a DICOMDIR, the index of a disc or folder of DICOM files
DICOMDIR_CLASS = "1.2.840.10008.1.3.10"

AGAIN = "copy or export it again from its source, then run anonymize again"


@dataclass(frozen=True)
class FileRead:
    """One file read from disk: its dataset, or why it gives none."""
    data: bytes
    ds: "Dataset | None" = None
    problem: str | None = None    # why it gives no image, with what to do (None: `ds` is there)
    skipped: bool = False         # no image at all (not DICOM, empty, a DICOMDIR): not a failure


def read_file(path: Path) -> FileRead:
    """Reads `path` as a DICOM file (see FileRead); never raises for the file's own faults."""
    from pydicom import dcmread
    from pydicom.errors import InvalidDicomError
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        return FileRead(b"", problem=f"cannot be read ({e.strerror or e}); not de-identified. Give this user "
                                     f"read access to it, or copy it to a folder you can read, and run anonymize again")
    if not data:
        return FileRead(data, problem="is empty (0 bytes); skipped", skipped=True)
    marked = data[128:132] == b"DICM"
    try:
        ds = dcmread(BytesIO(data))
    except (InvalidDicomError, EOFError) as e:
        if isinstance(e, EOFError) or marked:
            return FileRead(data, problem=f"a DICOM file that ends too early ({e}): truncated; not de-identified. "
                                          f"{AGAIN.capitalize()}")
        return FileRead(data, problem="not a DICOM file; skipped. If it is an image, export it from its "
                                      "source as DICOM", skipped=True)
    except Exception as e:  # noqa: BLE001 - whatever pydicom raises, the file cannot be read
        if marked:
            return FileRead(data, problem=f"a damaged DICOM file ({type(e).__name__}: {e}); not de-identified. "
                                          f"{AGAIN.capitalize()}")
        return FileRead(data, problem=f"cannot be read as DICOM ({type(e).__name__}: {e}); skipped. If it is an "
                                      f"image, export it from its source as DICOM", skipped=True)
    if marked and not len(ds):
        return FileRead(data, problem=f"a DICOM file that ends after its file meta ({len(data):,} bytes), with no "
                                      f"dataset: truncated; not de-identified. {AGAIN.capitalize()}")
    meta = ds.get("file_meta")
    if meta is not None and str(meta.get("MediaStorageSOPClassUID", "")) == DICOMDIR_CLASS:
        return FileRead(data, problem="a DICOMDIR (the index of a DICOM disc or folder), not an image; skipped. "
                                      "The images it lists are de-identified from their own files", skipped=True)
    return FileRead(data, ds=ds)


def content_digest(data: bytes) -> str:
    """A digest of a DICOM file's dataset as stored: the preamble and the file meta (group 0002,
    which says who wrote the file, not what it holds) are left out."""
    start = 0
    if data[128:132] == b"DICM":
        start = 132
        # the file meta is always explicit VR little endian; OB, OW, UN, UT... have a 4-byte length
        while start + 8 <= len(data) and data[start:start + 2] == b"\x02\x00":
            vr = data[start + 4:start + 6]
            if vr in (b"OB", b"OW", b"OF", b"SQ", b"UT", b"UN", b"UC", b"UR", b"OD", b"OL", b"OV"):
                start += 12 + int.from_bytes(data[start + 8:start + 12], "little")
            else:
                start += 8 + int.from_bytes(data[start + 6:start + 8], "little")
    return hashlib.blake2b(memoryview(data)[start:], digest_size=16).hexdigest()


def what_to_do(reason: str) -> str:
    """What the user can do about an image the store refused for `reason` (mid.store.validate's words)."""
    if "lacks its" in reason or "invalid" in reason:
        return ("export it again from its source: a modality or PACS export carries them; a file that another "
                "program made needs them added there")
    if "truncated" in reason or "damaged" in reason or "parsed" in reason or "not numbers" in reason:
        return AGAIN
    return "the project log in private/ has the details"


def duplicate_problem(first: str | None) -> str:
    """The line for a file whose SOPInstanceUID is already in the project with other content."""
    where = f"as {first}" if first else "from an earlier run"
    return (f"has the SOPInstanceUID of an image already in the project ({where}) but other content; "
            f"not de-identified, the first one is kept. If it is another image, give it its own "
            f"SOPInstanceUID at its source; if it is an edited copy, keep only the one you want and "
            f"de-identify it into a new project")
