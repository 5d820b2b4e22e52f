"""DIMSE words and the pinned pynetdicom's internals, for pacs.py.

- Status codes (PS3.4 Annex C, PS3.7 Annex C), named once for the whole program from
  pynetdicom.status, with their meanings and classes (pending, failure, transient).
- The transfer syntaxes our receiver accepts and C-GET offers.
- The only code that touches pynetdicom's private internals, applied only on the release it was
  written against (PYNETDICOM_PINNED); tests/test_pacs_internals.py fails loudly when they change.

Imports nothing of ours; pacs.py re-exports these names.
"""
from __future__ import annotations

import logging
import queue
import select
import socket
import threading
import weakref
from typing import Any, Callable

from pydicom.uid import (
    JPEG2000,
    DeflatedExplicitVRLittleEndian,
    ExplicitVRBigEndian,
    ExplicitVRLittleEndian,
    ImplicitVRLittleEndian,
    JPEG2000Lossless,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    RLELossless,
)
from pynetdicom.status import (
    GENERAL_STATUS,
    QR_FIND_SERVICE_CLASS_STATUS,
    QR_GET_SERVICE_CLASS_STATUS,
    QR_MOVE_SERVICE_CLASS_STATUS,
    STORAGE_SERVICE_CLASS_STATUS,
    Status,
    code_to_category,
)
from pynetdicom.status import STATUS_CANCEL as CATEGORY_CANCEL
from pynetdicom.status import STATUS_FAILURE as CATEGORY_FAILURE
from pynetdicom.status import STATUS_PENDING as CATEGORY_PENDING
from pynetdicom.status import STATUS_SUCCESS as CATEGORY_SUCCESS
from pynetdicom.status import STATUS_WARNING as CATEGORY_WARNING

log = logging.getLogger("mid.pacs")

# ---------------------------------------------------------------------------------------
# DIMSE status codes (PS3.4 Annex C, PS3.7 Annex C), named once for the whole program from
# pynetdicom.status: its Status constants where it has them, else a code of its service-class
# tables (checked at import, so a pynetdicom that dropped one fails here, not in a transfer).


def _listed(table: dict, code: int, category: str) -> int:
    """`code`, after checking that pynetdicom's status table gives it `category`."""
    if table.get(code, ("",))[0] != category:
        raise ImportError(f"pynetdicom.status no longer lists 0x{code:04X} as {category}")
    return code


STATUS_SUCCESS = int(Status.SUCCESS)                                                       # 0x0000
STATUS_CANCEL = int(Status.CANCEL)                                                         # 0xFE00
STATUS_PENDING = int(Status.PENDING)                                                       # 0xFF00
STATUS_PENDING_WARNING = _listed(QR_FIND_SERVICE_CLASS_STATUS, 0xFF01, CATEGORY_PENDING)  # optional keys unsupported
STATUS_WARNING_SUBOPS = _listed(QR_MOVE_SERVICE_CLASS_STATUS, 0xB000, CATEGORY_WARNING)   # some sub-operations failed
STATUS_OUT_OF_RESOURCES = _listed(STORAGE_SERVICE_CLASS_STATUS, 0xA700, CATEGORY_FAILURE)
STATUS_MOVE_OUT_OF_RESOURCES_SUBOPS = _listed(QR_MOVE_SERVICE_CLASS_STATUS, 0xA702, CATEGORY_FAILURE)
STATUS_MOVE_DESTINATION_UNKNOWN = int(Status.MOVE_DESTINATION_UNKNOWN)                     # 0xA801
STATUS_IDENTIFIER_MISMATCH = _listed(QR_MOVE_SERVICE_CLASS_STATUS, 0xA900, CATEGORY_FAILURE)
STATUS_CANNOT_UNDERSTAND = _listed(STORAGE_SERVICE_CLASS_STATUS, 0xC000, CATEGORY_FAILURE)
STATUS_OUT_OF_RESOURCES_MATCHES = _listed(QR_MOVE_SERVICE_CLASS_STATUS, 0xA701, CATEGORY_FAILURE)
STATUS_COERCION = _listed(STORAGE_SERVICE_CLASS_STATUS, 0xB000, CATEGORY_WARNING)
STATUS_ELEMENTS_DISCARDED = _listed(STORAGE_SERVICE_CLASS_STATUS, 0xB006, CATEGORY_WARNING)
STATUS_DATASET_MISMATCH_WARNING = _listed(STORAGE_SERVICE_CLASS_STATUS, 0xB007, CATEGORY_WARNING)
STATUS_PROCESSING_FAILURE = _listed(GENERAL_STATUS, 0x0110, CATEGORY_FAILURE)
STATUS_SOP_CLASS_NOT_SUPPORTED = _listed(GENERAL_STATUS, 0x0122, CATEGORY_FAILURE)
# earlier names of the same codes, kept for callers that use them
STATUS_SUBOPS_WARNING = STATUS_WARNING_SUBOPS
STATUS_OUT_OF_RESOURCES_SUBOPS = STATUS_MOVE_OUT_OF_RESOURCES_SUBOPS

#: pynetdicom's meaning tables per DIMSE service; status_meaning() reads them.
_STATUS_TABLES = {
    "C-FIND": QR_FIND_SERVICE_CLASS_STATUS,
    "C-MOVE": QR_MOVE_SERVICE_CLASS_STATUS,
    "C-GET": QR_GET_SERVICE_CLASS_STATUS,
    "C-STORE": STORAGE_SERVICE_CLASS_STATUS,
    "C-ECHO": GENERAL_STATUS,
}

# Every failure answer that means "try again later" (0xA7xx, out of resources).
_TRANSIENT_STATUS_PREFIX = STATUS_OUT_OF_RESOURCES

# Transfer syntaxes accepted by our receiver and offered for C-GET; stored as received.
UNCOMPRESSED_SYNTAXES = [ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian]
COMPRESSED_SYNTAXES = [
    DeflatedExplicitVRLittleEndian,
    JPEGBaseline8Bit,
    JPEGExtended12Bit,
    JPEGLossless,
    JPEGLosslessSV1,
    JPEGLSLossless,
    JPEGLSNearLossless,
    JPEG2000Lossless,
    JPEG2000,
    RLELossless,
]
STORE_TRANSFER_SYNTAXES = UNCOMPRESSED_SYNTAXES + COMPRESSED_SYNTAXES


def status_meaning(code: int | None, service: str = "") -> str:
    """Human text for a DIMSE status code, from pynetdicom.status's tables.

    service ("C-FIND", "C-MOVE", "C-GET", "C-STORE", "C-ECHO") picks the table; without it the
    retrieve, query and storage tables are read in that order. Unlisted codes are named by class.
    """
    if code is None:
        return "no status"
    tables = [_STATUS_TABLES[service]] if service in _STATUS_TABLES else []
    tables += [QR_MOVE_SERVICE_CLASS_STATUS, QR_FIND_SERVICE_CLASS_STATUS, STORAGE_SERVICE_CLASS_STATUS]
    for table in tables:
        if code in table:
            category, text = table[code]
            return (text or category).lower()
    return code_to_category(code).lower()


def is_pending(code: int) -> bool:
    """True for the pending statuses of C-FIND / C-MOVE / C-GET."""
    return code in (STATUS_PENDING, STATUS_PENDING_WARNING)


def is_failure(code: int) -> bool:
    """True when a final status is a failure (PS3.7 Annex C categories; unknown codes count as failure)."""
    return code_to_category(code) not in (CATEGORY_SUCCESS, CATEGORY_PENDING, CATEGORY_CANCEL, CATEGORY_WARNING)


def is_transient_status(code: int | None) -> bool:
    """True when a failure status means the peer may succeed on a later try."""
    return code is not None and code & 0xFF00 == _TRANSIENT_STATUS_PREFIX



# ---------------------------------------------------------------------------------------
# pynetdicom's private internals: the only code that touches them, and only on the version it
# was written against. tests/test_pacs_internals.py fails loudly when they change shape.

#: The pynetdicom release (requirements.txt) whose internals this section relies on.
PYNETDICOM_PINNED = "3.0.4"

_version_warning = threading.Event()


def internals_supported() -> bool:
    """True when the installed pynetdicom is the pinned one; else warn once in the log."""
    import pynetdicom
    if str(pynetdicom.__version__) == PYNETDICOM_PINNED:
        return True
    if not _version_warning.is_set():
        _version_warning.set()
        log.warning("pynetdicom %s is installed, not %s: its reactor race guard is not applied "
                    "(a lost C-FIND answer still fails the query, see QuerySession)",
                    pynetdicom.__version__, PYNETDICOM_PINNED)
    return False


def _adapt_association(assoc: Any) -> None:
    """Guard the association's reactor (see _ReactorCheckpoint) before its thread runs, so that it
    cannot take a response meant for a request we sent, and let its threads wait for work instead
    of polling for it (see _WaitingDul, _wait_for_messages). Only on PYNETDICOM_PINNED."""
    if not internals_supported():
        return
    checkpoint = _ReactorCheckpoint(assoc._reactor_checkpoint.is_set())
    assoc._reactor_checkpoint = checkpoint
    get_msg = checkpoint.guard(assoc.dimse.get_msg)
    if assoc.is_acceptor:                # our receiver's associations: they never send requests
        get_msg = _wait_for_messages(assoc, get_msg)
        from pynetdicom import evt
        assoc.bind(evt.EVT_ACCEPTED, _drop_negotiation_copy)
    assoc.dimse.get_msg = get_msg
    _WaitingDul.install(assoc.dul)
    _unbind_unread_logging(assoc)


def _drop_negotiation_copy(event: Any) -> None:
    """Our receiver accepted an association: let go of the copy of every supported presentation
    context pynetdicom made for it (a deepcopy per association, about 3,000 objects for the
    storage SOP classes). Only the negotiation reads it; the accepted contexts are kept apart.
    Without this, the copy lives as long as the association and then lingers as cyclic garbage
    until a full collection, whose pause (the interpreter lock held throughout) stalls the
    window's event loop and every other thread."""
    event.assoc.acceptor._contexts = []


def _unbind_unread_logging(assoc: Any) -> None:
    """Unbind pynetdicom's standard logging handlers from an association when nothing reads them.

    They format several lines per message and per PDU (UID names, element summaries) before the
    logger drops them; when pynetdicom's logger takes INFO (a debug run, a test) they stay.
    """
    if logging.getLogger("pynetdicom").isEnabledFor(logging.INFO):
        return
    from pynetdicom import _handlers, evt
    for event, handler in ((evt.EVT_DIMSE_RECV, _handlers.standard_dimse_recv_handler),
                           (evt.EVT_DIMSE_SENT, _handlers.standard_dimse_sent_handler),
                           (evt.EVT_PDU_RECV, _handlers.standard_pdu_recv_handler),
                           (evt.EVT_PDU_SENT, _handlers.standard_pdu_sent_handler)):
        assoc.unbind(event, handler)


#: How long an idle network or association thread waits for work before it looks at its timers,
#: flags and the peer's release again. pynetdicom polls every 1 ms instead: with the 8 or so
#: associations of a download that is some 0.3 of a core on nothing, which the receiver needs.
#: Data from the peer and our own outgoing messages end the wait at once; this bounds only how
#: late a kill or (on our receiver) the peer's release request is seen.
IDLE_WAIT = 0.02


def _wait_for_messages(assoc: Any, get_msg: Callable) -> Callable:
    """An acceptor's DIMSE get_msg whose reactor-thread calls wait up to IDLE_WAIT for a message.

    pynetdicom's acceptor reactor sleeps 1 ms, then takes a message without blocking; here the
    take waits (without holding the guard's lock) until a message is queued, or IDLE_WAIT.
    """
    q = assoc.dimse.msg_queue

    def get_msg_waiting(block: bool = False) -> tuple:
        if not block and threading.current_thread() is assoc:
            with q.not_empty:
                if not q._qsize():
                    q.not_empty.wait(IDLE_WAIT)
        return get_msg(block=block)

    return get_msg_waiting


class _WaitingDul:
    """The DUL's transport check, waiting (select) for the peer's data or our next message.

    pynetdicom's DUL reactor loop sends one queued primitive or reads one PDU per turn and, when
    there was nothing, sleeps 1 ms and looks again. Its `_is_transport_event` is replaced on the
    instance: when nothing is queued it waits in select() on the socket and on a wake-up socket
    pair written by every put on the DUL's to_provider_queue (the same queue object, its class
    swapped so no queued item is lost), up to IDLE_WAIT. Not used (pynetdicom's own check) in
    state Sta13, while the ARTIM timer runs, on TLS sockets with buffered data, or once killed.
    """

    def __init__(self, dul: Any):
        self.dul = dul
        self.original = dul._is_transport_event
        self.wake_r, self.wake_w = socket.socketpair()
        self.wake_r.setblocking(False)
        self.wake_w.setblocking(False)
        weakref.finalize(dul, _close_pair, self.wake_r, self.wake_w)

    @classmethod
    def install(cls, dul: Any) -> None:
        if isinstance(getattr(dul, "_is_transport_event", None), _TransportWait):
            return
        waiting = cls(dul)
        queue_ = dul.to_provider_queue
        queue_._mid_wake = waiting.wake_w
        queue_.__class__ = _WakingQueue
        dul._is_transport_event = _TransportWait(waiting)

    def check(self) -> bool:
        dul = self.dul
        sock = getattr(dul.socket, "socket", None)
        if (sock is None or dul._kill_thread or dul.state_machine.current_state == "Sta13"
                or _timer_running(dul.artim_timer) or getattr(sock, "pending", lambda: 0)()):
            return bool(self.original())
        self._drain()
        if dul.to_provider_queue.qsize() or dul.event_queue.qsize():
            return bool(self.original())
        try:
            readable, _, _ = select.select([sock, self.wake_r], [], [], IDLE_WAIT)
        except (OSError, ValueError):
            return bool(self.original())      # closed meanwhile: pynetdicom's check says so (Evt17)
        if sock in readable:
            return bool(self.original())
        if self.wake_r in readable:
            self._drain()
            dul._process_recv_primitive()     # our message goes out in this turn, not after a sleep
        return False

    def _drain(self) -> None:
        try:
            while self.wake_r.recv(4096):
                pass
        except (BlockingIOError, InterruptedError, OSError):
            pass


class _TransportWait:
    """The callable put in place of DULServiceProvider._is_transport_event (see _WaitingDul)."""

    def __init__(self, waiting: _WaitingDul):
        self.waiting = waiting

    def __call__(self) -> bool:
        return self.waiting.check()


def _timer_running(timer: Any) -> bool:
    return getattr(timer, "_start_time", None) is not None and getattr(timer, "_end_time", None) is None


def _close_pair(*socks: socket.socket) -> None:
    for s in socks:
        try:
            s.close()
        except OSError:
            pass


class _WakingQueue(queue.Queue):
    """A DUL's to_provider_queue (class swapped in place) whose put wakes its waiting DUL thread."""

    _mid_wake: socket.socket

    def put(self, item: Any, block: bool = True, timeout: float | None = None) -> None:
        super().put(item, block, timeout)
        try:
            self._mid_wake.send(b"\0")
        except (BlockingIOError, InterruptedError, OSError):
            pass                  # full (a wake-up is pending anyway) or closed (the DUL is gone)


def _wake_response_wait(assoc: Any) -> None:
    """After our own abort, end a response loop blocked on the DIMSE queue now, not after the DIMSE
    timeout: queue the (None, None) end marker pynetdicom queues itself when a connection closes
    (fsm.py), which its abort() does not. On another pynetdicom version the loop waits it out."""
    if internals_supported():
        assoc.dimse.msg_queue.put((None, None))


class _ReactorCheckpoint(threading.Event):
    """pynetdicom's Association._reactor_checkpoint, closing the race behind lost C-FIND answers.

    Before sending a request, pynetdicom's send_c_find (and every send_*) clears the checkpoint,
    waits until the reactor thread says it is paused (_is_paused), sends, and then reads the
    responses from the DIMSE message queue. The reactor sets _is_paused = True just *before*
    waiting on the checkpoint and False after it, then takes a message off the queue without
    blocking. So when the sender clears the checkpoint while the reactor has just passed that
    wait, the sender sees "paused", sends, and the reactor, if descheduled long enough for a fast
    peer to answer (Orthanc with TCP_NODELAY on a busy 2-core machine), takes the first response
    and drops it as "Received unexpected C-FIND service message": one match lost, silently.

    Here clear() and the reactor's look at the queue (a non-blocking get_msg; the senders' own
    reads block) take one lock, and the reactor takes nothing once the checkpoint is cleared:
    either it looked before the request went out, or it sees the checkpoint cleared.
    """

    def __init__(self, is_set: bool):
        super().__init__()
        self._turn = threading.Lock()
        if is_set:
            self.set()

    def clear(self) -> None:
        with self._turn:
            super().clear()

    def guard(self, get_msg: Callable) -> Callable:
        """Wrap DIMSEServiceProvider.get_msg: the reactor's non-blocking call yields to a sender."""

        def get_msg_guarded(block: bool = False) -> tuple:
            if block:
                return get_msg(block=True)
            with self._turn:
                if not self.is_set():
                    return None, None
                return get_msg(block=False)

        return get_msg_guarded
