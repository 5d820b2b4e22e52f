"""Tests of anonymizer.py on the PHI corpus (tests/phi_corpus.py) and on focused cases."""
from __future__ import annotations

import copy
import datetime as dt
import io
import re
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from pydicom import dcmread, dcmwrite
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian

from mid import anonymizer
from mid import deid_profile
from mid.anonymizer import AnonConfig, Anonymizer, MemoryKeys, safe_component
from mid.settings import DropRule

sys.path.insert(0, str(Path(__file__).parent))
import phi_corpus  # noqa: E402

SECRET_A = bytes(range(32))
SECRET_B = bytes(range(1, 33))
UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")
REPO = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- helpers

@pytest.fixture(scope="module")
def corpus() -> phi_corpus.Corpus:
    return phi_corpus.build_corpus(patients=2, studies=2, instances=2)


def fresh(corpus: phi_corpus.Corpus) -> list[Dataset]:
    """Deep copies of the corpus datasets (anonymize works in place)."""
    return [copy.deepcopy(ds) for ds in corpus.datasets]


def encode(ds: Dataset) -> bytes:
    buf = io.BytesIO()
    dcmwrite(buf, ds, enforce_file_format=True)
    return buf.getvalue()


def run(datasets, secret=SECRET_A, config=None):
    anon = Anonymizer(config or AnonConfig(), MemoryKeys(secret))
    return anon, [anon.anonymize(ds) for ds in datasets]


def walk(ds: Dataset):
    """Every element of ds and its sequences, depth first."""
    for elem in ds:
        yield elem
        if elem.VR == "SQ":
            for item in elem.value:
                yield from walk(item)


def uids_in(ds: Dataset) -> list[str]:
    out = []
    for elem in list(walk(ds)) + (list(walk(ds.file_meta)) if hasattr(ds, "file_meta") else []):
        if elem.VR == "UI" and elem.value:
            values = elem.value if isinstance(elem.value, (list, tuple)) or elem.VM > 1 else [elem.value]
            out += [str(v) for v in values]
    return out


def date_strings(data: bytes) -> set[str]:
    """Every 8-digit run in the bytes that is not part of a UID (digits and dots before it)."""
    return {m.decode() for m in re.findall(rb"(?<![0-9.])(?:1[89]|20)\d{6}", data)}


def shifted(date: str, days: int) -> str:
    d = dt.datetime.strptime(date, "%Y%m%d").date() + dt.timedelta(days=days)
    return d.strftime("%Y%m%d")


# ----------------------------------------------------------------------------- PHI corpus

def test_preamble_is_not_carried_over():
    ds = _plain("P", "20200101", "20200101")
    ds.preamble = b"PHIMARK99999" + b"\0" * 116
    _, [res] = run([ds])
    data = encode(res.dataset)
    assert b"PHIMARK" not in data and data[:128] == b"\0" * 128


def test_corpus_plants_markers_everywhere(corpus):
    ds = corpus.datasets[0]
    data = encode(copy.deepcopy(ds))
    planted = {m for m in corpus.markers if m.encode() in data}
    assert len(planted) > 300, "the corpus must plant markers in hundreds of elements"
    assert "ContentSequence" in ds and ds[0x00291001].value.startswith(phi_corpus.MARK)
    assert ds.file_meta.SourceApplicationEntityTitle.startswith(phi_corpus.MARK)
    assert ds.file_meta.MediaStorageSOPInstanceUID == ds.SOPInstanceUID


def as_received(ds: Dataset, syntax: str) -> Dataset:
    """The dataset as a receiver hands it over: encoded in `syntax`, read back (raw elements)."""
    ds = copy.deepcopy(ds)
    ds.file_meta.TransferSyntaxUID = syntax
    return dcmread(io.BytesIO(encode(ds)))


@pytest.mark.parametrize("form", ["memory", ImplicitVRLittleEndian, ExplicitVRLittleEndian])
def test_no_marker_survives_in_the_bytes(corpus, form):
    datasets = fresh(corpus) if form == "memory" else [as_received(d, form) for d in corpus.datasets]
    _, results = run(datasets)
    for res in results:
        assert res.dataset is not None, res.dropped
        data = encode(res.dataset)
        leaks = sorted(set(re.findall(rb"PHIMARK\d{5}", data)))
        assert not leaks, f"markers left in the output: {leaks[:10]}"
        left = [u for u in corpus.original_uids if u.encode() in data]
        assert not left, f"original UIDs left: {left[:3]}"


@pytest.mark.parametrize("read, write", [(ImplicitVRLittleEndian, ImplicitVRLittleEndian),
                                         (ImplicitVRLittleEndian, ExplicitVRLittleEndian),
                                         (ExplicitVRLittleEndian, ImplicitVRLittleEndian),
                                         (ExplicitVRLittleEndian, ExplicitVRLittleEndian)])
def test_received_datasets_write_in_any_syntax(read, write):
    ds = as_received(_plain("MRN1", "20200110", "20200105"), read)
    original_sop = ds.SOPInstanceUID
    anon, [res] = run([ds])
    res.dataset.file_meta.TransferSyntaxUID = write
    back = dcmread(io.BytesIO(encode(res.dataset)))
    assert [i.CodeValue for i in back.DeidentificationMethodCodeSequence] == [
        "113100", "113107", "113105", "113108"]
    assert back.PatientID == "HIPAA_0001" and back.PatientName == "ANON_0001"
    assert back.StudyDate == shifted("20200110", res.key.date_offset_days)
    assert back.SOPInstanceUID == back.file_meta.MediaStorageSOPInstanceUID
    assert back.SOPInstanceUID == anon.remap_uid(original_sop) != original_sop
    assert back.DeidentificationMethod[1].startswith("Retain Longitudinal")
    assert back.PatientAge == "047Y" and back.LongitudinalTemporalInformationModified == "MODIFIED"


def test_no_original_uid_survives(corpus):
    _, results = run(fresh(corpus))
    for res in results:
        data = encode(res.dataset)
        left = [u for u in corpus.original_uids if u.encode() in data]
        assert not left, f"original UIDs left: {left[:3]}"


def test_no_original_date_survives(corpus):
    _, results = run(fresh(corpus))
    for res in results:
        offset = res.key.date_offset_days
        assert offset != 0
        explainable = {shifted(d, offset) for d in corpus.original_dates}
        forbidden = corpus.original_dates - explainable
        assert len(forbidden) > len(corpus.original_dates) // 2
        found = date_strings(encode(res.dataset))
        left = sorted(forbidden & found)
        assert not left, f"original dates left: {left[:5]}"


def test_written_corpus_files_read_back_with_their_markers(tmp_path):
    corpus, paths = phi_corpus.write_corpus(tmp_path / "in", patients=1, studies=1, instances=1)
    assert len(paths) == 1
    data = paths[0].read_bytes()
    assert sum(m.encode() in data for m in corpus.markers) > 300
    _, [res] = run([dcmread(paths[0])])
    assert not re.findall(rb"PHIMARK\d{5}", encode(res.dataset))


def test_no_marker_with_options_off(corpus):
    config = AnonConfig(retain_modified_dates=False, clean_descriptors=False,
                        retain_patient_characteristics=False)
    _, results = run(fresh(corpus)[:2], config=config)
    for res in results:
        data = encode(res.dataset)
        assert not re.findall(rb"PHIMARK\d{5}", data)
        assert not corpus.original_dates & date_strings(data)


# ----------------------------------------------------------------------------- validity

def test_files_reread_cleanly_and_uids_are_valid(corpus):
    _, results = run(fresh(corpus))
    for res in results:
        back = dcmread(io.BytesIO(encode(res.dataset)))
        for elem in walk(back):      # every element decodes
            _ = elem.value
        for uid in uids_in(back):
            assert len(uid) <= 64 and UID_RE.match(uid), uid
        assert back.file_meta.MediaStorageSOPInstanceUID == back.SOPInstanceUID
        assert back.file_meta.MediaStorageSOPClassUID == back.SOPClassUID == phi_corpus.CT_IMAGE
        assert back.file_meta.TransferSyntaxUID == res.dataset.file_meta.TransferSyntaxUID
        assert "SourceApplicationEntityTitle" not in back.file_meta


def test_uids_consistent_within_study_series_patient(corpus):
    originals = fresh(corpus)
    before = [(ds.PatientID, ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.SOPInstanceUID,
               ds.FrameOfReferenceUID) for ds in originals]
    anon, results = run(originals)
    by_study, by_series, by_patient = {}, {}, {}
    for (pid, study, series, sop, frame), res in zip(before, results):
        out = res.dataset
        by_study.setdefault(study, set()).add(out.StudyInstanceUID)
        by_series.setdefault(series, set()).add(out.SeriesInstanceUID)
        by_patient.setdefault(pid, set()).add((str(out.PatientID), str(out.PatientName)))
        assert out.SOPInstanceUID == anon.remap_uid(sop) != sop
        assert out.FrameOfReferenceUID == anon.remap_uid(frame)
        assert res.key.new_study_uid == out.StudyInstanceUID
        assert res.key.new_series_uid == out.SeriesInstanceUID
    assert all(len(v) == 1 for v in [*by_study.values(), *by_series.values(), *by_patient.values()])
    assert len({next(iter(v)) for v in by_study.values()}) == len(by_study)
    assert len({next(iter(v)) for v in by_patient.values()}) == len(by_patient) == 2


def test_references_follow_remapped_instances(corpus):
    originals = fresh(corpus)
    _, results = run(originals)
    out = [r.dataset for r in results]
    # the second instance of each series references the first one
    assert out[1].ReferencedImageSequence[0].ReferencedSOPInstanceUID == out[0].SOPInstanceUID
    assert out[1].ReferencedImageSequence[0].ReferencedSOPClassUID == phi_corpus.CT_IMAGE


def test_well_known_uids_kept_and_uid_root_honoured():
    anon = Anonymizer(AnonConfig(uid_root="1.2.3.4"), MemoryKeys(SECRET_A))
    assert anon.remap_uid("1.2.840.10008.1.2.1") == "1.2.840.10008.1.2.1"
    assert anon.remap_uid("1.2.840.10008.5.1.4.1.1.2") == "1.2.840.10008.5.1.4.1.1.2"
    new = anon.remap_uid("1.2.826.0.1.3680043.8.498.1234")
    assert new.startswith("1.2.3.4.") and len(new) <= 64 and UID_RE.match(new)
    assert new == anon.remap_uid("1.2.826.0.1.3680043.8.498.1234")
    long_root = "1." + ".".join(["99999"] * 6)
    longer = Anonymizer(AnonConfig(uid_root=long_root), MemoryKeys(SECRET_A)).remap_uid("1.2.3")
    assert len(longer) <= 64 and UID_RE.match(longer)
    with pytest.raises(anonymizer.AnonymizeError, match="uid_root"):
        Anonymizer(AnonConfig(uid_root="1.02.x"), MemoryKeys(SECRET_A))


def test_no_anonymous_text_in_dates_times_uids(corpus):
    config = AnonConfig(anon_tags=anonymizer.DEFAULT_ANON_TAGS + ("StudyTime", "AcquisitionDate"))
    for cfg in (AnonConfig(), config, AnonConfig(retain_modified_dates=False)):
        _, results = run(fresh(corpus)[:2], config=cfg)
        for res in results:
            for elem in walk(res.dataset):
                if elem.VR in ("DA", "TM", "UI", "DT") and elem.value:
                    assert "anonym" not in str(elem.value).lower(), elem
                if elem.VR == "DA" and elem.value:
                    assert re.fullmatch(r"\d{8}", str(elem.value)), elem


# ----------------------------------------------------------------------------- real files

PYDICOM_FILES = ["CT_small.dcm", "MR_small.dcm", "MR_small_bigendian.dcm", "MR_small_implicit.dcm",
                 "image_dfl.dcm", "rtplan.dcm", "rtdose.dcm", "reportsi.dcm", "examples_palette.dcm",
                 "examples_overlay.dcm", "JPEG2000.dcm", "SC_rgb_small_odd_big_endian.dcm", "liver_1frame.dcm"]


@pytest.mark.parametrize("name", PYDICOM_FILES)
def test_pydicom_sample_files(name):
    """Real files shipped with pydicom: re-read cleanly, valid UIDs, no original UID or name left."""
    import pydicom.data
    path = Path(pydicom.data.__file__).parent / "test_files" / name
    assert path.is_file(), f"{path} should ship with pydicom 3.0.2"
    ds = dcmread(path)
    if "StudyInstanceUID" not in ds:
        ds.StudyInstanceUID = "1.2.826.0.1.3680043.8.498.999"
    originals = {u for u in uids_in(ds) if not anonymizer.is_well_known_uid(u)}
    class_uids = {str(e.value) for e in walk(ds) if e.VR == "UI" and "ClassUID" in e.keyword}
    name_parts = [p for p in re.split(r"[\^ ]+", str(ds.get("PatientName", ""))) if len(p) > 3]
    config = AnonConfig(drop_rules=(), drop_sop_classes=())
    _, [res] = run([ds], config=config)
    data = encode(res.dataset)
    back = dcmread(io.BytesIO(data))
    for elem in walk(back):
        _ = elem.value
    for uid in uids_in(back):
        assert len(uid) <= 64 and UID_RE.match(uid), uid
    left = [u for u in originals - class_uids if u.encode() in data]
    assert not left, f"original UIDs left: {left}"
    assert not [p for p in name_parts if p.encode() in data], name_parts
    assert back.PatientIdentityRemoved == "YES" and back.PatientID == "HIPAA_0001"


# ----------------------------------------------------------------------------- enhanced objects

def test_enhanced_multiframe_keeps_functional_groups_and_pixels():
    ds = phi_corpus.enhanced_mr(frames=3)
    pixels = bytes(ds.PixelData)
    _, [res] = run([ds])
    out = dcmread(io.BytesIO(encode(res.dataset)))
    assert len(out.SharedFunctionalGroupsSequence) == 1
    assert out.SharedFunctionalGroupsSequence[0].PixelMeasuresSequence[0].PixelSpacing == [0.5, 0.5]
    assert len(out.PerFrameFunctionalGroupsSequence) == 3
    frame = out.PerFrameFunctionalGroupsSequence[2]
    assert frame.FrameContentSequence[0].DimensionIndexValues == [1, 3]
    assert frame.PlanePositionSequence[0].ImagePositionPatient == [0.0, 0.0, 2.0]
    # Clean Descriptors column C: cleaned, the marker (outside the vocabulary) replaced
    assert frame.FrameContentSequence[0].get("FrameComments", "") in ("", anonymizer.PLACEHOLDER)
    assert bytes(out.PixelData) == pixels and out.NumberOfFrames == 3
    src = out.SharedFunctionalGroupsSequence[0].DerivationImageSequence[0].SourceImageSequence[0]
    assert src.ReferencedSOPInstanceUID.startswith("2.25.")


def test_enhanced_frame_datetimes_keep_their_intervals():
    ds = phi_corpus.enhanced_mr(frames=2)
    before = [f.FrameContentSequence[0].FrameAcquisitionDateTime
              for f in ds.PerFrameFunctionalGroupsSequence]
    _, [res] = run([ds])
    after = [f.FrameContentSequence[0].FrameAcquisitionDateTime
             for f in res.dataset.PerFrameFunctionalGroupsSequence]
    assert after[0] != before[0]
    assert after[0][8:] == before[0][8:] and after[1][8:] == before[1][8:]
    assert after[0][:8] == shifted(before[0][:8], res.key.date_offset_days)


# ----------------------------------------------------------------------------- projects

def test_projects_differ_and_reruns_reproduce(corpus):
    _, a1 = run(fresh(corpus), SECRET_A)
    _, a2 = run(fresh(corpus), SECRET_A)
    _, b = run(fresh(corpus), SECRET_B)
    for x, y, z in zip(a1, a2, b):
        assert x.dataset.SOPInstanceUID == y.dataset.SOPInstanceUID != z.dataset.SOPInstanceUID
        assert x.key == y.key
        assert x.dataset.StudyDate == y.dataset.StudyDate
    offsets_a = {r.key.date_offset_days for r in a1}
    offsets_b = {r.key.date_offset_days for r in b}
    assert offsets_a != offsets_b and 0 not in offsets_a | offsets_b


def test_project_keys_reproduce_after_reopening(tmp_path):
    from mid import project
    first = [_plain("MRN1", "20200110", "20200110", study="1.2.826.0.1.3680043.8.498.501"),
             _plain("MRN2", "20200110", "20200110", study="1.2.826.0.1.3680043.8.498.502")]
    proj = project.Project.create(tmp_path / "p1")
    try:
        before = [Anonymizer(AnonConfig(), proj).anonymize(copy.deepcopy(d)) for d in first]
    finally:
        proj.close()
    again = project.Project.open(tmp_path / "p1")
    other = project.Project.create(tmp_path / "p2")
    try:
        after = [Anonymizer(AnonConfig(), again).anonymize(copy.deepcopy(d)) for d in reversed(first)]
        elsewhere = [Anonymizer(AnonConfig(), other).anonymize(copy.deepcopy(d)) for d in first]
    finally:
        again.close()
        other.close()
    assert [r.key for r in before] == [r.key for r in reversed(after)]
    assert before[1].key.new_patient_id == "HIPAA_0002" and before[1].key.study_number == "0002"
    assert elsewhere[0].key.new_study_uid != before[0].key.new_study_uid
    assert ([r.key.date_offset_days for r in elsewhere]
            != [r.key.date_offset_days for r in before])     # random secrets: equal by chance 1e-7


def test_date_shift_is_per_patient_and_keeps_intervals():
    ds1, ds2 = _plain("PID1", "20200110", "20200105"), _plain("PID1", "20210301", "20210301")
    other = _plain("PID2", "20200110", "20200105")
    _, (r1, r2, r3) = run([ds1, ds2, other])
    off = r1.key.date_offset_days
    assert off != 0 and r2.key.date_offset_days == off != r3.key.date_offset_days
    assert r1.dataset.StudyDate == shifted("20200110", off)
    assert r1.dataset.SeriesDate == shifted("20200105", off)
    assert r1.dataset.StudyTime == "101500"     # TM kept under Modified Dates
    assert r1.dataset.LongitudinalTemporalInformationModified == "MODIFIED"
    assert "PatientBirthDate" not in r1.dataset or not r1.dataset.PatientBirthDate


def test_dates_option_off_empties_dates_and_times():
    _, [res] = run([_plain("PID1", "20200110", "20200105")],
                   config=AnonConfig(retain_modified_dates=False))
    out = res.dataset
    assert not out.get("StudyDate") and not out.get("StudyTime")
    assert out.LongitudinalTemporalInformationModified == "REMOVED"
    assert res.key.date_offset_days == 0
    assert "113107" not in [i.CodeValue for i in out.DeidentificationMethodCodeSequence]


# ----------------------------------------------------------------------------- pseudonyms, marks

def test_pseudonyms_and_key_entry():
    config = AnonConfig(patient_id_prefix="HIPAA_", patient_name_prefix="ANON_")
    a = _plain("MRN0001", "20200110", "20200110", accession="ACC-REAL-1", study="1.2.3.1")
    b = _plain("MRN0001", "20200210", "20200210", accession="ACC-REAL-2", study="1.2.3.2")
    c = _plain("MRN0002", "20200210", "20200210", accession="ACC-REAL-3", study="1.2.3.3")
    _, (ra, rb, rc) = run([a, b, c], config=config)
    assert (ra.dataset.PatientID, str(ra.dataset.PatientName)) == ("HIPAA_0001", "ANON_0001")
    assert rb.dataset.PatientID == "HIPAA_0001" and rc.dataset.PatientID == "HIPAA_0002"
    assert [r.dataset.AccessionNumber for r in (ra, rb, rc)] == ["ACC0001", "ACC0002", "ACC0003"]
    assert [r.dataset.StudyID for r in (ra, rb, rc)] == ["0001", "0002", "0003"]
    k = ra.key
    assert (k.patient_id, k.patient_name, k.accession_number, k.study_date) == (
        "MRN0001", "FAKE^ALICE", "ACC-REAL-1", "20200110")
    assert (k.study_uid, k.new_study_uid, k.study_number) == ("1.2.3.1", ra.dataset.StudyInstanceUID, "0001")
    assert k.new_patient_id == "HIPAA_0001" and k.new_accession_number == "ACC0001"


def test_marks_and_method_codes():
    _, [res] = run([_plain("P", "20200101", "20200101")])
    out = res.dataset
    assert out.PatientIdentityRemoved == "YES"
    codes = [(i.CodeValue, i.CodingSchemeDesignator) for i in out.DeidentificationMethodCodeSequence]
    assert codes == [("113100", "DCM"), ("113107", "DCM"), ("113105", "DCM"), ("113108", "DCM")]
    assert all(len(v) <= 64 for v in out.DeidentificationMethod)
    _, [bare] = run([_plain("P", "20200101", "20200101")], config=AnonConfig(
        retain_modified_dates=False, clean_descriptors=False, retain_patient_characteristics=False))
    assert [i.CodeValue for i in bare.dataset.DeidentificationMethodCodeSequence] == ["113100"]


# ----------------------------------------------------------------------------- options

@pytest.mark.parametrize("age, expected", [("095Y", "090Y"), ("090Y", "090Y"), ("089Y", "089Y"),
                                           ("006M", "006M"), ("102Y", "090Y")])
def test_ages_of_90_or_more_are_capped(age, expected):
    ds = _plain("P", "20200101", "20200101")
    ds.PatientAge = age
    _, [res] = run([ds])
    assert res.dataset.PatientAge == expected and res.dataset.PatientSex == "F"


def test_patient_characteristics_option_off_removes_age_and_sex():
    ds = _plain("P", "20200101", "20200101")
    ds.PatientAge = "095Y"
    _, [res] = run([ds], config=AnonConfig(retain_patient_characteristics=False))
    assert "PatientAge" not in res.dataset and not res.dataset.get("PatientSex")


def _with_characteristics() -> Dataset:
    ds = _plain("P", "20200101", "20200101")
    ds.PatientWeight, ds.PatientSize = "72.5", "1.68"
    ds.PregnancyStatus, ds.SmokingStatus, ds.EthnicGroup = 4, "NO", "FAKEGROUP"
    ds.PatientSexNeutered = "ALTERED"
    ds.Allergies = "penicillin FAKE^ALICE"
    return ds


def test_patient_characteristics_keep_every_attribute_the_option_column_keeps():
    kept = {anonymizer.keyword_for_tag(t) for t in anonymizer.CHARACTERISTICS_KEPT}
    assert {"PatientWeight", "PatientSize", "PregnancyStatus", "SmokingStatus",
            "PatientSexNeutered", "EthnicGroup", "PatientSex", "PatientAge"} <= kept
    ds = _with_characteristics()
    before = {kw: ds[kw].value for kw in kept if kw in ds}
    _, [res] = run([ds])
    out = res.dataset
    assert {kw: out[kw].value for kw in before if kw in out} == before
    assert "113108" in [i.CodeValue for i in out.DeidentificationMethodCodeSequence]
    assert "ALICE" not in str(out.get("Allergies", ""))       # C: cleaned, not kept whole


def test_patient_characteristics_off_follows_the_profile_and_claims_nothing():
    _, [res] = run([_with_characteristics()],
                   config=AnonConfig(retain_patient_characteristics=False))
    out = res.dataset
    for kw in ("PatientWeight", "PatientSize", "PregnancyStatus", "SmokingStatus", "EthnicGroup"):
        assert kw not in out, kw
    assert "113108" not in [i.CodeValue for i in out.DeidentificationMethodCodeSequence]


def test_a_valid_age_is_left_as_it_is(caplog):
    ds = _plain("P", "20200101", "20200101")
    ds.PatientAge = "022Y"
    _, [res] = run([ds])
    assert res.dataset.PatientAge == "022Y" and not caplog.records


@pytest.mark.parametrize("age, expected", [("22Y", "022Y"), ("7", "007Y"), ("95Y", "090Y"),
                                           ("ABC", None)])
def test_an_invalid_age_is_fixed_or_emptied_and_logged(age, expected, caplog):
    ds = _plain("P", "20200101", "20200101")
    ds.PatientAge = age
    with caplog.at_level("WARNING", logger="mid.anonymizer"):
        _, [res] = run([ds])
    assert (res.dataset.PatientAge or None) == expected
    assert any("PatientAge" in r.getMessage() and "not a valid age" in r.getMessage()
               for r in caplog.records)


def test_clean_descriptors_removes_own_identifiers_and_keeps_the_rest():
    ds = _plain("MRN777", "20200110", "20200110", accession="A998877")
    ds.StudyDescription = "MR BRAIN alice Fake MRN777 A998877 2020-01-10"
    ds.SeriesDescription = "T1 AX 01/10/2020 20200110"
    ds.ProtocolName = "BRAIN 10 Jan 2020 for FAKE ALICE"
    _, [res] = run([ds])
    assert res.dataset.StudyDescription == "MR BRAIN"
    assert res.dataset.SeriesDescription == "T1 AX"
    assert res.dataset.ProtocolName == "BRAIN for"
    nested = _plain("MRN777", "20200110", "20200110")
    del nested.StudyDescription, nested.SeriesDescription     # descriptors only inside items
    item = Dataset()
    item.SeriesDescription = "prior of FAKE ALICE MRN777"
    nested.ReferencedSeriesSequence = Sequence([item])
    _, [inner] = run([nested])
    assert inner.dataset.ReferencedSeriesSequence[0].SeriesDescription == "prior of"
    named = _plain("MRN777", "20200110", "20200110")
    named.PatientName = "FAKE^ANN"
    named.StudyDescription = "ANNUAL SCREENING Ann fake2"
    _, [whole_words] = run([named])
    assert whole_words.dataset.StudyDescription == "ANNUAL SCREENING 2"
    _, [off] = run([_plain("MRN777", "20200110", "20200110")],
                   config=AnonConfig(clean_descriptors=False))
    assert "StudyDescription" not in off.dataset and "SeriesDescription" not in off.dataset


def test_non_ascii_names_are_cleaned_from_descriptors(tmp_path):
    # a French site adds its own words to the vocabulary in its live config folder
    (tmp_path / "descriptor_vocabulary.json").write_text(
        '{"terms": ["IRM", "cérébrale"]}', encoding="utf-8")
    ds = _plain("MRN5", "20200110", "20200110")
    ds.SpecificCharacterSet = "ISO_IR 100"
    ds.PatientName = "FAKE^ÉLODIE"
    ds.StudyDescription = "IRM CÉRÉBRALE élodie"
    received = as_received(ds, ExplicitVRLittleEndian)
    _, [res] = run([copy.deepcopy(received)], config=AnonConfig(config_dir=tmp_path))
    back = dcmread(io.BytesIO(encode(res.dataset)))
    assert back.StudyDescription == "IRM CÉRÉBRALE"
    _, [plain] = run([received], config=AnonConfig(config_dir=tmp_path / "none"))
    assert plain.dataset.StudyDescription == anonymizer.PLACEHOLDER    # French words unknown
    assert back.PatientName == "ANON_0001"
    assert "LODIE".encode() not in encode(res.dataset).replace(b"REMOVED", b"")


def test_private_tags_removed_unless_allow_listed():
    ds = _plain("P", "20200101", "20200101")
    block = ds.private_block(0x0019, "SAFE VENDOR", create=True)
    block.add_new(0x0C, "DS", "1.5")
    block.add_new(0x0D, "LO", "FAKE^ALICE")
    _, [res] = run([copy.deepcopy(ds)])
    assert not any(e.tag.is_private for e in res.dataset)
    _, [kept] = run([ds], config=AnonConfig(private_allowlist=("(0019,xx0C)",)))
    private = {int(e.tag): e.value for e in kept.dataset if e.tag.is_private}
    assert private == {0x00190010: "SAFE VENDOR", 0x0019100C: "1.5"}
    with pytest.raises(anonymizer.AnonymizeError, match="deid_private_allowlist"):
        Anonymizer(AnonConfig(private_allowlist=("0019",)), MemoryKeys(SECRET_A))


def test_anon_tags_and_vrs_on_top_are_vr_correct():
    ds = _plain("P", "20200101", "20200101")
    ds.Manufacturer = "FAKE VENDOR"                  # in no table: kept unless named
    ds.SoftwareVersions = "FAKE-1.0"
    ds.AcquisitionNumber = 7
    config = AnonConfig(anon_tags=anonymizer.DEFAULT_ANON_TAGS + ("Manufacturer", "AcquisitionNumber"))
    _, [res] = run([ds], config=config)
    out = res.dataset
    assert out.Manufacturer in ("", None) and out.AcquisitionNumber in ("", None)
    assert out.SoftwareVersions == "FAKE-1.0" or "SoftwareVersions" not in out
    assert out.StudyDate == shifted("20200101", res.key.date_offset_days)


def test_sequences_are_cleaned_not_dropped():
    ds = _plain("P", "20200101", "20200101")
    item = Dataset()
    item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = "T-A0100", "SRT", "Brain"
    ds.AnatomicRegionSequence = Sequence([item])
    inner = Dataset()
    inner.PersonName = "FAKE^NURSE"
    inner.ReferencedSOPInstanceUID = "1.2.826.0.1.3680043.8.498.77"
    ds.add_new(0x00189516, "DT", "20200101101500")   # StartAcquisitionDateTime, top level
    holder = Dataset()
    holder.ReferencedImageSequence = Sequence([inner])
    ds.ReferencedSeriesSequence = Sequence([holder])
    procedure = Dataset()
    procedure.CodeValue, procedure.CodingSchemeDesignator = "CTHEAD", "L"
    procedure.CodeMeaning = "CT HEAD for FAKE^ALICE"
    ds.ProcedureCodeSequence = Sequence([procedure])
    anon, [res] = run([ds])
    out = res.dataset
    assert out.AnatomicRegionSequence[0].CodeMeaning == "Brain"
    assert len(out.ProcedureCodeSequence) == 1               # named in anon_tags: text replaced
    assert out.ProcedureCodeSequence[0].CodeMeaning == "CT HEAD for"   # its imaging words kept
    ref = out.ReferencedSeriesSequence[0].ReferencedImageSequence[0]
    assert ref.ReferencedSOPInstanceUID == anon.remap_uid("1.2.826.0.1.3680043.8.498.77")
    assert not ref.get("PersonName") or "FAKE" not in str(ref.PersonName)


# ----------------------------------------------------------------------------- drop rules

@pytest.mark.parametrize("change, reason", [
    ({"SeriesDescription": "Dose report"}, "SeriesDescription contains 'Report'"),
    ({"Modality": "SR"}, "Modality contains 'SR'"),
    ({"SeriesNumber": 999}, "SeriesNumber contains '999'"),
    ({"BurnedInAnnotation": "YES"}, "BurnedInAnnotation is YES"),
    ({"ImageType": ["DERIVED", "SECONDARY", "SCREEN SAVE"]}, "SCREEN SAVE"),
    ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.7"}, "1.2.840.10008.5.1.4.1.1.7 "),
    ({"SOPClassUID": "1.2.840.10008.5.1.4.1.1.104.1"}, "drop list"),
])
def test_drop_rules(change, reason):
    ds = _plain("MRN9", "20200101", "20200101")
    for kw, value in change.items():
        setattr(ds, kw, value)
    before = copy.deepcopy(ds)
    _, [res] = run([ds])
    assert res.dataset is None and reason in res.dropped
    assert res.key.patient_id == "MRN9" and res.key.new_patient_id == "HIPAA_0001"
    assert res.key.study_number == "0001"
    assert ds == before   # a dropped image is left as it was


def test_drop_rules_not_triggered_by_clean_images():
    ds = _plain("MRN9", "20200101", "20200101")
    ds.SeriesDescription = "AX T2 CONTEXT"          # contains "TEXT": the original rule drops it
    _, [res] = run([copy.deepcopy(ds)])
    assert res.dataset is None
    word = AnonConfig(drop_rules=(DropRule("SeriesDescription", "Text", whole_word=True),))
    _, [kept] = run([copy.deepcopy(ds)], config=word)
    assert kept.dataset is not None and kept.dropped is None
    ds.SeriesDescription = "Scout text"
    _, [gone] = run([ds], config=word)
    assert gone.dataset is None and "whole word" in gone.dropped


# ----------------------------------------------------------------------------- describe, misc

def test_describe_lists_every_step():
    lines = Anonymizer(AnonConfig(), MemoryKeys(SECRET_A)).describe()
    assert [line.split(".")[0] for line in lines] == ["1", "2", "3", "4", "5", "6", "7", "8"]
    text = "\n".join(lines)
    for needle in ("anon_imgs", "private", "Table E.1-1", "anon_vrs", "UID", "HIPAA_", "113100",
                   "Modified Dates: on", "BurnedInAnnotation", "SCREEN SAVE"):
        assert needle in text, needle
    off = "\n".join(Anonymizer(AnonConfig(retain_modified_dates=False), MemoryKeys()).describe())
    assert "Modified Dates: off" in off and "DA/DT emptied" in off


def test_each_step_applies_alone():
    anon = Anonymizer(AnonConfig(), MemoryKeys(SECRET_A))
    private, profile, extra, strict, uids = anon.element_steps
    assert isinstance(strict, anonymizer.Strict) and not strict.on

    def sample() -> Dataset:
        ds = _plain("MRN3", "20200101", "20200101")
        ds.private_block(0x0029, "FAKE VENDOR", create=True).add_new(0x01, "LO", "FAKE^ALICE")
        return ds
    ds = sample()
    private.apply(ds, anon)
    assert not any(e.tag.is_private for e in ds) and ds.PatientName == "FAKE^ALICE"
    ds = sample()
    original_sop = ds.SOPInstanceUID
    uids.apply(ds, anon)
    assert ds.SOPInstanceUID == anon.remap_uid(original_sop) == ds.file_meta.MediaStorageSOPInstanceUID
    assert ds.PatientName == "FAKE^ALICE" and any(e.tag.is_private for e in ds)
    ds = sample()
    profile.apply(ds, anon)
    assert not ds.PatientName and ds.SOPInstanceUID != original_sop
    assert ds.StudyDate == shifted("20200101", anonymizer.date_offset_days(SECRET_A, "MRN3"))
    ds = sample()
    ds.ReferringPhysicianName = "FAKE^DOCTOR"
    extra.apply(ds, anon)
    assert not ds.ReferringPhysicianName and ds.PatientName == "FAKE^ALICE"
    ds = sample()
    ds.BurnedInAnnotation = "YES"
    assert "BurnedInAnnotation" in anon.drop.apply(ds)
    anon.pseudonyms.apply(ds, anon.anonymize(sample()).key)
    assert ds.PatientID == "HIPAA_0001"
    anon.mark.apply(ds)
    assert ds.PatientIdentityRemoved == "YES"


def test_safe_component():
    assert safe_component("AX T2 / FLAIR (post)") == "AX_T2_FLAIR_post"
    assert safe_component("") == "UNNAMED" and safe_component("///") == "UNNAMED"
    assert safe_component("Ünïcode—name") == "n_code_name"
    long = safe_component("A" * 100)
    assert len(long) == 48 and re.fullmatch(r"[A-Za-z0-9_-]+", long)


def test_missing_study_uid_is_a_clear_error():
    ds = _plain("P", "20200101", "20200101")
    del ds.StudyInstanceUID
    with pytest.raises(anonymizer.AnonymizeError, match="StudyInstanceUID"):
        Anonymizer(AnonConfig(), MemoryKeys()).anonymize(ds)


def test_thread_safe_and_same_as_sequential(corpus):
    datasets = fresh(corpus)
    _, sequential = run(copy.deepcopy(datasets))
    keys = MemoryKeys(SECRET_A)      # number patients and studies in the sequential order first
    for ds in copy.deepcopy(datasets):
        keys.patient_number(ds.PatientID)
        keys.study_number(ds.StudyInstanceUID)
    anon = Anonymizer(AnonConfig(), keys)
    results = [None] * len(datasets)

    def worker(indices):
        for i in indices:
            results[i] = anon.anonymize(datasets[i])
    threads = [threading.Thread(target=worker, args=(range(k, len(datasets), 4),)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for seq, par in zip(sequential, results):
        assert encode(seq.dataset) == encode(par.dataset)


def test_settings_feed_the_config(tmp_path):
    from mid import settings
    loaded = settings.load_settings(tmp_path / "config")
    config = AnonConfig.from_settings(loaded)
    assert config.patient_id_prefix == loaded.defaults.patient_id_prefix
    assert set(config.anon_vrs) == {v.upper() for v in loaded.anon_vrs}
    assert config.retain_modified_dates is loaded.defaults.deid_retain_modified_dates
    anon = Anonymizer(config, MemoryKeys(SECRET_A))
    assert len(anon.describe()) == 8


def test_profile_table_is_generated_and_current():
    assert len(deid_profile.BASIC_PROFILE) > 600
    assert deid_profile.BASIC_PROFILE[0x00100010] == "Z"          # PatientName
    assert deid_profile.BASIC_PROFILE[0x00080018] == "U"          # SOPInstanceUID
    assert 0x00080020 in deid_profile.OPTION_RETAIN_MODIFIED_DATES  # StudyDate
    assert 0x00100030 not in deid_profile.OPTION_RETAIN_MODIFIED_DATES  # PatientBirthDate
    assert any(mask == 0xFF000000 for _, mask, _ in deid_profile.MASKED_PROFILE)
    import dicomanonymizer  # noqa: F401  (pinned in requirements-dev.txt: the table's source)
    proc = subprocess.run([sys.executable, str(REPO / "tools" / "gen_deid_profile.py"), "--check"],
                          capture_output=True, text=True, cwd=REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_overlay_and_curve_groups_removed():
    ds = _plain("P", "20200101", "20200101")
    ds.add_new(0x60000010, "US", 8)                  # OverlayRows
    ds.add_new(0x60003000, "OW", b"\0" * 8)          # OverlayData
    ds.add_new(0x60224000, "LT", "FAKE^ALICE")       # OverlayComments, another plane
    ds.add_new(0x50003000, "OW", b"\0" * 8)          # CurveData
    _, [res] = run([ds])
    assert not [e for e in res.dataset if 0x5000 <= e.tag.group <= 0x60FF]


# ----------------------------------------------------------------------------- fixtures

def _plain(pid: str, study_date: str, series_date: str, *, accession: str = "ACC1",
           study: str | None = None) -> Dataset:
    """A small clean CT instance of FAKE^ALICE."""
    from pydicom.dataset import FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, generate_uid
    ds = Dataset()
    sop = generate_uid(prefix=phi_corpus.UID_PREFIX)
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = phi_corpus.CT_IMAGE
    ds.file_meta.MediaStorageSOPInstanceUID = sop
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID, ds.SOPInstanceUID = phi_corpus.CT_IMAGE, sop
    ds.Modality, ds.ImageType = "CT", ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.PatientID, ds.PatientName, ds.PatientSex, ds.PatientAge = pid, "FAKE^ALICE", "F", "047Y"
    ds.PatientBirthDate = "19700101"
    ds.StudyInstanceUID = study or generate_uid(prefix=phi_corpus.UID_PREFIX)
    ds.SeriesInstanceUID = generate_uid(prefix=phi_corpus.UID_PREFIX)
    ds.AccessionNumber, ds.StudyID = accession, "S1"
    ds.StudyDate, ds.SeriesDate, ds.StudyTime = study_date, series_date, "101500"
    ds.StudyDescription, ds.SeriesDescription = "CT HEAD", "AXIAL"
    ds.SeriesNumber, ds.InstanceNumber = 2, 1
    return ds
