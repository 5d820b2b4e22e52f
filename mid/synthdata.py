"""Synthetic DICOM studies with obviously fake patients, for the demo PACS and the tests.

Nothing here is real patient data: every name is ``FAKE^<FIRSTNAME>`` and every identifier is
made up from a seed. A set is first *described* (``generate_set`` / ``sample_set`` give a
``SynthSet`` of ``SynthPatient`` / ``SynthStudy`` / ``SynthSeries`` with all UIDs fixed), then
turned into datasets on demand (``iter_datasets``) or files (``write_set``). The same seed
always gives the same set, UIDs included, so a test can predict what a PACS will answer.

Typical use::

    desc = synthdata.generate_set(seed=1, n_patients=2, studies_per_patient=2)
    paths = synthdata.write_set(desc, tmp_path / "in")
    ds = synthdata.make_instance(desc.patients[0], desc.patients[0].studies[0],
                                 desc.patients[0].studies[0].series[0], 0, size_kb=128)

``sample_set()`` is the demo's set (several patients, CT/MR/SR, a few hundred instances,
including series the default de-identification rules drop) and ``sample_sheet()`` writes a
matching query sheet with one row that finds nothing.
"""
from __future__ import annotations

import datetime as dt
import io
import logging
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

import numpy as np
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.filewriter import dcmwrite
from pydicom.sequence import Sequence as DicomSequence
from pydicom.uid import ExplicitVRLittleEndian, PYDICOM_IMPLEMENTATION_UID, UID, generate_uid

log = logging.getLogger("mid.synthdata")

CT_IMAGE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.2")
MR_IMAGE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.4")
SECONDARY_CAPTURE_STORAGE = UID("1.2.840.10008.5.1.4.1.1.7")
BASIC_TEXT_SR_STORAGE = UID("1.2.840.10008.5.1.4.1.1.88.11")

FAKE_FIRST_NAMES = (
    "ALICE", "BOB", "CAROL", "DAVE", "ERIN", "FRANK", "GRACE", "HEIDI", "IVAN", "JUDY",
    "MALLORY", "NIAJ", "OLIVIA", "PEGGY", "RUPERT", "SYBIL", "TRENT", "VICTOR", "WALTER", "ZOE",
)
FAKE_SURNAME = "FAKE"
GENERATOR_VERSION = 2        # bump when the same description would give different files
UID_PREFIX = "1.2.826.0.1.3680043.8.498."   # pydicom's root; deterministic with entropy sources


@dataclass(frozen=True)
class SeriesSpec:
    """What one series of each generated study looks like."""
    modality: str                 # "CT", "MR", "SR", "OT"
    description: str
    count: int                    # instances in the series
    number: int | None = None     # SeriesNumber; None = position in the study (1, 2, ...)
    kind: str = "image"           # "image" | "report" (SR text) | "capture" (secondary capture)


@dataclass(frozen=True)
class SynthSeries:
    """One generated series: its UID and what every instance in it carries."""
    series_uid: str
    number: int
    description: str
    modality: str
    count: int
    kind: str = "image"

    def sop_uid(self, index: int) -> str:
        """The SOPInstanceUID of instance `index` (0-based), stable for the set's seed."""
        return generate_uid(UID_PREFIX, [self.series_uid, str(index)])

    @property
    def sop_class_uid(self) -> str:
        """The SOP Class every instance of this series uses."""
        if self.kind == "report":
            return BASIC_TEXT_SR_STORAGE
        if self.kind == "capture":
            return SECONDARY_CAPTURE_STORAGE
        return MR_IMAGE_STORAGE if self.modality == "MR" else CT_IMAGE_STORAGE


@dataclass(frozen=True)
class SynthStudy:
    """One generated study of one patient."""
    study_uid: str
    accession: str
    date: str                     # YYYYMMDD
    time: str                     # HHMMSS
    description: str
    series: tuple[SynthSeries, ...]

    @property
    def count(self) -> int:
        """Instances in the study."""
        return sum(s.count for s in self.series)


@dataclass(frozen=True)
class SynthPatient:
    """One fake patient and their studies."""
    patient_id: str               # alphanumeric, may have leading zeros ("0012345")
    name: str                     # "FAKE^ALICE"
    birth_date: str               # YYYYMMDD
    sex: str                      # "F" | "M" | "O"
    studies: tuple[SynthStudy, ...]


@dataclass(frozen=True)
class SynthSet:
    """A whole generated set: the description the demo and tests predict answers from."""
    seed: int
    patients: tuple[SynthPatient, ...]
    size_kb: int = 8

    @property
    def count(self) -> int:
        """Instances in the set."""
        return sum(st.count for p in self.patients for st in p.studies)

    def studies(self) -> list[tuple[SynthPatient, SynthStudy]]:
        """Every (patient, study) pair, in order."""
        return [(p, st) for p in self.patients for st in p.studies]

    def all_series(self) -> list[tuple[SynthPatient, SynthStudy, SynthSeries]]:
        """Every (patient, study, series) triple, in order."""
        return [(p, st, se) for p in self.patients for st in p.studies for se in st.series]

    def instances(self) -> Iterator[tuple[SynthPatient, SynthStudy, SynthSeries, int]]:
        """Every (patient, study, series, index) of the set, in order."""
        for p, st, se in self.all_series():
            for i in range(se.count):
                yield p, st, se, i

    def find_study(self, study_uid: str) -> tuple[SynthPatient, SynthStudy]:
        """The patient and study with this StudyInstanceUID; KeyError if none."""
        for p, st in self.studies():
            if st.study_uid == study_uid:
                return p, st
        raise KeyError(study_uid)


DEFAULT_SERIES_SPEC: tuple[SeriesSpec, ...] = (
    SeriesSpec("CT", "AX 5MM", 8),
    SeriesSpec("CT", "COR REFORMAT", 4),
)

CT_STUDY_SPEC: tuple[SeriesSpec, ...] = (
    SeriesSpec("CT", "AX 5MM SOFT TISSUE", 20),
    SeriesSpec("CT", "COR 3MM REFORMAT", 10),
    SeriesSpec("CT", "Dose Report", 1, number=999, kind="capture"),
)
MR_STUDY_SPEC: tuple[SeriesSpec, ...] = (
    SeriesSpec("MR", "T1 AX", 12),
    SeriesSpec("MR", "T2 FLAIR AX", 12),
    SeriesSpec("MR", "DWI", 6),
    SeriesSpec("SR", "Radiology Report", 1, kind="report"),
)
STUDY_DESCRIPTIONS = {"CT": ("CT HEAD WO CONTRAST", "CT CHEST W CONTRAST", "CT ABDOMEN PELVIS"),
                      "MR": ("MRI BRAIN WO CONTRAST", "MRI KNEE LEFT", "MRI LUMBAR SPINE")}


def _uid(*parts: object) -> str:
    """A valid UID derived only from `parts` (so the set is reproducible)."""
    return generate_uid(UID_PREFIX, [str(p) for p in parts])


def _patient_id(rng: random.Random, index: int, taken: set[str]) -> str:
    """A fake MRN: seven characters with leading zeros; every third one alphanumeric."""
    while True:
        number = rng.randrange(1, 99999)
        pid = f"0X{number:05d}" if index % 3 == 2 else f"00{number:05d}"
        if pid not in taken:
            taken.add(pid)
            return pid


def _fake_name(index: int) -> str:
    """FAKE^ALICE, FAKE^BOB, ...; FAKE^ALICE^2 after the list runs out."""
    first = FAKE_FIRST_NAMES[index % len(FAKE_FIRST_NAMES)]
    rounds = index // len(FAKE_FIRST_NAMES)
    return f"{FAKE_SURNAME}^{first}" + (f"^{rounds + 1}" if rounds else "")


def _study_description(specs: Sequence[SeriesSpec], rng: random.Random) -> str:
    """A study description that fits the modality of the study's first image series."""
    modality = next((s.modality for s in specs if s.modality in STUDY_DESCRIPTIONS), "CT")
    return rng.choice(STUDY_DESCRIPTIONS[modality])


def _make_series(seed: int, study_uid: str, specs: Sequence[SeriesSpec]) -> tuple[SynthSeries, ...]:
    """The series of one study from their specs."""
    out = []
    for pos, spec in enumerate(specs, start=1):
        number = spec.number if spec.number is not None else pos
        out.append(SynthSeries(series_uid=_uid(seed, study_uid, "series", pos), number=number,
                               description=spec.description, modality=spec.modality,
                               count=spec.count, kind=spec.kind))
    return tuple(out)


def _make_patient(seed: int, index: int, rng: random.Random, taken: set[str],
                  study_specs: Sequence[Sequence[SeriesSpec]], old: bool) -> SynthPatient:
    """One patient with one study per entry of `study_specs`."""
    pid = _patient_id(rng, index, taken)
    year = rng.randrange(1925, 1930) if old else rng.randrange(1940, 2005)
    birth = dt.date(year, rng.randrange(1, 13), rng.randrange(1, 29))
    studies = []
    for s_index, specs in enumerate(study_specs):
        day = dt.date(2012, 1, 1) + dt.timedelta(days=rng.randrange(0, 11 * 365))
        study_uid = _uid(seed, "study", index, s_index)
        studies.append(SynthStudy(
            study_uid=study_uid, accession=f"ACC{seed % 100:02d}{index:03d}{s_index:02d}",
            date=day.strftime("%Y%m%d"),
            time=f"{rng.randrange(7, 19):02d}{rng.randrange(60):02d}{rng.randrange(60):02d}",
            description=_study_description(specs, rng),
            series=_make_series(seed, study_uid, specs)))
    return SynthPatient(patient_id=pid, name=_fake_name(index), birth_date=birth.strftime("%Y%m%d"),
                        sex="FM"[index % 2], studies=tuple(studies))


def generate_set(seed: int = 0, n_patients: int = 2, studies_per_patient: int = 2,
                 series_spec: Sequence[SeriesSpec] | Sequence[Sequence[SeriesSpec]] | None = None,
                 *, size_kb: int = 8, old_patient: bool = False) -> SynthSet:
    """Describe a reproducible set: `n_patients` x `studies_per_patient` studies.

    `series_spec` is either one list of SeriesSpec used for every study, or a list of such
    lists used in turn (study k gets spec k mod len). `size_kb` is the pixel data size per
    image instance. With `old_patient`, the last patient is born before 1930 (age above 89).
    """
    specs = _spec_cycle(series_spec)
    rng = random.Random(seed)
    taken: set[str] = set()
    patients = []
    for i in range(n_patients):
        study_specs = [specs[(i * studies_per_patient + k) % len(specs)]
                       for k in range(studies_per_patient)]
        patients.append(_make_patient(seed, i, rng, taken, study_specs,
                                      old=old_patient and i == n_patients - 1))
    return SynthSet(seed=seed, patients=tuple(patients), size_kb=size_kb)


def _spec_cycle(series_spec) -> list[tuple[SeriesSpec, ...]]:
    """Normalise `series_spec` to a list of per-study spec tuples."""
    if not series_spec:
        return [DEFAULT_SERIES_SPEC]
    if isinstance(series_spec[0], SeriesSpec):
        return [tuple(series_spec)]
    return [tuple(s) for s in series_spec]


def sample_set(seed: int = 2024) -> SynthSet:
    """The demo's set: 6 patients, a CT and an MR study each, ~380 instances.

    Every CT study has a SeriesNumber 999 "Dose Report" secondary capture and every MR study a
    "Radiology Report" SR, so the default de-identification drop rules have something to drop.
    The last patient is older than 89 so age capping shows.
    """
    return generate_set(seed, n_patients=6, studies_per_patient=2,
                        series_spec=[CT_STUDY_SPEC, MR_STUDY_SPEC], old_patient=True)


def benchmark_set(n_instances: int = 2000, size_kb: int = 128, seed: int = 4242,
                  n_studies: int = 4, series_per_study: int = 5) -> SynthSet:
    """A volume set for benchmarks: `n_studies` CT studies of equal image series, ~`size_kb` each.

    Instances are spread evenly (the last series takes the remainder); no series is dropped by
    the default de-identification rules, so every instance is written.
    """
    n_series = n_studies * series_per_study
    base, extra = divmod(n_instances, n_series)
    specs = [[SeriesSpec("CT", f"AX {k + 1}MM", base + (extra if s * series_per_study + k == n_series - 1 else 0))
              for k in range(series_per_study)] for s in range(n_studies)]
    return generate_set(seed, n_patients=n_studies, studies_per_patient=1, series_spec=specs,
                        size_kb=size_kb)


# ----------------------------------------------------------------------------- datasets

def _age(birth: str, on: str) -> str:
    """DICOM AS value ("045Y") for someone born on `birth` at date `on` (both YYYYMMDD)."""
    b, d = dt.datetime.strptime(birth, "%Y%m%d"), dt.datetime.strptime(on, "%Y%m%d")
    years = d.year - b.year - ((d.month, d.day) < (b.month, b.day))
    return f"{years:03d}Y"


def _file_meta(sop_class: str, sop_uid: str) -> FileMetaDataset:
    """File meta information for an Explicit VR Little Endian file."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = PYDICOM_IMPLEMENTATION_UID
    return meta


def _patient_study_tags(ds: Dataset, p: SynthPatient, st: SynthStudy) -> None:
    """Patient and study module tags."""
    ds.PatientName = p.name
    ds.PatientID = p.patient_id
    ds.IssuerOfPatientID = "FAKE_HOSPITAL"
    ds.PatientBirthDate = p.birth_date
    ds.PatientSex = p.sex
    ds.PatientAge = _age(p.birth_date, st.date)
    ds.StudyInstanceUID = st.study_uid
    ds.StudyDate = st.date
    ds.StudyTime = st.time
    ds.AccessionNumber = st.accession
    ds.StudyDescription = st.description
    ds.StudyID = st.accession[-4:]
    ds.ReferringPhysicianName = "FAKE^REFERRER"


def _series_tags(ds: Dataset, st: SynthStudy, se: SynthSeries, index: int) -> None:
    """Series and instance module tags."""
    ds.SOPClassUID = se.sop_class_uid
    ds.SOPInstanceUID = se.sop_uid(index)
    ds.Modality = se.modality            # a dose screen keeps its CT modality, as scanners do
    ds.SeriesInstanceUID = se.series_uid
    ds.SeriesNumber = se.number
    ds.SeriesDescription = se.description
    ds.SeriesDate = st.date
    ds.SeriesTime = st.time
    ds.InstanceNumber = index + 1
    ds.ContentDate = st.date
    ds.ContentTime = st.time
    ds.Manufacturer = "SYNTHETIC"
    ds.ManufacturerModelName = "SYNTH-1"


def _pixel_tags(ds: Dataset, se: SynthSeries, index: int, size_kb: int) -> None:
    """A small 16-bit monochrome image of about `size_kb` KB."""
    n_pixels = max(16, size_kb * 512)
    rows = max(4, int(n_pixels ** 0.5))
    cols = max(4, n_pixels // rows)
    grid = np.add.outer(np.arange(rows, dtype=np.uint32), np.arange(cols, dtype=np.uint32))
    pixels = ((grid * 3 + index * 17 + se.number) % 4096).astype("<u2")
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = 16, 12, 11
    ds.PixelRepresentation = 0
    ds.PixelData = pixels.tobytes()
    if se.kind == "capture":
        ds.ConversionType = "WSD"
        ds.BurnedInAnnotation = "YES"
        return
    ds.BurnedInAnnotation = "NO"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.PixelSpacing = [0.7, 0.7]
    ds.SliceThickness = 5
    ds.ImagePositionPatient = [0, 0, float(index * 5)]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.FrameOfReferenceUID = _uid(se.series_uid, "for")
    if se.modality == "CT":
        ds.RescaleIntercept, ds.RescaleSlope, ds.KVP = -1024, 1, 120
    else:
        ds.MagneticFieldStrength, ds.EchoTime, ds.RepetitionTime = 1.5, 20, 500


def _code(value: str, scheme: str, meaning: str) -> Dataset:
    """A code sequence item."""
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = value, scheme, meaning
    return item


def _report_tags(ds: Dataset, p: SynthPatient, phi_markers: bool) -> None:
    """A one-paragraph Basic Text SR."""
    text = "Synthetic report. No acute findings."
    if phi_markers:
        text += f" Patient {p.name} MRN {p.patient_id}."
    finding = Dataset()
    finding.RelationshipType = "CONTAINS"
    finding.ValueType = "TEXT"
    finding.ConceptNameCodeSequence = DicomSequence([_code("121071", "DCM", "Finding")])
    finding.TextValue = text
    ds.ValueType = "CONTAINER"
    ds.ConceptNameCodeSequence = DicomSequence([_code("11528-7", "LN", "Radiology Report")])
    ds.ContinuityOfContent = "SEPARATE"
    ds.CompletionFlag = "COMPLETE"
    ds.VerificationFlag = "UNVERIFIED"
    ds.ContentSequence = DicomSequence([finding])


def _phi_marker_tags(ds: Dataset, p: SynthPatient, st: SynthStudy) -> None:
    """Free text, other IDs, sequences and a private tag that all carry fake PHI.

    Used to prove that de-identification cleans more than the obvious patient module.
    """
    ds.InstitutionName = "FAKE GENERAL HOSPITAL"
    ds.InstitutionAddress = "1 FAKE STREET, NOWHERE"
    ds.PatientAddress = "12 TEST ROAD, NOWHERE"
    ds.OtherPatientIDs = f"OTHER{p.patient_id}"
    ds.DeviceSerialNumber = "SN-FAKE-0001"
    ds.StationName = "FAKESTATION1"
    ds.OperatorsName = "FAKE^OPERATOR"
    ds.PerformingPhysicianName = "FAKE^PERFORMER"
    ds.ImageComments = f"Patient {p.name} MRN {p.patient_id}"
    ds.AdditionalPatientHistory = f"Follow-up for {p.name}"
    request = Dataset()
    request.RequestedProcedureDescription = f"{st.description} for {p.name}"
    request.RequestedProcedureID = st.accession
    request.ScheduledProcedureStepID = f"SPS{p.patient_id}"
    ds.RequestAttributesSequence = DicomSequence([request])
    block = ds.private_block(0x0011, "MID SYNTH", create=True)
    block.add_new(0x01, "LO", f"{p.name} {p.patient_id}")


def phi_strings(p: SynthPatient, st: SynthStudy | None = None) -> list[str]:
    """Strings that must not survive de-identification of this patient's (and study's) data."""
    out = [p.name, p.name.split("^")[1], p.patient_id, p.birth_date]
    if st is not None:
        out += [st.accession, st.study_uid]
    return out


def make_instance(patient: SynthPatient, study: SynthStudy, series: SynthSeries, index: int, *,
                  size_kb: int = 8, phi_markers: bool = False) -> Dataset:
    """One complete instance (file meta included) of `series`, 0-based `index`.

    Image series carry ~`size_kb` KB of 16-bit pixel data (8 -> 64x64, 128 -> 256x256).
    "report" series are Basic Text SR, "capture" series secondary captures with burned-in
    annotation. `phi_markers` adds fake PHI in places de-identification must also clean.
    """
    if not 0 <= index < series.count:
        raise IndexError(f"instance {index} outside series {series.description!r} of {series.count}")
    ds = Dataset()
    ds.file_meta = _file_meta(series.sop_class_uid, series.sop_uid(index))
    ds.SpecificCharacterSet = "ISO_IR 100"
    _patient_study_tags(ds, patient, study)
    _series_tags(ds, study, series, index)
    if series.kind == "report":
        _report_tags(ds, patient, phi_markers)
    else:
        _pixel_tags(ds, series, index, size_kb)
    if phi_markers:
        _phi_marker_tags(ds, patient, study)
    return ds


def iter_datasets(desc: SynthSet, *, phi_markers: bool = False,
                  size_kb: int | None = None) -> Iterator[Dataset]:
    """Every instance of the set as a dataset, built lazily (nothing touches the disk)."""
    size = desc.size_kb if size_kb is None else size_kb
    for p, st, se, i in desc.instances():
        yield make_instance(p, st, se, i, size_kb=size, phi_markers=phi_markers)


def to_bytes(ds: Dataset) -> bytes:
    """The dataset encoded as a DICOM file (preamble, file meta, dataset)."""
    buf = io.BytesIO()
    dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def relative_path(p: SynthPatient, st: SynthStudy, se: SynthSeries, index: int) -> Path:
    """Where `write_set` puts an instance, relative to its folder."""
    s_index = p.studies.index(st) + 1
    return Path(p.patient_id, f"study{s_index}", f"{se.number:03d}_{se.modality}",
                f"{index + 1:05d}.dcm")


def write_set(desc: SynthSet, folder: Path | str, *, phi_markers: bool = False,
              size_kb: int | None = None) -> list[Path]:
    """Write every instance of the set under `folder`; returns the file paths in set order.

    Layout: <PatientID>/study<k>/<SeriesNumber>_<Modality>/<InstanceNumber>.dcm.
    """
    folder = Path(folder)
    size = desc.size_kb if size_kb is None else size_kb
    paths = []
    for p, st, se, i in desc.instances():
        path = folder / relative_path(p, st, se, i)
        path.parent.mkdir(parents=True, exist_ok=True)
        ds = make_instance(p, st, se, i, size_kb=size, phi_markers=phi_markers)
        dcmwrite(path, ds, enforce_file_format=True)
        paths.append(path)
    log.debug("wrote %d synthetic instances under %s", len(paths), folder)
    return paths


# ----------------------------------------------------------------------------- sample sheet

SHEET_COLUMNS = ("MRN", "Study Date", "Accession", "Study Description")
MISSING_MRN = "0999999"


@dataclass(frozen=True)
class SheetRow:
    """One row of a generated query sheet and the study it should find (None = MISSING)."""
    mrn: str
    study_date: dt.date | None
    accession: str
    study_description: str
    expected_study_uid: str | None = None


def sample_rows(desc: SynthSet) -> list[SheetRow]:
    """Query rows for the set: by MRN+date, by accession, by MRN+description, and one MISSING."""
    rows = []
    for k, (p, st) in enumerate(desc.studies()):
        day = dt.datetime.strptime(st.date, "%Y%m%d").date()
        style = k % 3
        if style == 0:
            rows.append(SheetRow(p.patient_id, day, "", "", st.study_uid))
        elif style == 1:
            rows.append(SheetRow("", None, st.accession, "", st.study_uid))
        else:
            words = st.description.split()
            rows.append(SheetRow(p.patient_id, None, "", " ".join(words[:2]), st.study_uid))
    rows.append(SheetRow(MISSING_MRN, dt.date(2001, 1, 1), "", "", None))
    return rows


def sample_sheet(desc: SynthSet, path: Path | str) -> list[SheetRow]:
    """Write an xlsx query sheet matching the set (columns SHEET_COLUMNS); returns its rows.

    MRNs and accessions are text cells so leading zeros survive; dates are Excel date cells.
    The last row (MRN 0999999) matches nothing and must come out MISSING.
    """
    from openpyxl import Workbook   # only needed here; keeps the module light for SCPs

    rows = sample_rows(desc)
    wb = Workbook()
    ws = wb.active
    ws.title = "Queries"
    ws.append(list(SHEET_COLUMNS))
    for r in rows:
        ws.append([r.mrn or None, r.study_date, r.accession or None, r.study_description or None])
        if r.study_date is not None:
            ws.cell(row=ws.max_row, column=2).number_format = "m/d/yyyy"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return rows
