"""The window fits a 1366 x 768 laptop screen (frame and taskbar included), grows on a large
screen, and remembers the size the user left it at.

A Tk process keeps the display it opened first, so each screen size runs the real window in a
subprocess (tests/gui_fit_probe.py) on an Xvfb of that size."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import mygui
import peers
from mygui import Key
from test_gui import gui_env  # noqa: F401  (fixture)

HERE = Path(__file__).resolve().parent


def probe(tmp_path: Path, screen: str) -> dict:
    peers.require_tools(peers.XVFB_TOOLS)
    server = peers.XvfbServer(tmp_path / f"xvfb-{screen}", screen=screen + "x24").start()
    try:
        cfg = tmp_path / "config"
        cfg.mkdir(exist_ok=True)
        env = {**os.environ, "DISPLAY": server.display, "MID_LOG_DIR": str(tmp_path / f"logs-{screen}" / "logs")}
        done = subprocess.run([sys.executable, str(HERE / "gui_fit_probe.py"), str(cfg)], env=env,
                              capture_output=True, text=True, timeout=120, cwd=tmp_path)
    finally:
        server.stop()
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def assert_every_page_fits(got: dict) -> None:
    ww, wh = got["window"]
    for name, page in got["pages"].items():
        req_w, req_h = page["req"]
        assert req_w <= ww and req_h <= wh, f"{name} asks for {req_w}x{req_h}, the window is {ww}x{wh}"
        for key, where in page["widgets"].items():
            assert where["mapped"] and where["height"] > 1, f"{name}: {key} is not shown"
            assert where["bottom"] <= wh and where["right"] <= ww, f"{name}: {key} ends at {where}, window {ww}x{wh}"


@pytest.mark.gui
def test_the_window_fits_a_1366x768_screen_frame_included(tmp_path):
    got = probe(tmp_path, "1366x768")
    assert got["screen"] == [1366, 768]
    ww, wh = got["window"]
    menu = got["menu"]                                            # Tk draws the menu bar above its window
    assert 15 < menu < 60
    title_bar, taskbar, borders = 30, 40, 8
    assert ww + borders <= 1366 and wh + menu + title_bar + taskbar <= 768
    assert_every_page_fits(got)


@pytest.mark.gui
def test_the_window_grows_on_a_large_screen(tmp_path):
    got = probe(tmp_path, "1920x1080")
    ww, wh = got["window"]
    assert ww > 1350 and wh > 648 and ww <= 1920 and wh + got["menu"] <= 1080
    assert_every_page_fits(got)


def test_window_size_fits_the_screen_and_keeps_a_saved_size_that_fits():
    assert mygui.window_size((1366, 768)) == (1350, 648)
    big = mygui.window_size((2560, 1440))
    assert big == mygui.MAX_START_SIZE
    assert mygui.window_size((1920, 1080), saved=(1000, 700)) == (1000, 700)
    assert mygui.window_size((1366, 768), saved=(1900, 1000)) == (1350, 648)     # larger than this screen
    assert mygui.window_size((1366, 768), saved=("x", None)) == (1350, 648)      # unreadable: the default


def test_the_last_size_is_kept_in_the_users_app_state_not_in_config(tmp_path, monkeypatch):
    from mid import pages
    monkeypatch.setenv("MID_LOG_DIR", str(tmp_path / "state" / "logs"))
    assert pages.saved_window_size() is None
    pages.save_window_size((1111, 666))
    assert pages.window_state_file() == tmp_path / "state" / "window.json"
    assert pages.saved_window_size() == (1111, 666)
    pages.window_state_file().write_text("{not json")
    assert pages.saved_window_size() is None


@pytest.mark.gui
def test_the_window_reopens_at_the_size_it_was_closed_at(tmp_path, gui_env, free_port):  # noqa: F811
    from mid import pages
    from mid import settings as settings_mod
    from test_gui import make_config
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    settings = settings_mod.load_settings(cfg)
    a = gui_env(settings)
    a.window.TKroot.geometry("1100x640")
    assert a.run_until(lambda: a.window.TKroot.winfo_width() == 1100, 5)
    a.shutdown()
    assert pages.saved_window_size() == (1100, 640)
    b = gui_env(settings)
    b.window.refresh()
    assert (b.window.TKroot.winfo_width(), b.window.TKroot.winfo_height()) == (1100, 640)
    assert b.window[Key.STATUS].Widget.winfo_ismapped()
    assert not any(p.name == "window.json" for p in cfg.iterdir())
