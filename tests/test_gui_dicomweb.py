"""The Settings tab's protocol frame, in a real window under Xvfb: a DICOMweb peer is typed,
checked as typed, saved to peers.json, shown again when its row is chosen, and tested against a
real Orthanc with its DICOMweb plugin (basic auth on)."""
from __future__ import annotations

import json

import pytest

from mygui import Key
from test_dicomweb import PASSWORD_ENV, web_orthanc  # noqa: F401  (the module's DICOMweb Orthanc)
from test_gui import click, gui_env, last, make_config  # noqa: F401  (gui_env is a fixture)

pytestmark = [pytest.mark.gui, pytest.mark.peers]


def test_a_dicomweb_peer_is_typed_saved_shown_and_tested(tmp_path, gui_env, free_port,  # noqa: F811
                                                         web_orthanc, monkeypatch):  # noqa: F811
    from mid import settings as settings_mod
    monkeypatch.setenv(PASSWORD_ENV, web_orthanc.password)
    cfg = make_config(tmp_path / "config", free_port(), {"MAIN PACS": ("PACS1", free_port())},
                      storage_root=str(tmp_path / "store"))
    a = gui_env(settings_mod.load_settings(cfg))
    w = a.window
    w[Key.TAB_SETTINGS].select()
    click(a, Key.P_CLEAR)
    a.run_until(lambda: False, 0.3)                          # the clear is handled before typing
    w[Key.P_NAME].update("WEB PACS")
    w[Key.P_PROTOCOL].update("dicomweb")
    w[Key.P_URL].update("ftp://nowhere")
    w.write_event_value(Key.P_PROTOCOL, "dicomweb")
    ok = a.run_until(lambda: "http://" in w[Key.err(Key.P_URL)].get(), 5)
    assert ok, (w[Key.P_URL].get(), w[Key.P_PROTOCOL].get(), w[Key.err(Key.P_URL)].get(), a.ctx.messages)
    assert w[Key.err(Key.P_AET)].get() == ""                 # no AE title, host or port for DICOMweb
    w[Key.P_URL].update(web_orthanc.url)
    w[Key.P_USER].update(web_orthanc.user)
    w[Key.P_PASSWORD_ENV].update("not a name")
    w.write_event_value(Key.P_PASSWORD_ENV, "x")
    assert a.run_until(lambda: "NAME of an environment variable" in w[Key.err(Key.P_URL)].get(), 5)
    w[Key.P_PASSWORD_ENV].update(PASSWORD_ENV)
    w.write_event_value(Key.P_PASSWORD_ENV, "x")
    assert a.run_until(lambda: w[Key.err(Key.P_URL)].get() == "", 5)
    click(a, Key.P_SAVE)
    assert a.run_until(lambda: "WEB PACS" in a.ctx.settings.peers, 5), a.ctx.messages
    entry = json.loads((cfg / "peers.json").read_text())["WEB PACS"]
    assert (entry["protocol"], entry["url"], entry["username"], entry["password_env"]) == \
        ("dicomweb", web_orthanc.url, web_orthanc.user, PASSWORD_ENV)
    assert web_orthanc.password not in (cfg / "peers.json").read_text()
    # another row, then this one again: the frame shows the peer's protocol and fields
    names = list(a.ctx.settings.peers)
    w.write_event_value(Key.PEERS, [names.index("MAIN PACS")])
    assert a.run_until(lambda: w[Key.P_NAME].get() == "MAIN PACS" and w[Key.P_PROTOCOL].get() == "dimse", 5)
    assert w[Key.P_URL].get() == ""
    w.write_event_value(Key.PEERS, [names.index("WEB PACS")])
    assert a.run_until(lambda: w[Key.P_PROTOCOL].get() == "dicomweb", 5)
    assert (w[Key.P_URL].get(), w[Key.P_USER].get()) == (web_orthanc.url, web_orthanc.user)
    click(a, Key.P_TEST)
    assert a.run_until(lambda: "answered the echo" in last(a) or "failed" in last(a), 15), a.ctx.messages
    assert "answered the echo" in last(a), last(a)
    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    click(a, Key.P_TEST)
    assert a.run_until(lambda: "refused our credentials" in last(a), 15), a.ctx.messages
