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
import threading
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
    cannot take a response meant for a request we sent. Only on PYNETDICOM_PINNED."""
    if not internals_supported():
        return
    checkpoint = _ReactorCheckpoint(assoc._reactor_checkpoint.is_set())
    assoc._reactor_checkpoint = checkpoint
    assoc.dimse.get_msg = checkpoint.guard(assoc.dimse.get_msg)
    if assoc.is_acceptor:
        from pynetdicom import evt
        assoc.bind(evt.EVT_ACCEPTED, _drop_negotiation_copy)


def _drop_negotiation_copy(event: Any) -> None:
    """Our receiver accepted an association: let go of the copy of every supported presentation
    context pynetdicom made for it (a deepcopy per association, about 3,000 objects for the
    storage SOP classes). Only the negotiation reads it; the accepted contexts are kept apart.
    Without this, the copy lives as long as the association and then lingers as cyclic garbage
    until a full collection, whose pause (the interpreter lock held throughout) stalls the
    window's event loop and every other thread."""
    event.assoc.acceptor._contexts = []


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
