"""pacs.py's use of pynetdicom's private internals, the reactor race guard and the C-FIND
response accounting.

The first tests fail loudly when the installed pynetdicom is not the one pacs.py's
_adapt_association was written against, or when the internals it relies on changed shape:
then read the new pynetdicom's association.py, dimse.py and fsm.py before moving the pin.
The others run against a fast real Orthanc and small misbehaving pynetdicom peers on loopback.
"""
from __future__ import annotations

import inspect
import logging
import os
import queue
import subprocess
import threading
import time
from io import BytesIO
from pathlib import Path

import pynetdicom
import pytest
from pydicom.dataset import Dataset
from pydicom.uid import ImplicitVRLittleEndian
from pynetdicom import AE, evt
from pynetdicom.association import Association
from pynetdicom.dimse import DIMSEServiceProvider
from pynetdicom.dimse_primitives import C_ECHO, C_FIND
from pynetdicom.dsutils import encode
from pynetdicom.sop_class import StudyRootQueryRetrieveInformationModelFind, Verification

import pacs
from mid import dimse
import peers
from mid import synthdata

ROOT = Path(__file__).resolve().parent.parent
HOST = peers.HOST
ME = peers.SELF_AET
TIMEOUTS = pacs.Timeouts(connect=5, acse=20, dimse=30, network=60)
FIND = StudyRootQueryRetrieveInformationModelFind


def an_association(mode: str = "requestor") -> Association:
    """A real pynetdicom Association object, not connected: its internals as the library builds them."""
    return Association(AE(ae_title="SHAPE"), mode)


# ----------------------------------------------------------------------------- the pin and the shape

def test_installed_pynetdicom_is_the_pinned_one():
    pins = [line.strip() for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip().lower().startswith("pynetdicom")]
    assert pins == [f"pynetdicom=={pacs.PYNETDICOM_PINNED}"]
    assert pynetdicom.__version__ == pacs.PYNETDICOM_PINNED, (
        "pynetdicom changed: check pacs._adapt_association against its internals before moving the pin")


def test_association_internals_have_the_shape_we_rely_on():
    assoc = an_association()
    assert isinstance(assoc._reactor_checkpoint, threading.Event) and assoc._reactor_checkpoint.is_set()
    assert assoc._is_paused is False and assoc._kill is False
    for name in ("_run_reactor", "kill", "abort"):
        assert callable(getattr(assoc, name)), name
    assert isinstance(assoc.dimse, DIMSEServiceProvider)
    assert isinstance(assoc.dimse.msg_queue, queue.Queue)
    assert list(inspect.signature(assoc.dimse.get_msg).parameters) == ["block"]
    assert callable(assoc.acse.send_reject)      # our receiver's "no sender allowed" answer


def test_reactor_loop_is_the_one_the_guard_expects():
    """pynetdicom's reactor: pause flag, checkpoint wait, then its one look at the message queue,
    a non-blocking get_msg (the call the guard wraps)."""
    src = inspect.getsource(Association._run_reactor)
    at = src.find("while not self._kill:")
    assert at > -1
    for step in ("self._is_paused = True", "self._reactor_checkpoint.wait()", "self._is_paused = False",
                 "self.dimse.get_msg(block=False)", "self._serve_request("):   # each one, in this order
        at = src.find(step, at)
        assert at > -1, f"pynetdicom's reactor no longer has {step!r} where we expect it"
    assert src.count("get_msg(") == 1 and "msg_queue" not in src


@pytest.mark.parametrize("method", ["send_c_find", "send_c_move", "send_c_get", "send_c_echo", "send_c_store"])
def test_every_request_pauses_the_reactor_before_sending(method):
    """The guard relies on this: clear() the checkpoint before the request goes out, and read the
    responses with blocking get_msg calls only."""
    src = inspect.getsource(getattr(Association, method))
    cleared, sent = src.find("self._reactor_checkpoint.clear()"), src.find("self.dimse.send_msg(")
    assert -1 < cleared < sent
    readers = inspect.getsource(Association._wrap_find_responses) + inspect.getsource(
        Association._wrap_get_move_responses) + src
    assert "get_msg(block=False)" not in readers


def test_a_closed_connection_queues_the_end_marker_our_cancel_queues_after_its_abort():
    import pynetdicom.fsm as fsm
    assert "assoc.dimse.msg_queue.put((None, None))" in inspect.getsource(fsm)
    assert "msg_queue" not in inspect.getsource(Association._abort_blocking)   # so pacs must wake it


def test_an_acceptor_keeps_its_supported_contexts_where_the_receiver_lets_go_of_them():
    """Our receiver empties acceptor._contexts on EVT_ACCEPTED: pynetdicom must store the supported
    contexts there, read them only while negotiating, and fire EVT_ACCEPTED after that."""
    import pynetdicom.acse as acse
    import pynetdicom.transport as transport
    assoc = an_association("acceptor")
    copy_ = [object()]
    assoc.acceptor.supported_contexts = copy_
    assert assoc.acceptor._contexts is copy_
    assert "assoc.acceptor.supported_contexts = deepcopy(" in inspect.getsource(transport)
    src = inspect.getsource(acse.ACSE._negotiate_as_acceptor)
    last_read, accepted = src.rfind("self.acceptor.supported_contexts"), src.find("evt.EVT_ACCEPTED")
    assert -1 < last_read < accepted
    assert inspect.getsource(acse).count("supported_contexts") == src.count("supported_contexts")


# ----------------------------------------------------------------------------- what _adapt_association does

def test_guard_keeps_a_queued_response_from_the_reactor_while_a_request_is_out():
    assoc = an_association()
    pacs._adapt_association(assoc)
    response = (1, object())
    assoc.dimse.msg_queue.put(response)
    assoc._reactor_checkpoint.clear()                        # a send_* has paused the reactor
    assert assoc.dimse.get_msg(block=False) == (None, None)  # the reactor's look: nothing for it
    assert assoc.dimse.msg_queue.qsize() == 1
    assert assoc.dimse.get_msg(block=True) == response       # the sender's read gets it
    assoc.dimse.msg_queue.put(response)
    assoc._reactor_checkpoint.set()
    assert assoc.dimse.get_msg(block=False) == response      # unpaused, the reactor serves as before


def test_receiver_lets_go_of_each_associations_copy_of_the_supported_contexts(require_real_peers, free_port,
                                                                               synthetic_study_files):
    """pynetdicom deep-copies every supported context (about 3,000 objects) for each association our
    receiver accepts; once accepted, the copy is dropped, and storing still works."""
    seen = []

    def on_store(request):
        assoc = request._event.assoc
        seen.append((len(assoc.acceptor._contexts), len(assoc.accepted_contexts)))
        return 0x0000

    scp = pacs.StorageSCP(ME, HOST, free_port(), {"GOODPACS"}, on_store, TIMEOUTS)
    scp.start()
    try:
        files = synthetic_study_files.paths[:2]
        cmd = ["/usr/bin/storescu", "-aet", "GOODPACS", "-aec", ME, HOST, str(scp.port), *map(str, files)]
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=60, env={**os.environ, "TCP_NODELAY": "1"})
    finally:
        scp.stop()
    assert out.returncode == 0, out.stderr
    assert len(seen) == 2 and all(kept == 0 and accepted > 0 for kept, accepted in seen), seen


def test_other_pynetdicom_version_is_left_alone_with_a_warning(monkeypatch, caplog):
    monkeypatch.setattr(pynetdicom, "__version__", "9.9.9")
    monkeypatch.setattr(dimse, "_version_warning", threading.Event())
    assoc = an_association("acceptor")
    original = assoc._reactor_checkpoint
    with caplog.at_level(logging.WARNING, logger="mid.pacs"):
        pacs._adapt_association(assoc)
        pacs._adapt_association(an_association())
    assert assoc._reactor_checkpoint is original and "get_msg" not in vars(assoc.dimse)
    warnings = [r.getMessage() for r in caplog.records if "9.9.9" in r.getMessage()]
    assert len(warnings) == 1 and pacs.PYNETDICOM_PINNED in warnings[0]


def test_dul_reactor_loop_is_the_one_the_waiting_dul_expects():
    """The DUL loop sends a queued primitive or checks the transport, then takes one event without
    blocking; the waiting DUL replaces the transport check on the instance and wakes on puts."""
    from pynetdicom.dul import DULServiceProvider
    from pynetdicom.transport import AssociationSocket
    src = inspect.getsource(DULServiceProvider.run_reactor)
    at = src.find("while True:")
    for step in ("self.artim_timer.expired", "self._process_recv_primitive()", "self._is_transport_event()",
                 "self.event_queue.get(block=False)", "self.state_machine.do_action(event)"):
        at = src.find(step, at)
        assert at > -1, f"pynetdicom's DUL reactor no longer has {step!r} where we expect it"
    dul = an_association().dul
    assert isinstance(dul.to_provider_queue, queue.Queue) and type(dul.to_provider_queue) is queue.Queue
    assert isinstance(dul.event_queue, queue.Queue) and dul._kill_thread is False
    assert dul.artim_timer._start_time is None and hasattr(dul.artim_timer, "_end_time")
    assert isinstance(dul.state_machine.current_state, str)
    assert "self.socket = client_socket" in inspect.getsource(AssociationSocket.__init__)   # the raw socket
    assert "select.select([self.socket]" in inspect.getsource(AssociationSocket.ready.fget)
    assert "to_provider_queue.put(primitive)" in inspect.getsource(DULServiceProvider.send_pdu)


def test_waiting_dul_keeps_queued_primitives_and_wakes_on_every_put():
    import select
    assoc = an_association("acceptor")
    dul = assoc.dul
    dul.to_provider_queue.put("queued before")
    pacs._adapt_association(assoc)
    wake = dul._is_transport_event.waiting.wake_r
    assert list(dul.to_provider_queue.queue) == ["queued before"]     # the same queue, nothing lost
    assert select.select([wake], [], [], 0)[0] == []
    dul.send_pdu("a primitive")
    assert select.select([wake], [], [], 1.0)[0] == [wake]
    assert [dul.to_provider_queue.get(False), dul.to_provider_queue.get(False)] == ["queued before", "a primitive"]
    pacs._adapt_association(assoc)                                    # twice: installed once
    assert dul._is_transport_event.waiting.wake_r is wake


def test_acceptor_reactor_take_waits_for_a_message_and_requestors_do_not():
    assoc = an_association("acceptor")
    pacs._adapt_association(assoc)
    got: list = []
    t = threading.Thread(target=lambda: got.append(assoc.dimse.get_msg(block=False)))
    t.start()
    t.join()
    assert got == [(None, None)]                          # not the reactor thread: no wait, nothing there
    message = (1, object())
    assoc.dimse.msg_queue.put(message)
    assert assoc.dimse.get_msg(block=False) == message


def test_standard_logging_handlers_are_unbound_only_when_nobody_reads_them():
    from pynetdicom import _handlers
    logger = logging.getLogger("pynetdicom")
    level = logger.level
    try:
        logger.setLevel(logging.WARNING)
        quiet = an_association("acceptor")
        pacs._adapt_association(quiet)
        logger.setLevel(logging.INFO)
        heard = an_association("acceptor")
        pacs._adapt_association(heard)
    finally:
        logger.setLevel(level)
    handlers = lambda a: [h for h, _ in a.get_handlers(evt.EVT_DIMSE_RECV)]      # noqa: E731
    assert _handlers.standard_dimse_recv_handler not in handlers(quiet)
    assert _handlers.standard_dimse_recv_handler in handlers(heard)
    assert not [h for h, _ in quiet.get_handlers(evt.EVT_PDU_SENT)]


# ----------------------------------------------------------------------------- many C-FINDs on a fast Orthanc

FINDS = 600


def test_many_finds_on_one_association_to_a_fast_orthanc_get_every_answer(orthanc_factory, caplog):
    """A search of ~1,245 C-FINDs on one association to an Orthanc with TCP_NODELAY=1 lost an
    answer in 2 of 8 runs. Here every one of FINDS finds must return both series of its study."""
    server = orthanc_factory(env={"TCP_NODELAY": "1"})
    desc = synthdata.generate_set(seed=11, n_patients=2, studies_per_patient=2,
                                  series_spec=(synthdata.SeriesSpec("CT", "AX", 1),
                                               synthdata.SeriesSpec("CT", "COR", 1)))
    server.upload([synthdata.to_bytes(ds) for ds in synthdata.iter_datasets(desc)])
    studies = [st.study_uid for _, st in desc.studies()]
    short = []
    with caplog.at_level(logging.WARNING):
        with pacs.QuerySession(ME, server.peer, TIMEOUTS) as session:
            for i in range(FINDS):
                rows = session.find("SERIES", {"StudyInstanceUID": studies[i % len(studies)],
                                               "SeriesInstanceUID": "", "SeriesDescription": ""})
                if len(rows) != 2:
                    short.append((i, len(rows)))
            opened = session.associations_opened
    assert short == []
    assert opened == 1
    assert not [r for r in caplog.records if "unexpected" in r.getMessage().lower()]


# ----------------------------------------------------------------------------- misbehaving peers

def _match(patient_id: str) -> Dataset:
    ds = Dataset()
    ds.QueryRetrieveLevel = "STUDY"
    ds.PatientID = patient_id
    ds.StudyInstanceUID = "1.2.826.0.1.3680043.2.1143.1"
    return ds


def _misbehaving_find_scp(pyscp_servers, misbehave):
    """A pynetdicom C-FIND SCP that answers two matches; misbehave(event, n) may send something
    extra first, on the n-th request of its association (1, 2, ...)."""
    count = {"n": 0}

    def handle_find(event):
        count["n"] += 1
        misbehave(event, count["n"])
        yield 0xFF00, _match("FAKE-1")
        yield 0xFF00, _match("FAKE-2")

    ae = AE(ae_title="BADPACS")
    ae.add_supported_context(FIND)
    ae.add_supported_context(Verification)
    port = peers.free_port()
    server = ae.start_server((HOST, port), block=False, evt_handlers=[(evt.EVT_C_FIND, handle_find)])
    pyscp_servers.append(server)
    return peers.make_peer("BADPACS", "BADPACS", HOST, port)


@pytest.fixture
def pyscp_servers():
    servers = []
    yield servers
    for server in servers:
        server.shutdown()


def _send(event, primitive) -> None:
    event.assoc.dimse.send_msg(primitive, event.context.context_id)


def stray_response(event, n):
    """On the first request: a pending C-FIND response to a message ID that was never sent."""
    if n != 1:
        return
    rsp = C_FIND()
    rsp.MessageIDBeingRespondedTo = (event.request.MessageID + 1000) % 65536
    rsp.AffectedSOPClassUID = FIND
    rsp.Status = 0xFF00
    implicit = event.context.transfer_syntax == ImplicitVRLittleEndian      # the accepted one
    rsp.Identifier = BytesIO(encode(_match("STRAY"), implicit, True))
    _send(event, rsp)


def wrong_message_type(event, n):
    """On the first request: a C-ECHO response in the middle of the C-FIND answers."""
    if n != 1:
        return
    rsp = C_ECHO()
    rsp.MessageIDBeingRespondedTo = event.request.MessageID
    rsp.AffectedSOPClassUID = Verification
    rsp.Status = 0x0000
    _send(event, rsp)


@pytest.mark.parametrize("misbehave, named", [(stray_response, "C-FIND-RSP answering message 1001"),
                                              (wrong_message_type, "C-ECHO-RSP answering message 1")])
def test_unexpected_message_fails_the_find_loudly(pyscp_servers, misbehave, named, caplog):
    bad = _misbehaving_find_scp(pyscp_servers, misbehave)
    with pacs.QuerySession(ME, bad, TIMEOUTS) as session:
        with pytest.raises(pacs.NetError) as info:
            session.find("STUDY", {"PatientID": "FAKE*", "StudyInstanceUID": ""})
        error = info.value
        assert error.kind == "failed" and not error.transient
        assert "C-FIND was stopped" in str(error) and named in str(error), str(error)
        assert any(named in r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR)
        # the association was ended; the next find opens a new one and gets its two matches
        rows = session.find("STUDY", {"PatientID": "FAKE*", "StudyInstanceUID": ""})
        assert [r.PatientID for r in rows] == ["FAKE-1", "FAKE-2"]
        assert session.associations_opened == 2


def test_a_late_response_between_queries_fails_the_next_find(pyscp_servers):
    """A response that comes after its query ended (pynetdicom's reactor drops it with a log
    line) is not forgotten: the next find on the association fails and names it."""
    first_done, late = threading.Event(), threading.Event()

    def answer_again_later(event, n):
        if n != 1:
            return
        msg_id, context_id = event.request.MessageID, event.context.context_id
        assoc = event.assoc

        def send_late():
            first_done.wait(10)                              # the query has had its final answer
            rsp = C_FIND()
            rsp.MessageIDBeingRespondedTo = msg_id
            rsp.AffectedSOPClassUID = FIND
            rsp.Status = 0x0000
            assoc.dimse.send_msg(rsp, context_id)
            late.set()

        threading.Thread(target=send_late, daemon=True).start()

    bad = _misbehaving_find_scp(pyscp_servers, answer_again_later)
    with pacs.QuerySession(ME, bad, TIMEOUTS) as session:
        assert len(session.find("STUDY", {"PatientID": "FAKE*"})) == 2
        first_done.set()
        assert late.wait(10)
        deadline = time.monotonic() + 10                     # until our side has decoded it
        while not session._watch.unexpected and time.monotonic() < deadline:
            time.sleep(0.02)
        with pytest.raises(pacs.NetError) as info:
            session.find("STUDY", {"PatientID": "FAKE*"})
    assert "a C-FIND-RSP answering message 1 between two queries" in str(info.value)


def test_a_response_taken_before_the_query_sees_it_fails_the_find(pyscp_servers, monkeypatch):
    """What the reactor race did: a response decoded and queued, then taken by another reader.
    Simulated by dropping the first pending response on its way to the query."""
    good = _misbehaving_find_scp(pyscp_servers, lambda event, n: None)
    adapt = pacs._adapt_association

    def adapt_then_lose_one(assoc):
        adapt(assoc)
        get_msg, lost = assoc.dimse.get_msg, []

        def get_msg_losing_one(block=False):
            item = get_msg(block=block)
            if block and not lost and isinstance(item[1], C_FIND) and item[1].Status == 0xFF00:
                lost.append(item)
                item = get_msg(block=block)
            return item

        assoc.dimse.get_msg = get_msg_losing_one

    monkeypatch.setattr(pacs, "_adapt_association", adapt_then_lose_one)
    with pacs.QuerySession(ME, good, TIMEOUTS) as session:
        with pytest.raises(pacs.NetError) as info:
            session.find("STUDY", {"PatientID": "FAKE*", "StudyInstanceUID": ""})
    assert info.value.kind == "failed"
    assert "sent 3 responses, but only 2 reached the query" in str(info.value)
