"""De-identification of one DICOM dataset with a project's pseudonym, UID and date keys.

The anonymizer is a pipeline of small steps, each of which can say what it does
(``describe()``) and do it (``apply(...)``):

1. ``DropRules``        drop images that cannot be cleaned (anon_imgs.json, burned-in text,
                        screen saves, secondary-capture SOP classes);
2. ``PrivateTags``      remove every private tag (optional allow-list);
3. ``BasicProfile``     DICOM PS3.15 Annex E Table E.1-1 (``deid_profile.py``) with the options
                        Retain Longitudinal Temporal Information with Modified Dates, Clean
                        Descriptors and Retain Patient Characteristics;
4. ``ExtraRules``       anon_vrs.json and anon_tags.json on top, VR-correct;
5. ``UidRemap``         every non-well-known UID -> keyed hash under the UID root (file meta too);
6. ``Pseudonyms``       PatientID/PatientName per patient, AccessionNumber/StudyID per study;
7. ``Mark``             PatientIdentityRemoved, DeidentificationMethod(+CodeSequence).

Steps 2-5 decide an action per element; ``Anonymizer`` merges their decisions into one
cached plan per tag and walks each dataset (and its sequences) once.
Nothing here writes files: the caller stores the dataset and ``AnonResult.key``.
"""
from __future__ import annotations

import dataclasses
import logging
import re
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Protocol

from pydicom.datadict import keyword_for_tag, tag_for_keyword
from pydicom.dataelem import DataElement, RawDataElement
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.tag import BaseTag
from pydicom.uid import PYDICOM_IMPLEMENTATION_UID, UID_dictionary

from mid import deid_profile
from mid import settings as settings_mod
from mid.pixels import PixelConfig
from mid.settings import DropRule

from mid.deid_text import (  # noqa: F401  (public through the anonymizer too)
    DescriptorCleaner, PLACEHOLDER, VOCABULARY_FILE, clean_folder_name, load_vocabulary, _LONG_NUMBER,
    _PIECES, _PLACEHOLDERS, _RUNS, _VOCABULARY_CACHE, _WORD, _known, _technical,
)
from mid.deid_values import (  # noqa: F401  (public through the anonymizer too)
    AGE_CAP, AnonymizeError, MAX_DATE_OFFSET_DAYS, UidRemapper, cap_age, date_offset_days,
    encoded_sequence_value, is_well_known_uid, nested_types, put_values, read_text, read_values,
    required_types, safe_component, shift_date, shift_datetime, validate_uid_root, _BINARY_VRS, _UID_PART,
    _encoding_of, _is_class_uid_tag, _resolve_implicit_vrs, _text, _vr_of,
)

log = logging.getLogger("mid.anonymizer")

# --------------------------------------------------------------------------- defaults

# The shipped defaults of config/defaults/, as read-only tuples.
DEFAULT_DROP_RULES: tuple[DropRule, ...] = settings_mod.parse_drop_rules(
    settings_mod.shipped_defaults()[settings_mod.ANON_IMGS])
DEFAULT_ANON_VRS: tuple[str, ...] = tuple(settings_mod.shipped_defaults()[settings_mod.ANON_VRS])
DEFAULT_ANON_TAGS: tuple[str, ...] = tuple(settings_mod.shipped_defaults()[settings_mod.ANON_TAGS])
DEFAULT_DROP_SOP_CLASSES: tuple[str, ...] = tuple(settings_mod.UserDefaults().deid_drop_sop_classes)
DUMMY_TEXT = "REMOVED"
DESCRIPTOR_KEYWORDS = ("StudyDescription", "SeriesDescription", "ProtocolName")
# Clean Descriptors: every attribute the option column marks C (text is cleaned, binary removed).
DESCRIPTOR_TAGS = frozenset(deid_profile.OPTION_CLEAN_DESCRIPTORS)
_MAX_LEN = {"SH": 16, "LO": 64, "ST": 1024, "LT": 10240, "PN": 64, "CS": 16, "UC": 0, "UT": 0}
# Retain Patient Characteristics: what the option column keeps (K) and cleans (C).
CHARACTERISTICS_KEPT = frozenset(
    t for t, code in deid_profile.OPTION_RETAIN_PATIENT_CHARACTERISTICS.items() if code == "K")
CHARACTERISTICS_CLEANED = frozenset(
    t for t, code in deid_profile.OPTION_RETAIN_PATIENT_CHARACTERISTICS.items() if code == "C")
CHARACTERISTIC_KEYWORDS = tuple(keyword_for_tag(t) for t in sorted(CHARACTERISTICS_KEPT))
_VALID_AGE = re.compile(r"\d{3}[DWMY]")
PSEUDONYM_KEYWORDS = ("PatientID", "PatientName", "AccessionNumber", "StudyID")
FILE_META_KEPT = frozenset({0x00020000, 0x00020001, 0x00020002, 0x00020003, 0x00020010,
                            0x00020012})
METHOD_CODES = {  # CID 7050 De-identification Method
    "basic": ("113100", "Basic Application Confidentiality Profile"),
    "dates": ("113107", "Retain Longitudinal Temporal Information Modified Dates Option"),
    "descriptors": ("113105", "Clean Descriptors Option"),
    "characteristics": ("113108", "Retain Patient Characteristics Option"),
}
_FREE_TEXT_VRS = frozenset({"LT", "ST", "UT"})
_TEXT_VRS = frozenset({"AE", "CS", "LO", "LT", "SH", "ST", "UC", "UT", "UR", "PN"})
_D_TEXT_VRS = frozenset({"LO", "SH", "LT", "ST", "UT", "UC", "PN"})
# The attributes of a code item (PS3.3 Table 8.8-1): a code is not PHI, so inside sequences whose
# text the profile replaces they keep their values (a "REMOVED" code is an invalid code).
CODE_ITEM_TAGS = frozenset({0x00080100, 0x00080102, 0x00080103, 0x00080104, 0x00080105,
                            0x0008010B, 0x0008010D, 0x0008010F, 0x00080117, 0x00080118,
                            0x00080119, 0x00080120, 0x00080121, 0x00080122, 0x00080123,
                            0x00080124})
_CODE_STRUCTURE = CODE_ITEM_TAGS - {0x00080104}   # CodeMeaning is text: it is cleaned instead
# Strict mode: the text attributes known to be safe (technical, vendor and coding text), kept
# (through the descriptor vocabulary) although the table does not list them; every other
# unlisted text attribute goes.
STRICT_SAFE_TEXT_KEYWORDS = (
    "Manufacturer", "ManufacturerModelName", "SoftwareVersions", "ConvolutionKernel",
    "SequenceName", "PulseSequenceName", "ReceiveCoilName", "TransmitCoilName", "RescaleType",
    "FilterType", "CollimatorGridName", "ReconstructionMethod", "ScatterCorrectionMethod",
    "AttenuationCorrectionMethod", "RandomsCorrectionMethod", "DecayCorrection",
    "Radiopharmaceutical", "ContrastBolusRoute", "ContrastBolusIngredient", "PositionReferenceIndicator",
    "DeidentificationMethod", "ApplicationVersion", "ImplementationVersionName",
    "ScanningSequence", "SequenceVariant", "MRAcquisitionType", "ImagedNucleus",
    "TransducerData", "ProcessingFunction", "GridID", "FilterMaterial", "AnodeTargetMaterial",
    "DetectorType", "DetectorConfiguration", "ReconstructionAlgorithm", "ReconstructionType",
)
STRICT_SAFE_TEXT = frozenset(tag_for_keyword(k) for k in STRICT_SAFE_TEXT_KEYWORDS
                             if tag_for_keyword(k) is not None)
_STRICT_TEXT_VRS = frozenset({"LO", "SH", "LT", "ST", "UT", "UC", "PN", "AE", "UR"})


# --------------------------------------------------------------------------- data

class Keys(Protocol):
    """A project's keys: its secret and its stable patient and study numbering."""

    @property
    def secret(self) -> bytes: ...

    def patient_number(self, patient_id: str) -> int: ...
    def study_number(self, study_uid: str) -> str: ...


class MemoryKeys:
    """Keys kept in memory, for tests and standalone use (thread-safe)."""

    def __init__(self, secret: bytes | None = None):
        self.secret = secret if secret is not None else secrets.token_bytes(32)
        self._lock = threading.Lock()
        self._patients: dict[str, int] = {}
        self._studies: dict[str, str] = {}

    def patient_number(self, patient_id: str) -> int:
        """1, 2, ... in order of first sight of each PatientID."""
        with self._lock:
            return self._patients.setdefault(patient_id, len(self._patients) + 1)

    def study_number(self, study_uid: str) -> str:
        """"0001", "0002", ... in order of first sight of each StudyInstanceUID."""
        with self._lock:
            return self._studies.setdefault(study_uid, f"{len(self._studies) + 1:04d}")



@dataclass(frozen=True)
class AnonConfig:
    """Everything the pipeline is configured by; defaults match the shipped config files."""
    drop_rules: tuple[DropRule, ...] = DEFAULT_DROP_RULES     # anon_imgs.json
    anon_vrs: tuple[str, ...] = DEFAULT_ANON_VRS
    anon_tags: tuple[str, ...] = DEFAULT_ANON_TAGS
    retain_modified_dates: bool = True
    clean_descriptors: bool = True
    retain_patient_characteristics: bool = True
    patient_id_prefix: str = "HIPAA_"
    patient_name_prefix: str = "ANON_"
    private_allowlist: tuple[str, ...] = ()
    drop_sop_classes: tuple[str, ...] = DEFAULT_DROP_SOP_CLASSES
    uid_root: str = "2.25"
    # Clean Descriptors' words: None loads the shipped vocabulary plus the user's extension
    # in `config_dir` (settings.default_config_dir() when None); see load_vocabulary().
    descriptor_vocabulary: frozenset[str] | None = None
    config_dir: Path | None = None
    strict: bool = False        # "keep only what is known safe" (user_defaults deid_strict)
    pixels: PixelConfig | None = None   # burned-in text checks (mid.pixels, run by mid.store)

    @classmethod
    def from_settings(cls, settings) -> "AnonConfig":
        """Build from settings.Settings (anon_imgs, anon_vrs, anon_tags and user defaults)."""
        d = settings.defaults
        return cls(
            drop_rules=tuple(settings.drop_rules),
            anon_vrs=tuple(v.upper() for v in settings.anon_vrs),
            anon_tags=tuple(settings.anon_tags),
            retain_modified_dates=bool(d.deid_retain_modified_dates),
            clean_descriptors=bool(d.deid_clean_descriptors),
            retain_patient_characteristics=bool(d.deid_retain_patient_characteristics),
            patient_id_prefix=d.patient_id_prefix,
            patient_name_prefix=d.patient_name_prefix,
            private_allowlist=tuple(d.deid_private_allowlist),
            drop_sop_classes=tuple(d.deid_drop_sop_classes),
            uid_root=d.uid_root,
            config_dir=settings.config_dir,
            strict=bool(d.deid_strict),
            pixels=PixelConfig.from_settings(settings),
        )


@dataclass(frozen=True)
class KeyEntry:
    """One master-key row (per series): the original side and the new side."""
    patient_id: str
    patient_name: str
    accession_number: str
    study_date: str
    study_uid: str
    series_uid: str
    study_description: str
    series_description: str
    new_patient_id: str
    new_patient_name: str
    new_accession_number: str
    new_study_uid: str
    new_series_uid: str
    study_number: str
    date_offset_days: int
    descriptors_changed: tuple[str, ...] = ()   # keywords of the descriptors Clean Descriptors
                                                # changed in this instance (sorted)


@dataclass
class AnonResult:
    """The outcome for one dataset: the cleaned dataset, or None and the reason it was dropped."""
    dataset: Dataset | None
    dropped: str | None
    key: KeyEntry


@dataclass
class Context:
    """Per-dataset facts the element handlers need (original identifiers, offset, cleaner)."""
    key: KeyEntry
    offset_days: int
    cleaner: "DescriptorCleaner | None"    # built before the walk, while names are still there;
                                           # also cleans descriptors found inside sequences
    steps: list = field(default_factory=list)              # the element steps to merge
    plans: dict = field(default_factory=dict)              # (tag, inside_d) -> (action, vr)
    changed: set = field(default_factory=set)  # keywords of the descriptors cleaning changed
    required: dict | None = None    # top level: {tag: Type 1/1C/2/2C} of the dataset's IOD for the
                                    # table's attributes (deid_profile.IOD_TYPES); None: unknown


# --------------------------------------------------------------------------- actions

KEEP, REMOVE, EMPTY, EMPTY_SEQ, DUMMY, UID, SHIFT, CLEAN, AGE, RECURSE, RECURSE_D, TEXT_DUMMY = (
    "keep", "remove", "empty", "empty-seq", "dummy", "uid", "shift", "clean", "age", "recurse",
    "recurse-d", "text-dummy")

_DUMMIES = {"DA": "19000101", "DT": "19000101000000", "TM": "000000", "AS": "000D",
            "IS": "0", "DS": "0", "CS": DUMMY_TEXT, "PN": DUMMY_TEXT}


def _dummy_for(vr: str):
    """A non-empty, VR-correct dummy value (no 'anonymous' anywhere)."""
    if vr in _DUMMIES:
        return _DUMMIES[vr]
    if vr in _TEXT_VRS:
        return DUMMY_TEXT
    if vr in ("OB", "OW", "OF", "OD", "OL", "OV", "UN"):
        return b"\0\0"
    if vr in ("US", "SS", "UL", "SL", "FL", "FD", "SV", "UV"):
        return 0
    return None


class ElementStep:
    """A step that decides what happens to single elements; merged into one walk by Anonymizer."""

    def describe(self) -> str:
        raise NotImplementedError

    def decide(self, tag: int, vr: str, inside_d: bool, current: str | None) -> str | None:
        """The action for an element given the decision of the earlier steps (None: no opinion)."""
        raise NotImplementedError

    def apply(self, ds: Dataset, anonymizer: "Anonymizer") -> None:
        """Apply this step alone to `ds` (the pipeline merges all element steps into one walk)."""
        anonymizer.walk(ds, [self])


class PrivateTags(ElementStep):
    """Step 2: remove private tags, except an optional allow-list of safe ones."""

    def __init__(self, allowlist: Iterable[str] = ()):
        self.allowlist = tuple(allowlist)
        self._patterns = [self._parse(p) for p in self.allowlist]

    @staticmethod
    def _parse(text: str) -> tuple[int, int]:
        """'(0019,xx0C)' or '0019,10xx' -> (value, mask); x digits match anything."""
        digits = re.sub(r"[^0-9A-Fa-fXx]", "", text).upper()
        if len(digits) != 8:
            raise AnonymizeError(
                f"deid_private_allowlist entry {text!r} in user_defaults.json is not a tag: "
                "write it as (gggg,eeee) with x for any digit, e.g. (0019,xx0C)")
        value = mask = 0
        for ch in digits:
            value, mask = value << 4, mask << 4
            if ch != "X":
                value, mask = value | int(ch, 16), mask | 0xF
        return value, mask

    def allowed(self, tag: int) -> bool:
        """True when an allow-list entry keeps this private tag (creators of allowed groups too)."""
        if 0x10 <= (tag & 0xFFFF) <= 0xFF:
            return any((tag >> 16) == (value >> 16) for value, _ in self._patterns)
        return any(tag & mask == value for value, mask in self._patterns)

    def describe(self) -> str:
        kept = f", except the allow-list {', '.join(self.allowlist)}" if self.allowlist else ""
        return f"2. Remove every private tag (odd groups){kept}."

    def decide(self, tag, vr, inside_d, current):
        if not (tag >> 16) & 1:
            return current
        return KEEP if self.allowed(tag) else REMOVE


class BasicProfile(ElementStep):
    """Step 3: PS3.15 Annex E Table E.1-1 Basic Profile actions, with the configured options."""

    def __init__(self, config: AnonConfig):
        self.config = config
        self._descriptors = DESCRIPTOR_TAGS
        self._characteristics = CHARACTERISTICS_KEPT
        self._characteristics_cleaned = CHARACTERISTICS_CLEANED

    @staticmethod
    def profile_action(tag: int) -> str | None:
        """The table's action code for a tag, masked entries (50xx, 60xx) included."""
        action = deid_profile.BASIC_PROFILE.get(tag)
        if action is None:
            for value, mask, masked_action in deid_profile.MASKED_PROFILE:
                if tag & mask == value:
                    return masked_action
            if 0x6000 <= (tag >> 16) <= 0x60FF:
                return "X"   # the rest of a removed overlay plane
        return action

    def describe(self) -> str:
        c = self.config
        opts = [
            "Retain Longitudinal Temporal Information with Modified Dates: "
            + ("on (DA/DT shifted per patient, TM kept)" if c.retain_modified_dates else "off"),
            "Clean Descriptors (StudyDescription, SeriesDescription, ProtocolName): "
            + ("on" if c.clean_descriptors else "off"),
            "Retain Patient Characteristics (kept: "
            + ", ".join(CHARACTERISTIC_KEYWORDS) + "; a valid PatientAge as it is, >= 90 years -> "
            "090Y, an invalid one fixed or emptied and logged; cleaned: "
            + ", ".join(keyword_for_tag(t) for t in sorted(CHARACTERISTICS_CLEANED)) + "): "
            + ("on" if c.retain_patient_characteristics else "off"),
        ]
        return (f"3. Apply PS3.15 Table E.1-1 Basic Profile (edition {deid_profile.EDITION}, "
                f"{len(deid_profile.BASIC_PROFILE)} attributes): D dummy, Z empty, X remove, "
                "U remap, K keep, C clean; sequences cleaned item by item; unlisted free text "
                "(LT/ST/UT) removed; inside D sequences (SR content...) all other text replaced. "
                "Options: " + "; ".join(opts) + ".")

    def decide(self, tag, vr, inside_d, current):
        if current is not None:
            return current
        c = self.config
        if c.retain_modified_dates and tag in deid_profile.OPTION_RETAIN_MODIFIED_DATES:
            if vr in ("DA", "DT"):
                return SHIFT
            if vr == "TM":
                return KEEP
        if c.clean_descriptors and tag in self._descriptors:
            if vr in _TEXT_VRS:
                return CLEAN
            if vr != "SQ":
                return REMOVE       # binary (MakerNote...) cannot be cleaned
            return RECURSE_D if inside_d else RECURSE
        if c.retain_patient_characteristics:
            if tag in self._characteristics:
                return AGE if vr == "AS" else KEEP
            if tag in self._characteristics_cleaned:
                return CLEAN if vr in _TEXT_VRS else REMOVE
        action = self.profile_action(tag)
        if action is None:
            if inside_d and vr in _D_TEXT_VRS and tag not in _CODE_STRUCTURE:
                if tag == 0x00080104 and c.clean_descriptors:
                    return CLEAN       # a code meaning keeps its imaging words
                return TEXT_DUMMY  # content the profile replaces wholesale (SR text, code meanings)
            if vr in _FREE_TEXT_VRS:
                return REMOVE
            return None
        return self._resolve(action, tag, vr)

    @staticmethod
    def _resolve(action: str, tag: int, vr: str) -> str:
        """One concrete action from a table code; composites choose the one that keeps validity."""
        codes = action.split("/")
        if vr == "SQ":
            if "U*" in codes:
                return RECURSE
            if "D" in codes:
                if keyword_for_tag(tag).endswith("CodeSequence"):
                    return EMPTY_SEQ   # an identifying code (person, institution) carries PHI whole
                return RECURSE_D
            return EMPTY_SEQ if "Z" in codes else REMOVE
        if "U" in codes or "U*" in codes:
            return UID if vr == "UI" else EMPTY
        if "D" in codes:
            return UID if vr == "UI" else DUMMY
        if "Z" in codes:
            return EMPTY
        if "K" in codes:
            return KEEP
        return REMOVE


class ExtraRules(ElementStep):
    """Step 4: anon_vrs.json and anon_tags.json applied on top of the profile, VR-correct."""

    def __init__(self, config: AnonConfig):
        self.config = config
        self.vrs = frozenset(v.upper() for v in config.anon_vrs)
        self.tags = {}
        for kw in config.anon_tags:
            tag = tag_for_keyword(kw)
            if tag is None:
                log.warning("anon_tags: %r is not a DICOM keyword; ignored", kw)
            else:
                self.tags[tag] = kw
        self._pseudonym_tags = {tag_for_keyword(k) for k in PSEUDONYM_KEYWORDS}
        self._protected = set()
        if config.clean_descriptors:
            self._protected |= DESCRIPTOR_TAGS
        if config.retain_patient_characteristics:
            self._protected |= CHARACTERISTICS_KEPT | CHARACTERISTICS_CLEANED

    def describe(self) -> str:
        dates = "shifted" if self.config.retain_modified_dates else "emptied"
        times = "kept" if self.config.retain_modified_dates else "emptied"
        return (f"4. Apply anon_vrs ({', '.join(sorted(self.vrs)) or 'none'}) and anon_tags "
                f"({len(self.tags)} keywords) on top: UI remapped, DA/DT {dates}, TM {times}, "
                "PatientName/PatientID/AccessionNumber/StudyID pseudonymised, other PN and IDs "
                "emptied, AS capped at 090Y, SQ items cleaned (never dropped).")

    def decide(self, tag, vr, inside_d, current):
        if current not in (None, KEEP):
            return current
        if tag not in self.tags and vr not in self.vrs:
            return current
        if tag in self._pseudonym_tags or tag in self._protected:
            return current if current is not None else KEEP
        return self.action_for_vr(vr, inside_d, current, tag in self.tags)

    def action_for_vr(self, vr: str, inside_d: bool, current: str | None,
                      named: bool = False) -> str | None:
        """The VR-correct replacement for an element named by anon_vrs/anon_tags.

        A sequence named in anon_tags has all text of its items replaced (as for a profile D
        sequence); a sequence caught by the SQ VR rule is cleaned by the ordinary rules.
        """
        dates = self.config.retain_modified_dates
        if vr == "UI":
            return current       # step 5 remaps every UID, class UIDs excepted
        if vr in ("DA", "DT"):
            return SHIFT if dates else EMPTY
        if vr == "TM":
            return KEEP if dates else EMPTY
        if vr == "SQ":
            return RECURSE_D if inside_d or named else RECURSE
        if vr == "AS":
            return AGE if self.config.retain_patient_characteristics else REMOVE
        return EMPTY


class Strict(ElementStep):
    """Step 8 (off by default): keep only what is known safe.

    A public text attribute (LO SH LT ST UT UC PN AE UR) that neither the table nor an option nor
    anon_vrs/anon_tags decided is removed, unless it is a code value or scheme (kept: a code is not
    PHI), known safe (STRICT_SAFE_TEXT: vendor and technique text) or some module of the
    standard needs it (deid_profile.TEXT_REQUIRED:
    SegmentLabel, CodeMeaning, ...): those are cleaned through the descriptor vocabulary, so they
    keep their imaging and technical words and nothing else. Numbers, codes (CS), UIDs, dates and
    binary data are structural and stay.
    """

    def __init__(self, config: AnonConfig):
        self.on = config.strict

    def describe(self) -> str:
        if not self.on:
            return "8. Strict mode (deid_strict): off; attributes the table does not list are kept."
        return ("8. Strict mode (deid_strict): on. Every public text attribute (LO, SH, LT, ST, UT, UC, "
                "PN, AE, UR) the table, the options and anon_vrs/anon_tags leave alone is removed "
                "(ContentDescription, BeamName, WindowCenterWidthExplanation, ...). Code values and "
                "schemes stay (a code is not PHI). Kept but cleaned to "
                f"their vocabulary words instead: {len(STRICT_SAFE_TEXT)} known-safe ones ("
                + ", ".join(STRICT_SAFE_TEXT_KEYWORDS) + ") and the "
                f"{len(deid_profile.TEXT_REQUIRED)} a module needs (SegmentLabel, CodeMeaning, ...).")

    def decide(self, tag, vr, inside_d, current):
        if not self.on or current is not None or (tag >> 16) & 1 or vr not in _STRICT_TEXT_VRS:
            return current
        if tag in _CODE_STRUCTURE:
            return current       # a code is not PHI: code values and schemes stay as they are
        if tag in STRICT_SAFE_TEXT or tag == 0x00080104 or tag in deid_profile.TEXT_REQUIRED:
            return CLEAN
        return REMOVE


class UidRemap(ElementStep):
    """Step 5: every UID except class UIDs and well-known UIDs -> keyed hash under the UID root."""

    def __init__(self, remapper: UidRemapper, root: str):
        self.remapper = remapper
        self.root = root

    def describe(self) -> str:
        return (f"5. Remap every UID (sequences, references and file meta MediaStorageSOPInstanceUID "
                f"included) to {self.root}.<HMAC-SHA256(project secret, UID)>; SOP class UIDs, "
                "transfer syntaxes and DICOM well-known UIDs are kept.")

    def decide(self, tag, vr, inside_d, current):
        if vr != "UI" or current in (REMOVE, EMPTY, UID):
            return current
        return KEEP if _is_class_uid_tag(tag) else UID

    def apply(self, ds: Dataset, anonymizer: "Anonymizer") -> None:
        """Remap the UIDs of `ds` alone, file meta included."""
        anonymizer.walk(ds, [self])
        self.apply_file_meta(ds)

    def apply_file_meta(self, ds: Dataset) -> None:
        """Keep only the structural file meta elements, with the new SOP Instance UID."""
        meta = getattr(ds, "file_meta", None)
        if meta is None:
            return
        for tag in list(meta.keys()):
            if int(tag) not in FILE_META_KEPT:
                del meta[tag]
        sop = read_values(ds, 0x00080018)
        if sop:
            put_values(meta, 0x00020003, "UI", sop[0])
        elif 0x00020003 in meta:
            put_values(meta, 0x00020003, "UI", self.remapper.remap(read_text(meta, 0x00020003)))
        if 0x00020012 in meta:
            put_values(meta, 0x00020012, "UI", PYDICOM_IMPLEMENTATION_UID)


# --------------------------------------------------------------------------- dataset steps

class DropRules:
    """Step 1: drop images that cannot be cleaned; apply() returns the reason or None."""

    def __init__(self, config: AnonConfig):
        self.config = config
        self.drop_classes = frozenset(config.drop_sop_classes)
        self.rules: list[tuple[str, int, str, re.Pattern]] = []
        for rule in config.drop_rules:
            tag = tag_for_keyword(rule.keyword)
            if tag is None:
                log.warning("anon_imgs: %r is not a DICOM keyword; its rule is ignored", rule.keyword)
                continue
            if not rule.value:
                continue
            pattern = re.escape(rule.value)
            if rule.whole_word:
                pattern = r"(?<![A-Za-z0-9])" + pattern + r"(?![A-Za-z0-9])"
            label = ("whole word " if rule.whole_word else "") + repr(rule.value)
            self.rules.append((rule.keyword, tag, label, re.compile(pattern, re.IGNORECASE)))

    def describe(self) -> str:
        rules = "; ".join(f"{kw} contains {what}" for kw, _, what, _ in self.rules) or "none"
        return ("1. Drop images that cannot be cleaned: anon_imgs rules (case-insensitive) "
                f"[{rules}]; BurnedInAnnotation YES; ImageType contains SCREEN SAVE; "
                f"SOP class in the drop list ({len(self.drop_classes)} classes).")

    def apply(self, ds: Dataset) -> str | None:
        """The reason this dataset must be dropped, or None to keep it."""
        for kw, tag, what, pattern in self.rules:
            if tag in ds and pattern.search(read_text(ds, tag)):
                return f"anon_imgs rule: {kw} contains {what}"
        if read_text(ds, 0x00280301).strip().upper() == "YES":
            return "BurnedInAnnotation is YES (text burned into the pixels)"
        if "SCREEN SAVE" in read_text(ds, 0x00080008).upper():
            return "ImageType contains SCREEN SAVE"
        sop_class = read_text(ds, 0x00080016)
        if sop_class in self.drop_classes:
            name = UID_dictionary.get(sop_class, ("",))[0]
            named = f"{sop_class} {name}".strip()
            return f"SOP class {named} is in the drop list (deid_drop_sop_classes)"
        return None


class Pseudonyms:
    """Step 6: PatientID/PatientName per patient; AccessionNumber/StudyID per study."""

    def __init__(self, config: AnonConfig):
        self.config = config

    def describe(self) -> str:
        c = self.config
        return (f"6. Pseudonyms: PatientID -> {c.patient_id_prefix}<n>, PatientName -> "
                f"{c.patient_name_prefix}<n> (n per original PatientID, 4 digits); "
                "AccessionNumber -> ACC<StudyNumber>, StudyID -> <StudyNumber>.")

    def apply(self, ds: Dataset, key: KeyEntry) -> None:
        """Write the pseudonyms of `key` into `ds`."""
        put_values(ds, 0x00100020, "LO", key.new_patient_id)
        put_values(ds, 0x00100010, "PN", key.new_patient_name)
        put_values(ds, 0x00080050, "SH", key.new_accession_number)
        put_values(ds, 0x00200010, "SH", key.study_number)


class Mark:
    """Step 7: PatientIdentityRemoved, DeidentificationMethod and its CID 7050 code sequence."""

    def __init__(self, config: AnonConfig):
        self.config = config
        self.codes = ["basic"]
        if config.retain_modified_dates:
            self.codes.append("dates")
        if config.clean_descriptors:
            self.codes.append("descriptors")
        if config.retain_patient_characteristics:
            self.codes.append("characteristics")
        self.methods = [METHOD_CODES[c][1][:64] for c in self.codes]
        self._encoded = {implicit: encoded_sequence_value(self.code_sequence(), implicit)
                         for implicit in (False, True)}

    def describe(self) -> str:
        codes = ", ".join(f"DCM {METHOD_CODES[c][0]}" for c in self.codes)
        return ("7. Mark: PatientIdentityRemoved YES, DeidentificationMethod, "
                f"DeidentificationMethodCodeSequence ({codes}), LongitudinalTemporalInformationModified "
                + ("MODIFIED." if self.config.retain_modified_dates else "REMOVED."))

    def apply(self, ds: Dataset) -> None:
        """Set the de-identification marks."""
        put_values(ds, 0x00120062, "CS", "YES")
        put_values(ds, 0x00120063, "LO", self.methods)
        implicit, little = _encoding_of(ds, 0x00120064)
        if little:
            value = self._encoded[implicit]
            ds[0x00120064] = RawDataElement(BaseTag(0x00120064), "SQ", len(value), value, 0,
                                            implicit, little)
        else:
            ds[0x00120064] = DataElement(0x00120064, "SQ", self.code_sequence())
        put_values(ds, 0x00280303, "CS",
                   "MODIFIED" if self.config.retain_modified_dates else "REMOVED")

    def code_sequence(self) -> Sequence:
        """DeidentificationMethodCodeSequence items for the profile and options in use."""
        items = []
        for c in self.codes:
            item = Dataset()
            item.CodeValue, item.CodeMeaning = METHOD_CODES[c]
            item.CodingSchemeDesignator = "DCM"
            items.append(item)
        return Sequence(items)


# --------------------------------------------------------------------------- the pipeline

class Anonymizer:
    """The configured pipeline bound to a project's keys; anonymize() is thread-safe."""

    def __init__(self, config: AnonConfig | None = None, keys: Keys | None = None):
        self.config = config or AnonConfig()
        self.keys = keys or MemoryKeys()
        self.vocabulary: frozenset[str] = (
            self.config.descriptor_vocabulary if self.config.descriptor_vocabulary is not None
            else load_vocabulary(self.config.config_dir))
        root = validate_uid_root(self.config.uid_root)
        self._remapper = UidRemapper(self.keys.secret, root)
        self.drop = DropRules(self.config)
        self.element_steps: list[ElementStep] = [
            PrivateTags(self.config.private_allowlist),
            BasicProfile(self.config),
            ExtraRules(self.config),
            Strict(self.config),
            UidRemap(self._remapper, root),
        ]
        self.pseudonyms = Pseudonyms(self.config)
        self.mark = Mark(self.config)
        self._plans: dict[tuple[int, bool], tuple[str, str]] = {}
        # Keys numbers never change within a project, so they are asked for once per value.
        self._numbers: dict[tuple[str, str], int | str] = {}
        self._cleaners: dict[tuple, DescriptorCleaner] = {}   # per patient/study token set
        self._handlers: dict[str, Callable] = {
            REMOVE: self._remove, EMPTY: self._empty, EMPTY_SEQ: self._empty_seq,
            DUMMY: self._dummy, UID: self._uid, SHIFT: self._shift, CLEAN: self._clean,
            AGE: self._age, RECURSE: self._recurse, RECURSE_D: self._recurse_d,
            TEXT_DUMMY: self._text_dummy,
        }

    # ---- public API

    def describe(self) -> list[str]:
        """One line per step of the configured pipeline, in order (for audit and the GUI)."""
        steps = [self.drop, *self.element_steps[:-2], self.element_steps[-1], self.pseudonyms,
                 self.mark, self.element_steps[-2]]
        return [s.describe() for s in steps]

    def describe_actions(self) -> list[str]:
        """Every action, one line per attribute: the table's (with the options and anon_vrs /
        anon_tags applied), then what applies to attributes the table does not list."""
        names = {KEEP: "kept", REMOVE: "removed", EMPTY: "emptied", EMPTY_SEQ: "emptied (sequence)",
                 DUMMY: "dummy value", UID: "UID remapped", SHIFT: "date shifted",
                 CLEAN: "cleaned (descriptor vocabulary)", AGE: "age kept (>= 90 years: 090Y)",
                 RECURSE: "items cleaned", RECURSE_D: "items kept, their text replaced",
                 TEXT_DUMMY: "text replaced"}
        lines = ["Every attribute of PS3.15 Table E.1-1, with the configured options:"]
        for tag in sorted(deid_profile.BASIC_PROFILE):
            vr = _vr_of(tag)
            action = self._plan(self.element_steps, tag, vr, False)
            kw = keyword_for_tag(tag) or "(not in pydicom's dictionary)"
            note = " (emptied or dummy when the IOD needs it)" if action in (REMOVE, EMPTY_SEQ) else ""
            lines.append(f"  ({tag >> 16:04X},{tag & 0xFFFF:04X}) {kw} [{deid_profile.BASIC_PROFILE[tag]}]: "
                         f"{names.get(action, action)}{note}")
        for value, mask, code in deid_profile.MASKED_PROFILE:
            lines.append(f"  ({value >> 16:04X},{value & 0xFFFF:04X}) mask {mask:08X} [{code}]: "
                         f"{names.get(self.element_steps[1]._resolve(code, value, ''), code)}")
        lines.append("Attributes the table does not list:")
        lines.append("  private (odd groups): " + ("kept if allow-listed, else removed"
                                                    if self.config.private_allowlist else "removed"))
        lines.append("  unlisted free text (LT, ST, UT): removed")
        lines.append("  public tags not in the dictionary: removed")
        lines.append("  UIDs: remapped, class UIDs and well-known UIDs kept")
        lines.append("  inside sequences the table replaces (D): text replaced, code values kept, "
                     "code meanings " + ("cleaned" if self.config.clean_descriptors else "replaced"))
        lines.append("  other text: " + ("removed unless known safe, cleaned where a module needs it "
                                         "(strict mode)" if self.config.strict else "kept (Basic Profile)"))
        lines.append("  numbers, codes (CS), dates of the Modified Dates column, binary data: kept")
        return lines

    def remap_uid(self, uid: str) -> str:
        """The project's new UID for `uid` (unchanged for well-known UIDs)."""
        return self._remapper.remap(uid)

    def anonymize(self, ds: Dataset) -> AnonResult:
        """De-identify `ds` in place (file meta included), or say why it must be dropped."""
        key = self._key_entry(ds)
        reason = self.drop.apply(ds)
        if reason is not None:
            return AnonResult(dataset=None, dropped=reason, key=key)
        _resolve_implicit_vrs(ds)
        ctx = Context(key=key, offset_days=self._offset_for(key.patient_id),
                      cleaner=self._cleaner_for(ds), steps=self.element_steps, plans=self._plans,
                      required=required_types(read_text(ds, 0x00080016)))
        self._walk(ds, ctx, False)
        if ctx.changed:
            key = dataclasses.replace(key, descriptors_changed=tuple(sorted(ctx.changed)))
        ds.preamble = None      # a received preamble may hold anything (e.g. a TIFF header)
        self.element_steps[-1].apply_file_meta(ds)
        self.pseudonyms.apply(ds, key)
        self.mark.apply(ds)
        return AnonResult(dataset=ds, dropped=None, key=key)

    # ---- key

    def _offset_for(self, patient_id: str) -> int:
        return date_offset_days(self.keys.secret, patient_id)

    def _key_entry(self, ds: Dataset) -> KeyEntry:
        """Original and new identifiers of the dataset's patient, study and series."""
        def get(kw: str) -> str:
            return read_text(ds, tag_for_keyword(kw)).strip()
        study_uid = get("StudyInstanceUID")
        if not study_uid:
            raise AnonymizeError(
                f"The instance {get('SOPInstanceUID') or '(no SOPInstanceUID)'} has no "
                "StudyInstanceUID, so it cannot be given a StudyNumber; it was not stored.")
        patient_id = get("PatientID")
        number = self._numbers.get(("p", patient_id))
        if number is None:
            number = self._numbers[("p", patient_id)] = self.keys.patient_number(patient_id)
        study_number = self._numbers.get(("s", study_uid))
        if study_number is None:
            study_number = self._numbers[("s", study_uid)] = self.keys.study_number(study_uid)
        c = self.config
        return KeyEntry(
            patient_id=patient_id, patient_name=get("PatientName"),
            accession_number=get("AccessionNumber"), study_date=get("StudyDate"),
            study_uid=study_uid, series_uid=get("SeriesInstanceUID"),
            study_description=get("StudyDescription"), series_description=get("SeriesDescription"),
            new_patient_id=f"{c.patient_id_prefix}{number:04d}",
            new_patient_name=f"{c.patient_name_prefix}{number:04d}",
            new_accession_number=f"ACC{study_number}",
            new_study_uid=self.remap_uid(study_uid),
            new_series_uid=self.remap_uid(get("SeriesInstanceUID")),
            study_number=study_number,
            date_offset_days=self._offset_for(patient_id) if c.retain_modified_dates else 0,
        )

    # ---- the single walk

    def walk(self, ds: Dataset, steps: list[ElementStep]) -> None:
        """Apply only `steps` (element steps) to `ds`, for auditing or testing one step."""
        key = self._key_entry(ds)
        ctx = Context(key=key, offset_days=self._offset_for(key.patient_id),
                      cleaner=self._cleaner_for(ds), steps=list(steps), plans={},
                      required=required_types(read_text(ds, 0x00080016)))
        self._walk(ds, ctx, False)

    def _cleaner_for(self, ds: Dataset) -> DescriptorCleaner | None:
        """The descriptor cleaner of this dataset's patient (built before any name is replaced)."""
        if not self.config.clean_descriptors:
            return None
        tokens = DescriptorCleaner.tokens_of(ds)
        cleaner = self._cleaners.get(tokens)
        if cleaner is None:
            if len(self._cleaners) >= 4096:
                self._cleaners.clear()
            cleaner = self._cleaners[tokens] = DescriptorCleaner(*tokens, vocabulary=self.vocabulary)
        return cleaner

    @staticmethod
    def _plan(steps: list[ElementStep], tag: int, vr: str, inside_d: bool) -> str:
        """The merged action of the element steps for a tag (cached per tag and sequence context)."""
        action = None
        for step in steps:
            action = step.decide(tag, vr, inside_d, action)
        if action is None:
            if vr == "SQ":
                action = RECURSE_D if inside_d else RECURSE
            elif not (tag >> 16) & 1 and not vr:
                action = REMOVE        # unknown public tag: its content cannot be judged
            else:
                action = KEEP
        return action

    def _walk(self, ds: Dataset, ctx: Context, inside_d: bool) -> None:
        """Apply the merged plan to every element of `ds`, recursing into sequences."""
        plans = ctx.plans
        handlers = self._handlers
        for tag in list(ds.keys()):
            t = int(tag)
            plan = plans.get((t, inside_d))
            if plan is None:
                if (t & 0xFFFF) == 0 or (t >> 16) == 2:
                    plan = (REMOVE, "")     # group lengths (and stray file meta) are rebuilt on write
                elif (t >> 16) & 1:
                    vr = ds.get_item(tag).VR or "UN"
                    plan = (self._plan(ctx.steps, t, vr, inside_d), vr)
                else:
                    vr = _vr_of(t)
                    plan = (self._plan(ctx.steps, t, vr, inside_d), vr)
                    plans[(t, inside_d)] = plan
            if plan[0] != KEEP:
                handlers[plan[0]](ds, tag, plan[1], ctx)

    _read_ascii = staticmethod(read_values)
    _put = staticmethod(put_values)

    # ---- handlers (ds, tag, vr, ctx)

    def _remove(self, ds, tag, vr, ctx):
        kind = ctx.required.get(tag) if ctx.required else None
        if kind is None:
            del ds[tag]
        elif kind in ("2", "2C") or vr == "SQ":
            self._empty(ds, tag, vr, ctx)     # the IOD needs it: empty, as the table allows
        else:
            self._dummy(ds, tag, vr, ctx)     # Type 1/1C: a valid dummy value

    def _empty(self, ds, tag, vr, ctx):
        if vr == "SQ":
            self._empty_seq(ds, tag, vr, ctx)
        else:
            self._put(ds, tag, vr or "UN", None)

    def _empty_seq(self, ds, tag, vr, ctx):
        if ctx.required is not None and tag not in ctx.required:
            del ds[tag]      # a Type 3 sequence with no items is invalid: it is removed
        else:
            ds[tag] = DataElement(tag, "SQ", Sequence([]))

    def _dummy(self, ds, tag, vr, ctx):
        if vr in ("DA", "DT") and self.config.retain_modified_dates:
            self._shift(ds, tag, vr, ctx)
            return
        value = _dummy_for(vr)
        if value is None:
            del ds[tag]
        elif isinstance(value, str):
            self._put(ds, tag, vr, value)
        else:
            ds[tag].value = value

    def _uid(self, ds, tag, vr, ctx):
        values = self._read_ascii(ds, tag)
        remap = self._remapper.remap
        self._put(ds, tag, "UI", [remap(v) for v in values] if values else None)

    def _shift(self, ds, tag, vr, ctx):
        fn = shift_date if vr == "DA" else shift_datetime if vr == "DT" else None
        if fn is None:
            return
        out = [fn(v, ctx.offset_days) for v in self._read_ascii(ds, tag)]
        # unreadable dates cannot be shifted, so they are emptied
        self._put(ds, tag, vr, None if any(v is None for v in out) else out)

    def _clean(self, ds, tag, vr, ctx):
        elem = ds.get_item(tag)
        vr = elem.VR or vr
        if vr not in _TEXT_VRS:
            return
        cleaner = ctx.cleaner or DescriptorCleaner((), vocabulary=self.vocabulary)
        text = read_text(ds, tag)
        cleaned = cleaner.clean(text)
        if cleaned == text.strip():
            return
        if not cleaned and ("D" in (BasicProfile.profile_action(tag) or "").split("/")
                            or tag in deid_profile.TEXT_REQUIRED):
            cleaned = PLACEHOLDER        # the table or a module wants a value here (a dummy)
        limit = _MAX_LEN.get(vr, 0)
        if limit and len(cleaned) > limit:
            cleaned = cleaned[:limit].rstrip()
        self._put(ds, tag, vr, cleaned or None)
        ctx.changed.add(keyword_for_tag(tag) or f"{int(tag):08X}")

    def _age(self, ds, tag, vr, ctx):
        values = self._read_ascii(ds, tag)
        text = values[0].strip() if values else ""
        if not text:
            return
        capped = cap_age(text)
        if _VALID_AGE.fullmatch(text) and len(values) == 1:
            if capped != text:
                self._put(ds, tag, "AS", capped)      # 90 years or more
            return                                    # a valid age stays as it is
        fixed = capped if len(values) == 1 else None
        self._put(ds, tag, "AS", fixed)
        name = keyword_for_tag(tag) or f"{int(tag):08X}"
        if fixed:
            log.warning("%s %r is not a valid age string (nnnD/W/M/Y); written as %r", name,
                        "\\".join(values), fixed)
        else:
            log.warning("%s %r is not a valid age string (nnnD/W/M/Y) and cannot be read; emptied",
                        name, "\\".join(values))

    def _recurse(self, ds, tag, vr, ctx):
        required, ctx.required = ctx.required, nested_types(tag)   # the types inside this sequence
        try:
            for item in ds[tag].value or ():
                self._walk(item, ctx, False)
        finally:
            ctx.required = required

    def _recurse_d(self, ds, tag, vr, ctx):
        required, ctx.required = ctx.required, nested_types(tag)
        try:
            for item in ds[tag].value or ():
                self._walk(item, ctx, True)
        finally:
            ctx.required = required

    def _text_dummy(self, ds, tag, vr, ctx):
        self._put(ds, tag, vr if vr in _D_TEXT_VRS else "LO", DUMMY_TEXT)
