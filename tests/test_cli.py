"""The headless commands through main.py: exit codes, messages, progress, resume after SIGKILL.

In-process runs call main.main(argv) (fast); the kill-and-resume test runs main.py as a real
subprocess against an Orthanc started for it.
"""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pydicom
import pytest

from mid import cli
from mid import engine
import main
from mid.vocab import ExitCode
from mid import project as project_mod
from mid import synthdata
from test_engine import dicom_files, expected_kept, peer_entry, write_config

pytestmark = pytest.mark.peers

HERE = Path(__file__).resolve().parent.parent
#: the seed query sheets, committed beside the tests (their worksheets are those of shared/seed/xlsx)
SEED = HERE / "tests" / "data" / "querysheet"


def run_main(monkeypatch, cfg: Path, *argv: str) -> int:
    monkeypatch.setenv("MID_CONFIG_DIR", str(cfg))           # main.py sets it; monkeypatch restores it
    return main.main(["--config-dir", str(cfg), *argv])


def mrn_sheet(path: Path, mrns: list[str]) -> Path:
    path.write_text("MRN,Study Description\n" + "".join(f"{m},\n" for m in mrns))
    return path


def kill_download_after(cfg: Path, sheet: Path, source: str, proj_dir: Path, n_files: int,
                        timeout: float = 180, poll: float = 0.05) -> None:
    """Run `main.py download` in a process and kill -9 it once n_files images are on disk."""
    env = {**os.environ, "MID_CONFIG_DIR": str(cfg)}
    cmd = [sys.executable, str(HERE / "main.py"), "--config-dir", str(cfg), "download", str(sheet),
           "--source", source, "--project", str(proj_dir)]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((proj_dir / "images").rglob("*.dcm"))) >= n_files:
                break
            time.sleep(poll)
        assert proc.poll() is None, "download ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()


def resume_download(cfg: Path, proj_dir: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    """`main.py download --project DIR` in a process, as a user resumes a download."""
    return subprocess.run([sys.executable, str(HERE / "main.py"), "--config-dir", str(cfg), "download",
                           "--project", str(proj_dir)], env={**os.environ, "MID_CONFIG_DIR": str(cfg)},
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture
def orthanc_cfg(tmp_path, orthanc_loaded):
    return write_config(tmp_path / "config", orthanc_loaded.self_port, {"ORTHANC": peer_entry(orthanc_loaded)},
                        storage_root=str(tmp_path / "store"))


# ------------------------------------------------------------------------------------- echo
def test_echo_ok(monkeypatch, capsys, orthanc_cfg):
    assert run_main(monkeypatch, orthanc_cfg, "echo", "ORTHANC") == ExitCode.OK
    assert "answered in" in capsys.readouterr().out


def test_echo_refused(monkeypatch, capsys, tmp_path, free_port):
    cfg = write_config(tmp_path / "c", free_port(), {"CLOSED": {"peer_aet": "X", "peer_ip": "127.0.0.1",
                                                                "peer_port": free_port()}})
    assert run_main(monkeypatch, cfg, "echo", "CLOSED") == ExitCode.NETWORK
    err = capsys.readouterr().err
    line = [ln for ln in err.splitlines() if ln.startswith("echo failed")]
    assert len(line) == 1 and "refused" in line[0] and "port" in line[0]
    assert err.count("connection refused") == 1           # said once, not again by the console log


def test_echo_rejected_says_the_reason_once(monkeypatch, capsys, tmp_path, orthanc_factory):
    strict = orthanc_factory(config={"DicomCheckCalledAet": True})
    cfg = write_config(tmp_path / "c", strict.self_port,
                       {"STRICT": {"peer_aet": "NOT_ORTHANC", "peer_ip": "127.0.0.1", "peer_port": strict.dicom_port}})
    assert run_main(monkeypatch, cfg, "echo", "STRICT") == ExitCode.NETWORK
    err = capsys.readouterr().err
    assert err.count("called AE title") == 1 and err.startswith("echo failed")


def test_echo_rejected_names_the_reason(monkeypatch, capsys, tmp_path, orthanc_factory):
    strict = orthanc_factory(config={"DicomCheckCalledAet": True})
    cfg = write_config(tmp_path / "c", strict.self_port,
                       {"STRICT": {"peer_aet": "NOT_ORTHANC", "peer_ip": "127.0.0.1", "peer_port": strict.dicom_port}})
    assert run_main(monkeypatch, cfg, "echo", "STRICT") == ExitCode.NETWORK
    err = capsys.readouterr().err
    assert "rejected" in err and "called AE title" in err


def test_echo_unknown_peer_lists_known_ones(monkeypatch, capsys, orthanc_cfg):
    assert run_main(monkeypatch, orthanc_cfg, "echo", "NOPE") == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "NOPE" in err and "ORTHANC" in err


# ------------------------------------------------------------------------------------ check
@pytest.mark.parametrize("name, code, rows", [("query_test.xlsx", 0, 2), ("modality_test.xlsx", 0, 4),
                                              ("_TEMPLATE_.xlsx", 1, 0)])
def test_check_seed_sheets(monkeypatch, capsys, tmp_path, name, code, rows):
    sheet = SEED / name
    if not sheet.exists():
        pytest.fail(f"seed sheet {sheet} is missing")
    cfg = write_config(tmp_path / "c", 11112, {})
    assert run_main(monkeypatch, cfg, "check", str(sheet)) == code
    out = capsys.readouterr()
    assert out.out.strip()
    if code:
        assert "no usable row" in out.err


def test_check_unreadable_sheet_is_a_usage_error(monkeypatch, capsys, tmp_path):
    bad = tmp_path / "broken.xlsx"
    bad.write_bytes(b"this is not a workbook")
    cfg = write_config(tmp_path / "c", 11112, {})
    assert run_main(monkeypatch, cfg, "check", str(bad)) == ExitCode.USAGE
    assert "broken.xlsx" in capsys.readouterr().err


# ------------------------------------------------------------------------- search / download
def test_search_then_download_then_report(monkeypatch, capsys, tmp_path, orthanc_cfg, synthetic_study_files):
    desc = synthetic_study_files.desc
    sheet = mrn_sheet(tmp_path / "wanted.csv", [p.patient_id for p in desc.patients] + ["0999999"])
    proj_dir = tmp_path / "P"
    assert run_main(monkeypatch, orthanc_cfg, "search", str(sheet), "--source", "ORTHANC",
                    "--project", str(proj_dir)) == ExitCode.OK
    out = capsys.readouterr().out
    assert "2 rows found, 1 missing, 0 failed" in out
    code = run_main(monkeypatch, orthanc_cfg, "download", "--source", "ORTHANC", "--project", str(proj_dir),
                    "--exclude-series", "flair")
    out = capsys.readouterr()
    assert code == ExitCode.OK, out.err
    files = dicom_files(proj_dir / "images")
    flair = sum(se.count for _, _, se in desc.all_series() if se.description == "T2 FLAIR")
    assert len(files) == expected_kept(desc) - flair
    assert "DOWNLOADED" in out.out and "IGNORED" in out.out
    # non-terminal output: plain progress lines, no carriage returns
    assert "\r" not in out.err and "instances" in out.err
    for f in (proj_dir / "private").glob("*.xlsx"):
        f.unlink()
    assert run_main(monkeypatch, orthanc_cfg, "report", "--project", str(proj_dir)) == ExitCode.OK
    assert len(list((proj_dir / "private").glob("*.xlsx"))) == 8
    # nothing left: a resume is a no-op that still exits 0
    assert run_main(monkeypatch, orthanc_cfg, "download", "--project", str(proj_dir)) == ExitCode.OK
    # raw images never join de-identified ones
    capsys.readouterr()
    assert run_main(monkeypatch, orthanc_cfg, "download", "--project", str(proj_dir), "--raw") == ExitCode.PROJECT
    assert "anonymized" in capsys.readouterr().err


def test_download_exit_codes_for_project_and_usage_errors(monkeypatch, capsys, tmp_path, orthanc_cfg):
    not_a_project = tmp_path / "stuff"
    not_a_project.mkdir()
    (not_a_project / "file.txt").write_text("x")
    assert run_main(monkeypatch, orthanc_cfg, "download", "--project", str(not_a_project),
                    "--source", "ORTHANC") == ExitCode.PROJECT
    assert "not a project" in capsys.readouterr().err
    assert run_main(monkeypatch, orthanc_cfg, "download", "--source", "ORTHANC") == ExitCode.USAGE
    sheet = mrn_sheet(tmp_path / "s.csv", ["123"])
    assert run_main(monkeypatch, orthanc_cfg, "search", str(sheet), "--source", "NOWHERE",
                    "--project", str(tmp_path / "Q")) == ExitCode.USAGE
    assert "NOWHERE" in capsys.readouterr().err


def test_download_with_the_peer_down_exits_network(monkeypatch, capsys, tmp_path, free_port):
    cfg = write_config(tmp_path / "c", free_port(), {"DOWN": {"peer_aet": "DOWN", "peer_ip": "127.0.0.1",
                                                              "peer_port": free_port()}})
    sheet = mrn_sheet(tmp_path / "s.csv", ["123", "456"])
    assert run_main(monkeypatch, cfg, "download", str(sheet), "--source", "DOWN",
                    "--project", str(tmp_path / "P")) == ExitCode.NETWORK
    assert "refused" in capsys.readouterr().err


def test_from_results_downloads_exactly_the_rows_marked_y(monkeypatch, capsys, tmp_path, orthanc_cfg,
                                                          synthetic_study_files):
    from openpyxl import load_workbook
    desc = synthetic_study_files.desc
    sheet = mrn_sheet(tmp_path / "w.csv", [desc.patients[0].patient_id])
    proj_dir = tmp_path / "P"
    assert run_main(monkeypatch, orthanc_cfg, "search", str(sheet), "--source", "ORTHANC",
                    "--project", str(proj_dir)) == 0
    results = next((proj_dir / "private").glob("*_1_SEARCH_RESULTS.xlsx"))
    wb = load_workbook(results)
    ws = next(w for w in wb.worksheets if any(c.value == "Download" for c in w[1]))
    header = [c.value for c in ws[1]]
    col_dl, col_desc = header.index("Download"), header.index("SeriesDescription")
    marked = 0
    for row in ws.iter_rows(min_row=2):
        want = row[col_desc].value == "AX 5MM"
        row[col_dl].value = "Y" if want else "N"
        marked += want
    wb.save(results)
    assert marked == 1
    assert run_main(monkeypatch, orthanc_cfg, "download", "--project", str(proj_dir), "--source", "ORTHANC",
                    "--from-results", str(results)) == ExitCode.OK
    proj = project_mod.Project.open(proj_dir)
    try:
        done = proj.series({"DOWNLOADED"})
        assert [s.tags.get("SeriesDescription") for s in done] == ["AX 5MM"]
    finally:
        proj.close()


def test_anonymize_describe_and_files_on_disk(monkeypatch, capsys, tmp_path, synthetic_study_files):
    cfg = write_config(tmp_path / "c", 11112, {})
    assert run_main(monkeypatch, cfg, "anonymize", "--describe") == ExitCode.OK
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 5
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    some = synthetic_study_files.paths[:10]
    for i, p in enumerate(some):
        (in_dir / f"{i}.dcm").write_bytes(Path(p).read_bytes())
    (in_dir / "notes.txt").write_text("not dicom")
    proj_dir = tmp_path / "A"
    assert run_main(monkeypatch, cfg, "anonymize", str(in_dir), "--project", str(proj_dir)) == ExitCode.OK
    out = capsys.readouterr().out
    assert "1 not DICOM" in out
    files = dicom_files(proj_dir / "images")
    assert files and len(files) <= 10
    names = [p.patient_id for p in synthetic_study_files.desc.patients]
    for f in files:
        ds = pydicom.dcmread(f)
        assert ds.PatientID not in names and ds.PatientIdentityRemoved == "YES"
    # a second run finds them known and writes nothing twice
    assert run_main(monkeypatch, cfg, "anonymize", str(in_dir), "--project", str(proj_dir)) == ExitCode.OK
    assert len(dicom_files(proj_dir / "images")) == len(files)


def test_anonymize_names_conflicting_duplicates_and_files_it_cannot_place(monkeypatch, capsys, tmp_path):
    cfg = write_config(tmp_path / "c", 11112, {})
    desc = synthdata.generate_set(seed=8, n_patients=1, studies_per_patient=1,
                                  series_spec=(synthdata.SeriesSpec("MR", "AX T2", 2),))
    first, second = synthdata.iter_datasets(desc)
    in_dir = tmp_path / "in"
    in_dir.mkdir()
    (in_dir / "1.dcm").write_bytes(synthdata.to_bytes(first))
    (in_dir / "2.dcm").write_bytes(synthdata.to_bytes(second))
    edited = first.copy()
    edited.SeriesDescription = "AX T2 edited"           # the SOPInstanceUID of 1.dcm, other content
    (in_dir / "3_edited.dcm").write_bytes(synthdata.to_bytes(edited))
    (in_dir / "4_cut.dcm").write_bytes(synthdata.to_bytes(second)[:-3000])
    proj_dir = tmp_path / "P"
    assert run_main(monkeypatch, cfg, "anonymize", str(in_dir), "--project", str(proj_dir)) == ExitCode.INCOMPLETE
    captured = capsys.readouterr()
    assert "2 written" in captured.out and "1 conflicting duplicates" in captured.out and "1 failed" in captured.out
    assert "2 files not placed" in captured.err
    lines = {ln.strip().split(": ", 1)[0]: ln for ln in captured.err.splitlines() if ln.startswith("  ")}
    assert "other content" in lines[str(in_dir / "3_edited.dcm")] and str(in_dir / "1.dcm") in lines[
        str(in_dir / "3_edited.dcm")]
    assert "truncated" in lines[str(in_dir / "4_cut.dcm")]
    log_text = (proj_dir / "private" / "log" / "project.log").read_text()
    assert str(in_dir / "3_edited.dcm") in log_text and str(in_dir / "4_cut.dcm") in log_text
    # the same folder again: the identical files count as already done, the two are named again
    assert run_main(monkeypatch, cfg, "anonymize", str(in_dir), "--project", str(proj_dir)) == ExitCode.INCOMPLETE
    again = capsys.readouterr()
    assert "0 written" in again.out and "2 already in the project" in again.out
    assert "2 files not placed" in again.err and str(in_dir / "2.dcm") + ":" not in again.err


# ------------------------------------------------------------------------------------ progress
def test_progress_bar_on_a_terminal_uses_carriage_returns():
    buf = io.StringIO()
    view = cli.ProgressView(buf, tty=True)
    view(engine.DownloadProgress(5, 10, 5_000_000, 2.5, 2.0, 0, 2))
    view(engine.Message("warning", "something"))
    text = buf.getvalue()
    assert text.startswith("\r[") and "5/10 instances" in text and "5.0 MB" in text and "ETA 00:02" in text
    assert "\nwarning: something\n" in text


def test_plain_progress_is_throttled():
    buf = io.StringIO()
    view = cli.ProgressView(buf, tty=False)
    for i in range(50):
        view(engine.DownloadProgress(i, 50, i * 1000, 10.0, 1.0, 0, 1))
    assert len(buf.getvalue().splitlines()) == 1


# ----------------------------------------------------------------------- kill -9, then resume
def test_download_killed_with_sigkill_then_resumed(tmp_path, orthanc_factory):
    server = orthanc_factory()
    desc = synthdata.generate_set(seed=41, n_patients=2, studies_per_patient=1,
                                  series_spec=((synthdata.SeriesSpec("CT", "AX", 120),
                                                synthdata.SeriesSpec("CT", "COR", 60)),))
    server.upload(list(synthdata.iter_datasets(desc, size_kb=32)))
    cfg = write_config(tmp_path / "c", server.self_port, {"ORTHANC": peer_entry(server)}, workers=2)
    sheet = mrn_sheet(tmp_path / "k.csv", [p.patient_id for p in desc.patients])
    proj_dir = tmp_path / "P"
    kill_download_after(cfg, sheet, "ORTHANC", proj_dir, 60)
    before = {p: p.stat().st_mtime_ns for p in (proj_dir / "images").rglob("*.dcm")}
    assert 0 < len(before) < desc.count
    resumed = resume_download(cfg, proj_dir, timeout=300)
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    files = dicom_files(proj_dir / "images")
    assert len(files) == desc.count
    assert not list((proj_dir / "images").rglob("*.tmp"))
    sops = set()
    for f in files:
        ds = pydicom.dcmread(f)                       # every file whole
        assert ds.pixel_array is not None
        sops.add(ds.SOPInstanceUID)
    assert len(sops) == desc.count                    # nothing twice
    recorded = [p for p in before if p.exists()]
    rewritten = [p for p in recorded if p.stat().st_mtime_ns != before[p]]
    assert not rewritten, f"{len(rewritten)} complete files were rewritten"


def test_ctrl_c_cancels_the_download_and_exits_130(tmp_path, orthanc_factory):
    server = orthanc_factory()
    desc = synthdata.generate_set(seed=43, n_patients=1, studies_per_patient=1,
                                  series_spec=((synthdata.SeriesSpec("CT", "AX", 200),),))
    server.upload(list(synthdata.iter_datasets(desc, size_kb=32)))
    cfg = write_config(tmp_path / "c", server.self_port, {"ORTHANC": peer_entry(server)}, workers=1)
    sheet = mrn_sheet(tmp_path / "k.csv", [desc.patients[0].patient_id])
    proj_dir = tmp_path / "P"
    proc = subprocess.Popen([sys.executable, str(HERE / "main.py"), "--config-dir", str(cfg), "download", str(sheet),
                             "--source", "ORTHANC", "--project", str(proj_dir)],
                            env={**os.environ, "MID_CONFIG_DIR": str(cfg)}, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and proc.poll() is None:
            if len(list((proj_dir / "images").rglob("*.dcm"))) >= 20:
                break
            time.sleep(0.05)
        assert proc.poll() is None, "download ended before it could be interrupted"
        t0 = time.monotonic()
        proc.send_signal(signal.SIGINT)
        out, _ = proc.communicate(timeout=30)
        took = time.monotonic() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == ExitCode.CANCELLED, out
    assert "CANCELLED" in out
    assert took < 10                                    # cancel itself < 2 s; the rest is writing reports
    proj = project_mod.Project.open(proj_dir)
    try:
        assert [s.status for s in proj.series()] == ["CANCELLED"]
    finally:
        proj.close()
    assert list((proj_dir / "private").glob("*_6_FAILED_TRANSFERS.xlsx"))


def test_demo_headless_runs_end_to_end(monkeypatch, capsys, tmp_path, free_port):
    cfg = write_config(tmp_path / "c", free_port(), {}, storage_root=str(tmp_path / "store"), workers=4)
    assert run_main(monkeypatch, cfg, "demo", "--headless") == ExitCode.OK
    out = capsys.readouterr().out
    assert "1 missing" in out and "DOWNLOADED" in out and "IGNORED" in out
    projects = [p for p in (tmp_path / "store").iterdir() if (p / "private" / "state.sqlite").exists()]
    assert len(projects) == 1
    files = dicom_files(projects[0] / "images")
    assert len(files) > 100
    assert str(projects[0] / "images") in out and str(projects[0] / "private") in out
    assert "DEMO PACS" not in (cfg / "peers.json").read_text()     # no dead peer is left behind


def test_healed_config_is_reported_as_a_warning(monkeypatch, capsys, tmp_path):
    cfg = write_config(tmp_path / "c", 11112, {})
    (cfg / "user_defaults.json").write_text("{ this is not json")
    sheet = mrn_sheet(tmp_path / "s.csv", ["0012345"])
    assert run_main(monkeypatch, cfg, "check", str(sheet)) == ExitCode.OK
    err = capsys.readouterr().err
    assert "warning: user_defaults.json" in err
    assert list(cfg.glob("user_defaults.broken-*.json"))


@pytest.mark.parametrize("command", ["search", "download"])
def test_sheet_without_usable_rows_exits_1_and_says_what_to_do(monkeypatch, capsys, tmp_path, command):
    cfg = write_config(tmp_path / "c", 11112, {"CLOSED": {"peer_aet": "CLOSED", "peer_ip": "127.0.0.1",
                                                          "peer_port": 9}})
    code = run_main(monkeypatch, cfg, command, str(SEED / "_TEMPLATE_.xlsx"),
                    "--source", "CLOSED", "--project", str(tmp_path / "P"))
    assert code == ExitCode.INCOMPLETE
    assert not (tmp_path / "P").exists()
    err = capsys.readouterr().err
    assert "no usable row" in err and "main.py check" in err
