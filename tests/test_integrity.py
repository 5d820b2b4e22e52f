"""Every written image is whole; an incomplete series is visibly incomplete in images/.

The checks of mid.store.validate on datasets and bytes made here, then against a misbehaving
PACS of our own (tests/badpacs.py) sending short pixel data, a UID-less instance and
unterminated encapsulated pixel data, by C-MOVE into our receiver and by C-GET, through
`main.py download`; `anonymize` on a folder with a truncated file; and a download killed with
SIGKILL, whose series folders keep INCOMPLETE.txt until the resume completes them.
"""
from __future__ import annotations

import copy
import sqlite3
import time
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import RLELossless

import peers
from badpacs import BadPACS, Behaviour, _unterminated
from mid import store, synthdata
from mid.vocab import ExitCode
from test_cli import kill_download_after, mrn_sheet, resume_download, run_main
from test_engine import dicom_files, write_config


@pytest.fixture(scope="module")
def study():
    """One fake CT study: series "AX" (6 instances, index 0-5) and "COR" (4, index 6-9)."""
    desc = synthdata.generate_set(seed=11, n_patients=1, studies_per_patient=1,
                                  series_spec=[synthdata.SeriesSpec("CT", "AX", 6),
                                               synthdata.SeriesSpec("CT", "COR", 4)])
    return desc, list(synthdata.iter_datasets(desc))


def encoded(ds) -> bytes:
    return synthdata.to_bytes(ds)


# ------------------------------------------------------------------------------ the checks
def test_a_whole_instance_passes_and_short_pixel_data_is_named(study):
    ds = copy.deepcopy(study[1][0])
    assert store.validate(ds, encoded(ds)) is None
    want = ds.Rows * ds.Columns * ds.SamplesPerPixel * ds.BitsAllocated // 8
    ds.PixelData = ds.PixelData[: want // 2]
    assert store.validate(ds) == f"pixel data holds {want // 2:,} of {want:,} bytes: truncated in transfer"


def test_expected_length_packs_one_bit_pixels_frames_and_pads_odd_lengths(study):
    ds = copy.deepcopy(study[1][0])
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.BitsStored, ds.HighBit = 5, 5, 1, 1, 0
    ds.NumberOfFrames = 3
    assert store.expected_pixel_bytes(ds) == 10          # 75 bits -> 10 bytes
    ds.PixelData = b"\0" * 10
    assert store.validate(ds) is None
    ds.PixelData = b"\0" * 8
    assert "holds 8 of 10 bytes" in store.validate(ds)
    ds.Rows, ds.Columns, ds.BitsAllocated, ds.NumberOfFrames = 3, 3, 8, 1
    ds.PixelData = b"\0" * 10                            # 9 bytes padded to even
    assert store.validate(ds) is None


def test_float_pixel_data_is_checked_with_its_own_bits(study):
    ds = copy.deepcopy(study[1][0])
    del ds.PixelData
    ds.BitsAllocated = 32
    ds.FloatPixelData = b"\0" * (ds.Rows * ds.Columns * 4)
    assert store.validate(ds) is None
    ds.FloatPixelData = b"\0" * (ds.Rows * ds.Columns * 2)
    assert "pixel data holds" in store.validate(ds)


def test_an_image_without_pixel_data_is_refused(study):
    ds = copy.deepcopy(study[1][0])
    del ds.PixelData
    assert "holds no pixel data" in store.validate(ds)


@pytest.mark.filterwarnings("ignore:Invalid value for VR UI")
@pytest.mark.parametrize("kw", store.REQUIRED_UIDS)
def test_missing_or_invalid_uids_are_refused(study, kw):
    ds = copy.deepcopy(study[1][0])
    delattr(ds, kw)
    assert kw in store.validate(ds) and "lacks" in store.validate(ds)
    ds = copy.deepcopy(study[1][0])
    setattr(ds, kw, "1.2.abc.4")
    assert kw in store.validate(ds) and "invalid" in store.validate(ds)


def test_uid_rules():
    assert store.valid_uid("1.2.840.10008.5.1.4.1.1.2")
    assert store.valid_uid("1.2.03")                      # leading zeros: kept (old modalities)
    for bad in ("", "1..2", "1.2.", "1.2.x", "1" * 65, "1.2 3"):
        assert not store.valid_uid(bad), bad


def test_encapsulated_pixel_data_needs_its_delimiter_and_whole_fragments(study):
    ds = copy.deepcopy(study[1][0])
    ds.compress(RLELossless)
    whole = encoded(ds)
    assert store.encapsulated_problem(whole) is None
    assert store.validate(pydicom.dcmread(pydicom.filebase.DicomBytesIO(whole)), whole) is None
    no_delimiter = _unterminated(ds, cut=False)
    assert "without its sequence delimiter" in store.encapsulated_problem(no_delimiter)
    cut = _unterminated(ds, cut=True)
    assert "holds" in store.encapsulated_problem(cut) and "truncated" in store.encapsulated_problem(cut)


# ---------------------------------------------------------------------- against a bad PACS
BAD_AX = (1, 2)          # short pixel data, no SOPInstanceUID (series AX, 6 instances)
BAD_COR = 7              # unterminated encapsulated, last fragment cut (series COR, 4 instances)


def bad_config(tmp_path: Path, pacs: BadPACS, self_port: int, method: str) -> Path:
    entry = {"peer_aet": pacs.aet, "peer_ip": pacs.host, "peer_port": pacs.port, "retrieve_method": method}
    return write_config(tmp_path / "c", self_port, {"BAD": entry}, retries=1, retry_backoff=0.05,
                        storage_root=str(tmp_path / "store"))


def instances(proj: Path) -> list[tuple[str, str, str | None, str | None]]:
    from mid.project import Project
    with Project.open(proj) as p:
        db_path = p.db_path
    with sqlite3.connect(db_path) as db:
        return db.execute("SELECT sop_uid, status, reason, relpath FROM instances").fetchall()


def series_status(proj: Path) -> dict[str, tuple[str, str | None]]:
    from mid.project import Project
    with Project.open(proj) as p:
        return {s.tags.get("SeriesDescription", ""): (s.status, s.reason) for s in p.series()}


#: what the reason of each kind of damage says
REASONS = {1: "pixel data holds", 2: "lacks its SOPInstanceUID", BAD_COR: "sequence delimiter"}


def assert_bad_ones_refused(proj: Path, stats: dict, refused: set[int], expect_written: int) -> None:
    """The damaged instances (indexes `refused`) are FAILED with their reason, and not in images/."""
    files = dicom_files(proj / "images")
    assert len(files) == expect_written, [str(f) for f in files]
    for f in files:                                   # what is there is whole
        ds = pydicom.dcmread(f)
        assert store.validate(ds, f.read_bytes()) is None, f
    rows = instances(proj)
    assert all(sop for sop, *_ in rows), "an instance row without its SOPInstanceUID"
    status_of = {sop: (status, reason) for sop, status, reason, _ in rows}
    sent = {}                                         # index -> the UIDs its C-STOREs named
    for entry in stats["sent"]:
        sent.setdefault(entry["index"], set()).add(entry["sop_uid"])
    for index in refused:
        assert sent.get(index), f"instance {index} was never sent"
        for uid in sent[index]:
            status, reason = status_of[uid]
            assert status == "FAILED" and REASONS[index] in reason, (index, status, reason)
    written = [sop for sop, (status, _) in status_of.items() if status == "WRITTEN"]
    assert len(written) == expect_written
    assert not set(written) & set().union(*(sent[i] for i in refused))


@pytest.mark.peers
def test_damaged_instances_by_c_move_are_refused_recorded_and_the_series_partial(
        monkeypatch, capsys, tmp_path, free_port, study):
    desc, datasets = study
    self_port = free_port()
    behaviour = Behaviour(short_pixel_data={BAD_AX[0]}, no_sop_uid={BAD_AX[1]}, unterminated_encapsulated={BAD_COR})
    with BadPACS(datasets, behaviour, allowed_move_destinations={peers.SELF_AET: ("127.0.0.1", self_port)}) as bad:
        cfg = bad_config(tmp_path, bad, self_port, "move")
        sheet = mrn_sheet(tmp_path / "s.csv", [desc.patients[0].patient_id])
        proj = tmp_path / "P"
        start = time.monotonic()
        code = run_main(monkeypatch, cfg, "download", str(sheet), "--source", "BAD", "--project", str(proj))
        took = time.monotonic() - start
        out = capsys.readouterr()
        stats = bad.stats()
    assert {"short_pixel_data", "no_sop_uid", "unterminated_encapsulated"} <= {
        d for s in stats["sent"] for d in s["damage"]}
    assert code == ExitCode.INCOMPLETE, out.out + out.err
    assert_bad_ones_refused(proj, stats, {1, 2, BAD_COR}, expect_written=7)
    states = series_status(proj)
    assert states["AX"][0] == "PARTIAL" and states["COR"][0] == "PARTIAL", states
    assert "pixel data holds" in states["AX"][1] and "4 of 6" in states["AX"][1]
    assert "sequence delimiter" in states["COR"][1]
    assert "PARTIAL" in out.out + out.err
    # both folders say they are incomplete, with counts only
    markers = sorted((proj / "images").rglob(store.INCOMPLETE_MARKER))
    texts = sorted(m.read_text() for m in markers)
    assert len(markers) == 2, markers
    assert "3 of 4 images" in texts[0] and "4 of 6 images" in texts[1], texts
    print(f"\nC-MOVE with 3 damaged instances: exit {int(code)} after {took:.1f} s; AX: {states['AX'][1]}")


@pytest.mark.peers
def test_damaged_instances_by_c_get_are_refused_recorded_and_the_series_partial(
        monkeypatch, capsys, tmp_path, free_port, study):
    desc, datasets = study
    behaviour = Behaviour(short_pixel_data={BAD_AX[0]}, no_sop_uid={BAD_AX[1]})
    with BadPACS(datasets, behaviour) as bad:
        cfg = bad_config(tmp_path, bad, free_port(), "get")
        sheet = mrn_sheet(tmp_path / "s.csv", [desc.patients[0].patient_id])
        proj = tmp_path / "P"
        code = run_main(monkeypatch, cfg, "download", str(sheet), "--source", "BAD", "--project", str(proj))
        out = capsys.readouterr()
        stats = bad.stats()
    assert stats["get_requests"] >= 1
    assert code == ExitCode.INCOMPLETE, out.out + out.err
    assert_bad_ones_refused(proj, stats, {1, 2}, expect_written=8)
    states = series_status(proj)
    assert states["AX"][0] == "PARTIAL" and states["COR"][0] == "DOWNLOADED", states
    markers = list((proj / "images").rglob(store.INCOMPLETE_MARKER))
    assert len(markers) == 1 and "4 of 6 images" in markers[0].read_text()
    cor = [f.parent for f in dicom_files(proj / "images") if not (f.parent / store.INCOMPLETE_MARKER).exists()]
    assert len(cor) == 4                                  # the complete series has no marker


# --------------------------------------------------------------------- files on disk
def test_anonymize_reports_a_truncated_file_and_writes_nothing_of_it(monkeypatch, capsys, tmp_path, study):
    _, datasets = study
    cfg = write_config(tmp_path / "c", 11112, {})
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    for i, ds in enumerate(datasets[:6]):
        (in_dir / f"{i}.dcm").write_bytes(encoded(ds))
    whole = encoded(datasets[0])
    (in_dir / "0.dcm").write_bytes(whole[: len(whole) - 2000])       # cut in its pixel data
    proj = tmp_path / "A"
    code = run_main(monkeypatch, cfg, "anonymize", str(in_dir), "--project", str(proj))
    out = capsys.readouterr()
    assert code == ExitCode.INCOMPLETE, out.out + out.err
    assert "5 written" in out.out and "1 failed" in out.out, out.out
    assert "0.dcm: pixel data holds" in out.err and "truncated on disk" in out.err, out.err
    assert len(dicom_files(proj / "images")) == 5
    assert series_status(proj)["AX"][0] == "PARTIAL"
    markers = list((proj / "images").rglob(store.INCOMPLETE_MARKER))
    assert len(markers) == 1 and "5 of 6 images" in markers[0].read_text()


def test_anonymize_reports_a_file_cut_in_its_header(monkeypatch, capsys, tmp_path, study):
    _, datasets = study
    cfg = write_config(tmp_path / "c", 11112, {})
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    (in_dir / "whole.dcm").write_bytes(encoded(datasets[0]))
    (in_dir / "cut.dcm").write_bytes(encoded(datasets[1])[:300])
    proj = tmp_path / "A"
    code = run_main(monkeypatch, cfg, "anonymize", str(in_dir), "--project", str(proj))
    out = capsys.readouterr()
    assert code == ExitCode.INCOMPLETE, out.out + out.err
    assert "cut.dcm" in out.err and "1 failed" in out.out and "0 not DICOM" in out.out, out.out + out.err


# ------------------------------------------------------------------ kill -9, then resume
@pytest.mark.peers
def test_a_download_killed_leaves_its_series_marked_and_the_resume_clears_them(tmp_path, free_port, study):
    desc, datasets = study
    self_port = free_port()
    with BadPACS(datasets, Behaviour(store_delay=0.25),
                 allowed_move_destinations={peers.SELF_AET: ("127.0.0.1", self_port)}) as bad:
        cfg = bad_config(tmp_path, bad, self_port, "move")
        sheet = mrn_sheet(tmp_path / "k.csv", [desc.patients[0].patient_id])
        proj = tmp_path / "P"
        kill_download_after(cfg, sheet, "BAD", proj, 3, timeout=120, poll=0.02)
        folders = {f.parent for f in (proj / "images").rglob("*.dcm")}
        assert folders and len(list((proj / "images").rglob("*.dcm"))) < len(datasets)
        for folder in folders:
            text = (folder / store.INCOMPLETE_MARKER).read_text()
            assert "incomplete" in text and "run the download" in text.lower()
            phi = synthdata.phi_strings(desc.patients[0], desc.patients[0].studies[0])
            assert not [x for x in phi if x and x in text], text
            assert not any(ch.isdigit() for ch in text), text      # no date, no identifier, no UID
        resumed = resume_download(cfg, proj, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert len(dicom_files(proj / "images")) == len(datasets)
    assert not list((proj / "images").rglob(store.INCOMPLETE_MARKER))


@pytest.mark.peers
def test_worker_processes_refuse_the_same_damaged_instances(tmp_path, free_port, study):
    """De-identification in worker processes: the parent still validates before handing over."""
    from mid import engine
    from mid import settings as settings_mod
    from test_engine import searched_project
    desc, datasets = study
    self_port = free_port()
    behaviour = Behaviour(short_pixel_data={BAD_AX[0]}, no_sop_uid={BAD_AX[1]}, unterminated_encapsulated={BAD_COR})
    with BadPACS(datasets, behaviour, allowed_move_destinations={peers.SELF_AET: ("127.0.0.1", self_port)}) as bad:
        s = settings_mod.load_settings(bad_config(tmp_path, bad, self_port, "move"))
        proj = searched_project(tmp_path, s, "BAD", desc)
        engine.select(proj)
        fin = engine.download(s, proj, "BAD", processes=1)
        stats = bad.stats()
        proj.close()
    assert fin.counts == {"PARTIAL": 2}
    assert_bad_ones_refused(tmp_path / "proj", stats, {1, 2, BAD_COR}, expect_written=7)
    assert len(list((tmp_path / "proj" / "images").rglob(store.INCOMPLETE_MARKER))) == 2
