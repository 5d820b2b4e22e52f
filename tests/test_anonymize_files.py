"""`anonymize` on files already on disk (mid.store.anonymize_files, mid.diskfiles): files that
share a SOPInstanceUID with other content, every file that cannot be placed named with its
reason, every kind of file placed with its pixels untouched, and the master key saying which
descriptors the cleaning changed.

No network: the files come from mid.synthdata (fake patients) and pydicom's own test files;
the projects are real ones on disk.
"""
from __future__ import annotations

import copy
import dataclasses
import io
import logging
import os
import shutil
from pathlib import Path

import pydicom
import pydicom.data
import pytest
from openpyxl import load_workbook

from mid import diskfiles, reports, store, synthdata
from mid.project import Project

SPEC = (synthdata.SeriesSpec("CT", "AX 5MM", 3),)


@pytest.fixture
def folder(tmp_path) -> Path:
    (tmp_path / "in").mkdir()
    return tmp_path / "in"


def datasets() -> list[pydicom.Dataset]:
    desc = synthdata.generate_set(seed=5, n_patients=1, studies_per_patient=1, series_spec=SPEC)
    return list(synthdata.iter_datasets(desc))


def write(path: Path, ds: pydicom.Dataset) -> Path:
    path.write_bytes(synthdata.to_bytes(ds))
    return path


def sheet_rows(path: Path, title: str) -> list[tuple]:
    wb = load_workbook(path, read_only=True)
    try:
        if title not in wb.sheetnames:
            return []
        return [tuple(r) for r in wb[title].iter_rows(values_only=True)]
    finally:
        wb.close()


def not_placed(project: Project, settings) -> dict[str, str]:
    """File -> problem, as the failed-transfers report shows them."""
    rows = sheet_rows(reports.report_path(project, settings, "failed"), "Files not placed")
    assert not rows or rows[0] == ("File", "Problem")
    return {Path(r[0]).name: r[1] for r in rows[1:]}


# --------------------------------------------------------------------- duplicate SOP Instance UIDs
def _other_pixels(ds: pydicom.Dataset) -> pydicom.Dataset:
    out = copy.deepcopy(ds)
    pixels = bytearray(out.PixelData)
    pixels[:16] = bytes(255 - b for b in pixels[:16])
    out.PixelData = bytes(pixels)
    return out


def _other_description(ds: pydicom.Dataset) -> pydicom.Dataset:
    out = copy.deepcopy(ds)
    out.SeriesDescription = "COR 3MM"
    return out


@pytest.mark.parametrize("change", [_other_pixels, _other_description], ids=["pixels", "SeriesDescription"])
def test_a_file_with_a_known_uid_and_other_content_is_reported_by_name(settings, project, folder, change, caplog):
    dss = datasets()
    write(folder / "a1.dcm", dss[0])
    write(folder / "a2.dcm", dss[1])
    write(folder / "b_conflict.dcm", change(dss[0]))
    with caplog.at_level(logging.WARNING, logger="mid"):
        summary = store.anonymize_files(settings, project, folder)
    assert (summary.written, summary.known, summary.duplicates, summary.failed) == (2, 0, 1, 0)
    (line,) = summary.problems
    assert line.startswith(str(folder / "b_conflict.dcm") + ": ")
    assert "SOPInstanceUID" in line and "other content" in line and str(folder / "a1.dcm") in line
    assert len(list(project.images_dir.rglob("*.dcm"))) == 2, "the first one is kept, the second not written"
    logged = [r.getMessage() for r in caplog.records if "b_conflict.dcm" in r.getMessage()]
    assert logged and all(getattr(r, "phi", False) for r in caplog.records if "b_conflict.dcm" in r.getMessage())
    assert "other content" in not_placed(project, settings)["b_conflict.dcm"]
    # the next run: the identical files are quiet and already done; the conflicting one is named again
    again = store.anonymize_files(settings, project, folder)
    assert (again.written, again.known, again.duplicates) == (0, 2, 1)
    assert [p.split(": ")[0] for p in again.problems] == [str(folder / "b_conflict.dcm")]


def test_the_same_file_twice_or_rewritten_by_another_program_is_no_conflict(settings, project, folder):
    ds = datasets()[0]
    write(folder / "a.dcm", ds)
    shutil.copy(folder / "a.dcm", folder / "copy.dcm")
    other_writer = copy.deepcopy(ds)          # same dataset, another file meta and preamble
    other_writer.file_meta.ImplementationVersionName = "OTHER_TOOL_9"
    other_writer.preamble = b"\x01" * 128
    pydicom.dcmwrite(folder / "rewritten.dcm", other_writer, enforce_file_format=True)
    summary = store.anonymize_files(settings, project, folder)
    assert (summary.written, summary.known, summary.duplicates, summary.problems) == (1, 2, 0, [])
    assert not_placed(project, settings) == {}


def test_the_digest_leaves_out_the_file_meta_and_sees_the_dataset():
    ds = datasets()[0]
    data = synthdata.to_bytes(ds)
    buf = io.BytesIO()
    meta = copy.deepcopy(ds)
    meta.file_meta.ImplementationVersionName = "ANOTHER_ONE"
    pydicom.dcmwrite(buf, meta, enforce_file_format=True)
    assert buf.getvalue() != data
    assert diskfiles.content_digest(buf.getvalue()) == diskfiles.content_digest(data)
    assert diskfiles.content_digest(synthdata.to_bytes(_other_description(ds))) != diskfiles.content_digest(data)


# ------------------------------------------------------------------ files that cannot be placed
def _cut(folder: Path, ds: pydicom.Dataset) -> None:
    data = synthdata.to_bytes(ds)
    (folder / "bad.dcm").write_bytes(data[:len(data) - 5000])


def _cut_header(folder: Path, ds: pydicom.Dataset) -> None:
    data = synthdata.to_bytes(ds)
    (folder / "bad.dcm").write_bytes(data[:200])


def _without(keyword: str):
    def make(folder: Path, ds: pydicom.Dataset) -> None:
        bad = copy.deepcopy(ds)
        delattr(bad, keyword)
        pydicom.dcmwrite(folder / "bad.dcm", bad, enforce_file_format=True)
    return make


def _invalid_series_uid(folder: Path, ds: pydicom.Dataset) -> None:
    bad = copy.deepcopy(ds)
    bad.SeriesInstanceUID = "1.2.abc.4"
    pydicom.dcmwrite(folder / "bad.dcm", bad, enforce_file_format=True)


def _damaged(folder: Path, ds: pydicom.Dataset) -> None:
    data = bytearray(synthdata.to_bytes(ds))
    at = data.index(b"\x28\x00\x10\x00US\x02\x00")   # Rows: a length of 3, which no US value has
    data[at + 6:at + 8] = b"\x03\x00"
    (folder / "bad.dcm").write_bytes(bytes(data))


def _unreadable(folder: Path, ds: pydicom.Dataset) -> None:
    # a file the reading fails on even for root: the kernel answers EIO to reading it from 0
    os.symlink("/proc/self/mem", folder / "bad.dcm")


def _truncated_jpeg2000(folder: Path, ds: pydicom.Dataset) -> None:
    shutil.copy(pydicom.data.get_testdata_file("emri_small_jpeg_2k_lossless_too_short.dcm"), folder / "bad.dcm")


def _truncated_pixels(folder: Path, ds: pydicom.Dataset) -> None:
    shutil.copy(pydicom.data.get_testdata_file("MR_truncated.dcm"), folder / "bad.dcm")


def _text(folder: Path, ds: pydicom.Dataset) -> None:
    (folder / "bad.dcm").write_text("a note about the study, not an image\n")


def _empty(folder: Path, ds: pydicom.Dataset) -> None:
    (folder / "bad.dcm").write_bytes(b"")


def _dicomdir(folder: Path, ds: pydicom.Dataset) -> None:
    shutil.copy(pydicom.data.get_testdata_file("DICOMDIR"), folder / "bad.dcm")


# (how the file is made, failed or skipped, words of the reason, words of what to do)
CANNOT_PLACE = {
    "truncated": (_cut, "failed", "truncated", "again from its source"),
    "cut in the header": (_cut_header, "failed", "truncated", "again from its source"),
    "no SOPInstanceUID": (_without("SOPInstanceUID"), "failed", "lacks its SOPInstanceUID", "export it again"),
    "no SeriesInstanceUID": (_without("SeriesInstanceUID"), "failed", "lacks its SeriesInstanceUID",
                             "export it again"),
    "no StudyInstanceUID": (_without("StudyInstanceUID"), "failed", "lacks its StudyInstanceUID", "export it again"),
    "no SOPClassUID": (_without("SOPClassUID"), "failed", "lacks its SOPClassUID", "export it again"),
    "invalid UID": (_invalid_series_uid, "failed", "invalid SeriesInstanceUID", "export it again"),
    "damaged": (_damaged, "failed", "cannot be parsed whole", "again from its source"),
    "unreadable": (_unreadable, "failed", "cannot be read", "read access"),
    "truncated JPEG 2000": (_truncated_jpeg2000, "failed", "truncated", "again from its source"),
    "truncated pixel data": (_truncated_pixels, "failed", "truncated on disk", "again from its source"),
    "not DICOM": (_text, "skipped", "not a DICOM file", "export it from its source as DICOM"),
    "empty": (_empty, "skipped", "is empty", "skipped"),
    "DICOMDIR": (_dicomdir, "skipped", "DICOMDIR", "from their own files"),
}


@pytest.mark.parametrize("case", sorted(CANNOT_PLACE))
def test_every_file_that_cannot_be_placed_is_named_with_the_reason_and_what_to_do(settings, project, folder,
                                                                                   case):
    make, outcome, reason, todo = CANNOT_PLACE[case]
    dss = datasets()
    write(folder / "good.dcm", dss[0])
    make(folder, dss[1])
    summary = store.anonymize_files(settings, project, folder)
    assert summary.written == 1, summary.problems
    assert (summary.failed, summary.not_dicom) == ((1, 0) if outcome == "failed" else (0, 1)), summary.problems
    (line,) = summary.problems
    assert line.startswith(f"{folder / 'bad.dcm'}: "), line
    assert reason in line and todo in line, line
    assert "Traceback" not in line
    assert not_placed(project, settings) == {"bad.dcm": line.split(": ", 1)[1]}


def test_a_file_placed_later_leaves_the_report(settings, project, folder):
    dss = datasets()
    write(folder / "good.dcm", dss[0])
    _cut(folder, dss[1])
    store.anonymize_files(settings, project, folder)
    assert list(not_placed(project, settings)) == ["bad.dcm"]
    write(folder / "bad.dcm", dss[1])           # exported again, whole
    summary = store.anonymize_files(settings, project, folder)
    assert (summary.written, summary.known, summary.problems) == (1, 1, [])
    assert not_placed(project, settings) == {}


# ----------------------------------------------------------------------- every kind of file
KINDS = {
    "JPEG-LS": "MR_small_jpeg_ls_lossless.dcm", "JPEG 2000": "MR_small_jp2klossless.dcm",
    "deflated": "image_dfl.dcm", "big endian": "MR_small_bigendian.dcm", "implicit VR": "MR_small_implicit.dcm",
    "multi-frame": "emri_small.dcm", "enhanced": "eCT_Supplemental.dcm", "RT dose": "rtdose.dcm",
    "RT plan": "rtplan.dcm", "SEG": "liver_1frame.dcm", "waveform": "waveform_ecg.dcm",
}
BULK = ("PixelData", "FloatPixelData", "DoubleFloatPixelData")


def _bulk(ds: pydicom.Dataset) -> dict[str, bytes]:
    out = {kw: ds[kw].value for kw in BULK if kw in ds}
    for n, item in enumerate(ds.get("WaveformSequence", [])):
        out[f"wave{n}"] = item.WaveformData
    return out


def test_every_kind_of_file_is_placed_with_its_pixels_untouched(settings, project, folder):
    everything = dataclasses.replace(settings, drop_rules=(),
                                     defaults=dataclasses.replace(settings.defaults, deid_drop_sop_classes=[]))
    originals = {}
    for n, name in enumerate(KINDS.values()):
        data = Path(pydicom.data.get_testdata_file(name)).read_bytes()
        # the MR_small files are one image in several transfer syntaxes, under one SOPInstanceUID:
        # each gets its own (same length, in the file meta and the dataset) not to be a duplicate
        uid = str(pydicom.dcmread(io.BytesIO(data)).SOPInstanceUID).encode()
        data = data.replace(uid, uid[:-2] + b"%02d" % n)
        (folder / name).write_bytes(data)
        originals[name] = pydicom.dcmread(folder / name)
    summary = store.anonymize_files(everything, project, folder)
    assert (summary.written, summary.problems) == (len(KINDS), [])
    rows = dict(project._rows("SELECT sop_uid, relpath FROM instances WHERE status='WRITTEN'"))
    for name, before in originals.items():
        out = pydicom.dcmread(project.images_dir / rows[before.SOPInstanceUID])
        assert out.file_meta.TransferSyntaxUID == before.file_meta.TransferSyntaxUID, name
        assert _bulk(out) == _bulk(before), f"{name}: pixel or waveform data changed"
        assert out.PatientIdentityRemoved == "YES" and out.SOPInstanceUID != before.SOPInstanceUID
    assert any(_bulk(b) for b in originals.values())


# ---------------------------------------------------------------------- the master key
def test_the_master_key_names_the_descriptors_cleaning_changed(settings, project, folder):
    dss = datasets()
    for ds in dss:
        ds.SeriesDescription = "AX 5MM Dr Smith f/u"
    dss[1].ProtocolName = "CT HEAD per Jones"        # one instance changes another descriptor
    for i, ds in enumerate(dss):
        write(folder / f"{i}.dcm", ds)
    summary = store.anonymize_files(settings, project, folder)
    assert summary.written == 3
    (entry,) = project.key_entries()
    assert entry.descriptors_changed == ("ProtocolName", "SeriesDescription")
    assert entry.series_description == "AX 5MM Dr Smith f/u", "the original, in private/"
    key_rows = sheet_rows(reports.report_path(project, settings, "master_key"), "Master key")
    header, row = key_rows[0], key_rows[1]
    assert row[header.index("DescriptorsChanged")] == "ProtocolName; SeriesDescription"
    assert row[header.index("SeriesDescription")] == "AX 5MM Dr Smith f/u"
    project.flush_key()
    assert "ProtocolName; SeriesDescription" in project.key_csv_path.read_text(encoding="utf-8-sig")
    for f in project.images_dir.rglob("*"):
        assert "Smith" not in f.as_posix()
        if f.suffix == ".dcm":
            assert b"Smith" not in f.read_bytes()
