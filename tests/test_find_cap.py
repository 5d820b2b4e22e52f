"""Capped C-FIND answers are split, never lost: against a real Orthanc with LimitFindResults (it
sends that many matches, then the status Cancel) and against our own peer capping silently (the
count reaching the peer's max_find_results), with Out of Resources after some matches, or
refusing the whole query. A row is asked again by date range (halves), then by modality on one
day; one that still cannot fit is FAILED saying so, never FOUND with part of its answer."""
from __future__ import annotations

import datetime as dt

import pytest

import peers
from badpacs import BadPACS, Behaviour
from mid import engine, findsplit, synthdata
from mid import settings as settings_mod
from mid.vocab import FAILED, FOUND
from test_engine import new_project, peer_entry, q, write_config

CAP = 3
OUT_OF_RESOURCES = 0xA700


# ----------------------------------------------------------------------------- pure splitting
TODAY = dt.date(2024, 6, 15)


@pytest.mark.parametrize("key, parts", [
    ("20200101-20200131", ["20200101-20200116", "20200117-20200131"]),
    ("20200101-20200102", ["20200101", "20200102"]),
    ("20200101", None),
    ("", ["-19620325", "19620326-"]),           # no date: halves of 1900..today, both ends open
    ("20240101-", ["20240101-20240324", "20240325-"]),
    ("-19000101", ["-18991231", "19000101"]),
    ("20240615-", ["20240615", "20240616-"]),   # from today on: today, then the future
    ("20240701-", ["20240701", "20240702-"]),
    ("2020*", None),
    ("20200231", None),
])
def test_split_date(key, parts):
    assert findsplit.split_date(key, TODAY) == parts


def test_split_parts_cover_the_range_without_overlap():
    for key in ("19990305-20231130", "20240101-20240105"):
        lo, hi = findsplit.parse_range(key)
        a, b = (findsplit.parse_range(p) for p in findsplit.split_date(key, TODAY))
        assert a[0] == lo and b[1] == hi and a[1] + dt.timedelta(days=1) == b[0]


def test_modalities_for_a_one_day_split():
    assert findsplit.modalities_for(["mr", "CT", "MR"], ["XX"]) == ["MR", "CT"]
    every = findsplit.modalities_for([], ["CT\\ZZ", "MR"])
    assert every[:2] == ["CT", "MR"] and every[-1] == "ZZ" and len(every) == len(set(every))


# ----------------------------------------------------------------------------- the data
def _datasets() -> tuple[list, dict[str, set[str]]]:
    """Three fake patients: CAPDATES with 7 studies on 7 days; CAPMODS with 5 studies on one day,
    2 CT, 2 MR and 1 US; CAPSTUCK with 4 CT studies on one day. Returns the datasets and the
    truth: each patient's StudyInstanceUIDs."""
    plan = {0: [("CT", f"2019{m:02d}1{m % 7}") for m in range(1, 8)],
            1: [("CT", "20210304"), ("CT", "20210304"), ("MR", "20210304"), ("MR", "20210304"),
                ("US", "20210304")],
            2: [("CT", "20220505")] * 4}
    names = {0: "CAPDATES", 1: "CAPMODS", 2: "CAPSTUCK"}
    out, truth = [], {}
    for k, studies in plan.items():
        spec = [[synthdata.SeriesSpec(mod, f"{mod} SERIES", 1)] for mod, _ in studies]
        desc = synthdata.generate_set(seed=90 + k, n_patients=1, studies_per_patient=len(studies),
                                      series_spec=spec, size_kb=1)
        dates = {st.study_uid: date for (_, st), (_, date) in zip(desc.studies(), studies)}
        truth[names[k]] = set(dates)
        for ds in synthdata.iter_datasets(desc):
            ds.PatientID = names[k]
            ds.StudyDate = ds.SeriesDate = dates[ds.StudyInstanceUID]
            out.append(ds)
    return out, truth


def _rows() -> list:
    return [q(1, PatientID="CAPDATES"), q(2, PatientID="CAPMODS"), q(3, PatientID="CAPSTUCK", Modality="CT"),
            q(4, PatientID="CAPDATES", StudyDate="20190101-20191231")]


def _check(proj, truth) -> None:
    queries = {x.number: x for x in proj.queries()}
    by_row: dict[int, set[str]] = {}
    for s in proj.series():
        by_row.setdefault(s.query_number, set()).add(s.study_uid)
    assert queries[1].status == FOUND and by_row[1] == truth["CAPDATES"], queries[1]
    assert queries[2].status == FOUND and by_row[2] == truth["CAPMODS"], queries[2]
    assert queries[4].status == FOUND        # its series were stored under row 1 already
    stuck = queries[3]
    assert stuck.status == FAILED, stuck
    assert stuck.reason.startswith(f"PACS answer capped at {CAP} and cannot be split further: narrow the row")
    # what came is kept (the parts of the split may bring all 4 back, but no answer said so)
    assert CAP <= len(by_row[3]) and by_row[3] <= truth["CAPSTUCK"]
    assert set().union(*by_row.values()) <= set().union(*truth.values())


@pytest.fixture(scope="module")
def capped_orthanc(tmp_path_factory):
    peers.require_tools(peers.ORTHANC_TOOLS)
    datasets, truth = _datasets()
    with peers.OrthancServer(tmp_path_factory.mktemp("orthanc_cap"), limit_find_results=CAP,
                             env={"TCP_NODELAY": "1"}) as server:
        server.upload(datasets)
        yield server, truth


@pytest.mark.peers
@pytest.mark.parametrize("workers", [1, 3])
def test_orthanc_limit_find_results_is_split_and_never_lost(tmp_path, capped_orthanc, workers):
    server, truth = capped_orthanc
    cfg = write_config(tmp_path / "config", server.self_port, {"ORTHANC": peer_entry(server)})
    settings = settings_mod.load_settings(cfg)
    proj = new_project(tmp_path, _rows())
    fin = engine.search(settings, proj, "ORTHANC", workers=workers)
    assert (fin.found, fin.missing, fin.failed) == (3, 0, 1)
    _check(proj, truth)
    proj.close()


@pytest.mark.peers
def test_orthanc_without_a_split_would_have_lost_matches(capped_orthanc):
    """The premise: Orthanc really caps (3 matches, then status Cancel) and we see it as a cap."""
    import pacs
    server, truth = capped_orthanc
    with pacs.QuerySession(peers.SELF_AET, server.peer, pacs.Timeouts(5, 10, 30, 30)) as session:
        with pytest.raises(pacs.FindTruncated) as caught:
            session.find("STUDY", {"PatientID": "CAPDATES", "StudyInstanceUID": ""})
    assert len(caught.value.matches) == CAP < len(truth["CAPDATES"])
    assert caught.value.status == pacs.STATUS_CANCEL


@pytest.mark.peers
@pytest.mark.parametrize("behaviour, entry", [
    (Behaviour(find_limit=CAP), {"max_find_results": CAP}),                       # silent: the count says it
    (Behaviour(find_limit=CAP, limit_status=OUT_OF_RESOURCES), {}),               # a failure after matches
    (Behaviour(find_limit=CAP, limit_status=OUT_OF_RESOURCES, limit_refuses=True),
     {"max_find_results": CAP}),                                                  # the whole query refused
], ids=["silent-cap", "out-of-resources-after-matches", "refused"])
def test_a_peer_capping_its_answers_is_split(tmp_path, behaviour, entry):
    datasets, truth = _datasets()
    with BadPACS(datasets, behaviour) as server:
        cfg = write_config(tmp_path / "config", peers.free_port(),
                           {"BAD": {"peer_aet": server.aet, "peer_ip": server.host, "peer_port": server.port,
                                    **entry}})
        settings = settings_mod.load_settings(cfg)
        proj = new_project(tmp_path, _rows())
        fin = engine.search(settings, proj, "BAD", workers=2)
        stats = server.stats()
        if behaviour.limit_refuses:
            # refused outright, the row keeps nothing; it is still FAILED with the cap's reason
            queries = {x.number: x for x in proj.queries()}
            assert queries[3].status == FAILED and "capped at 3" in queries[3].reason
            assert queries[1].status == FOUND and queries[2].status == FOUND
            assert {s.study_uid for s in proj.series() if s.query_number == 1} == truth["CAPDATES"]
            assert not [s for s in proj.series() if s.query_number == 3]
        else:
            _check(proj, truth)
        proj.close()
    assert (fin.found, fin.failed) == (3, 1)
    assert stats["find_limited"] > 0


@pytest.mark.peers
def test_download_does_not_ask_a_capped_row_again_and_says_what_to_do(monkeypatch, capsys, tmp_path):
    """A row whose answer stayed capped would give the same answer at up to MAX_SPLIT_FINDS C-FINDs
    on every `download`: download names it and leaves it to an explicit `search`, which asks again."""
    from test_cli import run_main
    from test_engine import dicom_files
    from mid import project as project_mod
    from mid.vocab import ExitCode
    datasets, truth = _datasets()
    self_port = peers.free_port()
    with BadPACS(datasets, Behaviour(find_limit=CAP),
                 allowed_move_destinations={"MID_SCU": ("127.0.0.1", self_port)}) as server:
        cfg = write_config(tmp_path / "config", self_port,
                           {"BAD": {"peer_aet": server.aet, "peer_ip": server.host, "peer_port": server.port,
                                    "max_find_results": CAP}})
        sheet = tmp_path / "rows.csv"
        sheet.write_text("MRN,Study Description\nCAPDATES,\nCAPSTUCK,\n")
        proj_dir = tmp_path / "P"
        assert run_main(monkeypatch, cfg, "search", str(sheet), "--source", "BAD",
                        "--project", str(proj_dir)) == ExitCode.NETWORK
        capsys.readouterr()
        asked = server.stats()["find_requests"]

        code = run_main(monkeypatch, cfg, "download", "--project", str(proj_dir))
        out = capsys.readouterr()
        assert server.stats()["find_requests"] == asked, "download asked the capped row again"
        assert code == ExitCode.NETWORK, out.out + out.err       # a row is still not wholly searched
        assert "searching again" not in out.out
        assert ("query 2 (row 3): not searched again: the PACS capped the answer and it could not be split"
                in out.err), out.err
        assert f"main.py search --project {proj_dir}" in out.err
        proj = project_mod.Project.open(proj_dir)
        try:
            by_row = {x.number: x for x in proj.queries()}
            assert by_row[1].status == FOUND and engine.capped_row(by_row[2])
            wanted = sum(int(s.expected or 0) for s in proj.series())
        finally:
            proj.close()
        # what was found is downloaded: all of CAPDATES and the capped part of CAPSTUCK
        assert wanted >= len(truth["CAPDATES"]) + CAP
        assert len(dicom_files(proj_dir / "images")) == wanted

        assert run_main(monkeypatch, cfg, "search", "--project", str(proj_dir)) == ExitCode.NETWORK
        assert server.stats()["find_requests"] > asked            # an explicit search asks it again
