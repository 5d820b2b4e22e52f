"""The Select page in a real window (Xvfb) against the demo PACS: the query list beside the
results tree, the study level of the tree, and downloading one study of a cluster."""
from __future__ import annotations

import pytest

from mygui import Key
from test_gui import click, make_config, tree_click
import test_gui

demo_env = test_gui.demo_env          # a fixture of test_gui.py, shared
gui_env = test_gui.gui_env          # a fixture of test_gui.py, shared

pytestmark = pytest.mark.gui


@pytest.fixture
def alike_env(tmp_path, free_port):
    """The demo PACS over the small set with every CT study described "CT CHEST" and every MR
    study "MR BRAIN": the two patients' CT studies form one cluster of two studies."""
    from dataclasses import replace

    from conftest import small_set
    from mid import demo
    from mid import settings as settings_mod
    desc = small_set()
    names = {"CT": "CT CHEST", "MR": "MR BRAIN"}
    desc = replace(desc, patients=tuple(
        replace(p, studies=tuple(replace(s, description=names[s.series[0].modality]) for s in p.studies))
        for p in desc.patients))
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    with demo.running(cfg, tmp_path / "store", desc=desc) as d:
        yield d, settings_mod.load_settings(cfg)


def searched(gui_env, env):
    """A window on the demo PACS with its sample sheet loaded and searched."""
    d, settings = env
    a = gui_env(settings, sheet_path=d.sheet_path, demo_peer=d.peer_name)
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    click(a, Key.SEARCH)
    assert a.run_until(lambda: a.pages.search.searched, 60), a.ctx.messages
    assert a.pages.steps.index == 3
    return a


def test_a_single_study_inside_a_cluster_is_ticked_and_only_it_is_downloaded(gui_env, alike_env):
    a = searched(gui_env, alike_env)
    model = a.pages.select.model
    cluster = next(c for c in model.visible_clusters() if len(model.children(c)) >= 2)
    studies = model.children(cluster)
    study = studies[1]
    tree_click(a, study)                                      # a real click on the study's row
    assert a.run_until(lambda: model.selected, 5)
    assert model.selected == set(model.node_series(study))
    assert (model.state(study), model.state(cluster), model.state(studies[0])) == ("checked", "partial",
                                                                                    "unchecked")
    tree = a.window[Key.TREE]
    photos = tree.IconList["__checkbox_photos__"]
    assert str(tree.Widget.item(tree.KeyToID[cluster], "image")[0]) == str(photos["partial"])
    assert a.window[Key.SEL_COUNT].get().startswith(f"Selected: 1 studies, {len(model.selected)} series")
    wanted = set(model.selected)
    study_uid = model.by_uid[next(iter(wanted))].study_uid
    # the query list counts the ticks of that study's query
    q = model.by_uid[next(iter(wanted))].query_number
    row = next(r for r, rec in zip(a.window[Key.Q_TABLE].Values, a.pages.select.queries) if rec.number == q)
    assert row[4] == str(len(wanted))
    click(a, Key.NEXT)
    assert a.run_until(lambda: a.pages.steps.index == 4, 5)
    click(a, Key.DOWNLOAD)
    assert a.run_until(lambda: a.pages.download.result is not None, 120), a.ctx.messages
    result = a.pages.download.result
    assert not result.error            # the dose report is dropped by the rules: IGNORED
    assert result.counts.get("DOWNLOADED", 0) + result.counts.get("IGNORED", 0) == len(wanted)
    by_status = {}
    for s in a.ctx.project.series():
        by_status.setdefault(s.status, set()).add(s.study_uid)
    assert by_status["DOWNLOADED"] == {study_uid}
    assert study_uid not in by_status.get("EXCLUDED", set())
    folders = {p.parent.parent for p in a.ctx.project.images_dir.rglob("*.dcm")}
    assert len(folders) == 1                                   # one study folder on disk
    assert len(a.window[Key.STUDY_TABLE].Values) == 1


def test_selecting_a_query_row_shows_only_its_results(gui_env, demo_env):
    a = searched(gui_env, demo_env)
    w, model, page = a.window, a.pages.select.model, a.pages.select
    table = w[Key.Q_TABLE]
    assert len(table.Values) == len(page.queries) >= 3
    statuses = [r[2] for r in table.Values]
    assert "FOUND" in statuses and "MISSING" in statuses
    missing = statuses.index("MISSING")
    assert table.Values[missing][3] == "0" and table.Values[missing][5]          # says why
    found = statuses.index("FOUND")
    number = page.queries[found].number
    theirs = {r.series_uid for r in model.rows if r.query_number == number}
    assert theirs and theirs != set(model.by_uid)
    assert table.Values[found][3] == str(len(theirs))
    table.update(select_rows=[found])                         # a real selection in the Tk table
    assert a.run_until(lambda: set(model.visible_series()) == theirs, 5)
    shown = {model.node_series(k)[0] for k in model.all_nodes() if model.level(k) == "series"}
    assert shown == theirs
    t = w[Key.TREE].Widget
    n_rows = sum(1 + len(t.get_children(s)) for c in t.get_children("") for s in (c,) for s in t.get_children(c))
    assert n_rows == len(model.studies()) + len(theirs)
    assert page.queries[found].query_id in w[Key.Q_REASON].get()
    table.update(select_rows=[missing])                       # a MISSING row: nothing, and why
    assert a.run_until(lambda: not model.visible_series(), 5)
    assert "MISSING" in w[Key.Q_REASON].get()
    click(a, Key.Q_ALL)
    assert a.run_until(lambda: len(model.visible_series()) == len(model.rows), 5)


def test_series_the_drop_rules_will_ignore_say_so_and_no_status_is_cut_off(gui_env, demo_env):
    import tkinter.font

    from mygui import FONT, ResultsModel
    a = searched(gui_env, demo_env)
    model, tree = a.pages.select.model, a.window[Key.TREE]
    reports = [k for k in model.all_nodes() if model.level(k) == "series"
               and "report" in model.by_uid[model.node_series(k)[0]].series_description.lower()]
    assert reports                                           # Dose Report, Radiology Report
    col = "#" + str(ResultsModel.TREE_HEADINGS.index("Status") + 1)
    for k in reports:
        assert tree.Widget.set(tree.KeyToID[k], col) == "will be ignored"
    tree_click(a, reports[0])
    assert a.run_until(lambda: "contains" in a.window[Key.TREE_DETAIL].get(), 5)
    assert "will be ignored: " in a.window[Key.TREE_DETAIL].get()
    assert model.state(reports[0]) == "checked"
    # every status cell fits its column (the tree is shown at the laptop size's widths)
    font = tkinter.font.Font(font=FONT)
    width = tree.Widget.column(col, "width")
    click(a, Key.SEL_ALL)
    a.run_until(lambda: len(model.selected) == len(model.rows), 5)
    for k in model.all_nodes():
        text = tree.Widget.set(tree.KeyToID[k], col)
        assert text and font.measure(text) <= width - 4, (k, text, width)
