"""A big series (5,000 instances) end to end, and a series left DOWNLOADING by a killed process.

The peer is the BadPACS (tests/badpacs.py) serving one synthetic CT series of tiny images
(about 1 KB of pixel data each), moved into our receiver:
- 5,000 of them without any pending C-MOVE response (PS3.4 allows a PACS to send only the final one) and with
  DIMSE and network timeouts far shorter than the move: it completes in one C-MOVE, because
  the instances arriving at our receiver are the sign of life the run watches;
- 600 of them by `main.py download` killed with SIGKILL in the middle of the series: the series is left
  DOWNLOADING; the next run requeues it and completes it, with every instance once.
"""
from __future__ import annotations

import sqlite3
import time
from dataclasses import replace
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import generate_uid

import peers
from badpacs import BadPACS, Behaviour
from mid import engine, synthdata
from mid import settings as settings_mod
from mid.project import Project
from test_cli import kill_download_after, mrn_sheet, resume_download
from test_engine import dicom_files, searched_project, write_config

pytestmark = pytest.mark.peers

SERIES_SIZE = 5000
#: the series of the kill -9 test: big enough to be killed in the middle, small enough to be sent twice
KILLED_SIZE = 600


@pytest.fixture(scope="module")
def big_series():
    """One patient, one study, one CT series of SERIES_SIZE instances of ~1 KB (encoded once).

    synthdata makes the first image; the others are copies of it with their own SOPInstanceUID
    and InstanceNumber (making each one anew would take longer than the transfer)."""
    desc = synthdata.generate_set(seed=5000, n_patients=1, studies_per_patient=1,
                                  series_spec=[synthdata.SeriesSpec("CT", "BIG", 1)], size_kb=1)
    template = next(iter(synthdata.iter_datasets(desc)))
    out = []
    for i in range(SERIES_SIZE):
        uid = generate_uid(entropy_srcs=["big series", str(i)])
        template.SOPInstanceUID = template.file_meta.MediaStorageSOPInstanceUID = uid
        template.InstanceNumber = i + 1
        out.append(synthdata.to_bytes(template))
    return desc, out


def _config(tmp_path: Path, bad: BadPACS, self_port: int, **defaults) -> Path:
    entry = {"peer_aet": bad.aet, "peer_ip": bad.host, "peer_port": bad.port, "retrieve_method": "move"}
    return write_config(tmp_path / "c", self_port, {"BAD": entry}, retries=1, retry_backoff=0.05, workers=1,
                        storage_root=str(tmp_path / "store"), **defaults)


def _rows(project_dir: Path) -> list[tuple[str, str, str | None]]:
    with sqlite3.connect(project_dir / "private" / "state.sqlite") as db:
        return db.execute("SELECT sop_uid, status, relpath FROM instances").fetchall()


def _series(project_dir: Path) -> list[tuple[str, int, int, int | None]]:
    with sqlite3.connect(project_dir / "private" / "state.sqlite") as db:
        return db.execute("SELECT status, written, ignored, expected FROM series").fetchall()


@pytest.mark.timeout(1200)          # about 15 instances/s end to end on the loaded shared 2-core machine
def test_a_5000_instance_series_without_pending_responses_outlasts_the_dimse_timeout(tmp_path, free_port,
                                                                                       big_series):
    desc, datasets = big_series
    self_port = free_port()
    with BadPACS(datasets, Behaviour(no_pending=True),
                 allowed_move_destinations={peers.SELF_AET: ("127.0.0.1", self_port)}) as bad:
        # the move takes far longer than the DIMSE timeout: only a 30 s pause in the instances may end it
        searching = settings_mod.load_settings(_config(tmp_path, bad, self_port))
        proj = searched_project(tmp_path, searching, "BAD", desc)
        engine.select(proj)
        s = replace(searching, defaults=replace(searching.defaults, dimse_timeout=2, move_idle_timeout=30))
        t0 = time.monotonic()
        fin = engine.download(s, proj, "BAD")
        took = time.monotonic() - t0
        stats = bad.stats()
        totals = proj.totals()
        proj.close()
    assert fin.error is None and fin.counts == {"DOWNLOADED": 1}, (fin.error, fin.counts)
    assert took > 2 * s.defaults.dimse_timeout        # the DIMSE timeout would have ended it
    assert stats["move_requests"] == 1                # one C-MOVE: no timeout, no retry
    assert stats["pending_withheld"] >= SERIES_SIZE - 1 and stats["stores_sent"] == SERIES_SIZE
    assert stats["last_retrieve"]["outcome"] == "completed"
    assert totals["written"] == SERIES_SIZE
    rows = _rows(tmp_path / "proj")
    assert len(rows) == SERIES_SIZE and {r[1] for r in rows} == {"WRITTEN"}
    assert len(dicom_files(tmp_path / "proj" / "images")) == SERIES_SIZE
    assert _series(tmp_path / "proj") == [("DOWNLOADED", SERIES_SIZE, 0, SERIES_SIZE)]


def test_a_series_left_downloading_by_a_killed_process_is_requeued_and_completed(tmp_path, free_port,
                                                                                 big_series):
    desc, datasets = big_series[0], big_series[1][:KILLED_SIZE]
    self_port = free_port()
    proj = tmp_path / "P"
    with BadPACS(datasets, allowed_move_destinations={peers.SELF_AET: ("127.0.0.1", self_port)}) as bad:
        cfg = _config(tmp_path, bad, self_port)
        sheet = mrn_sheet(tmp_path / "k.csv", [desc.patients[0].patient_id])
        kill_download_after(cfg, sheet, "BAD", proj, KILLED_SIZE // 4, poll=0.1)
        # the state a dead process leaves: the series DOWNLOADING, part of its files on disk
        assert [st for st, *_ in _series(proj)] == ["DOWNLOADING"]
        before = {p: p.stat().st_mtime_ns for p in (proj / "images").rglob("*.dcm")}
        assert 0 < len(before) < KILLED_SIZE
        recorded = {r[2] for r in _rows(proj)}
        assert len(recorded) <= len(before)           # a row only for a file already whole on disk
        resumed = resume_download(cfg, proj, timeout=600)
        stats = bad.stats()
    assert resumed.returncode == 0, resumed.stdout[-2000:] + resumed.stderr[-2000:]
    assert stats["move_requests"] == 2                # the killed run's and the resume's
    assert _series(proj) == [("DOWNLOADED", KILLED_SIZE, 0, KILLED_SIZE)]
    rows = _rows(proj)
    assert len(rows) == KILLED_SIZE and {r[1] for r in rows} == {"WRITTEN"}
    assert len({r[0] for r in rows}) == KILLED_SIZE and len({r[2] for r in rows}) == KILLED_SIZE
    files = dicom_files(proj / "images")
    assert len(files) == KILLED_SIZE and not list((proj / "images").rglob("*.tmp"))
    assert {str(Path(r[2])) for r in rows} == {str(f.relative_to(proj / "images")) for f in files}
    sample = files[:: max(1, len(files) // 50)]
    assert len({pydicom.dcmread(f).SOPInstanceUID for f in files}) == KILLED_SIZE     # nothing twice
    assert all(pydicom.dcmread(f).PatientIdentityRemoved == "YES" for f in sample)
    rewritten = [p for p, mtime in before.items() if p.stat().st_mtime_ns != mtime]
    assert not rewritten, f"{len(rewritten)} files written before the kill were written again"
    with Project.open(proj) as p:
        assert p.totals()["written"] == KILLED_SIZE
