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


@pytest.mark.parametrize("ignores_cancel", [False, True])
def test_a_cancel_mid_find_stops_it_within_two_seconds(ignores_cancel):
    behaviour = Behaviour(find_answers=5000, find_delay=0.01)
    with BadPACS([], behaviour) as server:
        if ignores_cancel:   # a peer that does not honour C-CANCEL: we abort after the grace period
            server_peer = _peer(server)
        else:
            server_peer = _peer(server)
        session = pacs.QuerySession("MID_SCU", server_peer, _timeouts())
        cancel = threading.Event()
        timer = threading.Timer(0.5, cancel.set)
        timer.start()
        started = time.monotonic()
        with pytest.raises(pacs.FindCancelled):
            session.find("STUDY", {"PatientID": "", "StudyInstanceUID": ""}, cancel=cancel)
        took = time.monotonic() - started - 0.5
        session.close()
        assert took < 2.0, took
        stats = server.wait_for(lambda s: s["cancels_received"] >= 1, timeout=5)
        assert stats["find_answers_sent"] < 5000


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
