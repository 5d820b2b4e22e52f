"""De-identification on real-world files: pydicom's test files, pydicom-data and deid-data.

The validator (dciodvfy, dicom3tools) runs on every input and on its de-identified output; any
error the output has and the input had not is an error the de-identification introduced.
"""
from __future__ import annotations

import dataclasses
import io
import sys
from pathlib import Path

import pytest
from pydicom import dcmread, dcmwrite
from pydicom.dataset import Dataset

from mid import anonymizer
from mid.anonymizer import AnonConfig, Anonymizer, MemoryKeys

sys.path.insert(0, str(Path(__file__).parent))
import deid_corpus  # noqa: E402
import peers  # noqa: E402

SECRET = bytes(range(32))
# Every file is de-identified: the drop rules (SR, secondary capture, burned-in text) would
# otherwise leave most of the corpus untested.
NO_DROPS = AnonConfig(drop_rules=(), drop_sop_classes=())


@pytest.fixture(scope="module")
def corpus() -> list[deid_corpus.CorpusFile]:
    return deid_corpus.corpus_files()


def deidentify(file: deid_corpus.CorpusFile, config: AnonConfig = NO_DROPS) -> tuple[Dataset | None, bytes]:
    """The de-identified dataset of a corpus file and its encoded bytes (None, b"" if dropped).

    Only burned-in annotation may drop a file here: no drop rule of the configuration is on.
    """
    anon = Anonymizer(config, MemoryKeys(SECRET))
    res = anon.anonymize(file.read())
    if res.dataset is None:
        assert res.dropped and res.dropped.startswith("BurnedInAnnotation"), f"{file.label}: {res.dropped}"
        return None, b""
    buf = io.BytesIO()
    dcmwrite(buf, res.dataset, enforce_file_format=True)
    return res.dataset, buf.getvalue()


def walk_items(ds: Dataset, depth: int = 0):
    """(depth, element) of every element of ds and its sequences."""
    for elem in ds:
        yield depth, elem
        if elem.VR == "SQ":
            for item in elem.value:
                yield from walk_items(item, depth + 1)


def test_corpus_has_the_three_packages(corpus):
    labels = [f.label for f in corpus]
    assert sum(lab.startswith("pydicom/") for lab in labels) >= 60
    assert sum(lab.startswith("pydicom-data/") for lab in labels) >= 50
    assert sum(lab.startswith("deid-data/") for lab in labels) >= 10


def test_every_corpus_file_is_deidentified_and_rereads(corpus):
    failures = []
    for file in corpus:
        try:
            ds, data = deidentify(file)
            if ds is None:
                continue
            back = dcmread(io.BytesIO(data))
            assert back.PatientIdentityRemoved == "YES"
        except Exception as exc:      # collected so that one message names every file
            failures.append(f"{file.label}: {type(exc).__name__}: {exc}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("strict", [False, True], ids=["basic", "strict"])
def test_dciodvfy_finds_no_error_introduced(corpus, tmp_path, strict):
    peers.require_tools(deid_corpus.DCIODVFY_TOOLS)
    config = dataclasses.replace(NO_DROPS, strict=strict)
    introduced, compared = [], 0
    for n, file in enumerate(corpus):
        if file.path.name in deid_corpus.TRUNCATED:
            continue
        ds, data = deidentify(file, config)
        if ds is None:
            continue
        out = tmp_path / f"{n:03d}.dcm"
        out.write_bytes(data)
        before = deid_corpus.dciodvfy_errors(file.path, tmp_path)
        after = deid_corpus.dciodvfy_errors(out, tmp_path)
        compared += 1
        introduced += [f"{file.label}: {line}" for line in sorted(after - before)]
    assert compared >= 120
    assert not introduced, "errors introduced by de-identification:\n" + "\n".join(introduced)


CODE_STRUCTURE = anonymizer.CODE_ITEM_TAGS - {0x00080104}   # CodeMeaning: see the cleaning tests


def test_code_items_are_kept_never_removed(corpus):
    checked = 0
    for file in corpus:
        original = {str(e.value) for _, e in walk_items(file.read()) if e.tag in CODE_STRUCTURE}
        ds, _ = deidentify(file)
        if ds is None:
            continue
        del ds.DeidentificationMethodCodeSequence     # the codes the anonymizer adds itself
        for _, elem in walk_items(ds):
            if elem.tag in CODE_STRUCTURE and elem.tag != 0x00080100:
                checked += 1
                assert str(elem.value) != anonymizer.DUMMY_TEXT, f"{file.label}: {elem}"
                assert str(elem.value) in original, f"{file.label}: {elem} is not an input code"
    assert checked >= 100


def test_type3_sequences_are_removed_not_emptied(corpus):
    seen = 0
    for file in corpus:
        had_items = {e.tag for e in file.read() if e.VR == "SQ" and len(e.value)}
        ds, _ = deidentify(file)
        if ds is None:
            continue
        required = anonymizer.required_types(ds.SOPClassUID)
        if required is None:
            continue
        for elem in ds:
            if elem.VR == "SQ" and len(elem.value) == 0 and elem.tag in had_items:
                assert elem.tag in required, f"{file.label}: {elem.keyword} left with no items"
        seen += 1
    assert seen >= 100


def test_type3_sequence_of_the_table_is_removed():
    ds = Dataset()
    ds.SOPClassUID = "1.2.840.10008.5.1.4.1.1.2"   # CT Image: ReferencedStudySequence is Type 3
    ds.SOPInstanceUID, ds.StudyInstanceUID, ds.SeriesInstanceUID = "1.2.3.4", "1.2.3", "1.2.3.5"
    item = Dataset()
    item.ReferencedSOPClassUID, item.ReferencedSOPInstanceUID = "1.2.840.10008.3.1.2.3.1", "1.2.9"
    ds.ReferencedStudySequence = [item]
    ds.ResponsiblePerson = "Fakeowner^Fido"       # Type 2C in the Patient module: emptied
    out = Anonymizer(AnonConfig(), MemoryKeys(SECRET)).anonymize(ds).dataset
    assert "ReferencedStudySequence" not in out
    assert "ResponsiblePerson" in out and not out.ResponsiblePerson


def test_unknown_sop_class_keeps_emptied_sequences():
    ds = Dataset()
    ds.SOPClassUID = "1.2.826.0.1.3680043.8.498.1"   # not in the standard: module types unknown
    ds.SOPInstanceUID, ds.StudyInstanceUID = "1.2.3.4", "1.2.3"
    ds.ReferencedStudySequence = [Dataset()]
    out = Anonymizer(AnonConfig(), MemoryKeys(SECRET)).anonymize(ds).dataset
    assert "ReferencedStudySequence" in out and len(out.ReferencedStudySequence) == 0


PIXEL_TAGS = (0x7FE00010, 0x7FE00008, 0x7FE00009)     # PixelData, Float and DoubleFloat
KINDS = {
    "JPEG-LS": lambda ds: ds.file_meta.TransferSyntaxUID in ("1.2.840.10008.1.2.4.80", "1.2.840.10008.1.2.4.81"),
    "JPEG 2000": lambda ds: ds.file_meta.TransferSyntaxUID in ("1.2.840.10008.1.2.4.90", "1.2.840.10008.1.2.4.91"),
    "deflated": lambda ds: ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.1.99",
    "big endian": lambda ds: ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2.2",
    "implicit VR": lambda ds: ds.file_meta.TransferSyntaxUID == "1.2.840.10008.1.2",
    "multi-frame": lambda ds: str(ds.get("NumberOfFrames", "")).strip().isdigit() and int(ds.NumberOfFrames) > 1,
    "enhanced": lambda ds: "PerFrameFunctionalGroupsSequence" in ds,
    "RT": lambda ds: str(ds.get("Modality", "")).startswith("RT"),
    "SEG": lambda ds: str(ds.get("SOPClassUID", "")) == "1.2.840.10008.5.1.4.1.1.66.4",
    "waveform": lambda ds: "WaveformSequence" in ds,
}


def _bulk(ds: Dataset) -> dict:
    """The pixel and waveform bytes of a dataset, as stored."""
    out = {f"{t:08X}": ds.get_item(t).value for t in PIXEL_TAGS if t in ds}
    for n, item in enumerate(ds.get("WaveformSequence", [])):
        if "WaveformData" in item:
            out[f"wave{n}"] = item.WaveformData
    return out


def test_every_kind_of_file_keeps_its_pixels_byte_for_byte_without_decoding(corpus):
    seen: dict[str, int] = {kind: 0 for kind in KINDS}
    checked = 0
    for file in corpus:
        if file.path.name in deid_corpus.TRUNCATED:
            continue
        original = file.read()
        kinds = [k for k, test in KINDS.items() if test(original)]
        before = _bulk(original)
        ds = file.read()
        res = Anonymizer(NO_DROPS, MemoryKeys(SECRET)).anonymize(ds)
        if res.dataset is None:
            continue
        if 0x7FE00010 in ds:      # still the stored bytes; no pixel array was ever built
            assert isinstance(ds.get_item(0x7FE00010).value, bytes), file.label
            assert getattr(ds, "_pixel_array", None) is None, f"{file.label}: pixels decoded"
        buf = io.BytesIO()
        dcmwrite(buf, res.dataset, enforce_file_format=True)
        back = dcmread(io.BytesIO(buf.getvalue()))
        assert _bulk(back) == before, f"{file.label}: pixel or waveform data changed"
        assert back.file_meta.TransferSyntaxUID == original.file_meta.TransferSyntaxUID
        checked += 1
        for k in kinds:
            seen[k] += 1
    assert checked >= 120
    assert all(seen.values()), f"kinds missing from the corpus: {[k for k, n in seen.items() if not n]}"
