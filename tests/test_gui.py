"""The desktop window: the results-tree model without a window, then the whole flow in a real
window under Xvfb against a real DICOM peer (the demo PACS of demo.py,
a pynetdicom Q/R SCP on loopback).

The flow tests drive the window through its own events (button clicks through Tk, key and
mouse events on the tree, write_event_value for values a dialog would give) and check what the
widgets show at each step. The README's screenshots are made from the demo by
docs/screenshots/make.py, not from a test run.
"""
from __future__ import annotations

import base64
import gc
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mygui
from mid.settings import DropRule
from mygui import Filters, FilterError, Key, ResultsModel, SeriesRow

ROOT = Path(__file__).resolve().parent.parent


# ----------------------------------------------------------------------------- model, no window

def row(uid, study, desc, sdesc, mod="CT", num="1", date="20200101", n=10, status="FOUND"):
    return SeriesRow(series_uid=uid, study_uid=study, study_number=study[-4:], study_description=desc,
                     series_description=sdesc, modality=mod, series_number=num, study_date=date, instances=n,
                     status=status)


def sample_rows():
    """Three CT CHEST studies with the same two series, one with an extra series, one MR study."""
    rows = []
    for k, date in enumerate(("20200101", "20200301", "20200601")):
        st = f"1.2.3.{k}.0001"
        rows += [row(f"s{k}a", st, "CT CHEST", "AX 5MM", num="2", date=date, n=100),
                 row(f"s{k}b", st, "CT CHEST", "COR", num="3", date=date, n=40)]
    rows += [row("s3a", "1.2.3.3.0004", "CT CHEST", "AX 5MM", num="2", n=100),
             row("s3b", "1.2.3.3.0004", "CT CHEST", "COR", num="3", n=40),
             row("s3c", "1.2.3.3.0004", "CT CHEST", "Dose Report", num="999", n=1),
             row("s4a", "1.2.3.4.0005", "MR BRAIN", "T1 AX", mod="MR", num="1", date="20210101", n=20),
             row("s4b", "1.2.3.4.0005", "MR BRAIN", "T2 FLAIR", mod="MR", num="2", date="20210101", n=25)]
    return rows


def test_clusters_group_studies_by_description_and_series_set():
    m = ResultsModel(sample_rows())
    clusters = {(c.study_description, c.series_descriptions): len(c.study_uids) for c in m.clusters}
    assert clusters == {("CT CHEST", ("AX 5MM", "COR")): 3,
                        ("CT CHEST", ("AX 5MM", "COR", "Dose Report")): 1,
                        ("MR BRAIN", ("T1 AX", "T2 FLAIR")): 1}
    first = m.clusters[0]                                      # largest cluster first
    assert len(first.study_uids) == 3
    text, values = m.label(first.key)
    heads = ResultsModel.TREE_HEADINGS
    assert text == "3 studies · CT CHEST" and values[heads.index("Series")] == "6"
    assert values[heads.index("Date")] == "2020"                 # the dates span within one year
    studies = m.children(first.key)                            # level 2: one node per study
    assert len(studies) == 3 and all(m.label(k)[0].startswith("Study ") for k in studies)
    assert [m.level(first.key), m.level(studies[0])] == ["cluster", "study"]
    series = m.children(studies[0])                            # level 3: that study's series
    assert [m.label(k)[0] for k in series] == ["AX 5MM", "COR"]  # ordered by series number
    assert m.level(series[0]) == "series" and len(m.node_series(series[0])) == 1
    assert m.label(series[0])[1][heads.index("Images")] == "100"
    assert m.label(series[0])[1][heads.index("Series")] == "#2"


def test_a_study_row_shows_number_date_accession_mrn_query_and_counts():
    rows = [SeriesRow("a", "st1", "0007", "CT CHEST", "AX", "CT", "2", "20130410", 120, accession="ACC9",
                      patient_id="00123", query_number=4),
            SeriesRow("b", "st1", "0007", "CT CHEST", "COR", "CT", "3", "20130410", 30, accession="ACC9",
                      patient_id="00123", query_number=4)]
    m = ResultsModel(rows)
    (study,) = m.children(m.visible_clusters()[0])
    text, values = m.label(study)
    got = dict(zip(ResultsModel.TREE_HEADINGS, values))
    assert text == "Study 0007 · query 4"
    assert (got["Date"], got["Accession"], got["MRN"], got["Series"], got["Images"]) == (
        "2013-04-10", "ACC9", "00123", "2", "150")


def test_nothing_is_selected_until_the_user_chooses_and_toggle_states_at_every_level():
    m = ResultsModel(sample_rows())
    assert m.selected == set() and m.summary().series == 0
    c = m.clusters[0].key
    studies = m.children(c)
    one = studies[1]
    changed = m.toggle(one)                                    # one study of a three-study cluster
    assert set(changed) == {c, one, *m.children(one)}
    assert m.selected == set(m.node_series(one)) and len(m.selected) == 2
    assert (m.state(one), m.state(c), m.state(studies[0])) == ("checked", "partial", "unchecked")
    ax = m.children(studies[0])[0]                             # one series of another study
    m.toggle(ax)
    assert (m.state(ax), m.state(studies[0]), m.state(c)) == ("checked", "partial", "partial")
    assert m.summary().studies == 2 and m.summary().series == 3
    m.toggle(c)                                                # partial cluster -> all of it
    assert m.state(c) == "checked" and len(m.selected) == 6
    assert all(m.state(k) == "checked" for k in m.all_nodes() if m.cluster_of(k) == c)
    m.toggle(c)
    assert m.selected == set() and m.state(c) == "unchecked"


def test_choosing_query_rows_narrows_every_level():
    rows = [r.__class__(**{**r.__dict__, "query_number": 1 if r.study_uid.endswith("0001") and "0.0" in r.study_uid
                           else 2}) for r in sample_rows()]
    m = ResultsModel(rows)
    m.set_queries([1])
    assert set(m.visible_series()) == {"s0a", "s0b"}
    (c,) = m.visible_clusters()
    assert m.label(c)[0].startswith("1 study · ") and len(m.children(c)) == 1
    m.select_all()
    assert m.selected == {"s0a", "s0b"}
    assert m.ticked_by_query() == {1: 2} and m.found_by_query() == {1: 2, 2: 9}
    m.set_queries([])
    assert len(m.visible_series()) == len(rows)


def test_statuses_follow_the_ticks_and_say_what_will_be_ignored():
    rows = sample_rows()
    rows = [r.__class__(**{**r.__dict__, "status": "EXCLUDED" if r.series_uid != "s0a" else "DOWNLOADED"})
            for r in rows]
    rows[5] = rows[5].__class__(**{**rows[5].__dict__, "note": "will be ignored: SeriesDescription contains 'Report'"})
    m = ResultsModel(rows)
    c = m.clusters[0].key
    first_study = m.children(c)[0]
    series = m.children(first_study)
    heads = ResultsModel.TREE_HEADINGS
    status = lambda k: m.label(k)[1][heads.index("Status")]      # noqa: E731
    assert [status(k) for k in series] == ["DOWNLOADED", "EXCLUDED"]
    m.toggle(series[1])                                         # a tick turns EXCLUDED back to queued
    assert status(series[1]) == "QUEUED"
    assert status(first_study) == "1/2 QUEUED" and status(c).endswith("QUEUED")
    m.toggle(series[1])
    assert status(series[1]) == "EXCLUDED"
    dose = next(k for k in m.all_nodes() if m.level(k) == "series" and m.node_series(k) == [rows[5].series_uid])
    assert status(dose) == "will be ignored"
    assert "SeriesDescription contains 'Report'" in m.details(dose)
    assert m.details(c).startswith("CT CHEST (3 studies): 6 series (5 EXCLUDED, 1 DOWNLOADED), 0 ticked")


def test_select_all_none_invert_global_and_per_cluster():
    m = ResultsModel(sample_rows())
    mr = next(c.key for c in m.clusters if c.study_description == "MR BRAIN")
    m.select_all(mr)
    assert m.selected == {"s4a", "s4b"}
    m.invert()
    assert m.selected == {r.series_uid for r in sample_rows()} - {"s4a", "s4b"}
    m.invert(mr)
    assert len(m.selected) == len(sample_rows())
    m.select_none(mr)
    assert "s4a" not in m.selected and "s0a" in m.selected
    m.select_none()
    assert m.selected == set()


def test_filters_text_regex_modality_number_and_dates():
    m = ResultsModel(sample_rows())
    m.set_filters(Filters(text="flair"))
    assert set(m.visible_series()) == {"s4b"}
    m.set_filters(Filters(text=r"^(AX|T1)\b", regex=True))
    assert set(m.visible_series()) == {"s0a", "s1a", "s2a", "s3a", "s4a"}
    m.set_filters(Filters(modality="MR"))
    assert set(m.visible_series()) == {"s4a", "s4b"}
    m.set_filters(Filters(series_numbers="3, 900-999"))
    assert set(m.visible_series()) == {"s0b", "s1b", "s2b", "s3b", "s3c"}
    m.set_filters(Filters(date_from="2020-02-01", date_to="20200630"))
    assert set(m.visible_series()) == {"s1a", "s1b", "s2a", "s2b"}
    c = m.clusters[0].key
    assert m.label(c)[0] == "2 studies · CT CHEST"             # counts follow the filter
    assert len(m.children(c)) == 2 and all(len(m.children(s)) == 2 for s in m.children(c))
    # select all acts on what is shown; hidden selections are counted and said
    m.select_all()
    assert m.selected == {"s1a", "s1b", "s2a", "s2b"}
    m.set_filters(Filters(modality="MR"))
    s = m.summary()
    assert (s.studies, s.series, s.instances, s.hidden) == (2, 4, 280, 4)
    assert "hidden by the filter" in s.text()


@pytest.mark.parametrize("filters, words", [
    (Filters(text="(", regex=True), "regular expression"),
    (Filters(series_numbers="two"), "Series number"),
    (Filters(date_from="31/31/2020"), "Date from"),
])
def test_bad_filter_fields_say_what_to_type_and_keep_the_old_filter(filters, words):
    m = ResultsModel(sample_rows())
    m.set_filters(Filters(modality="MR"))
    with pytest.raises(FilterError, match=words):
        m.set_filters(filters)
    assert set(m.visible_series()) == {"s4a", "s4b"}


def test_summary_counts_and_estimated_size():
    m = ResultsModel(sample_rows(), selected={"s0a", "s4a"})
    s = m.summary()
    assert (s.studies, s.series, s.instances) == (2, 2, 120)
    assert s.est_bytes == 100 * mygui.BYTES_PER_INSTANCE["CT"] + 20 * mygui.BYTES_PER_INSTANCE["MR"]
    assert "2 studies, 2 series, 120 images" in s.text()


def test_checkbox_icons_are_real_pngs_that_differ():
    raw = {k: base64.b64decode(v) for k, v in mygui.ICONS.items()}
    assert all(b.startswith(b"\x89PNG\r\n\x1a\n") for b in raw.values())
    assert len(set(raw.values())) == 3


def test_tree_data_has_three_levels_cluster_study_series():
    m = ResultsModel(sample_rows())
    td = m.tree_data()
    top = td.tree_dict[""].children
    assert [n.key for n in top] == m.visible_clusters()
    assert [len(n.children) for n in top] == [3, 1, 1]                       # studies
    assert sum(len(s.children) for n in top for s in n.children) == len(sample_rows())   # series
    assert top[0].icon == mygui.ICONS["unchecked"]
    m.toggle(m.children(top[0].key)[0])
    top = m.tree_data().tree_dict[""].children
    assert top[0].icon == mygui.ICONS["partial"] and top[0].children[0].icon == mygui.ICONS["checked"]


def test_series_rows_from_project_records():
    class Rec:
        series_uid, study_uid, study_number, status, expected = "u1", "st1", "0001", "QUEUED", None
        query_number = 3
        tags = {"StudyDescription": "CT", "SeriesDescription": "AX", "Modality": "CT", "SeriesNumber": "2",
                "StudyDate": "20200101", "NumberOfSeriesRelatedInstances": "12", "PatientID": "123",
                "AccessionNumber": "A7"}
    (r,) = mygui.series_rows([Rec()])
    assert (r.instances, r.status, r.series_number, r.study_number) == (12, "QUEUED", "2", "0001")
    assert (r.accession, r.patient_id, r.query_number) == ("A7", "123", 3)
    (r,) = mygui.series_rows([Rec()], {3: "000123"})              # the MRN as the sheet wrote it
    assert r.patient_id == "000123"


def test_study_status_and_table_colours():
    assert mygui.study_status(["DOWNLOADED", "IGNORED"]) == "DOWNLOADED"
    assert mygui.study_status(["DOWNLOADED", "FAILED"]) == "FAILED"
    assert mygui.study_status(["IGNORED"]) == "IGNORED"
    rows, colours = mygui.study_table_rows({"0002": {"description": "MR", "series": {"a": ("DOWNLOADED", 5, 5)}},
                                            "0001": {"description": "CT", "series": {"b": ("FAILED", 1, 4),
                                                                                     "c": ("QUEUED", 0, 3)}}})
    assert rows[0] == ["0001", "CT", "0/2", "1/7", "FAILED"]     # a FAILED series is not a finished one
    assert colours[1] == (1, *mygui.STATUS_COLOURS["DOWNLOADED"])


def test_clustering_ten_thousand_rows_in_three_levels():
    rows = [row(f"u{i}", f"st{i // 4}", f"CT {i // 4 % 5}", f"S{i % 4}", num=str(i % 4)) for i in range(10_000)]
    m = ResultsModel(rows)
    assert len(m.clusters) == 5
    assert len(m.studies()) == 2_500
    assert len(m.all_nodes()) == 5 + 2_500 + 10_000
    m.select_all()
    assert m.summary().series == 10_000


def test_sheet_table_merges_queries_and_errors_in_row_order():
    from mid import pages
    from mid.querysheet import Query, RowError, SheetResult
    res = SheetResult(path=Path("x.xlsx"), sheet=None, columns=["PatientID", "StudyDate"],
                      queries=[Query("1", 2, {"PatientID": ["0012"]}), Query("3", 4, {"PatientID": ["7"]})],
                      errors=[RowError(3, "StudyDate", "13/45/2020", "not a date; write M/D/YYYY")],
                      notices=[])
    headings, rows, reasons, errs = pages.sheet_table(res, ["PatientID", "StudyDate", "Modality"])
    assert headings == ["Row", "Query", "PatientID", "StudyDate", "Modality", "Problem"]
    assert [r[0] for r in rows] == ["2", "3", "4"]
    assert rows[0][2] == "0012" and errs == {1}
    assert rows[1][3] == "13/45/2020" and "not a date" in rows[1][5]
    assert reasons[1].startswith("Row 3: StudyDate = '13/45/2020'") and reasons[0] == ""


# ----------------------------------------------------------------------------- real window

def make_config(folder: Path, self_port: int, remote: dict[str, tuple[str, int]], **defaults) -> Path:
    from mid import settings as settings_mod
    folder.mkdir(parents=True, exist_ok=True)
    peers_json = {settings_mod.SELF: {"peer_name": settings_mod.SELF, "peer_aet": "MID_SCU",
                                      "peer_ip": "127.0.0.1", "peer_port": self_port}}
    for name, (aet, port) in remote.items():
        peers_json[name] = {"peer_name": name, "peer_aet": aet, "peer_ip": "127.0.0.1", "peer_port": port}
    (folder / "peers.json").write_text(json.dumps(peers_json, indent=1))
    base = {"retries": 1, "retry_backoff": 0.05, "move_idle_timeout": 20, "workers": 2, "connect_timeout": 3,
            "acse_timeout": 10, "dimse_timeout": 30, "network_timeout": 30, **defaults}
    (folder / "user_defaults.json").write_text(json.dumps(base, indent=1))
    return folder


def add_peer_keys(cfg: Path, name: str, **keys) -> Path:
    """Adds keys (transfer windows, a tls block, ...) to one peer of a make_config folder."""
    entries = json.loads((cfg / "peers.json").read_text())
    entries[name].update(keys)
    (cfg / "peers.json").write_text(json.dumps(entries, indent=1))
    return cfg


def show_peer(a, name: str) -> int:
    """Opens the Settings tab on peer `name` (its row in the peer list, as a click would); its row."""
    w = a.window
    w[Key.TAB_SETTINGS].select()
    row = list(a.ctx.settings.peers).index(name)
    w[Key.PEERS].update(select_rows=[row])
    w.write_event_value(Key.PEERS, [row])
    assert a.run_until(lambda: w[Key.P_NAME].get() == name, 5)
    return row


@pytest.fixture
def gui_env(tmp_path, xvfb, monkeypatch):
    """Log folder in tmp; returns a factory App(settings) with recorded opener and confirmations."""
    monkeypatch.setenv("MID_LOG_DIR", str(tmp_path / "logs"))
    import main
    made = []

    def make(settings, **kw):
        opened, asked = [], []
        a = main.App(settings, interactive=False, opener=opened.append,
                        confirm=lambda text: asked.append(text) or True, location=(0, 0), **kw)
        a.opened, a.asked = opened, asked
        made.append(a)
        return a
    yield make
    for a in made:
        for j in a.ctx.jobs:
            j.job.cancel()
            j.job.join(10)
        a.shutdown()


def last(a) -> str:
    """The newest message the window showed ('' before any)."""
    return a.ctx.messages[-1][1] if a.ctx.messages else ""


def click(a, key: str) -> None:
    """Press a button the way a user does (Tk invoke), then let the loop see it."""
    a.window[key].click()


def tree_click(a, node_key: str) -> None:
    """A real mouse release on the tree row of node_key (Tk event at the row's position)."""
    tree = a.window[Key.TREE]
    iid = tree.KeyToID[node_key]
    tree.Widget.see(iid)
    a.window.refresh()
    tree.Widget.update_idletasks()
    x, y, w, h = tree.Widget.bbox(iid, "#0")
    assert tree.Widget.identify_region(x + w // 2, y + h // 2) == "tree", "the tree row is not on screen"
    tree.Widget.event_generate("<ButtonRelease-1>", x=x + w // 2, y=y + h // 2)


def tree_rows(a) -> list[tuple[str, list]]:
    t = a.window[Key.TREE].Widget
    out = []
    for iid in t.get_children(""):
        out.append((t.item(iid, "text"), [t.item(c, "text") for c in t.get_children(iid)]))
    return out


@pytest.fixture
def demo_env(tmp_path, free_port):
    """The demo PACS (a real pynetdicom Q/R SCP on loopback) over the tests' small synthetic set,
    registered as "DEMO PACS" in a fresh config; yields (DemoRun, Settings)."""
    from mid import demo
    from mid import settings as settings_mod
    from conftest import small_set
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    with demo.running(cfg, tmp_path / "store", desc=small_set()) as d:
        s = settings_mod.load_settings(cfg)
        assert d.peer_name in s.peers, [str(n) for n in s.notices]
        yield d, s


@pytest.mark.gui
def test_whole_flow_sheet_search_select_download_summary(tmp_path, gui_env, demo_env):
    from mid import synthdata
    d, settings = demo_env
    desc = d.desc
    sheet = tmp_path / "wanted studies.xlsx"
    sheet_rows = synthdata.sample_sheet(desc, sheet)
    a = gui_env(settings, demo_peer=d.peer_name)
    w = a.window
    assert w.TKroot.title() == "Medical Imaging Downloader"
    assert a.pages.steps.next_key() == Key.LOAD_SHEET

    # 1. load the sheet (the file dialog's answer arrives as the event value)
    w.write_event_value(Key.LOAD_SHEET, str(sheet))
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    table = w[Key.QUERY_TABLE]
    assert len(table.Values) == len(sheet_rows)
    shown = table.Widget.cget("displaycolumns")
    assert "PatientID" in shown and "SeriesInstanceUID" not in shown        # empty columns hidden
    assert a.pages.steps.index == 1 and a.pages.steps.reached == 2 and a.pages.steps.next_key() == Key.NEXT
    assert w[Key.NEXT].ButtonColor == mygui.HIGHLIGHT
    assert Path(a.ctx.project.root) == tmp_path / "store" / "wanted studies"
    table.update(select_rows=[0])
    w.write_event_value(Key.QUERY_TABLE, [0])
    a.run_until(lambda: "fine" in w[Key.ROW_REASON].get(), 5)
    assert w[Key.ROW_REASON].get() == "This row is fine."

    # 2. search: Next, pick the source, press Search; watch progress and counts
    click(a, Key.NEXT)
    assert a.run_until(lambda: a.pages.steps.index == 2, 5)
    assert w[Key.SEARCH].ButtonColor == mygui.HIGHLIGHT
    assert w[Key.SOURCE].get() == d.peer_name
    click(a, Key.SEARCH)
    assert a.run_until(lambda: a.ctx.busy("search"), 5)
    assert w[Key.SEARCH].Widget.cget("state") == "disabled"
    assert w[Key.SEARCH_CANCEL].Widget.cget("state") == "normal"
    assert a.run_until(lambda: a.pages.search.searched, 60), a.ctx.messages
    expect_found = sum(1 for r in sheet_rows if r.expected_study_uid)
    assert w[Key.FOUND].get() == f"Found: {expect_found}"
    assert w[Key.MISSING].get() == "Missing: 1"
    assert w[Key.SEARCH_STATUS].get().startswith("Search finished")
    assert w[Key.SEARCH].Widget.cget("state") == "normal"                   # re-enabled
    assert len(a.pages.select.model.rows) == len(desc.all_series())
    assert a.pages.steps.index == 3
    shot_step = a.pages.steps.index
    a.pages.steps.go(2)
    a.step()
    a.pages.steps.go(shot_step)

    # 3. filter and select: type a filter, click rows, cluster buttons, clear
    rows = tree_rows(a)
    assert len(rows) == len(a.pages.select.model.visible_clusters()) >= 2
    assert all(kids for _, kids in rows)
    assert a.pages.select.model.selected == set()
    w[Key.F_MODALITY].update(value="MR")
    w.write_event_value(Key.F_MODALITY, "MR")
    assert a.run_until(lambda: a.pages.select.model.filters.modality == "MR", 5)
    a.run_until(lambda: all(t.startswith("MR") or "MR" in t for t, _ in tree_rows(a)), 2)
    mr_series = {r.series_uid for r in a.pages.select.model.rows if r.modality == "MR"}
    assert set(a.pages.select.model.visible_series()) == mr_series
    cluster = a.pages.select.model.visible_clusters()[0]
    tree_click(a, cluster)
    a.run_until(lambda: a.pages.select.model.selected, 5)
    assert a.pages.select.model.selected == set(a.pages.select.model.node_series(cluster))
    assert a.pages.select.model.state(cluster) == "checked"
    assert w[Key.SEL_COUNT].get().startswith("Selected: ")
    click(a, Key.F_CLEAR)
    assert a.run_until(lambda: a.pages.select.model.filters == Filters(), 5)
    click(a, Key.SEL_ALL)
    assert a.run_until(lambda: len(a.pages.select.model.selected) == len(a.pages.select.model.rows), 5)
    # untick what the drop rules would ignore anyway: the reports and dose captures
    w[Key.F_TEXT].update("report")
    w.write_event_value(Key.F_TEXT, "report")
    assert a.run_until(lambda: a.pages.select.model.filters.text == "report", 5)
    click(a, Key.SEL_NONE)
    a.run_until(lambda: False, 0.3)
    report_uids = {r.series_uid for r in a.pages.select.model.rows if "report" in r.series_description.lower()}
    assert report_uids and not (a.pages.select.model.selected & report_uids)
    click(a, Key.F_CLEAR)
    a.run_until(lambda: a.pages.select.model.filters == Filters(), 5)
    wanted = set(a.pages.select.model.selected)
    n_studies = len({a.pages.select.model.by_uid[u].study_uid for u in wanted})
    assert w[Key.SEL_COUNT].get().startswith(f"Selected: {n_studies} studies, {len(wanted)} series")
    assert a.pages.steps.next_key() == Key.NEXT

    # 4. download: anonymize is on by default, destination <SELF>
    click(a, Key.NEXT)
    a.run_until(lambda: a.pages.steps.index == 4, 5)
    assert w[Key.ANON].get() is True and w[Key.DEST].get() == "<SELF>"
    assert w[Key.DOWNLOAD].ButtonColor == mygui.HIGHLIGHT
    frozen = gc.get_freeze_count()
    click(a, Key.DOWNLOAD)
    assert a.run_until(lambda: a.ctx.busy("download"), 5)
    assert w[Key.DL_CANCEL].Widget.cget("state") == "normal"
    a.run_until(lambda: (a.pages.download.view.progress is not None
                         and a.pages.download.view.progress.instances_done > 10)
                or not a.ctx.busy("download"), 60)
    a.pages.download.draw(force=True)
    assert a.run_until(lambda: a.pages.download.result is not None, 120), a.ctx.messages
    assert gc.get_freeze_count() == frozen         # the download left the garbage collector alone

    # 5. the summary
    a.run_until(lambda: False, 0.3)
    result = a.pages.download.result
    assert not result.cancelled and result.error is None
    assert result.counts.get("DOWNLOADED", 0) == len(wanted)
    summary = w[Key.SUMMARY].get()
    assert summary.startswith("Finished:") and f"{len(wanted)} DOWNLOADED" in summary
    assert w[Key.SUMMARY_COL].visible
    study_rows = w[Key.STUDY_TABLE].Values
    assert len(study_rows) == n_studies and all(r[-1] == "DOWNLOADED" for r in study_rows)
    assert w[Key.DL_STATUS].get().startswith(f"{sum(a.pages.select.model.by_uid[u].instances for u in wanted):,} of")
    files = list(a.ctx.project.images_dir.rglob("*.dcm"))
    assert files
    assert not any("FAKE" in str(p).upper() for p in files)
    assert w[Key.OPEN_IMAGES].ButtonColor == mygui.HIGHLIGHT
    click(a, Key.OPEN_IMAGES)
    a.run_until(lambda: len(a.opened) == 1, 5)
    click(a, Key.OPEN_REPORTS)
    a.run_until(lambda: len(a.opened) == 2, 5)
    assert a.opened == [a.ctx.project.images_dir, a.ctx.project.private_dir]
    assert any(p.name.endswith("_3_SUCCESSFUL_DOWNLOADS.xlsx") for p in a.ctx.project.private_dir.iterdir())
    assert a.stats.max_gap < 30       # sanity only: the loop kept turning (latency is in bench/bench_gui.py)


@pytest.mark.gui
def test_closing_mid_download_asks_cancels_and_writes_reports(tmp_path, gui_env, demo_env):
    d, settings = demo_env
    a = gui_env(settings, sheet_path=d.sheet_path, demo_peer=d.peer_name)
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages     # the sheet loads on a worker
    click(a, Key.SEARCH)
    assert a.run_until(lambda: a.pages.search.searched, 60), a.ctx.messages
    a.window.write_event_value(Key.SEL_ALL, None)
    a.run_until(lambda: a.pages.select.model.selected, 5)
    click(a, Key.DOWNLOAD)
    assert a.run_until(lambda: a.ctx.busy("download"), 5)
    # Ctrl+N (new project) during the transfer is refused: its button is disabled, the shortcut too
    a.window.write_event_value(Key.NEW_PROJECT, str(tmp_path / "other project"))
    assert a.run_until(lambda: "running" in last(a), 5)
    assert not (tmp_path / "other project").exists()
    a.window.write_event_value(mygui.sg.WIN_CLOSE_ATTEMPTED_EVENT, None)
    assert a.run_until(lambda: a.closed, 90)
    assert a.asked and "Cancel it, write the reports and exit?" in a.asked[0]
    assert not a.ctx.busy()
    assert a.pages.download.result is not None
    reports = sorted(p.name for p in a.ctx.project.private_dir.glob("*.xlsx"))
    assert any("_6_FAILED_TRANSFERS" in n for n in reports) and len(reports) >= 8
    statuses = {s.status for s in a.ctx.project.series()}
    assert "DOWNLOADING" not in statuses and "QUEUED" not in statuses
    # the figures agree with the project once cancelled: no ETA, finished series as the reports count them
    text = w_text(a, Key.DL_STATUS)
    finished = sum(1 for s in a.ctx.project.series() if s.status in ("DOWNLOADED", "IGNORED"))
    assert "ETA" not in text and "cancelled" in text, text
    assert f"series {finished} of " in text, text
    for row in a.window[Key.STUDY_TABLE].Values:          # "done/total" counts finished series only
        if row[-1] == "CANCELLED":
            done, total = map(int, row[2].split("/"))
            assert done < total, row


@pytest.mark.gui
def test_errors_are_readable_and_leave_no_button_disabled(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod
    dead = free_port()
    cfg = make_config(tmp_path / "config", free_port(), {"DEAD PACS": ("NOBODY", dead)},
                      storage_root=str(tmp_path / "store"), connect_timeout=1)
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    # an unreadable sheet: a message that names the file; buttons stay usable
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    w.write_event_value(Key.LOAD_SHEET, str(bad))
    assert a.run_until(lambda: any(lvl == "error" for lvl, _ in a.ctx.messages), 10)
    assert "notes.txt" in last(a) and "Traceback" not in last(a)
    assert w[Key.LOAD_SHEET].Widget.cget("state") == "normal"
    # searching with no sheet says what to do
    click(a, Key.SEARCH)
    assert a.run_until(lambda: "Load a query sheet first" in last(a), 5)
    # Test against a peer that is not there: readable, and Test is enabled again afterwards
    w[Key.SOURCE].update(value="DEAD PACS")
    click(a, Key.TEST_SOURCE)
    assert a.run_until(lambda: a.ctx.busy("echo"), 5)
    assert a.run_until(lambda: not a.ctx.busy("echo"), 30)
    a.step()
    level, text = a.ctx.messages[-1]
    assert level == "error" and "DEAD PACS" in text and "Traceback" not in text
    assert w[Key.TEST_SOURCE].Widget.cget("state") == "normal"
    assert w[Key.SEARCH].Widget.cget("state") == "normal"
    # a handler that raises a program error is caught, logged, and shown as one line
    a.window.write_event_value(Key.TOGGLE, "C99")
    a.run_until(lambda: "no results yet" in last(a), 5)
    assert a.ctx.messages[-1][0] == "error"


@pytest.mark.gui
def test_settings_tab_validates_as_typed_protects_self_and_saves(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {"MAIN PACS": ("PACS1", free_port())},
                      storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    w[Key.TAB_SETTINGS].select()
    w[Key.P_AET].update("THIS AE TITLE IS FAR TOO LONG")
    w.write_event_value(Key.P_AET, "x")
    assert a.run_until(lambda: w[Key.err(Key.P_AET)].get() != "", 5)
    w[Key.P_PORT].update("70000")
    w.write_event_value(Key.P_PORT, "x")
    assert a.run_until(lambda: w[Key.err(Key.P_PORT)].get() != "", 5)
    # <SELF> cannot be deleted
    w[Key.PEERS].update(select_rows=[list(a.ctx.settings.peers).index("<SELF>")])
    w.write_event_value(Key.PEERS, [list(a.ctx.settings.peers).index("<SELF>")])
    assert a.run_until(lambda: w[Key.P_NAME].get() == "<SELF>", 5)
    click(a, Key.P_DELETE)
    assert a.run_until(lambda: "cannot be deleted" in last(a), 5)
    assert "<SELF>" in settings_mod.load_settings(cfg).peers
    # a new peer, validated and saved to peers.json
    click(a, Key.P_CLEAR)
    for k, v in ((Key.P_NAME, "RESEARCH PACS"), (Key.P_AET, "RPACS"), (Key.P_HOST, "127.0.0.1"),
                 (Key.P_PORT, "11112")):
        w[k].update(v)
    w.write_event_value(Key.P_PORT, "11112")
    a.run_until(lambda: w[Key.err(Key.P_PORT)].get() == "" and w[Key.err(Key.P_AET)].get() == "", 5)
    click(a, Key.P_SAVE)
    assert a.run_until(lambda: "RESEARCH PACS" in a.ctx.settings.peers, 5), a.ctx.messages
    a.run_until(lambda: False, 0.3)
    saved = settings_mod.load_settings(cfg).peers["RESEARCH PACS"]
    assert (saved.aet, saved.port) == ("RPACS", 11112)
    assert "RESEARCH PACS" in w[Key.SOURCE].Values
    # general settings: a bad number is marked and not saved; a good one is saved
    w[Key.S_WORKERS].update("lots")
    w.write_event_value(Key.S_WORKERS, "lots")
    assert a.run_until(lambda: "whole number" in w[Key.err(Key.S_WORKERS)].get(), 5)
    click(a, Key.S_SAVE)
    assert a.run_until(lambda: "not saved" in last(a), 5)
    w[Key.S_WORKERS].update("3")
    click(a, Key.S_SAVE)
    assert a.run_until(lambda: settings_mod.load_settings(cfg).defaults.workers == 3, 5), a.ctx.messages
    # the anonymization tab shows the anonymizer's own description and saves its options
    w[Key.TAB_ANON].select()
    assert "ivate" in w[Key.A_DESCRIBE].get()                      # private tags are mentioned
    w[Key.A_IDPREFIX].update("STUDY_")
    click(a, Key.A_SAVE)
    assert a.run_until(lambda: settings_mod.load_settings(cfg).defaults.patient_id_prefix == "STUDY_", 5)


@pytest.mark.gui
def test_drop_rules_are_edited_validated_and_saved_on_the_anonymization_tab(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    w[Key.TAB_ANON].select()
    assert "SeriesDescription: Summary; Report" in w[Key.A_DROP].get()
    assert "(word)" in w[Key.A_DROP_FORMAT].get()                  # the format is shown next to it
    before = (cfg / "anon_imgs.json").read_text() if (cfg / "anon_imgs.json").exists() else None
    # an unknown keyword and a line without a colon are reported as typed, and not saved
    w[Key.A_DROP].update("Modality: SR\nSeriesDescripton: Report\njust text")
    w.write_event_value(Key.A_DROP, "")
    assert a.run_until(lambda: "SeriesDescripton" in w[Key.A_DROP_ERR].get(), 5)
    assert "line 3" in w[Key.A_DROP_ERR].get()
    click(a, Key.A_SAVE)
    assert a.run_until(lambda: "not saved" in last(a), 5), a.ctx.messages
    assert ((cfg / "anon_imgs.json").read_text() if (cfg / "anon_imgs.json").exists() else None) == before
    # a valid edit, with one whole-word value, is saved and the description follows it
    w[Key.A_DROP].update("Modality: SR; DOC\nSeriesDescription: Scout; Text (word)\n")
    w.write_event_value(Key.A_DROP, "")
    assert a.run_until(lambda: w[Key.A_DROP_ERR].get() == "", 5)
    click(a, Key.A_SAVE)
    assert a.run_until(lambda: a.ctx.settings.anon_imgs.get("Modality") == ["SR", "DOC"], 5), a.ctx.messages
    a.run_until(lambda: False, 0.3)
    saved = json.loads((cfg / "anon_imgs.json").read_text())
    assert saved == {"Modality": ["SR", "DOC"],
                     "SeriesDescription": ["Scout", {"value": "Text", "whole_word": True}]}
    reloaded = settings_mod.load_settings(cfg)
    assert DropRule("SeriesDescription", "Text", whole_word=True) in reloaded.drop_rules
    assert "'Scout'" in w[Key.A_DESCRIBE].get() and "'Report'" not in w[Key.A_DESCRIBE].get()
    assert w[Key.A_DROP].get().strip() == "Modality: SR; DOC\nSeriesDescription: Scout; Text (word)"
    assert "anon_imgs.json" in w[Key.A_MSG].get() and "user_defaults.json" in w[Key.A_MSG].get()


@pytest.mark.gui
def test_menu_shortcuts_and_help(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    w.write_event_value(Key.MENU, f"&About::{Key.ABOUT}")
    # menu events arrive as "Label::-KEY-"; the loop strips the label
    w.write_event_value(f"&About::{Key.ABOUT}", None)
    assert a.run_until(lambda: any("pydicom" in t for _, t in a.ctx.messages), 5)
    w.write_event_value(f"Open &README::{Key.README}", None)
    assert a.run_until(lambda: a.opened, 5)
    assert a.opened[-1].name == "README.md" and a.opened[-1].is_file()
    # Ctrl+Q is bound to Exit
    assert "<Control-q>" in mygui.SHORTCUTS and "<Control-o>" in mygui.SHORTCUTS and "<Control-f>" in mygui.SHORTCUTS
    w.TKroot.focus_force()
    w.TKroot.event_generate("<Control-q>")
    assert a.run_until(lambda: a.closed, 5)


@pytest.mark.gui
def test_loop_reads_events_without_collecting_every_widget_value(tmp_path, gui_env, free_port):
    """A loop turn does not ask Tk for the value of every input in the tabs (one Tk call each,
    slow while download threads hold the interpreter lock); events and selections still arrive."""
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {"MAIN PACS": ("PACS1", free_port())},
                      storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    w[Key.F_TEXT].update("CHEST")
    event, values = w.read(timeout=0)
    assert Key.F_TEXT not in values and Key.S_WORKERS not in values and Key.P_AET not in values
    assert w[Key.F_TEXT].get() == "CHEST"                        # read when needed, from the widget
    # typing still reaches its handler
    w[Key.TAB_SETTINGS].select()
    w[Key.S_WORKERS].update("lots")
    w.write_event_value(Key.S_WORKERS, "lots")
    assert a.run_until(lambda: "whole number" in w[Key.err(Key.S_WORKERS)].get(), 5)
    # a row picked in the peers table with no posted value: the table's own selection is used
    table = w[Key.PEERS]
    row = list(a.ctx.settings.peers).index("MAIN PACS")
    table.Widget.selection_set(table.tree_ids[row])
    assert a.run_until(lambda: w[Key.P_NAME].get() == "MAIN PACS", 5)
    assert w[Key.P_AET].get() == "PACS1"


@pytest.mark.gui
def test_engine_events_are_coalesced_but_status_changes_never_dropped(tmp_path, gui_env, free_port):
    from mid import engine
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    forwarded = []
    real = a.window.write_event_value
    a.window.write_event_value = lambda key, value: (forwarded.append(value), real(key, value))
    total = 2000
    for i in range(1, total + 1):
        a.ctx.post(engine.DownloadProgress(i, total, i * 1000, 50.0, (total - i) / 50.0, i // 50, 40))
        if i % 50 == 0:
            a.ctx.post(engine.SeriesUpdate(f"2.25.{i}", "0001", "AX", "DOWNLOADED", None, 50, 50))
    progress = [e for e in forwarded if isinstance(e, engine.DownloadProgress)]
    updates = [e for e in forwarded if isinstance(e, engine.SeriesUpdate)]
    assert len(updates) == 40                                      # every status change reaches the window
    assert 1 <= len(progress) < total                              # progress is thinned out ...
    assert progress[-1].instances_done == total                    # ... but the final figures always arrive
    assert a.ctx.latest(engine.DownloadProgress).instances_done == total
    a.run_until(lambda: len(a.pages.download.view.studies.get("0001", {}).get("series", {})) == 40, 5)
    assert len(a.pages.download.view.studies["0001"]["series"]) == 40
    assert a.pages.download.view.progress.instances_done == total
    a.pages.download.draw(force=True)
    assert w_text(a, Key.DL_STATUS).startswith("2,000 of 2,000 images")
    bar = a.window[Key.DL_BAR].TKProgressBar.TKProgressBarForReal
    assert (float(bar.cget("value")), float(bar.cget("maximum"))) == (total, total)

    # a download over two transfer windows: the figures its first run stopped at arrive before that
    # run's end, and the next run's (which counts only the series left to it) add to them
    a.pages.download.view = type(a.pages.download.view)()
    forwarded.clear()
    for i in range(1, 31):
        a.ctx.post(engine.DownloadProgress(i, 100, i * 1000, 50.0, 1.0, 2, 6))
    a.ctx.post(engine.DownloadFinished({"DOWNLOADED": 2, "QUEUED": 4}, False, None, [], window_closed=True))
    assert [type(e) for e in forwarded[-2:]] == [engine.DownloadProgress, engine.DownloadFinished], forwarded
    assert forwarded[-2].instances_done == 30 and len(forwarded) < 31
    assert a.run_until(lambda: a.pages.download.view.next_run, 5)
    assert a.pages.download.view.progress.instances_done == 30
    a.ctx.post(engine.DownloadProgress(5, 75, 0, 0.0, None, 0, 4))     # the rest: 4 series, 75 images
    assert a.run_until(lambda: not a.pages.download.view.next_run, 5)
    shown = a.pages.download.view.progress
    assert (shown.instances_done, shown.instances_total, shown.bytes_done, shown.series_done,
            shown.series_total) == (30, 100, 30_000, 2, 6)


def w_text(a, key: str) -> str:
    return a.window[key].get()


@pytest.mark.gui
def test_selection_loaded_from_an_edited_results_workbook(tmp_path, gui_env, demo_env):
    from openpyxl import load_workbook
    from mid import reports
    d, settings = demo_env
    a = gui_env(settings, sheet_path=d.sheet_path, demo_peer=d.peer_name)
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    click(a, Key.SEARCH)
    assert a.run_until(lambda: a.pages.search.searched, 60), a.ctx.messages
    results = reports.report_path(a.ctx.project, a.ctx.settings, "search_results")
    assert results.is_file()
    # the user marks two series Y in Excel (every other row left as written)
    wb = load_workbook(results)
    ws = wb.worksheets[0]
    header = [c.value for c in ws[1]]
    di, ui = header.index(reports.DOWNLOAD) + 1, header.index(reports.SERIES_UID) + 1
    chosen = set()
    for r in range(2, ws.max_row + 1):
        uid = ws.cell(r, ui).value
        if uid and len(chosen) < 2:
            ws.cell(r, di).value = "Y"
            chosen.add(uid)
        elif uid:
            ws.cell(r, di).value = "N"
    edited = tmp_path / "edited results.xlsx"
    wb.save(edited)
    a.window.write_event_value(Key.LOAD_SELECTION, str(edited))
    assert a.run_until(lambda: a.pages.select.model.selected == chosen, 10), a.ctx.messages
    assert "2 series ticked" in last(a)
    assert a.window[Key.SEL_COUNT].get().startswith("Selected: ")
    # a workbook without the columns: a readable message, the selection untouched
    bad = tmp_path / "other.xlsx"
    from openpyxl import Workbook
    wb2 = Workbook()
    wb2.active.append(["Name", "Value"])
    wb2.save(bad)
    a.window.write_event_value(Key.LOAD_SELECTION, str(bad))
    assert a.run_until(lambda: "other.xlsx" in last(a), 10)
    assert a.ctx.messages[-1][0] == "error" and a.pages.select.model.selected == chosen


def test_main_without_a_screen_says_to_use_the_headless_commands(tmp_path):
    import sys
    cfg = make_config(tmp_path / "config", 11112, {}, storage_root=str(tmp_path / "store"))
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MID_LOG_DIR"] = str(tmp_path / "logs")
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--config-dir", str(cfg)], env=env,
                         capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert out.returncode == 2
    assert "headless commands" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.gui
def test_a_locked_report_offers_retry_or_save_as_and_is_never_lost(tmp_path, gui_env, demo_env, monkeypatch):
    """A workbook open in Excel cannot be replaced. os.replace refuses the locked paths (as Windows
    does) until the user "closes" the file; the window's answer arrives through REPORT_LOCKED_EVENT."""
    import threading
    from openpyxl import load_workbook
    from mid import reports
    d, settings = demo_env
    locked: set[Path] = set()
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst) in locked:
            raise PermissionError(13, "The process cannot access the file", str(dst))
        return real_replace(src, dst)
    monkeypatch.setattr(os, "replace", replace)
    asked, answers = [], []

    def choose(path):
        asked.append((Path(path), threading.current_thread() is threading.main_thread()))
        answer = answers.pop(0)
        if answer == "retry":
            locked.discard(Path(path))          # the user closed the workbook, then pressed Retry
        return answer
    a = gui_env(settings, sheet_path=d.sheet_path, demo_peer=d.peer_name, on_locked=choose)
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    results = reports.report_path(a.ctx.project, a.ctx.settings, "search_results")
    results.write_bytes(b"the old workbook, open in Excel")
    copy = results.with_name(f"{results.stem} (1).xlsx")
    locked.add(results)
    # 1. the search's reports: the engine keeps a "(1)" copy; the window asks, Retry then succeeds
    answers.append("retry")
    click(a, Key.SEARCH)
    assert a.run_until(lambda: a.pages.search.searched and asked and not a.ctx.busy("reports"), 60), a.ctx.messages
    assert asked == [(results, True)]                 # asked once, on the window thread, about that file
    assert load_workbook(results).sheetnames         # replaced by a real workbook
    assert not copy.exists()                         # the engine's stand-in copy is not left behind
    assert "trying again" in " ".join(t for _, t in a.ctx.messages)
    # 2. Export with the key legend open: Save as writes the chosen path; every other report is written
    legend = reports.report_path(a.ctx.project, a.ctx.settings, "master_key")
    legend.write_bytes(b"open in Excel")
    locked.add(legend)
    chosen = tmp_path / "elsewhere" / "legend for the coordinator.xlsx"
    chosen.parent.mkdir()
    answers.append(chosen)
    a.window.write_event_value(Key.EXPORT, None)
    assert a.run_until(lambda: len(asked) == 2 and not a.ctx.busy("reports") and "Wrote" in last(a), 30), a.ctx.messages
    assert asked[1] == (legend, True)
    assert legend.read_bytes() == b"open in Excel"  # the open file was left alone ...
    assert load_workbook(chosen).sheetnames          # ... and its report is where the user chose
    written = {p.name for p in a.ctx.project.private_dir.glob("*.xlsx")}
    assert len([n for n in written if n.startswith(a.ctx.project.name + "_")]) == 8, written
    assert not any(" (1)" in n for n in written)
    # 3. Keep the "(1)" name: written beside the locked file
    answers.append("rename")
    a.window.write_event_value(Key.EXPORT, None)
    assert a.run_until(lambda: len(asked) == 3 and not a.ctx.busy("reports"), 30), a.ctx.messages
    assert load_workbook(legend.with_name(f"{legend.stem} (1).xlsx")).sheetnames
    assert not answers                               # every question was asked, none twice


# ------------------------------------------------------------------ the loop's plumbing

def key_values() -> set[str]:
    """Every key mygui.Key names (plain constants, the page and step-label tuples)."""
    out = set()
    for name, v in vars(Key).items():
        if name.isupper() and isinstance(v, str):
            out.add(v)
        elif name.isupper() and isinstance(v, tuple):
            out.update(v)
    return out


#: keys that are events only, with no widget of their own (menu items, tree bindings, a posted toggle)
EVENT_ONLY = {Key.TOGGLE, Key.README, Key.LOGS, Key.LOAD_SELECTION, Key.ABOUT, Key.EXIT, Key.EXPORT,
              Key.TREE_CLICK, Key.TREE_SPACE}


@pytest.mark.gui
def test_every_widget_key_and_handled_event_is_a_named_constant(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    window_keys = {k for k in a.window.AllKeysDict if isinstance(k, str) and k.startswith("-")}
    named = key_values()
    assert window_keys - named - {Key.err(k) for k in named} == set()     # no widget key outside mygui.Key
    assert named - EVENT_ONLY - window_keys == set()                      # no constant without its widget
    events = {mygui.ENGINE_EVENT, mygui.REPORT_LOCKED_EVENT, mygui.JOB_DONE_EVENT, mygui.sg.WIN_CLOSE_ATTEMPTED_EVENT}
    assert set(a.handlers) - named - events == set()                      # every handled event is named
    for item in (e for _, items in mygui.MENU_DEF for e in items if "::" in e):
        assert item.split("::", 1)[1] in a.handlers, item                 # every menu item has a handler


@pytest.mark.gui
def test_a_job_end_arrives_as_an_event_not_by_polling(tmp_path, gui_env, free_port):
    import threading
    from mid.pages import JobDone
    from mid.vocab import Message
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    held, ended = [], []
    real = a.window.write_event_value

    def hold_job_events(key, value):          # the worker's JOB_DONE_EVENT is kept back
        if key == mygui.JOB_DONE_EVENT:
            held.append(value)
        else:
            real(key, value)
    a.window.write_event_value = hold_job_events
    on_done = lambda value, error: ended.append((value, error, threading.current_thread() is threading.main_thread()))
    running = a.ctx.start("probe", on_done, lambda x: x * 2, 21)
    assert running.job.join(10)                                     # the function has returned ...
    a.run_until(lambda: False, 0.5)
    assert a.ctx.busy("probe") and ended == []                      # ... but nothing polls the job
    assert len(held) == 1 and isinstance(held[0], JobDone) and held[0].value == 42
    real(mygui.JOB_DONE_EVENT, held.pop())                          # the event reaches the window
    assert a.run_until(lambda: ended, 5)
    assert ended == [(42, None, True)] and not a.ctx.busy("probe")  # on_done ran on the loop's thread
    # a job that raises: the error arrives the same way, and a UserError raised by on_done is shown
    a.window.write_event_value = real

    def failed(value, error):
        raise mygui.UserError(f"probe failed: {error}")
    a.ctx.start("probe", failed, lambda: 1 / 0)
    assert a.run_until(lambda: "probe failed: division by zero" in last(a), 10), a.ctx.messages
    assert a.ctx.messages[-1][0] == "error" and not a.ctx.busy("probe")
    # engine events are dispatched by their class: a Message goes to the status line
    a.ctx.post(Message("warning", "a message from the engine"))
    assert a.run_until(lambda: last(a) == "a message from the engine", 5)
    assert a.window[Key.STATUS].get() == "a message from the engine"


@pytest.mark.gui
def test_the_window_changes_no_process_wide_setting(tmp_path, gui_env, free_port):
    """The switch interval and gc are main.configure_process's, set once before the window opens."""
    import gc
    import sys
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    before = sys.getswitchinterval()
    sys.setswitchinterval(0.005)
    try:
        frozen = gc.get_freeze_count()
        a = gui_env(settings_mod.load_settings(cfg))
        a.run_until(lambda: False, 0.3)
        assert sys.getswitchinterval() == 0.005 and gc.get_freeze_count() == frozen
    finally:
        sys.setswitchinterval(before)


def python_child(code: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run `code` in a fresh interpreter in the repository (process-wide settings stay there)."""
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "MID_LOG_DIR": str(tmp_path / "logs")})


def test_configure_process_sets_the_switch_interval_and_freezes_the_start_up_heap_once(tmp_path):
    code = ("import gc, sys, main; main.configure_process(); print(sys.getswitchinterval(), "
            "gc.get_freeze_count() > 10000, main.GIL_SWITCH_INTERVAL)")
    out = python_child(code, tmp_path)
    assert out.returncode == 0, out.stderr
    interval, frozen, wanted = out.stdout.split()
    assert float(interval) == pytest.approx(float(wanted), rel=1e-6) and frozen == "True"


def test_configure_process_freezes_pynetdicom_and_the_pages_before_a_download_imports_them(tmp_path):
    """What the jobs and the window import later would be left to every full collection."""
    code = ("import gc, sys, main; main.configure_process(); gc.collect(); "
            "print(all(m in sys.modules for m in ('pynetdicom', 'pacs', 'mid.retrieve', 'mid.store', "
            "'mid.page_download', 'mid.page_select')), len(gc.get_objects()))")
    out = python_child(code, tmp_path)
    assert out.returncode == 0, out.stderr
    imported, young = out.stdout.split()
    assert imported == "True" and int(young) < 1000


@pytest.mark.gui
def test_a_read_skips_pysimpleguis_debugger_refresh_once_the_process_is_configured(tmp_path, xvfb):
    """PySimpleGUI's read runs inspect.stack() for its debugger at every call unless
    Window._read_call_from_debugger is set; configure_process sets it (in a child process, so
    this test process keeps PySimpleGUI's defaults)."""
    import inspect
    import PySimpleGUI as sg
    skip = "if not Window._read_call_from_debugger:\n            _refresh_debugger()"
    assert skip in inspect.getsource(sg.Window.read)
    code = """
import PySimpleGUI as sg, PySimpleGUI.PySimpleGUI as psg, main
calls = []
original = psg._refresh_debugger
psg._refresh_debugger = lambda: calls.append(1) or original()
w = sg.Window("t", [[sg.Text("x")]], finalize=True)
for _ in range(5):
    w.read(timeout=5)
before = len(calls)
main.configure_process()
for _ in range(5):
    w.read(timeout=5)
w.close()
print(before, len(calls))
"""
    out = python_child(code, tmp_path)
    assert out.returncode == 0, out.stderr
    before, after = map(int, out.stdout.split())
    assert before >= 5 and after == before


@pytest.mark.gui
def test_events_that_are_no_elements_key_cost_no_key_guessing(tmp_path, gui_env, free_port, monkeypatch):
    """PySimpleGUI's read looks every event up as an element; for a posted event, a menu item or a
    bound key it would compare the name with every key of the window (difflib) each time."""
    import difflib
    import PySimpleGUI as sg
    from mid import settings as settings_mod
    compared = []
    close_matches = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda *a, **k: compared.append(a[0]) or close_matches(*a, **k))
    plain = sg.Window("plain", [[sg.Text("x", key="-X-")]], finalize=True)
    try:
        plain.write_event_value(mygui.ENGINE_EVENT, None)
        assert plain.read(timeout=2000)[0] == mygui.ENGINE_EVENT
    finally:
        plain.close()
    assert compared == [mygui.ENGINE_EVENT]           # what a plain window does
    compared.clear()
    a = gui_env(settings_mod.load_settings(make_config(tmp_path / "config", free_port(), {},
                                                        storage_root=str(tmp_path / "store"))))
    seen = []
    a.handlers[mygui.ENGINE_EVENT] = seen.append
    for n in range(5):
        a.window.write_event_value(mygui.ENGINE_EVENT, n)
    assert a.run_until(lambda: len(seen) == 5, 10), seen
    assert seen == [0, 1, 2, 3, 4] and compared == []
    assert a.window.find_element("-NO-SUCH-KEY-", silent_on_error=True) is None
    assert a.window.find_element(Key.STATUS) is a.window[Key.STATUS]


def test_config_dir_is_passed_on_not_put_in_the_environment(tmp_path, monkeypatch, capsys):
    import main
    monkeypatch.delenv("MID_CONFIG_DIR", raising=False)
    monkeypatch.setenv("MID_LOG_DIR", str(tmp_path / "logs"))
    sheet = tmp_path / "wanted.csv"
    sheet.write_text("MRN,Study Description\n0012,CT CHEST\n")
    given = make_config(tmp_path / "given", 11112, {}, storage_root=str(tmp_path / "store"))
    assert main.main(["--config-dir", str(given), "check", str(sheet)]) == 0
    assert "MID_CONFIG_DIR" not in os.environ                      # nothing left in the environment
    assert (given / "query.json").is_file()                        # the folder given was read (and healed)
    assert "0012" in capsys.readouterr().out
    # the variable still works as an input when no --config-dir is given
    other = make_config(tmp_path / "from env", 11112, {}, storage_root=str(tmp_path / "store"))
    monkeypatch.setenv("MID_CONFIG_DIR", str(other))
    assert main.main(["check", str(sheet)]) == 0
    assert (other / "query.json").is_file()
