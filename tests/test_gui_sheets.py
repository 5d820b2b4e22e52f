"""Loading another sheet into an open project, in a real window (Xvfb): the user is asked
whether to extend this project (and told what that means) or start a new one."""
from __future__ import annotations

import pytest

from mygui import Key
import test_gui

demo_env = test_gui.demo_env          # a fixture of test_gui.py, shared
gui_env = test_gui.gui_env          # a fixture of test_gui.py, shared

pytestmark = pytest.mark.gui


def loaded(gui_env, demo_env):
    d, settings = demo_env
    a = gui_env(settings, demo_peer=d.peer_name)
    a.window.write_event_value(Key.LOAD_SHEET, str(d.sheet_path))
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    return a, d


def load_again(a, d, answer, sheet=None):
    asked = []
    a.ctx.choose_hook = lambda text, choices: asked.append((text, [c for c, _ in choices])) or answer
    before = a.pages.sheet.sheet
    a.window.write_event_value(Key.LOAD_SHEET, str(sheet or d.sheet_path))
    a.run_until(lambda: a.pages.sheet.sheet is not before or (asked and not a.ctx.busy()), 20)
    a.run_until(lambda: not a.ctx.busy(), 20)
    return asked


def test_another_sheet_asks_and_extend_adds_its_rows_to_this_project(tmp_path, gui_env, demo_env):
    a, d = loaded(gui_env, demo_env)
    first = a.ctx.project
    n = len(first.queries())
    more = tmp_path / "more rows.csv"
    more.write_text("MRN,Accession Number\n0000001,FAKEACC1\n0000002,FAKEACC2\n")
    asked = load_again(a, d, "extend", more)
    assert len(asked) == 1
    text, choices = asked[0]
    assert choices == ["extend", "new"]
    assert f"holds {n} queries" in text and "same images/ folder" in text and "master key" in text
    assert "own folder" in text
    assert a.ctx.project is first and len(first.queries()) == n + 2
    assert [q.number for q in first.queries()][n:] == [n + 1, n + 2]


def test_another_sheet_can_start_a_new_project_instead(gui_env, demo_env):
    a, d = loaded(gui_env, demo_env)
    first_root = a.ctx.project.root
    n = len(a.ctx.project.queries())
    load_again(a, d, "new")
    assert a.ctx.project.root != first_root and a.ctx.project.root.parent == first_root.parent
    assert len(a.ctx.project.queries()) == n
    assert a.window[Key.PROJECT_PATH].get() == str(a.ctx.project.root)
    from mid import project as projectmod
    with projectmod.Project.open(first_root) as old:          # the first cohort is untouched
        assert len(old.queries()) == n


def test_cancelling_the_question_leaves_the_project_as_it_was(gui_env, demo_env):
    a, d = loaded(gui_env, demo_env)
    first = a.ctx.project
    n = len(first.queries())
    asked = load_again(a, d, None)
    assert asked and a.ctx.project is first and len(first.queries()) == n
    assert "not loaded" in a.ctx.messages[-1][1]
