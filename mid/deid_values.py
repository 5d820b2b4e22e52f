"""Reading and writing one element's values, VR-correctly, for the de-identification steps:
text values, dates shifted, ages capped, UIDs checked and remapped (UidRemapper), the VR an
implicit file leaves unsaid, and the Type of an attribute in its object's modules."""
from __future__ import annotations

from __future__ import annotations
import hashlib
import hmac
import logging
import re
import threading
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.filebase import DicomBytesIO
from pydicom.filewriter import write_dataset
from pydicom.multival import MultiValue
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import UID_dictionary
from mid import dates
from mid import deid_profile

log = logging.getLogger("mid.anonymizer")

MAX_DATE_OFFSET_DAYS = 3650           # dates move back by 1..3650 days, per patient
AGE_CAP = "090Y"
_BINARY_VRS = frozenset({"OB", "OW", "OF", "OD", "OL", "OV", "UN", "SQ", "US", "SS", "UL", "SL",
                         "FL", "FD", "AT", "SV", "UV", "US or SS", "OB or OW", "US or OW"})
_UID_PART = re.compile(r"^(0|[1-9][0-9]*)$")

class AnonymizeError(ValueError):
    """A dataset the anonymizer cannot process; the message says which value and why."""



# --------------------------------------------------------------------------- helpers

def safe_component(text: str) -> str:
    """File/folder-name-safe text: ASCII letters, digits, '-' and '_', collapsed, max 48 chars."""
    cleaned = re.sub(r"[^A-Za-z0-9_-]+", "_", str(text or ""))
    cleaned = re.sub(r"_+", "_", cleaned)
    cleaned = re.sub(r"-+", "-", cleaned).strip("_-")[:48].strip("_-")
    return cleaned or "UNNAMED"



def validate_uid_root(root: str) -> str:
    """Return the root without a trailing dot, or raise AnonymizeError saying what is wrong."""
    root = (root or "").strip().rstrip(".")
    parts = root.split(".")
    if not root or not all(_UID_PART.match(p) for p in parts) or len(root) > 40:
        raise AnonymizeError(
            f"uid_root {root!r} in user_defaults.json is not a valid UID root: use digits and dots, "
            "no leading zeros, at most 40 characters (for example 2.25)")
    return root


def is_well_known_uid(uid: str) -> bool:
    """True for DICOM-defined UIDs (SOP classes, transfer syntaxes, coding schemes, ...)."""
    return uid in UID_dictionary or uid.startswith("1.2.840.10008.")


def _is_class_uid_tag(tag: int) -> bool:
    """UID elements naming a class or syntax, never remapped (SOPClassUID, TransferSyntaxUID...)."""
    kw = keyword_for_tag(tag)
    return "ClassUID" in kw or kw.endswith("SyntaxUID") or kw == "SOPClassesInStudy"


def _vr_of(tag: int) -> str:
    """Dictionary VR of a public tag ('' when unknown); ambiguous VRs give their first choice."""
    try:
        return dictionary_VR(tag).split(" or ")[0]
    except KeyError:
        return ""


def _text(value) -> str:
    """An element value as one string ('' for None), multi-values joined with '\\'."""
    if value is None:
        return ""
    if isinstance(value, (list, MultiValue)):
        return "\\".join(str(v) for v in value)
    return str(value)


def date_offset_days(secret: bytes, patient_id: str) -> int:
    """Per-patient, non-zero day offset (-1..-3650) derived from the project secret."""
    digest = hmac.new(secret, b"mid-date-offset\0" + patient_id.encode("utf-8"), hashlib.sha256).digest()
    return -(int.from_bytes(digest[:8], "big") % MAX_DATE_OFFSET_DAYS + 1)


def shift_date(text: str, days: int) -> str | None:
    """Shift a DA value (or DA range) by `days`; None when it is not a readable date."""
    return dates.shift_da(text, days)


def shift_datetime(text: str, days: int) -> str | None:
    """Shift a DT value's date part by `days`, keeping its precision, time and offset suffix."""
    return dates.shift_dt(text, days)


def cap_age(text: str) -> str | None:
    """AS value with ages of 90 years or more as 090Y; None when unreadable."""
    m = re.fullmatch(r"\s*(\d{1,3})\s*([DWMY]?)\s*", text or "", re.IGNORECASE)
    if not m:
        return None
    number, unit = int(m.group(1)), (m.group(2) or "Y").upper()
    years = {"D": number / 365.25, "W": number / 52.18, "M": number / 12, "Y": number}[unit]
    return AGE_CAP if years >= 90 else f"{number:03d}{unit}"


def _resolve_implicit_vrs(ds: Dataset) -> None:
    """Give every element its VR when a file encoded implicit VR under an explicit transfer syntax.

    pydicom reads such a file (it detects the encoding) but cannot write its VR-less elements
    back; converting them takes their VRs from the dictionary. Other files are left raw.
    """
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if ts is None or not ts.is_transfer_syntax or ts.is_implicit_VR:
        return
    for tag in ds.keys():
        elem = ds.get_item(tag)
        if elem.is_raw and elem.is_implicit_VR:
            ds.walk(lambda _ds, _elem: None)      # walking converts every element, nested too
        return


def required_types(sop_class_uid: str) -> dict[int, str] | None:
    """{tag: Type 1/1C/2/2C} of the table's attributes in the IOD of a SOP class (None: unknown)."""
    iod = deid_profile.SOP_CLASS_IOD.get((sop_class_uid or "").strip())
    return deid_profile.IOD_TYPES.get(iod, {}) if iod else None


def nested_types(sequence_tag: int) -> dict[int, str] | None:
    """{tag: Type 1/1C/2/2C} of the table's attributes in the items of a sequence (None: unknown)."""
    if sequence_tag not in deid_profile.KNOWN_SEQUENCES:
        return None
    return deid_profile.NESTED_TYPES.get(sequence_tag, {})


def read_values(ds: Dataset, tag: int) -> list[str] | None:
    """An element's values as strings (None when absent), read from raw bytes when possible.

    ASCII raw values are split without pydicom's decode/validate round trip; anything else
    (other character sets, already decoded elements) goes through pydicom.
    """
    if tag not in ds:
        return None
    elem = ds.get_item(tag)
    if elem.is_raw:
        raw = elem.value or b""
        vr = elem.VR or _vr_of(tag)
        if raw.isascii() and vr not in _BINARY_VRS and vr != "":
            text = raw.decode("ascii").rstrip("\0 ")
            return [v.strip("\0 ") for v in text.split("\\")] if text else []
        elem = ds[tag]
    value = elem.value
    if value is None or value == "":
        return []
    if isinstance(value, (list, MultiValue)):
        return [str(v) for v in value]
    return [str(value)]


def read_text(ds: Dataset, tag: int) -> str:
    """An element's value as one string ('' when absent), multi-values joined with '\\'."""
    values = read_values(ds, tag)
    return "\\".join(values) if values else ""


def put_values(ds: Dataset, tag: int, vr: str, values: list[str] | str | None) -> None:
    """Set an element to text values of `vr`, as a raw ASCII element when possible.

    The raw element keeps the dataset's own encoding flags, so pydicom writes it as is or
    converts it like any element it read. Non-ASCII text goes through pydicom.
    """
    if values is None:
        values = []
    elif isinstance(values, str):
        values = [values]
    try:
        data = "\\".join(values).encode("ascii")
    except UnicodeEncodeError:
        ds[tag] = DataElement(tag, vr, values if len(values) != 1 else values[0])
        return
    if len(data) % 2:
        data += b"\0" if vr == "UI" else b" "
    implicit, little = _encoding_of(ds, tag)
    ds[tag] = RawDataElement(BaseTag(tag), vr, len(data), data, 0, implicit, little)


def _encoding_of(ds: Dataset, tag: int) -> tuple[bool, bool]:
    """(implicit VR, little endian) of the dataset's raw elements; explicit LE for new datasets."""
    old = ds.get_item(tag) if tag in ds else None
    if old is not None and old.is_raw:
        return old.is_implicit_VR, old.is_little_endian
    implicit, little = ds.original_encoding
    if implicit is None or little is None:
        return False, True
    return bool(implicit), bool(little)


def encoded_sequence_value(seq: Sequence, implicit: bool) -> bytes:
    """The value bytes of a sequence element, little endian, for a raw SQ element."""
    holder = Dataset()
    holder.add_new(0x00120064, "SQ", seq)
    buf = DicomBytesIO()
    buf.is_little_endian, buf.is_implicit_VR = True, implicit
    write_dataset(buf, holder)
    return buf.getvalue()[8 if implicit else 12:]


# --------------------------------------------------------------------------- UID remapping

class UidRemapper:
    """Deterministic keyed remapping of UIDs: HMAC-SHA256(secret, uid) under a root (thread-safe)."""

    MAX_CACHE = 200_000

    def __init__(self, secret: bytes, root: str = "2.25"):
        self._secret = secret
        self._root = validate_uid_root(root)
        self._digits = min(39, 63 - len(self._root))   # 128 bits are at most 39 decimal digits
        self._cache: dict[str, str] = {}
        self._lock = threading.Lock()

    def remap(self, uid: str) -> str:
        """New UID for `uid`; well-known and empty UIDs are returned unchanged."""
        uid = (uid or "").strip().rstrip("\0")
        if not uid or is_well_known_uid(uid):
            return uid
        new = self._cache.get(uid)
        if new is None:
            digest = hmac.new(self._secret, uid.encode("ascii", "replace"), hashlib.sha256).digest()
            number = int.from_bytes(digest[:16], "big") % (10 ** self._digits)
            new = f"{self._root}.{number}"
            with self._lock:
                if len(self._cache) >= self.MAX_CACHE:
                    self._cache.clear()
                self._cache[uid] = new
        return new


