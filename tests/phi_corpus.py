"""A PHI test corpus: synthetic instances with unique marker strings in every element the
de-identification profile covers.

Every text-capable attribute of deid_profile.BASIC_PROFILE (and the masked 50xx/60xx groups)
gets its own marker ("PHIMARK0001", ...), every date attribute its own marker date, every UID
attribute an original UID. The same planting is repeated inside nested sequences (two levels),
in private blocks, in SR-style content (ContentSequence TextValue, PersonName, Date) and in
the file meta. A `Corpus` lists every marker, original UID and original date, so a test can
scan the anonymized bytes for each of them. Names are obviously fake.
"""
from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field

from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from mid import deid_profile

MARK = "PHIMARK"
CT_IMAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_MR = "1.2.840.10008.5.1.4.1.1.4.1"
UID_PREFIX = "1.2.826.0.1.3680043.8.498."     # pydicom's example root: obviously test data
TEXT_VRS = {"AE", "CS", "LO", "LT", "SH", "ST", "UC", "UT", "PN"}
BYTE_VRS = {"OB", "OW", "UN"}
# Kept on purpose by the default options (checked by their own tests, not by marker scans).
# (Clean Descriptors attributes do get markers: a marker is no imaging word, so it must go.)
RETAINED = {keyword_for_tag(t) for t, code in deid_profile.OPTION_RETAIN_PATIENT_CHARACTERISTICS.items()
            if code == "K"}
# Elements the corpus sets itself with meaningful values, so the generic planting skips them.
STRUCTURAL = {"PatientID", "PatientName", "AccessionNumber", "StudyID", "StudyInstanceUID",
              "SeriesInstanceUID", "SOPInstanceUID", "StudyDate", "SeriesDate", "ContentDate",
              "AcquisitionDate", "FrameOfReferenceUID", "SOPClassUID"}
MARKED_MASKS = ((0x60004000, "LT"), (0x60003000, "OW"), (0x50003000, "OW"))


@dataclass
class Corpus:
    """Generated datasets and everything in them that must not survive de-identification."""
    datasets: list[Dataset] = field(default_factory=list)
    markers: set[str] = field(default_factory=set)
    original_uids: set[str] = field(default_factory=set)
    original_dates: set[str] = field(default_factory=set)
    patients: dict[str, str] = field(default_factory=dict)     # PatientID -> PatientName


class Planter:
    """Hands out unique markers, marker dates and original UIDs, and remembers them."""

    def __init__(self, corpus: Corpus, first_date: dt.date = dt.date(1931, 1, 5)):
        self.corpus = corpus
        self._n = itertools.count(1)
        self._day = itertools.count(0)
        self._first = first_date

    def marker(self) -> str:
        text = f"{MARK}{next(self._n):05d}"
        self.corpus.markers.add(text)
        return text

    def date(self) -> str:
        text = (self._first + dt.timedelta(days=3 * next(self._day))).strftime("%Y%m%d")
        self.corpus.original_dates.add(text)
        return text

    def uid(self) -> str:
        text = generate_uid(prefix=UID_PREFIX)
        self.corpus.original_uids.add(text)
        return text

    def value_for(self, tag: int, vr: str):
        """A planted value for an element of this VR, or None when the VR cannot hold one."""
        if vr == "PN":
            return f"{self.marker()}^FAKE"
        if vr in TEXT_VRS:
            return self.marker()
        if vr == "DA":
            return self.date()
        if vr == "DT":
            return self.date() + "101500"
        if vr == "UI":
            return self.uid()
        if vr in BYTE_VRS:
            return self.marker().encode("ascii") + b"\0"
        return None


def _profile_vr(tag: int) -> str:
    try:
        return dictionary_VR(tag).split(" or ")[0]
    except KeyError:
        return ""


def plant_profile(ds: Dataset, planter: Planter, depth: int) -> None:
    """Put a planted value into every profile attribute; sequences get items down to `depth`."""
    for tag, _action in deid_profile.BASIC_PROFILE.items():
        group = tag >> 16
        if group in (0x0000, 0x0002) or keyword_for_tag(tag) in RETAINED | STRUCTURAL:
            continue
        vr = _profile_vr(tag)
        if vr == "SQ":
            if depth > 0:
                ds.add_new(tag, "SQ", Sequence([nested_item(planter, depth - 1)]))
            continue
        value = planter.value_for(tag, vr)
        if value is not None:
            ds.add_new(tag, vr, value)
    for tag, vr in MARKED_MASKS:
        ds.add_new(tag, vr, planter.value_for(tag, vr))


def nested_item(planter: Planter, depth: int) -> Dataset:
    """A sequence item with names, IDs, dates, UIDs, free text, and one more level below."""
    item = Dataset()
    item.InstitutionName = planter.marker()
    item.PersonName = f"{planter.marker()}^FAKE"
    item.ReferringPhysicianName = f"{planter.marker()}^FAKE"
    item.PatientID = planter.marker()
    item.StudyDate = planter.date()
    item.ReferencedSOPClassUID = CT_IMAGE
    item.ReferencedSOPInstanceUID = planter.uid()
    item.TextValue = planter.marker()
    item.ImageComments = planter.marker()
    item.RequestedProcedureDescription = planter.marker()
    item.add_new(0x00091010, "LO", planter.marker())       # private element without a creator
    if depth > 0:
        item.ReferencedImageSequence = Sequence([nested_item(planter, depth - 1)])
    return item


def plant_private(ds: Dataset, planter: Planter) -> None:
    """A private block with text, a date and a private sequence holding more PHI."""
    block = ds.private_block(0x0029, f"{planter.marker()} CREATOR", create=True)
    block.add_new(0x01, "LO", planter.marker())
    block.add_new(0x02, "DA", planter.date())
    block.add_new(0x03, "UI", planter.uid())
    block.add_new(0x04, "SQ", Sequence([nested_item(planter, 0)]))


def plant_sr_content(ds: Dataset, planter: Planter) -> None:
    """SR content tree: TEXT, PNAME, DATE items and a nested container two levels deep."""
    def item(value_type: str) -> Dataset:
        it = Dataset()
        it.RelationshipType = "CONTAINS"
        it.ValueType = value_type
        code = Dataset()
        code.CodeValue, code.CodingSchemeDesignator = "121071", "DCM"
        code.CodeMeaning = planter.marker()     # D content: every text inside is replaced
        it.ConceptNameCodeSequence = Sequence([code])
        return it
    text, pname, date = item("TEXT"), item("PNAME"), item("DATE")
    text.TextValue = planter.marker()
    pname.PersonName = f"{planter.marker()}^FAKE"
    date.Date = planter.date()
    inner_text = item("TEXT")
    inner_text.TextValue = planter.marker()
    inner = item("CONTAINER")
    inner.ContinuityOfContent = "SEPARATE"
    inner.ContentSequence = Sequence([inner_text])
    ds.ContentSequence = Sequence([text, pname, date, inner])


def file_meta(planter: Planter, sop_class: str, sop_uid: str) -> FileMetaDataset:
    """File meta with identifying AE titles and the original SOP Instance UID."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class
    meta.MediaStorageSOPInstanceUID = sop_uid
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    meta.ImplementationClassUID = planter.uid()
    meta.ImplementationVersionName = planter.marker()
    meta.SourceApplicationEntityTitle = planter.marker()
    meta.SendingApplicationEntityTitle = planter.marker()
    meta.PrivateInformationCreatorUID = planter.uid()
    meta.PrivateInformation = planter.marker().encode("ascii") + b"\0"
    return meta


@dataclass
class Ids:
    """The original identifiers of one instance's patient, study and series."""
    patient_id: str
    patient_name: str
    birth_date: str
    study_uid: str
    accession: str
    study_date: str
    series_uid: str
    frame_uid: str


def base_instance(planter: Planter, ids: Ids, index: int, sop_class: str = CT_IMAGE) -> Dataset:
    """An instance with its identifiers set and 8x8 16-bit pixels (small on purpose)."""
    ds = Dataset()
    sop_uid = planter.uid()
    ds.file_meta = file_meta(planter, sop_class, sop_uid)
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.SOPClassUID, ds.SOPInstanceUID = sop_class, sop_uid
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.Modality = "CT"
    ds.PatientID, ds.PatientName, ds.PatientBirthDate = ids.patient_id, ids.patient_name, ids.birth_date
    ds.PatientSex, ds.PatientAge = "F", "047Y"
    ds.StudyInstanceUID, ds.SeriesInstanceUID = ids.study_uid, ids.series_uid
    ds.FrameOfReferenceUID = ids.frame_uid
    ds.AccessionNumber, ds.StudyID = ids.accession, planter.marker()
    ds.StudyDate, ds.SeriesDate = ids.study_date, ids.study_date
    ds.ContentDate = ids.study_date
    ds.StudyTime = ds.SeriesTime = "101500"
    family, given = ids.patient_name.split("^")[:2]
    ds.StudyDescription = f"CT HEAD {given} {family} {ids.patient_id} {ids.accession}"
    ds.SeriesDescription = f"AXIAL {ids.study_date[:4]}-{ids.study_date[4:6]}-{ids.study_date[6:]}"
    us_date = f"{ids.study_date[4:6]}/{ids.study_date[6:]}/{ids.study_date[:4]}"
    ds.ProtocolName = f"HEAD ROUTINE {family.lower()} {us_date}"
    ds.SeriesNumber, ds.InstanceNumber = 1, index + 1
    ds.Rows = ds.Columns = 8
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.PixelData = bytes(range(128))
    return ds


def new_ids(planter: Planter, patient: tuple[str, str, str] | None = None) -> Ids:
    """Fresh study and series identifiers; a new patient unless `patient` is given."""
    if patient is None:
        patient = (planter.marker(), f"{planter.marker()}^{planter.marker()}", planter.date())
        planter.corpus.patients[patient[0]] = patient[1]
    return Ids(patient_id=patient[0], patient_name=patient[1], birth_date=patient[2],
               study_uid=planter.uid(), accession=planter.marker(), study_date=planter.date(),
               series_uid=planter.uid(), frame_uid=planter.uid())


def build_corpus(patients: int = 2, studies: int = 2, instances: int = 2) -> Corpus:
    """Instances of `patients` x `studies` studies (one series each), fully planted.

    Each instance after the first of a series references the previous one (ReferencedImage
    Sequence), so tests can check that references follow the remapped SOP Instance UIDs.
    """
    corpus = Corpus()
    planter = Planter(corpus)
    for _ in range(patients):
        first = new_ids(planter)
        patient = (first.patient_id, first.patient_name, first.birth_date)
        for s in range(studies):
            ids = first if s == 0 else new_ids(planter, patient)
            previous = None
            for i in range(instances):
                ds = base_instance(planter, ids, i)
                plant_profile(ds, planter, depth=2)
                plant_private(ds, planter)
                plant_sr_content(ds, planter)
                if previous is not None:
                    ref = Dataset()
                    ref.ReferencedSOPClassUID = CT_IMAGE
                    ref.ReferencedSOPInstanceUID = previous
                    ds.ReferencedImageSequence = Sequence([ref])
                previous = ds.SOPInstanceUID
                corpus.datasets.append(ds)
    return corpus


def enhanced_mr(planter: Planter | None = None, frames: int = 3) -> Dataset:
    """A small Enhanced MR multi-frame instance with shared and per-frame functional groups."""
    planter = planter or Planter(Corpus())
    ids = new_ids(planter)
    ds = base_instance(planter, ids, 0, sop_class=ENHANCED_MR)
    ds.Modality = "MR"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.NumberOfFrames = frames
    ds.PixelData = bytes(range(128)) * frames
    pixel = Dataset()
    pixel.PixelSpacing, pixel.SliceThickness = [0.5, 0.5], 1.0
    shared = Dataset()
    shared.PixelMeasuresSequence = Sequence([pixel])
    derivation = Dataset()
    source = Dataset()
    source.ReferencedSOPClassUID = ENHANCED_MR
    source.ReferencedSOPInstanceUID = planter.uid()
    derivation.SourceImageSequence = Sequence([source])
    shared.DerivationImageSequence = Sequence([derivation])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per_frame = []
    for f in range(frames):
        content = Dataset()
        content.FrameAcquisitionDateTime = ids.study_date + f"1015{f:02d}"
        content.FrameReferenceDateTime = ids.study_date + f"1015{f:02d}"
        content.FrameAcquisitionNumber = f + 1
        content.DimensionIndexValues = [1, f + 1]
        content.FrameComments = planter.marker()
        position = Dataset()
        position.ImagePositionPatient = [0.0, 0.0, float(f)]
        item = Dataset()
        item.FrameContentSequence = Sequence([content])
        item.PlanePositionSequence = Sequence([position])
        per_frame.append(item)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per_frame)
    dim = Dataset()
    dim.DimensionOrganizationUID = planter.uid()
    ds.DimensionOrganizationSequence = Sequence([dim])
    return ds


def write_corpus(folder, patients: int = 2, studies: int = 2,
                 instances: int = 2) -> tuple[Corpus, list]:
    """Write a corpus as DICOM files (input for an end-to-end run); returns it and the paths."""
    from pathlib import Path

    from pydicom import dcmwrite
    corpus = build_corpus(patients, studies, instances)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, ds in enumerate(corpus.datasets):
        path = folder / f"phi_{i:04d}.dcm"
        dcmwrite(path, ds, enforce_file_format=True)
        paths.append(path)
    return corpus, paths
