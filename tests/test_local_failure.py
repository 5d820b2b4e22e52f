"""A local failure is named as local: a full disk or a read-only project folder stops a download
at once with one message and exit 5 (ExitCode.LOCAL), never blames the PACS, prints no
traceback, keeps the project state true, and a rerun once the cause is gone completes.

The disk is a real tmpfs (the `small_disk` fixture, root only); the PACS a real Orthanc.
"""
from __future__ import annotations

import errno
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pydicom
import pytest

from mid import project as project_mod
from mid.store import local_failure
from mid.vocab import DOWNLOADED, DOWNLOADING, FINISHED, IGNORED, QUEUED, ExitCode
from test_cli import HERE, mrn_sheet, run_main
from test_engine import dicom_files, expected_kept, peer_entry, write_config

#: signs that the PACS was blamed, or that a traceback reached the terminal
BLAME_AND_NOISE = ("0xA702", "busy", "Traceback", "Logging error", "Exception ignored", "C-MOVE failed")


def _searched_project(monkeypatch, capsys, tmp_path, orthanc, desc, disk: Path):
    cfg = write_config(tmp_path / "c", orthanc.self_port, {"ORTHANC": peer_entry(orthanc)})
    proj_dir = disk / "P"
    sheet = mrn_sheet(tmp_path / "s.csv", [p.patient_id for p in desc.patients])
    assert run_main(monkeypatch, cfg, "search", str(sheet), "--source", "ORTHANC",
                    "--project", str(proj_dir)) == ExitCode.OK
    capsys.readouterr()
    return cfg, proj_dir


def _fill(disk: Path, leave_kb: int) -> Path:
    """Fills `disk` up to `leave_kb` KB free with one file; returns it (delete it to free the space)."""
    import shutil
    filler = disk / "filler.bin"
    free = shutil.disk_usage(disk).free
    with open(filler, "wb") as f:
        f.write(b"\0" * max(free - leave_kb * 1024, 0))
    return filler


def _assert_state_true(proj_dir: Path, reason_part: str) -> None:
    """No instance row without its whole file; no series left running; every series not done says why."""
    db = sqlite3.connect(str(proj_dir / "private" / "state.sqlite"))
    try:
        rels = [r[0] for r in db.execute("SELECT relpath FROM instances WHERE status='WRITTEN'")]
    finally:
        db.close()
    for rel in rels:
        ds = pydicom.dcmread(proj_dir / "images" / rel)      # whole: parses with its pixels
        assert ds.pixel_array is not None
    assert not list((proj_dir / "images").rglob("*.tmp"))
    proj = project_mod.Project.open(proj_dir)
    try:
        assert proj.verify() == []
        for s in proj.series():
            assert s.status not in (DOWNLOADING, QUEUED), (s.status, s.reason)
            if s.status not in FINISHED:
                assert s.reason and reason_part in s.reason, (s.status, s.reason)
    finally:
        proj.close()


@pytest.mark.peers
def test_full_disk_stops_the_run_names_it_and_a_rerun_completes(monkeypatch, capsys, tmp_path, orthanc_loaded,
                                                               synthetic_study_files, small_disk):
    desc = synthetic_study_files.desc
    disk = small_disk(4000)
    cfg, proj_dir = _searched_project(monkeypatch, capsys, tmp_path, orthanc_loaded, desc, disk)
    filler = _fill(disk, 900)         # room for the reserve and a few images, not for 44
    # a real process, so that what reaches the terminal at its exit is seen too
    t0 = time.monotonic()
    out = subprocess.run([sys.executable, str(HERE / "main.py"), "--config-dir", str(cfg), "download",
                          "--project", str(proj_dir)], env={**os.environ, "MID_CONFIG_DIR": str(cfg)},
                         capture_output=True, text=True, timeout=300)
    took = time.monotonic() - t0
    code = out.returncode
    text = out.stdout + out.stderr
    print(f"full disk: exit {code} after {took:.1f} s\n{text}")
    assert code == ExitCode.LOCAL, text
    said = [ln for ln in text.splitlines() if f"disk full at {proj_dir}" in ln]
    assert len(said) == 1 and said[0].startswith("error: ") and "free; free space and rerun" in said[0], text
    for noise in BLAME_AND_NOISE:
        assert noise not in text
    errs = [ln for ln in out.stderr.splitlines() if " instances " not in ln]   # besides progress lines:
    assert len(errs) <= 3, out.stderr      # the error, the reports notice, the project log's one warning
    assert "series not done because the run stopped" in out.stdout
    _assert_state_true(proj_dir, "disk full at")
    before = len(dicom_files(proj_dir / "images"))
    assert before < expected_kept(desc)

    filler.unlink()
    assert run_main(monkeypatch, cfg, "download", "--project", str(proj_dir)) == ExitCode.OK, capsys.readouterr()
    files = dicom_files(proj_dir / "images")
    assert len(files) == expected_kept(desc)
    assert len({pydicom.dcmread(f).SOPInstanceUID for f in files}) == len(files)
    _assert_state_true(proj_dir, "-")
    proj = project_mod.Project.open(proj_dir)
    try:
        assert {s.status for s in proj.series()} <= {DOWNLOADED, IGNORED}
    finally:
        proj.close()
    assert len(list((proj_dir / "private").glob("*.xlsx"))) == 8
    assert not (proj_dir / "private" / ".headroom.tmp").exists()


@pytest.mark.peers
def test_a_disk_full_before_the_run_starts_is_said_once(monkeypatch, capsys, tmp_path, orthanc_loaded,
                                                        synthetic_study_files, small_disk):
    desc = synthetic_study_files.desc
    disk = small_disk(4000)
    cfg, proj_dir = _searched_project(monkeypatch, capsys, tmp_path, orthanc_loaded, desc, disk)
    filler = _fill(disk, 40)
    code = run_main(monkeypatch, cfg, "download", "--project", str(proj_dir))
    out = capsys.readouterr()
    text = out.out + out.err
    assert code == ExitCode.LOCAL, text
    assert sum(f"disk full at {proj_dir}" in ln for ln in text.splitlines()) == 1, text
    for noise in BLAME_AND_NOISE:
        assert noise not in text
    assert not dicom_files(proj_dir / "images")
    filler.unlink()
    assert run_main(monkeypatch, cfg, "download", "--project", str(proj_dir)) == ExitCode.OK
    assert len(dicom_files(proj_dir / "images")) == expected_kept(desc)


@pytest.mark.peers
def test_read_only_project_folder_is_named_and_a_rerun_completes(monkeypatch, capsys, tmp_path, orthanc_loaded,
                                                                 synthetic_study_files, small_disk):
    desc = synthetic_study_files.desc
    disk = small_disk(4000)
    cfg, proj_dir = _searched_project(monkeypatch, capsys, tmp_path, orthanc_loaded, desc, disk)
    subprocess.run(["mount", "-o", "remount,ro", str(disk)], check=True, capture_output=True, timeout=30)
    try:
        t0 = time.monotonic()
        code = run_main(monkeypatch, cfg, "download", "--project", str(proj_dir))
        took = time.monotonic() - t0
        out = capsys.readouterr()
        text = out.out + out.err
        print(f"read-only: exit {code} after {took:.2f} s\n{text}", file=sys.__stderr__)
        assert code == ExitCode.LOCAL, text
        lines = [ln for ln in text.splitlines() if ln.strip()]
        assert lines == [f"error: the project folder {proj_dir} is read-only (Read-only file system); make it "
                         f"writable, or copy the project to a writable disk, and rerun"], text
        sheet = mrn_sheet(tmp_path / "more.csv", [desc.patients[0].patient_id])
        assert run_main(monkeypatch, cfg, "search", str(sheet), "--project", str(proj_dir)) == ExitCode.LOCAL
        assert capsys.readouterr().err.startswith(f"error: the project folder {proj_dir} is read-only")
    finally:
        subprocess.run(["mount", "-o", "remount,rw", str(disk)], check=True, capture_output=True, timeout=30)
    assert run_main(monkeypatch, cfg, "download", "--project", str(proj_dir)) == ExitCode.OK
    assert len(dicom_files(proj_dir / "images")) == expected_kept(desc)


def test_local_failure_names_each_cause(tmp_path):
    where = tmp_path
    full = local_failure(OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "x")), where)
    assert full.startswith(f"disk full at {where}: ") and full.endswith(" free; free space and rerun")
    quota = local_failure(OSError(errno.EDQUOT, "Disk quota exceeded"), where)
    assert quota.startswith(f"disk quota exceeded at {where}: ")
    denied = local_failure(PermissionError(errno.EACCES, "Permission denied", str(tmp_path / "images")), where)
    assert f"the project folder {where} is not writable by this user" in denied and "images" in denied
    ro = local_failure(OSError(errno.EROFS, "Read-only file system"), where)
    assert ro.startswith(f"the project folder {where} is read-only")
    db_full = sqlite3.OperationalError("database or disk is full")
    db_full.sqlite_errorcode = sqlite3.SQLITE_FULL
    assert local_failure(db_full, where).startswith("disk full at")
    # a failure that is not our side's stays unclassified (the retry logic handles it)
    assert local_failure(OSError(errno.ECONNRESET, "Connection reset by peer"), where) is None
    assert local_failure(ValueError("bad"), where) is None


def test_the_receiver_stops_the_run_at_the_first_local_failure(tmp_path, monkeypatch):
    """In the receiver: the first full-disk write stops the run, said once; later instances are
    refused without being tried (no line per instance), and nothing is recorded for them."""
    import copy
    import threading

    import pacs
    from mid import retrieve, store
    from mid.jobs import Emitter
    from mid.vocab import SELF, Message
    from test_store import datasets, found
    from mid import settings as settings_mod
    from mid.project import Project
    cfg = write_config(tmp_path / "c", 11112, {"PACS": {"peer_aet": "PACS", "peer_ip": "127.0.0.1",
                                                        "peer_port": 11113}})
    settings = settings_mod.load_settings(cfg)
    project = Project.create(tmp_path / "P")
    dss = datasets()
    found(project, dss)
    project.select({ds.SeriesInstanceUID for ds in dss})
    events = []
    run = retrieve._DownloadRun(settings, project, settings.peers["PACS"], method="move", destination=SELF,
                                workers=1, raw=False, emit=Emitter(events.append), cancel=threading.Event())
    tries = []

    def full(path, data, fsync=False):
        tries.append(path)
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    try:
        def req(ds):
            return pacs.StoreRequest(dataset=copy.deepcopy(ds), calling_aet="FAKEPACS")

        assert run.receiver(req(dss[0])) == retrieve.STATUS_SUCCESS
        monkeypatch.setattr(store, "write_atomic", full)
        assert run.receiver(req(dss[1])) == retrieve.STATUS_OUT_OF_RESOURCES
        assert run.receiver(req(dss[2])) == retrieve.STATUS_OUT_OF_RESOURCES
        assert len(tries) == 1                       # the second was not even tried
        assert run.halt.is_set() and run.halt.local
        assert run.halt.reason.startswith(f"disk full at {project.root}: ")
        said = [e for e in events if isinstance(e, Message)]
        assert [(m.level, m.text) for m in said] == [("error", run.halt.reason)]
        assert run.counts(dss[0].SeriesInstanceUID)[0] == 1
    finally:
        run.store.close()
        project.close()


def _spawned_workers() -> list[int]:
    """PIDs of this process's multiprocessing worker children (spawn), not its resource tracker."""
    me, found = os.getpid(), []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
            cmd = (stat.parent / "cmdline").read_bytes()
        except (OSError, ValueError, IndexError):
            continue
        if ppid == me and b"multiprocessing.spawn" in cmd:
            found.append(int(stat.parent.name))
    return found


def test_a_killed_de_identification_worker_costs_no_image(tmp_path, orthanc_loaded, synthetic_study_files, caplog):
    """A worker process killed mid-download (by the OOM killer, say) breaks the whole process pool;
    the receiver then de-identifies the images itself, the one in hand included: every series
    ends DOWNLOADED, every image is written once, whole and de-identified, and the log says why."""
    import logging
    import signal
    import threading

    from mid import engine
    from test_schedule_run import IMAGES, image_project, orthanc_settings, with_peer
    s = orthanc_settings(tmp_path, orthanc_loaded, workers=2)
    slow = with_peer(s, max_instances_per_s=12.0)          # some 4 s: time to kill a worker mid-run
    proj = image_project(tmp_path, s, synthetic_study_files.desc)
    killed: list[int] = []
    lock = threading.Lock()

    def on_event(ev):
        if isinstance(ev, engine.DownloadProgress) and ev.instances_done >= 8:
            with lock:
                if not killed:
                    killed.extend(_spawned_workers())
                    for pid in killed:
                        os.kill(pid, signal.SIGKILL)

    caplog.set_level(logging.WARNING, logger="mid.engine")
    fin = engine.download(slow, proj, "ORTHANC", processes=1, on_event=on_event)
    assert killed, "no worker process was found to kill"
    assert fin.error is None and not fin.cancelled, fin.error
    assert {r.status for r in proj.series(set(engine.TO_RETRIEVE) | engine.FINISHED)} == {DOWNLOADED}
    files = dicom_files(proj.images_dir)
    assert len(files) == IMAGES
    assert all(pydicom.dcmread(f).PatientIdentityRemoved == "YES" for f in files)
    assert "worker process ended abruptly" in caplog.text
    assert "BrokenProcessPool" not in caplog.text
