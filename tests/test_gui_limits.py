"""The Settings tab's peer editor shows a peer's transfer windows, maximum associations and rate
limits, marks a bad value as it is typed, and saves good ones to peers.json (Xvfb)."""
from __future__ import annotations


import pytest

from mygui import Key
from test_gui import add_peer_keys, click, last, make_config, show_peer
import test_gui

gui_env = test_gui.gui_env          # a fixture of test_gui.py, shared

pytestmark = pytest.mark.gui


def typed(a, key: str, text: str) -> None:
    a.window[key].update(text)
    a.window.write_event_value(key, text)


def test_windows_and_limits_are_shown_validated_as_typed_and_saved(tmp_path, gui_env, free_port):
    from mid import settings as settings_mod
    cfg = make_config(tmp_path / "config", free_port(), {"MAIN PACS": ("PACS1", free_port())},
                      storage_root=str(tmp_path / "store"))
    add_peer_keys(cfg, "MAIN PACS", transfer_windows=["Mon-Fri 19:00-07:00", "Sat-Sun"], max_instances_per_s=20)
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    show_peer(a, "MAIN PACS")
    assert w[Key.P_WINDOWS].get() == "Mon-Fri 19:00-07:00; Sat-Sun"
    assert (w[Key.P_RATE].get(), w[Key.P_MAXASSOC].get()) == ("20/s", "")

    limits_message = Key.err(Key.P_WINDOWS)         # the one message line of the three fields
    typed(a, Key.P_WINDOWS, "Mon-Fri 19:00-31:00")
    assert a.run_until(lambda: "transfer windows: window 'Mon-Fri 19:00-31:00'" in w[limits_message].get(), 5)
    typed(a, Key.P_RATE, "fast")
    assert a.run_until(lambda: "max rate: 'fast' is not a rate" in w[limits_message].get(), 5)
    typed(a, Key.P_MAXASSOC, "0")
    assert a.run_until(lambda: "max associations: '0': a whole number from 1 to 64" in w[limits_message].get(), 5)
    click(a, Key.P_SAVE)
    assert a.run_until(lambda: "not saved" in last(a), 5), a.ctx.messages
    assert settings_mod.load_settings(cfg).peers["MAIN PACS"].max_associations is None      # nothing written

    typed(a, Key.P_WINDOWS, "19:00-07:00; Sat-Sun")
    typed(a, Key.P_RATE, "10/s, 2.5MB/s")
    typed(a, Key.P_MAXASSOC, "3")
    assert a.run_until(lambda: w[limits_message].get() == "", 5)
    click(a, Key.P_SAVE)
    assert a.run_until(lambda: a.ctx.settings.peers["MAIN PACS"].max_associations == 3, 5), a.ctx.messages
    saved = settings_mod.load_settings(cfg).peers["MAIN PACS"]
    assert saved.transfer_windows == ("19:00-07:00", "Sat-Sun")
    assert (saved.max_instances_per_s, saved.max_mb_per_s, saved.max_associations) == (10.0, 2.5, 3)

    typed(a, Key.P_RATE, "")                     # an empty field means no limit
    click(a, Key.P_SAVE)
    assert a.run_until(lambda: a.ctx.settings.peers["MAIN PACS"].max_instances_per_s is None, 5), a.ctx.messages
    assert settings_mod.load_settings(cfg).peers["MAIN PACS"].max_mb_per_s is None
