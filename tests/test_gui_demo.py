"""`main.py demo` leaves nothing behind: no dead "DEMO PACS" in the user's config/, one demo
project reused on every run, and without a screen it points at `demo --headless`."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from test_gui import ROOT, make_config


def peers_in(cfg: Path) -> set[str]:
    return set(json.loads((cfg / "peers.json").read_text()))


def test_the_demo_pacs_takes_its_peer_out_of_the_config_when_it_stops(tmp_path, free_port):
    from mid import demo
    cfg = make_config(tmp_path / "config", free_port(), {"OTHER PACS": ("OTHER", 4242)},
                      storage_root=str(tmp_path / "store"))
    with demo.running(cfg, tmp_path / "store") as d:
        assert d.peer_name in peers_in(cfg)
    assert peers_in(cfg) == {"<SELF>", "OTHER PACS"}
    # an entry the user edited while the demo ran is theirs: it stays
    with demo.running(cfg, tmp_path / "store") as d:
        from mid import settings
        s = settings.load_settings(cfg)
        settings.save_peers(cfg, {**s.peers, d.peer_name: settings.PeerConfig(
            name=d.peer_name, aet="MINE", host="127.0.0.1", port=4243)})
    assert d.peer_name in peers_in(cfg)


def test_a_demo_pacs_entry_that_was_there_before_is_put_back_as_it_was(tmp_path, free_port):
    from mid import demo
    from mid import settings
    cfg = make_config(tmp_path / "config", free_port(), {"DEMO PACS": ("DEMO_PACS", 11113)},
                      storage_root=str(tmp_path / "store"))
    before = json.loads((cfg / "peers.json").read_text())
    with demo.running(cfg, tmp_path / "store") as d:
        assert settings.load_settings(cfg).peers[d.peer_name].port == d.port != 11113
    after = json.loads((cfg / "peers.json").read_text())
    assert after["DEMO PACS"]["peer_port"] == 11113 and set(after) == set(before)


def test_demo_without_a_screen_suggests_demo_headless_and_leaves_the_config_alone(tmp_path, free_port):
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    before = (cfg / "peers.json").read_text()
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["MID_LOG_DIR"] = str(tmp_path / "logs")
    out = subprocess.run([sys.executable, str(ROOT / "main.py"), "--config-dir", str(cfg), "demo"], env=env,
                         capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert out.returncode == 2, out.stderr
    assert "python main.py demo --headless" in out.stderr and "Traceback" not in out.stderr
    assert (cfg / "peers.json").read_text() == before


@pytest.mark.gui
def test_the_demo_reuses_its_project_and_leaves_no_peer(tmp_path, xvfb, free_port, monkeypatch):
    import main
    from mid import settings as settings_mod
    monkeypatch.setenv("MID_LOG_DIR", str(tmp_path / "logs"))
    cfg = make_config(tmp_path / "config", free_port(), {}, storage_root=str(tmp_path / "store"))
    seen = []

    def run(self):                      # the real window: wait for the project, then close it
        assert self.run_until(lambda: self.ctx.project is not None and self.ctx.project.queries()
                              and not self.ctx.busy(), 30), self.ctx.messages
        seen.append((Path(self.ctx.project.root), len(self.ctx.project.queries()),
                     self.pages.sheet.sheet is not None, self.ctx.demo_peer in self.ctx.settings.peers))
        self.shutdown()
        return 0
    monkeypatch.setattr(main.App, "run", run)
    for _ in range(2):
        assert main.run_demo(settings_mod.load_settings(cfg)) == 0
    (root1, n1, loaded1, peer1), (root2, n2, loaded2, peer2) = seen
    assert root1 == root2 == tmp_path / "store" / "demo" / main.DEMO_PROJECT
    assert n1 == n2 and loaded1 and not loaded2 and peer1 and peer2   # reopened, not loaded again
    assert not [p for p in (tmp_path / "store").iterdir() if p.name.startswith("demo_queries")]
    assert "DEMO PACS" not in peers_in(cfg)
