"""Commands that fail on their arguments say what is wrong, exit with the documented code and
create nothing; a project remembers its source PACS from `search` to `download`."""
from __future__ import annotations

from pathlib import Path

import pytest

from mid.vocab import ExitCode
from test_cli import mrn_sheet, run_main
from test_engine import peer_entry, write_config


def _cfg(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config", 1, {"CLOSED": {"peer_aet": "CLOSED", "peer_ip": "127.0.0.1",
                                                            "peer_port": 9}}, storage_root=str(tmp_path / "store"))


@pytest.mark.parametrize("command", ["search", "download"])
def test_an_unknown_source_creates_no_project(monkeypatch, tmp_path, capsys, command):
    sheet = mrn_sheet(tmp_path / "s.csv", ["00123"])
    proj = tmp_path / "P"
    code = run_main(monkeypatch, _cfg(tmp_path), command, str(sheet), "--source", "NOPE", "--project", str(proj))
    assert code == ExitCode.USAGE
    err = capsys.readouterr().err
    assert "unknown peer 'NOPE'" in err and "CLOSED" in err
    assert not proj.exists()


def test_no_source_at_all_creates_no_project(monkeypatch, tmp_path, capsys):
    sheet = mrn_sheet(tmp_path / "s.csv", ["00123"])
    proj = tmp_path / "P"
    assert run_main(monkeypatch, _cfg(tmp_path), "search", str(sheet), "--project", str(proj)) == ExitCode.USAGE
    assert "no source PACS" in capsys.readouterr().err
    assert not proj.exists()


def test_report_on_a_file_says_it_is_a_file(monkeypatch, tmp_path, capsys):
    f = tmp_path / "notes.txt"
    f.write_text("not a project")
    assert run_main(monkeypatch, _cfg(tmp_path), "report", "--project", str(f)) == ExitCode.PROJECT
    err = capsys.readouterr().err
    assert "is a file, not a project folder" in err and "does not exist" not in err


def test_anonymize_a_folder_without_dicom_creates_nothing(monkeypatch, tmp_path, capsys):
    src = tmp_path / "in"
    (src / "sub").mkdir(parents=True)
    (src / "a.txt").write_text("hello")
    (src / "sub" / "b.bin").write_bytes(b"\0" * 300)
    proj = tmp_path / "P"
    code = run_main(monkeypatch, _cfg(tmp_path), "anonymize", str(src), "--project", str(proj))
    assert code == ExitCode.USAGE
    assert "holds no DICOM file (2 files looked at)" in capsys.readouterr().err
    assert not proj.exists()


@pytest.mark.peers
def test_download_after_search_uses_the_source_the_project_remembers(monkeypatch, tmp_path, orthanc_loaded,
                                                                     synthetic_study_files, capsys):
    cfg = write_config(tmp_path / "config", orthanc_loaded.self_port, {"ORTHANC": peer_entry(orthanc_loaded)})
    patient = synthetic_study_files.desc.patients[0]
    sheet = mrn_sheet(tmp_path / "s.csv", [patient.patient_id])
    proj = tmp_path / "P"
    assert run_main(monkeypatch, cfg, "search", str(sheet), "--source", "ORTHANC", "--project", str(proj)) \
        == ExitCode.OK
    capsys.readouterr()
    code = run_main(monkeypatch, cfg, "download", "--project", str(proj))
    out, err = capsys.readouterr()
    assert "no source PACS" not in err
    assert code == ExitCode.OK, out + err
    assert any((proj / "images").rglob("*.dcm"))
