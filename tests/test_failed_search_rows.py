"""A FAILED search row is never skipped without a word: `download --project` searches the rows
that failed (or were never searched) again first, exits 0 only when every row was searched and
every selected series ended DOWNLOADED or IGNORED, and when a row still fails names it (query ID
and sheet row) and exits 3."""
from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import pytest

from badpacs import BadPACS, Behaviour
from mid import project as project_mod
from mid.vocab import DOWNLOADED, FAILED, FOUND, IGNORED, ExitCode
from test_cli import mrn_sheet, run_main
from test_engine import dicom_files, expected_kept, peer_entry, write_config

pytestmark = pytest.mark.peers


def _point_pacs_at(cfg: Path, entry: dict) -> None:
    peers_json = json.loads((cfg / "peers.json").read_text())
    peers_json["PACS"] = {"peer_name": "PACS", **entry}
    (cfg / "peers.json").write_text(json.dumps(peers_json))


def _query_statuses(proj_dir: Path) -> list[str]:
    proj = project_mod.Project.open(proj_dir)
    try:
        return [q.status for q in proj.queries()]
    finally:
        proj.close()


def test_download_searches_failed_rows_again_then_completes(monkeypatch, capsys, tmp_path, free_port,
                                                            orthanc_loaded, synthetic_study_files):
    desc = synthetic_study_files.desc
    cfg = write_config(tmp_path / "c", orthanc_loaded.self_port,
                       {"PACS": {"peer_aet": "NOBODY", "peer_ip": "127.0.0.1", "peer_port": free_port()}})
    proj_dir = tmp_path / "P"
    sheet = mrn_sheet(tmp_path / "s.csv", [p.patient_id for p in desc.patients])
    assert run_main(monkeypatch, cfg, "search", str(sheet), "--source", "PACS",
                    "--project", str(proj_dir)) == ExitCode.NETWORK
    capsys.readouterr()
    assert _query_statuses(proj_dir) == [FAILED, FAILED]

    _point_pacs_at(cfg, peer_entry(orthanc_loaded))           # the PACS is back
    code = run_main(monkeypatch, cfg, "download", "--project", str(proj_dir))
    out = capsys.readouterr()
    assert code == ExitCode.OK, out.out + out.err
    assert "searching again 2 rows not searched or whose search failed" in out.out
    assert "search: 2 rows found, 0 missing, 0 failed" in out.out
    assert _query_statuses(proj_dir) == [FOUND, FOUND]
    assert len(dicom_files(proj_dir / "images")) == expected_kept(desc)
    proj = project_mod.Project.open(proj_dir)
    try:
        assert {s.status for s in proj.series()} <= {DOWNLOADED, IGNORED}
    finally:
        proj.close()


def test_download_names_rows_whose_search_still_fails_and_exits_3(monkeypatch, capsys, tmp_path, free_port,
                                                                  synthetic_study_files):
    desc = synthetic_study_files.desc
    with BadPACS(behaviour=Behaviour(find_status=0xC000, find_answers=0)) as bad:
        cfg = write_config(tmp_path / "c", free_port(),
                           {"PACS": {"peer_aet": bad.aet, "peer_ip": "127.0.0.1", "peer_port": bad.port}})
        proj_dir = tmp_path / "P"
        sheet = mrn_sheet(tmp_path / "s.csv", [p.patient_id for p in desc.patients])
        assert run_main(monkeypatch, cfg, "search", str(sheet), "--source", "PACS",
                        "--project", str(proj_dir)) == ExitCode.NETWORK
        capsys.readouterr()
        t0 = time.monotonic()
        code = run_main(monkeypatch, cfg, "download", "--project", str(proj_dir))
        took = time.monotonic() - t0
        out = capsys.readouterr()
    print(f"failed rows: exit {code} after {took:.1f} s\n{out.out}{out.err}", file=sys.__stderr__)
    assert code == ExitCode.NETWORK, out.out + out.err
    assert "searching again 2 rows" in out.out
    failed = [ln for ln in out.err.splitlines() if "FAILED:" in ln]
    # the rows sharing one reason are named on one line: query ID and sheet row (the header is row 1)
    assert len(failed) == 1 and failed[0].startswith("query 1 (row 2), query 2 (row 3): FAILED: "), out.err
    assert "0xC000" in failed[0]
    assert _query_statuses(proj_dir) == [FAILED, FAILED]
    assert not dicom_files(proj_dir / "images")
