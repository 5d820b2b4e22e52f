"""Small truths of the window (Xvfb): the close question does not freeze the progress, the
About box has the program's version and an uncut title, an error's button says OK, folders
open or their path is shown with Copy, the red row hint shows only for a sheet with problems,
and the size estimate uses the sizes of images received."""
from __future__ import annotations

import pytest

import mygui
from mygui import Key
from test_gui import click, make_config
import test_gui

demo_env = test_gui.demo_env          # a fixture of test_gui.py, shared
gui_env = test_gui.gui_env          # a fixture of test_gui.py, shared

pytestmark = pytest.mark.gui


def popups(main_window) -> list:
    return [w for w in list(mygui.sg.Window._active_windows) if w is not main_window]


def answer_popup(a, seen: list, press: str = "OK"):
    """Tk timer: record the popup's title and button texts, then press `press`."""
    def look():
        wins = popups(a.window)
        if not wins:
            a.window.TKroot.after(50, look)
            return
        win = wins[-1]
        buttons = [e.ButtonText for row in win.Rows for e in row if isinstance(e, mygui.sg.Button)]
        seen.append((win.Title, buttons, win.TKroot.winfo_width(), win.TKroot.winfo_reqwidth()))
        win[press].click()
    a.window.TKroot.after(50, look)


def test_an_error_popup_says_ok_and_about_shows_the_version_with_an_uncut_title(tmp_path, gui_env, free_port):
    from mid import pages
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    a.ctx.interactive = True
    seen: list = []
    answer_popup(a, seen)
    a.ctx.fail("Something the user can fix.")
    assert seen and seen[0][1] == ["OK"]
    assert pages.program_version().startswith(mygui.APP_VERSION)
    seen.clear()
    answer_popup(a, seen)
    a.window.write_event_value(Key.ABOUT, None)
    assert a.run_until(lambda: seen, 5)
    title, buttons, width, _ = seen[0]
    assert title == f"About {mygui.APP_TITLE}" and buttons == ["OK"]
    import tkinter.font
    assert width >= tkinter.font.Font(font=mygui.FONT_BOLD).measure(title) + 60     # room for the whole title
    assert f"version {pages.program_version()}" in a.ctx.messages[-1][1]


def test_a_folder_without_an_opener_is_shown_with_a_copy_button(tmp_path, gui_env, free_port, monkeypatch):
    from mid import pages
    from mid import settings as settings_mod
    with pytest.raises(pages.NoOpener):
        pages.default_opener(tmp_path, which=lambda name: None)
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    a.ctx.opener = lambda p: pages.default_opener(p, which=lambda name: None)
    a.ctx.interactive = True
    seen: list = []

    def look():                                  # the path dialog: press Copy, then OK
        wins = popups(a.window)
        if not wins:
            a.window.TKroot.after(50, look)
            return
        win = wins[-1]
        seen.append(win["path"].get())
        win["copy"].click()
        win.TKroot.after(100, lambda: (seen.append(win.TKroot.clipboard_get()), win["OK"].click()))
    a.window.TKroot.after(50, look)
    a.window.write_event_value(Key.LOGS, None)
    assert a.run_until(lambda: len(seen) == 2, 10)
    folder = str(pages.log_folder())
    assert seen == [folder, folder]
    assert folder in a.ctx.messages[-1][1] and "xdg-open" in a.ctx.messages[-1][1]


def test_the_red_row_hint_shows_only_when_a_row_has_a_problem(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    assert a.window[Key.ROW_REASON].get() == ""
    good = tmp_path / "good.csv"
    good.write_text("MRN,Accession Number\n0000001,FAKEACC1\n")
    a.window.write_event_value(Key.LOAD_SHEET, str(good))
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    assert a.window[Key.ROW_REASON].get() == ""
    bad = tmp_path / "bad.csv"
    bad.write_text("MRN,Date\n0000002,13/45/2020\n0000003,1/2/2020\n")
    a.ctx.choose_hook = lambda text, choices: "new"
    before = a.pages.sheet.sheet
    a.window.write_event_value(Key.LOAD_SHEET, str(bad))
    assert a.run_until(lambda: a.pages.sheet.sheet is not before, 20), a.ctx.messages
    assert "problem" in a.window[Key.ROW_REASON].get()
    assert a.window[Key.ROW_REASON].Widget.cget("fg") == "#a00000"
    a.window[Key.QUERY_TABLE].update(select_rows=[1])          # the good row: said in green, not red
    assert a.run_until(lambda: a.window[Key.ROW_REASON].get() == "This row is fine.", 5)
    assert a.window[Key.ROW_REASON].Widget.cget("fg") == "#1b5e20"


def test_the_close_question_waits_in_the_window_while_the_download_goes_on(gui_env, demo_env):
    d, settings = demo_env
    a = gui_env(settings, sheet_path=d.sheet_path, demo_peer=d.peer_name)
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    click(a, Key.SEARCH)
    assert a.run_until(lambda: a.pages.search.searched, 60), a.ctx.messages
    a.window.write_event_value(Key.SEL_ALL, None)
    a.run_until(lambda: a.pages.select.model.selected, 5)
    a.ctx.confirm_hook, a.ctx.interactive = None, True      # the real question, not the tests' hook
    images = a.pages.select.model.summary().instances
    click(a, Key.DOWNLOAD)
    assert a.run_until(lambda: a.ctx.busy("download"), 5)
    a.window.write_event_value(mygui.sg.WIN_CLOSE_ATTEMPTED_EVENT, None)
    assert a.run_until(lambda: a.window[Key.ASK_COL].visible, 5)
    assert "Cancel it, write the reports and exit?" in a.window[Key.STATUS].get()
    # while the question waits, the loop turns: the download ends and its figures are drawn
    assert a.run_until(lambda: a.pages.download.result is not None, 120), a.ctx.messages
    total = a.pages.download.result.counts
    assert sum(total.values()) == len(a.pages.select.model.rows)
    assert a.window[Key.DL_STATUS].get().startswith(f"{images:,} of {images:,} images")
    assert not a.closed
    click(a, Key.ASK_NO)
    assert a.run_until(lambda: not a.window[Key.ASK_COL].visible, 5)
    assert not a.closed
    a.window.write_event_value(mygui.sg.WIN_CLOSE_ATTEMPTED_EVENT, None)     # nothing runs now: closes
    assert a.run_until(lambda: a.closed, 5)


def test_the_size_estimate_uses_the_sizes_of_images_received(gui_env, demo_env):
    d, settings = demo_env
    a = gui_env(settings, sheet_path=d.sheet_path, demo_peer=d.peer_name)
    assert a.run_until(lambda: a.pages.sheet.sheet is not None, 20), a.ctx.messages
    click(a, Key.SEARCH)
    assert a.run_until(lambda: a.pages.search.searched, 60), a.ctx.messages
    model = a.pages.select.model
    assert model.summary().typical is False and "typical" not in model.summary().text()  # nothing ticked
    ct = [k for k in model.studies() if "CT" in model.label(k)[1][ResultsModel_heading("Modality")]]
    model.toggle(ct[0])
    guessed = model.summary()
    assert guessed.typical and "(typical sizes)" in guessed.text()
    click(a, Key.NEXT)
    click(a, Key.DOWNLOAD)
    assert a.run_until(lambda: a.pages.download.result is not None, 120), a.ctx.messages
    model = a.pages.select.model                             # rebuilt with the new statuses and sizes
    files = [p for p in a.ctx.project.images_dir.rglob("*.dcm")]
    real = sum(p.stat().st_size for p in files) / len(files)
    assert "CT" in model.sizes and abs(model.sizes["CT"] - real) < real
    other = next(k for k in model.studies() if "CT" in model.label(k)[1][ResultsModel_heading("Modality")]
                 and model.state(k) != "checked")
    model.select_none()
    model.toggle(other)
    s = model.summary()
    assert not s.typical
    assert s.est_bytes == pytest.approx(s.instances * model.sizes["CT"], rel=0.01)
    assert s.est_bytes < s.instances * mygui.BYTES_PER_INSTANCE["CT"] / 10      # the demo's images are small


def ResultsModel_heading(name: str) -> int:
    return mygui.ResultsModel.TREE_HEADINGS.index(name)
