"""A search on several associations at once gives exactly what a search on one gives: the same
rows, statuses and reasons, the same series with the same StudyNumbers in the same order, the
same search report, while its progress says rows/s and an ETA; it opens no more associations
than asked (and than the peer's max_associations allows); and a cancel stops every find
under way with a C-CANCEL, within about a second (real Orthanc, and our own misbehaving peer)."""
from __future__ import annotations

import threading
import time
from pathlib import Path

import openpyxl
import pytest

import peers
from badpacs import BadPACS, Behaviour
from mid import engine, synthdata
from mid import settings as settings_mod
from mid.vocab import MISSING, PENDING, SearchProgress
from test_engine import new_project, peer_entry, q, write_config

pytestmark = pytest.mark.peers

SPEC = (synthdata.SeriesSpec("CT", "AX 5MM", 1), synthdata.SeriesSpec("CT", "COR", 1))


def _set() -> synthdata.SynthSet:
    """12 fake patients x 2 CT studies of 2 one-instance series."""
    return synthdata.generate_set(seed=31, n_patients=12, studies_per_patient=2, series_spec=SPEC, size_kb=1)


def _rows(desc: synthdata.SynthSet) -> list:
    """A row per accession, a few that match nothing, a patient row, and a row whose series filter
    matches none of the series of its studies (MISSING with a reason)."""
    studies = [st for _, st in desc.studies()]
    rows = [q(i + 1, AccessionNumber=st.accession) for i, st in enumerate(studies)]
    n = len(rows)
    rows += [q(n + 1, AccessionNumber="NOSUCH1"), q(n + 2, PatientID=desc.patients[3].patient_id),
             q(n + 3, AccessionNumber=studies[5].accession, SeriesDescription="SAGITTAL"),
             q(n + 4, AccessionNumber="NOSUCH2")]
    return rows


@pytest.fixture(scope="module")
def loaded_orthanc(tmp_path_factory):
    peers.require_tools(peers.ORTHANC_TOOLS)
    desc = _set()
    with peers.OrthancServer(tmp_path_factory.mktemp("orthanc_par"), env={"TCP_NODELAY": "1"}) as server:
        server.upload(list(synthdata.iter_datasets(desc)))
        yield server, desc


def _state(proj) -> tuple[list, list]:
    queries = [(x.number, x.status, x.reason) for x in proj.queries()]
    series = [(s.study_number, s.series_uid, s.query_number, s.status, s.tags.get("AccessionNumber"))
              for s in proj.series()]
    return queries, series


def _search_report(proj_root: Path) -> list[tuple]:
    (path,) = list((proj_root / "private").glob("*_1_SEARCH_RESULTS*.xlsx"))
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)]
    finally:
        wb.close()


def test_parallel_search_equals_serial_search_against_orthanc(tmp_path, loaded_orthanc):
    server, desc = loaded_orthanc
    cfg = write_config(tmp_path / "config", server.self_port, {"ORTHANC": peer_entry(server)})
    settings = settings_mod.load_settings(cfg)
    results = {}
    for workers in (1, 4):
        proj = new_project(tmp_path, _rows(desc), name=f"w{workers}")
        events: list = []
        t0 = time.monotonic()
        fin = engine.search(settings, proj, "ORTHANC", workers=workers, on_event=events.append)
        print(f"{workers} workers: {time.monotonic() - t0:.2f} s")
        results[workers] = (fin, _state(proj), _search_report(proj.root))
        progress = [e for e in events if isinstance(e, SearchProgress)]
        assert [e.done for e in progress] == list(range(1, len(_rows(desc)) + 1))
        assert all(e.rate > 0 and e.eta_seconds is not None for e in progress)
        mid = progress[len(progress) // 2]
        assert abs(mid.eta_seconds - (mid.total - mid.done) / mid.rate) < 1e-6
        assert progress[-1].eta_seconds == 0
        proj.close()
    (fin1, state1, report1), (fin4, state4, report4) = results[1], results[4]
    assert (fin1.found, fin1.missing, fin1.failed, fin1.cancelled) == (len(desc.studies()) + 1, 3, 0, False)
    assert (fin4.found, fin4.missing, fin4.failed, fin4.cancelled) == (fin1.found, fin1.missing, fin1.failed, False)
    assert state4 == state1
    assert report4 == report1
    queries, series = state1
    assert [s for _, s, _ in queries].count(MISSING) == 3
    assert any("none of their series matched" in (r or "") for _, _, r in queries)
    assert len(series) == 2 * len(desc.studies())          # the patient row adds no new series


def _bad_settings(tmp_path: Path, server: BadPACS, **entry):
    cfg = write_config(tmp_path / "config", peers.free_port(),
                       {"BAD": {"peer_aet": server.aet, "peer_ip": server.host, "peer_port": server.port, **entry}},
                       workers=8)
    return settings_mod.load_settings(cfg)


def test_search_opens_one_association_per_worker_capped_by_max_associations(tmp_path):
    desc = _set()
    datasets = list(synthdata.iter_datasets(desc))
    for max_assoc, workers, expected in ((None, 3, 3), (2, 8, 2)):
        entry = {} if max_assoc is None else {"max_associations": max_assoc}
        with BadPACS(datasets) as server:
            settings = _bad_settings(tmp_path / f"c{expected}", server, **entry)
            proj = new_project(tmp_path, _rows(desc)[:6], name=f"a{expected}")
            fin = engine.search(settings, proj, "BAD", workers=workers)
            stats = server.stats()
            proj.close()
        assert fin.found == 6
        assert stats["associations"] == expected, stats


def test_cancel_sends_c_cancel_on_every_open_find_and_stops_at_once(tmp_path):
    """8 rows whose finds each take a minute, on 4 associations: a cancel after 1 s stops the
    search with a C-CANCEL on each of the 4 finds under way; no row is marked searched."""
    behaviour = Behaviour(find_answers=5000, find_delay=0.01)
    with BadPACS([], behaviour) as server:
        settings = _bad_settings(tmp_path, server)
        proj = new_project(tmp_path, [q(i + 1, PatientID=f"P{i:03d}") for i in range(8)])
        cancel = threading.Event()

        def later() -> None:
            server.wait_for(lambda s: s["find_requests"] >= 4, timeout=30)
            time.sleep(1.0)
            cancel.set()

        threading.Thread(target=later, daemon=True).start()
        job = engine.Job(engine.search, settings, proj, "BAD", workers=4, cancel=cancel).start()
        assert cancel.wait(60)
        cancelled_at = time.monotonic()
        assert job.join(60)
        took = (job.finished_at or time.monotonic()) - cancelled_at
        stats = server.wait_for(lambda s: s["cancels_received"] >= 4, timeout=10)
        print(f"search stopped {took:.2f} s after the cancel; {stats['cancels_received']} C-CANCELs")
        assert job.error is None, job.error
        assert job.result.cancelled
        assert took < 10, took                 # the finds alone take 50 s each; measured ~0.3 s
        assert stats["find_requests"] == 4     # one per association; no row started after the cancel
        assert stats["find_answers_sent"] < 4 * 2500
        assert [x.status for x in proj.queries()] == [PENDING] * 8
        proj.close()


def test_the_terminal_shows_the_search_rate_and_eta():
    import io

    from mid.cli import ProgressView
    out = io.StringIO()
    view = ProgressView(out, tty=False)
    view(SearchProgress(250, 500, 200, 40, 10, 12.5, 20.0))
    view(SearchProgress(500, 500, 400, 80, 20, 12.5, 0.0))
    lines = out.getvalue().splitlines()
    assert lines[0] == "searched 250/500 rows: 200 found, 40 missing, 10 failed  12.5 rows/s  ETA 00:20"
    assert lines[-1].endswith("ETA 00:00")
