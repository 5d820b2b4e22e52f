"""A dead peer fails fast: when the associations of a download are refused, rejected or time
out, the run stops once the configured retries are spent (the per-peer circuit breaker,
mid.retrieve.connection_failures_limit), says it in one line and exits 3 (ExitCode.NETWORK).

Peers: an Orthanc that is stopped after the search (a closed port), the BadPACS rejecting every
association, and a TCP port that accepts connections but never speaks DICOM. The time each run
took is printed (not asserted).
"""
from __future__ import annotations

import json
import re
import socket
import time
from pathlib import Path

import pytest

from badpacs import BadPACS, Behaviour
from mid import project as project_mod
from mid import retrieve
from mid.vocab import FAILED, ExitCode
from test_cli import mrn_sheet, run_main
from test_engine import peer_entry, write_config

pytestmark = pytest.mark.peers

RETRIES = 2
BACKOFF = 1.0


def _search_then_repoint(monkeypatch, capsys, tmp_path, server, desc, entry: dict | None = None,
                         **defaults) -> tuple[Path, Path]:
    """Searches `server` as peer PACS into a new project; then peers.json says PACS is `entry`."""
    cfg = write_config(tmp_path / "c", server.self_port, {"PACS": peer_entry(server)}, retries=RETRIES,
                       retry_backoff=BACKOFF, **defaults)
    proj_dir = tmp_path / "P"
    sheet = mrn_sheet(tmp_path / "s.csv", [p.patient_id for p in desc.patients])
    assert run_main(monkeypatch, cfg, "search", str(sheet), "--source", "PACS",
                    "--project", str(proj_dir)) == ExitCode.OK
    capsys.readouterr()
    if entry is not None:
        peers_json = json.loads((cfg / "peers.json").read_text())
        peers_json["PACS"] = {"peer_name": "PACS", **entry}
        (cfg / "peers.json").write_text(json.dumps(peers_json))
    return cfg, proj_dir


def _download_and_check(monkeypatch, capsys, cfg: Path, proj_dir: Path, what: str, label: str) -> str:
    t0 = time.monotonic()
    code = run_main(monkeypatch, cfg, "download", "--project", str(proj_dir))
    took = time.monotonic() - t0
    out = capsys.readouterr()
    text = out.out + out.err
    print(f"\n{label}: exit {code} after {took:.1f} s, {len(text.splitlines())} lines\n{text}")
    assert code == ExitCode.NETWORK, text
    errors = [ln for ln in out.err.splitlines() if ln.startswith("error: ")]
    assert len(errors) == 1 and what in errors[0], out.err
    limit = retrieve.connection_failures_limit(RETRIES)
    tries = re.search(r"; (\d+) connection attempts in a row failed, so this run sent PACS no more requests$",
                      errors[0])
    assert tries and int(tries.group(1)) >= limit, errors[0]
    assert text.count(what) == 1, text                    # said once, not per series nor per attempt
    # stderr: the error and progress lines (a first, a last and one every 2 s in between)
    others = [ln for ln in out.err.splitlines() if not ln.startswith("error: ")]
    assert all(" instances " in ln and "ETA" in ln for ln in others), out.err
    proj = project_mod.Project.open(proj_dir)
    try:
        series = proj.series()
        assert series and all(s.status == FAILED and s.reason == errors[0][len("error: "):] for s in series)
    finally:
        proj.close()
    summary = [ln for ln in out.out.splitlines() if ln.startswith("download")]
    assert summary == [f"download: {len(series)} FAILED"], out.out
    assert f"  {len(series)} series not done because the run stopped (the error says why)" in out.out
    # stdout: "selected", the summary, the not-done line, the two folders and the reports written
    assert len(out.out.splitlines()) == 5 + len(list((proj_dir / "private").glob("*.xlsx"))), out.out
    return errors[0]


def test_closed_port_stops_after_the_retries(monkeypatch, capsys, tmp_path, orthanc_factory, synthetic_study_files):
    server = orthanc_factory()
    server.upload(synthetic_study_files.paths)
    cfg, proj_dir = _search_then_repoint(monkeypatch, capsys, tmp_path, server, synthetic_study_files.desc)
    server.stop()
    _download_and_check(monkeypatch, capsys, cfg, proj_dir, "connection refused", "closed port")


def test_rejected_associations_stop_the_run(monkeypatch, capsys, tmp_path, orthanc_loaded, synthetic_study_files):
    with BadPACS(behaviour=Behaviour(refuse_association=True)) as bad:
        cfg, proj_dir = _search_then_repoint(monkeypatch, capsys, tmp_path, orthanc_loaded,
                                             synthetic_study_files.desc,
                                             {"peer_aet": bad.aet, "peer_ip": "127.0.0.1", "peer_port": bad.port})
        _download_and_check(monkeypatch, capsys, cfg, proj_dir, "association rejected", "rejected")


def test_a_port_that_never_answers_times_out_and_stops(monkeypatch, capsys, tmp_path, orthanc_loaded,
                                                       synthetic_study_files):
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)                  # the kernel accepts the connection; nobody ever answers
    try:
        cfg, proj_dir = _search_then_repoint(monkeypatch, capsys, tmp_path, orthanc_loaded,
                                             synthetic_study_files.desc,
                                             {"peer_aet": "SILENT", "peer_ip": "127.0.0.1",
                                              "peer_port": silent.getsockname()[1]}, acse_timeout=2)
        _download_and_check(monkeypatch, capsys, cfg, proj_dir, "no answer to the association request",
                            "silent port")
    finally:
        silent.close()


def test_breaker_opens_after_k_failures_in_a_row_and_a_success_resets_it():
    breaker = retrieve._Breaker(retrieve.connection_failures_limit(2))
    assert breaker.limit == 3
    assert not breaker.failed() and not breaker.failed()
    breaker.ok()
    assert not breaker.failed() and not breaker.failed()
    assert breaker.failed()


def test_breaker_gives_the_peer_the_grace_of_one_series_retries():
    assert retrieve.breaker_grace(3, 2.0) == 2 + 4 + 8
    assert retrieve.breaker_grace(0, 2.0) == 0
    breaker = retrieve._Breaker(2, grace=0.3)
    assert not breaker.failed() and not breaker.failed()       # K at once: the grace is not over
    assert breaker.tripped(at_end=True)                         # ...but a run ending like this: dead peer
    time.sleep(0.3)
    assert breaker.failed()


def test_only_failures_to_reach_the_peer_count_for_the_breaker():
    import pacs
    refused = pacs.NetError("P", "refused", "connection refused", "check", transient=True)
    timeout = pacs.NetError("P", "timeout", "no TCP connection within 3 s", "check", transient=True)
    rejected = pacs.NetError("P", "rejected", "association rejected (permanent)", "check", transient=False)
    busy = pacs.NetError("P", "rejected", "association rejected (transient): local limit exceeded", "wait",
                         transient=True)
    status = pacs.NetError("P", "status", "C-MOVE failed with status 0xA702", "retry", status=0xA702)
    aborted = pacs.NetError("P", "aborted", "the association was aborted", "retry", transient=True)
    assert [retrieve.connection_level(e) for e in (refused, timeout, rejected, busy, status, aborted)] == \
        [True, True, True, False, False, False]
