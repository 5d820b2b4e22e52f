"""Text burned into the pixels: find it, judge it, mask it (or drop the image); never miss it silently.

Runs inside the one write path (mid.store.write_image), for the modalities at risk only
(`PixelConfig.modalities`; CT and MR cost nothing: `PixelCheck.prepare` returns None at once):

    prepare   before de-identification: the patient's own identifiers (names, IDs, accession,
              birth and study dates, institution) are read from the ORIGINAL dataset
    regions   known regions per Manufacturer + model (pixel_regions.json) are blanked first
    detect    OCR (mid.pixel_ocr) on every frame of a small multi-frame object, on the first,
              middle and last frame of a large one
    judge     each line is identifying (an identifier of this patient, a date, a time, a long
              run of digits, a "Name:", "MRN", "DOB" label) or safe ("L", "5 cm", a probe name)
    act       identifying text: masked (black boxes with a margin, every frame) or the image
              dropped, as `PixelConfig.action` says. After a mask BurnedInAnnotation is NO and
              DeidentificationMethodCodeSequence holds DCM 113101 Clean Pixel Data Option.

Pixel data that cannot be decoded, or an OCR engine that cannot start, drops the image with
the reason: an image at risk is never written unchecked. The text read goes back to the caller
in `PixelOutcome.texts` for the project log in private/ only (logged with extra=PHI).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Iterable

if TYPE_CHECKING:
    from pydicom import Dataset
    from mid.pixel_ocr import Found

#: the modalities whose pixels are checked by default
AT_RISK = ("US", "XA", "RF", "CR", "DX", "MG", "OT", "SC", "ES", "XC")
ACTIONS = ("mask", "drop")
#: a multi-frame object with at most this many frames has every frame read; a larger one three
SMALL_MULTIFRAME = 8
#: pixels added around each box found before it is blackened
MARGIN = 4
DROP_REASON = "burned-in identifying text"
#: the reason recorded on a written instance whose burned-in text was masked (the reports count them)
MASKED_REASON = "burned-in text masked"
CLEAN_PIXEL_CODE = ("113101", "Clean Pixel Data Option")

CLEAN, SAFE, IDENTIFYING = "clean", "safe", "identifying"
#: compressed transfer syntaxes that are lossless: a masked image is encoded in them again when
#: an encoder is installed (RLE: pydicom's own; JPEG 2000 lossless: pylibjpeg-openjpeg)
LOSSLESS = frozenset({"1.2.840.10008.1.2.5", "1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.80",
                      "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70", "1.2.840.10008.1.2.4.201",
                      "1.2.840.10008.1.2.4.202"})


@dataclass(frozen=True)
class Region:
    """A known region (pixel_regions.json): blank `boxes` of every image whose Manufacturer and
    ManufacturerModelName contain these texts (ignoring case; "" matches any) and whose
    Modality is `modality` ("" any). A box is [left, top, right, bottom] in pixels, clipped to
    the image; a negative value counts from the right or bottom edge."""
    manufacturer: str
    model: str
    modality: str
    boxes: tuple[tuple[int, int, int, int], ...]

    def matches(self, ds: "Dataset") -> bool:
        return (self.manufacturer.lower() in element_text(ds, "Manufacturer").lower()
                and self.model.lower() in element_text(ds, "ManufacturerModelName").lower()
                and (not self.modality or self.modality.upper() == element_text(ds, "Modality").strip().upper()))


@dataclass(frozen=True)
class PixelConfig:
    """What the pixel checks do (user_defaults.json pixel_* options and pixel_regions.json)."""
    enabled: bool = True
    action: str = "mask"
    modalities: tuple[str, ...] = AT_RISK
    regions: tuple[Region, ...] = ()

    @classmethod
    def from_settings(cls, settings: Any) -> "PixelConfig":
        d = settings.defaults
        return cls(enabled=bool(getattr(d, "pixel_checks", True)), action=str(getattr(d, "pixel_action", "mask")),
                   modalities=tuple(m.strip().upper() for m in getattr(d, "pixel_modalities", AT_RISK)),
                   regions=tuple(getattr(settings, "pixel_regions", ())))

    def describe(self) -> str:
        if not self.enabled:
            return "Pixel checks: off (burned-in text is not looked for)."
        what = ("masked with black boxes" if self.action == "mask"
                else f"the image dropped ({DROP_REASON})")
        return (f"Pixel checks: OCR of the pixels of {', '.join(self.modalities) or 'no modality'} images; "
                f"identifying text (the patient's names, IDs, accession, dates, institution; any date, time, "
                f"long number, Name/MRN/DOB label) is {what}; {len(self.regions)} known regions blanked first.")


def parse_regions(data: Any) -> tuple[list[Region], list[str]]:
    """The regions of a pixel_regions.json object {"regions": [...]}, and a message per bad entry."""
    regions, problems = [], []
    entries = data.get("regions", []) if isinstance(data, dict) else []
    for n, entry in enumerate(entries, start=1):
        try:
            boxes = tuple(tuple(int(v) for v in box) for box in entry["boxes"])
            if not boxes or any(len(b) != 4 for b in boxes):
                raise ValueError("each box is [left, top, right, bottom]")
            regions.append(Region(str(entry.get("manufacturer", "")), str(entry.get("model", "")),
                                  str(entry.get("modality", "")), boxes))     # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            why = str(e) if not isinstance(e, KeyError) else 'it needs "boxes": [[left, top, right, bottom]]'
            problems.append(f"region {n} is left out: {why}")
    return regions, problems


def element_text(ds: "Dataset", keyword: str) -> str:
    """A value as text (multi-values joined by a backslash; missing: ''). Imports nothing of ours,
    so settings can read pixel_regions.json through this module."""
    value = ds.get(keyword, None)
    if value is None:
        return ""
    if isinstance(value, (list, tuple)) or type(value).__name__ == "MultiValue":
        return "\\".join(str(v) for v in value)
    return str(value)


def count_text(masked: int, dropped: int) -> str | None:
    """What the pixel checks did to a series' images, as the reports say it ("3 masked, 1 dropped")."""
    parts = [f"{n} {word}" for n, word in ((masked, "masked"), (dropped, "dropped")) if n]
    return ", ".join(parts) or None


def count_reasons(reasons: dict[str, int]) -> tuple[int, int]:
    """(masked, dropped) from a series' instance reasons and how many instances carry each."""
    masked = sum(n for r, n in reasons.items() if r == MASKED_REASON)
    dropped = sum(n for r, n in reasons.items() if r.startswith(DROP_REASON))
    return masked, dropped


# ------------------------------------------------------------------------------------ judgement
_DATE = re.compile(r"\b(\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}|(19|20)\d{6})\b")
_MONTH_DATE = re.compile(r"\b\d{1,2}[- ]?(JAN|FEB|MAR|APR|MAY|JUN|JUL|AUG|SEP|OCT|NOV|DEC)[A-Z]*[- ]?\d{2,4}\b")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(:\d{2})?\b")
_DIGITS = re.compile(r"\d{5,}")
_LABELS = re.compile(r"\b(NAME|PATIENT|PAT|MRN|DOB|BIRTH|BORN|ACC|ACCESSION|ID|SSN|MR#|HOSPITAL|CLINIC)\b\s*[:#.]?")


def _norm(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def _date_forms(da: str) -> set[str]:
    """A DICOM date (YYYYMMDD) in the forms a screen writes it, normalised (digits only)."""
    if not re.fullmatch(r"\d{8}", da):
        return set()
    y, m, d = da[:4], da[4:6], da[6:]
    return {y + m + d, m + d + y, d + m + y, m + d + y[2:], d + m + y[2:], y[2:] + m + d}


def identifiers(ds: "Dataset") -> tuple[str, ...]:
    """The patient's own identifiers in `ds` (call before de-identification), normalised."""
    out: set[str] = set()
    for kw in ("PatientName", "OtherPatientNames", "PatientMotherBirthName", "ReferringPhysicianName"):
        for part in re.split(r"[\^=\s,]+", element_text(ds, kw)):
            if len(_norm(part)) >= 3:
                out.add(_norm(part))
    for kw in ("PatientID", "OtherPatientIDs", "AccessionNumber", "StudyID", "InstitutionName",
               "IssuerOfPatientID", "PatientAddress"):
        value = _norm(element_text(ds, kw))
        if len(value) >= 3:
            out.add(value)
    for kw in ("PatientBirthDate", "StudyDate", "SeriesDate", "AcquisitionDate", "ContentDate"):
        out |= _date_forms(element_text(ds, kw).strip()[:8])
    return tuple(sorted(out))


def _near(token: str, text: str) -> bool:
    """`token` in `text`, or (for 6+ characters) with one character misread."""
    if token in text:
        return True
    if len(token) < 6 or len(text) < len(token) - 1:
        return False
    for i in range(len(text) - len(token) + 2):
        window = text[i:i + len(token)]
        if len(window) == len(token) and sum(a != b for a, b in zip(window, token)) <= 1:
            return True
    return False


def is_identifying(text: str, ids: Iterable[str]) -> bool:
    """True when a line of text names the patient or carries a date, time, long number or PHI label."""
    upper = text.upper()
    if _DATE.search(upper) or _MONTH_DATE.search(upper) or _TIME.search(upper) or _DIGITS.search(upper):
        return True
    if _LABELS.search(upper):
        return True
    flat = _norm(text)
    return any(_near(token, flat) for token in ids if len(token) >= 3)


# ---------------------------------------------------------------------------------------- pixels
def frames_to_read(n: int) -> list[int]:
    """Every frame of a small object; first, middle and last of a large one."""
    if n <= SMALL_MULTIFRAME:
        return list(range(n))
    return sorted({0, n // 2, n - 1})


def to_rgb8(frame: Any, photometric: str) -> Any:
    """An 8-bit RGB view of one frame for the OCR (grey stretched min..max; MONOCHROME1 inverted)."""
    import numpy as np
    a = np.asarray(frame)
    if a.ndim == 3 and a.shape[-1] == 3:
        if a.dtype != np.uint8:
            a = a.astype(np.float32)
            lo, hi = float(a.min()), float(a.max())
            a = ((a - lo) * (255.0 / (hi - lo or 1.0))).astype(np.uint8)
        return np.ascontiguousarray(a)
    a = a.astype(np.float32)
    lo, hi = float(a.min()), float(a.max())
    g = ((a - lo) * (255.0 / (hi - lo or 1.0))).astype(np.uint8)
    if photometric == "MONOCHROME1":
        g = 255 - g
    return np.ascontiguousarray(np.stack([g, g, g], axis=-1))


def black_value(ds: "Dataset") -> int:
    """The stored value that displays black: 0, the lowest signed value, or MONOCHROME1's highest."""
    bits = int(ds.get("BitsStored") or ds.get("BitsAllocated") or 8)
    signed = int(ds.get("PixelRepresentation") or 0) == 1
    if str(ds.get("PhotometricInterpretation", "")).strip() == "MONOCHROME1":
        return (1 << (bits - 1)) - 1 if signed else (1 << bits) - 1
    return -(1 << (bits - 1)) if signed else 0


def _clip(box: tuple[int, int, int, int], rows: int, cols: int, margin: int = 0) -> tuple[int, int, int, int]:
    left, top, right, bottom = (v if v >= 0 else (cols if i % 2 == 0 else rows) + v + 1 for i, v in enumerate(box))
    return (max(0, left - margin), max(0, top - margin), min(cols, right + margin), min(rows, bottom + margin))


@dataclass
class PixelOutcome:
    """What the pixel check found and did for one image."""
    verdict: str = CLEAN                           # clean | safe | identifying
    dropped: str | None = None                     # the reason the image is not to be written
    boxes: list[tuple[int, int, int, int]] = field(default_factory=list)    # blackened (margin included)
    texts: list[str] = field(default_factory=list)     # every line read: PHI, for the project log only
    note: str | None = None                        # e.g. "written uncompressed" (no PHI)

    @property
    def masked(self) -> bool:
        return self.dropped is None and bool(self.boxes)


class PixelCheck:
    """The check of one image: `prepare` (before de-identification), then `apply` (after)."""

    def __init__(self, config: PixelConfig, ids: tuple[str, ...], regions: list[Region]):
        self.config, self.ids, self.regions = config, ids, regions

    @classmethod
    def prepare(cls, config: "PixelConfig | None", ds: "Dataset") -> "PixelCheck | None":
        """None when the image is not to be checked (checks off, a modality not at risk, no pixels)."""
        if config is None or not config.enabled or "PixelData" not in ds:
            return None
        if element_text(ds, "Modality").strip().upper() not in config.modalities:
            return None
        return cls(config, identifiers(ds), [r for r in config.regions if r.matches(ds)])

    def find(self, ds: "Dataset") -> tuple[PixelOutcome, Any]:
        """Reads the frames; the outcome (boxes to blacken, verdict) and the decoded pixel array."""
        from mid import pixel_ocr
        out = PixelOutcome()
        try:
            arr = ds.pixel_array
        except Exception as e:  # noqa: BLE001 - no decoder, damaged data: unchecked, so not written
            out.dropped = (f"{DROP_REASON} could not be looked for: the pixel data cannot be decoded "
                           f"({type(e).__name__}: {e})")
            return out, None
        frames = int(str(ds.get("NumberOfFrames") or 1).strip() or 1)
        rows, cols = int(ds.Rows), int(ds.Columns)
        out.boxes = [_clip(b, rows, cols) for r in self.regions for b in r.boxes]
        photometric = str(ds.get("PhotometricInterpretation", "")).strip()
        black = black_value(ds)
        found: list[Found] = []
        for i in frames_to_read(frames):
            frame = arr[i] if frames > 1 else arr
            if out.boxes:
                frame = frame.copy()
                for left, top, right, bottom in out.boxes:
                    frame[top:bottom, left:right] = black
            try:
                found += pixel_ocr.read(to_rgb8(frame, photometric))
            except pixel_ocr.OcrUnavailable as e:
                out.dropped = f"{DROP_REASON} could not be looked for: {e}"
                return out, arr
        out.texts = [f.text for f in found]
        bad = [f for f in found if is_identifying(f.text, self.ids)]
        out.verdict = IDENTIFYING if bad else SAFE if found else CLEAN
        out.boxes += [_clip(f.box, rows, cols, MARGIN) for f in bad]
        return out, arr

    def apply(self, ds: "Dataset") -> PixelOutcome:
        """Checks `ds` (already de-identified) and masks it in place, or says why to drop it."""
        out, arr = self.find(ds)
        if out.dropped is not None or not out.boxes:
            return out
        if out.verdict == IDENTIFYING and self.config.action == "drop":
            out.dropped = DROP_REASON
            return out
        out.note = mask(ds, arr, out.boxes)
        return out


def mask(ds: "Dataset", arr: Any, boxes: list[tuple[int, int, int, int]]) -> str | None:
    """Blackens `boxes` in every frame of `ds` and re-encodes; returns a note when the transfer
    syntax could not be kept (lossy or no encoder here: written uncompressed)."""
    from pydicom import Dataset as _Dataset
    from pydicom.uid import ExplicitVRLittleEndian
    arr = arr.copy()
    frames = int(str(ds.get("NumberOfFrames") or 1).strip() or 1)
    black = black_value(ds)
    for left, top, right, bottom in boxes:
        if frames > 1:
            arr[:, top:bottom, left:right] = black
        else:
            arr[top:bottom, left:right] = black
    ts = ds.file_meta.TransferSyntaxUID
    note = None
    photometric = str(ds.get("PhotometricInterpretation", "")).strip()
    if photometric.startswith("YBR") or photometric == "PALETTE COLOR" and arr.ndim >= 3 and arr.shape[-1] == 3:
        photometric = "RGB"             # pixel_array converted it
    bits = int(ds.get("BitsStored") or ds.BitsAllocated)
    if ts.is_compressed and ts in LOSSLESS:
        try:
            ds.compress(ts, arr, photometric_interpretation=photometric)
        except Exception as e:  # noqa: BLE001 - no encoder for this syntax here
            note = f"written uncompressed: no encoder for {ts.name} here ({type(e).__name__})"
    elif ts.is_compressed:
        note = f"written uncompressed: {ts.name} may be lossy and is not encoded again"
    if not ts.is_compressed or note is not None:
        ds.set_pixel_data(arr, photometric, bits)       # native; a compressed syntax becomes Explicit VR LE
        if not ts.is_little_endian:
            ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.BurnedInAnnotation = "NO"
    code = _Dataset()
    code.CodeValue, code.CodeMeaning = CLEAN_PIXEL_CODE
    code.CodingSchemeDesignator = "DCM"
    seq = ds.get("DeidentificationMethodCodeSequence")
    if seq is None:
        ds.DeidentificationMethodCodeSequence = [code]
    elif not any(item.get("CodeValue") == CLEAN_PIXEL_CODE[0] for item in seq):
        seq.append(code)
    return note
