"""Clean Descriptors: imaging words survive, every other word becomes a placeholder."""
from __future__ import annotations

import copy
import sys
from pathlib import Path

import pytest
from pydicom.datadict import dictionary_VR, keyword_for_tag
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence

from mid import anonymizer, store, synthdata
from mid.anonymizer import PLACEHOLDER, AnonConfig, Anonymizer, DescriptorCleaner, MemoryKeys

sys.path.insert(0, str(Path(__file__).parent))
import deid_corpus  # noqa: E402
import test_anonymizer as ta  # noqa: E402

SECRET = bytes(range(32))
# Descriptions as scanners and RIS write them (no names): each must come out unchanged.
REAL_DESCRIPTORS = [
    "CT HEAD WO CONTRAST", "CT CHEST W CONTRAST", "CT ABDOMEN PELVIS W/WO CONTRAST",
    "CT CHEST ABDOMEN PELVIS WITH IV CONTRAST", "CTA HEAD AND NECK", "CT CARDIAC CALCIUM SCORE",
    "MRI BRAIN W/WO CONTRAST", "MRI KNEE LEFT", "MRI LUMBAR SPINE WO CONTRAST", "MR CERVICAL SPINE",
    "MRA CIRCLE OF WILLIS", "MRCP", "PET/CT WHOLE BODY FDG", "NM BONE SCAN WHOLE BODY",
    "US ABDOMEN COMPLETE", "US PELVIS TRANSVAGINAL", "XR CHEST PA AND LATERAL", "XR HAND 3 VIEWS RIGHT",
    "MAMMO SCREENING BILATERAL", "AX 5MM SOFT TISSUE", "COR 3MM REFORMAT", "SAG T1", "AX T2 FLAIR",
    "AX DWI", "ADC", "AX SWI", "SAG T2 FS", "COR STIR", "T1 POST GAD", "AX T1 FS POST", "3D TOF",
    "Localizer", "Scout", "Topogram 0.6 T20s", "Head 5.0 H30s", "Thorax 1.0 B70f", "Lung 1.25mm",
    "Bone 0.625", "Soft Tissue 2.5", "ARTERIAL PHASE", "PORTAL VENOUS", "DELAYED 3 MIN",
    "t1_mprage_sag_p2_iso", "t2_tse_tra", "ep2d_diff_3scan_trace", "t2_space_sag_p2_iso",
    "Dose Report", "Patient Protocol", "MIP AX", "VRT", "Axial 2.5mm", "Coronal MPR",
    "Sagittal Bone", "PET AC", "PET NAC", "CT Attenuation Correction", "Left Shoulder", "Right Knee",
    "Abdomen 5.0 B30f", "Brain Perfusion", "Cine SAX", "4 Chamber", "LVOT", "Spine L-SPINE AP LAT",
]
PHI_TEXT = {  # text -> words that must not survive
    "Dr Smith f/u": ["Smith"],
    "call 555-123-4567 before scan": ["555", "4567"],
    "per Jones^Mary second read": ["Jones", "Mary"],
    "outside MRN 12345678": ["12345678"],
    "Johnson referral CT HEAD": ["Johnson"],
}


@pytest.fixture(scope="module")
def cleaner() -> DescriptorCleaner:
    return DescriptorCleaner((), (), anonymizer.load_vocabulary(Path("/nonexistent")))


def test_real_descriptors_survive_intact(cleaner):
    changed = [(d, cleaner.clean(d)) for d in REAL_DESCRIPTORS if cleaner.clean(d) != d]
    assert len(changed) <= len(REAL_DESCRIPTORS) // 20, changed       # at least 95% intact


def test_demo_descriptors_all_survive(cleaner):
    demo = [s.description for s in (*synthdata.DEFAULT_SERIES_SPEC, *synthdata.CT_STUDY_SPEC,
                                    *synthdata.MR_STUDY_SPEC)]
    demo += [d for ds in synthdata.STUDY_DESCRIPTIONS.values() for d in ds]
    assert [d for d in demo if cleaner.clean(d) != d] == []


def test_corpus_descriptors_almost_all_survive():
    vocabulary = anonymizer.load_vocabulary(Path("/nonexistent"))
    kept = total = 0
    for file in deid_corpus.corpus_files():
        ds = file.read()
        names, ids = DescriptorCleaner.tokens_of(ds)
        own = {t.upper() for t in names + ids}
        c = DescriptorCleaner(names, ids, vocabulary)
        for kw in anonymizer.DESCRIPTOR_KEYWORDS:
            text = str(ds.get(kw, "") or "").strip()
            if not text or own & {w.upper() for w in anonymizer._WORD.findall(text)}:
                continue     # the patient's own name in it: removing it is right
            total += 1
            kept += c.clean(text) == text
    assert total >= 30
    assert kept >= 0.9 * total, f"{kept}/{total}"


@pytest.mark.parametrize("text", sorted(PHI_TEXT))
def test_other_words_become_a_placeholder(cleaner, text):
    out = cleaner.clean(text)
    for word in PHI_TEXT[text]:
        assert word not in out
    assert PLACEHOLDER in out


def _descriptor_dataset() -> Dataset:
    ds = ta._plain("MRN1", "20200101", "20200101")
    ds.SeriesDescription = "AX 5MM Dr Smith"
    ds.StudyDescription = "CT HEAD WO CONTRAST"
    return ds


def test_every_clean_descriptors_attribute_is_cleaned():
    ds = _descriptor_dataset()
    planted = {}
    for n, tag in enumerate(sorted(anonymizer.DESCRIPTOR_TAGS)):
        vr = dictionary_VR(tag)
        if vr in ("LO", "SH", "ST", "LT", "UT", "UC") and tag not in ds:
            planted[tag] = f"BRAIN ZQXMARK{n:03d}"
            ds.add_new(tag, vr, planted[tag])
    assert len(planted) >= 70
    res = Anonymizer(AnonConfig(), MemoryKeys(SECRET)).anonymize(ds)
    out = res.dataset
    for tag, text in planted.items():
        value = str(out.get(tag).value if tag in out else "")
        assert "ZQXMARK" not in value, keyword_for_tag(tag)
        if tag in out:
            assert value in ("", f"BRAIN {PLACEHOLDER}", PLACEHOLDER), (keyword_for_tag(tag), value)
    assert "SeriesDescription" in res.key.descriptors_changed
    assert "StudyDescription" not in res.key.descriptors_changed


def test_the_key_records_which_descriptors_changed():
    anon = Anonymizer(AnonConfig(), MemoryKeys(SECRET))
    res = anon.anonymize(_descriptor_dataset())
    assert res.key.descriptors_changed == ("SeriesDescription",)
    assert res.key.series_description == "AX 5MM Dr Smith"        # original side, private
    clean = _descriptor_dataset()
    clean.SeriesDescription = "AX 5MM"
    assert anon.anonymize(clean).key.descriptors_changed == ()


def test_the_series_folder_name_is_cleaned_too():
    out = Anonymizer(AnonConfig(), MemoryKeys(SECRET)).anonymize(_descriptor_dataset()).dataset
    path = store.anonymized_relpath(out, "0001")
    assert "Smith" not in path and "Dr" not in path
    assert store.series_folder_name(out) == "2_AX_5MM"
    assert anonymizer.clean_folder_name("AX 5MM Dr Smith") == "AX_5MM"


def test_code_meanings_in_replaced_sequences_keep_their_imaging_words():
    ds = ta._plain("MRN1", "20200101", "20200101")
    item = Dataset()
    item.RelationshipType, item.ValueType, item.TextValue = "CONTAINS", "TEXT", "Dr Smith says"
    code = Dataset()
    code.CodeValue, code.CodingSchemeDesignator = "121071", "DCM"
    code.CodeMeaning = "Finding ZQXMARK"
    item.ConceptNameCodeSequence = Sequence([code])
    ds.ContentSequence = Sequence([item])
    out = Anonymizer(AnonConfig(), MemoryKeys(SECRET)).anonymize(ds).dataset
    got = out.ContentSequence[0].ConceptNameCodeSequence[0]
    assert (got.CodeValue, got.CodingSchemeDesignator) == ("121071", "DCM")
    assert got.CodeMeaning == f"Finding {PLACEHOLDER}"
    assert out.ContentSequence[0].TextValue == anonymizer.DUMMY_TEXT


def test_a_bad_user_vocabulary_is_logged_and_ignored(tmp_path, caplog):
    (tmp_path / anonymizer.VOCABULARY_FILE).write_text('{"terms": "not a list"}', encoding="utf-8")
    with caplog.at_level("WARNING", logger="mid.anonymizer"):
        vocabulary = anonymizer.load_vocabulary(tmp_path)
    assert "BRAIN" in vocabulary
    assert any(anonymizer.VOCABULARY_FILE in r.getMessage() and "terms" in r.getMessage()
               for r in caplog.records)


def test_clean_descriptors_off_removes_them_and_claims_nothing():
    res = Anonymizer(AnonConfig(clean_descriptors=False), MemoryKeys(SECRET)).anonymize(
        copy.deepcopy(_descriptor_dataset()))
    assert "SeriesDescription" not in res.dataset
    assert "113105" not in [i.CodeValue for i in res.dataset.DeidentificationMethodCodeSequence]
