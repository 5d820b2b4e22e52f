"""DICOM networking: C-ECHO, C-FIND sessions, C-MOVE, C-GET and our own Storage SCP.

This module knows DICOM associations and nothing of sheets, projects, the GUI or the
anonymizer. Every failure a user can meet is raised as a NetError whose one-line text says
what happened and what to check. Received instances are handed, one at a time, to a
caller-supplied handler that answers with a DIMSE status.

Peers are any `Peer`: ``name``, ``aet``, ``host``, ``port``, ``query_model`` (settings.PeerConfig),
and optionally ``tls`` (a TLS block, see mid/tls.py) for DICOM over TLS; timeouts any object with
``connect``, ``acse``, ``dimse`` and ``network`` seconds. A TLS failure is a NetError too: the
"rejected" kind (permanent) when a handshake fails, naming the certificate problem, and "failed"
when a TLS file is missing or unusable, found before any connection is opened.
"""

from __future__ import annotations

import itertools
import logging
import socket
import threading
import time
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any, Callable, Iterable, Iterator, Protocol

from pydicom import dcmwrite
from pydicom.datadict import dictionary_VR, keyword_dict
from pydicom.dataset import Dataset
from pynetdicom import AE, AllStoragePresentationContexts, build_role, evt
from pynetdicom.sop_class import (
    PatientRootQueryRetrieveInformationModelFind,
    PatientRootQueryRetrieveInformationModelGet,
    PatientRootQueryRetrieveInformationModelMove,
    StudyRootQueryRetrieveInformationModelFind,
    StudyRootQueryRetrieveInformationModelGet,
    StudyRootQueryRetrieveInformationModelMove,
    Verification,
)

from mid.dimse import (  # noqa: F401  (the DIMSE words are public here too)
    COMPRESSED_SYNTAXES, PYNETDICOM_PINNED, STATUS_CANCEL, STATUS_CANNOT_UNDERSTAND, STATUS_COERCION,
    STATUS_DATASET_MISMATCH_WARNING, STATUS_ELEMENTS_DISCARDED, STATUS_IDENTIFIER_MISMATCH,
    STATUS_MOVE_DESTINATION_UNKNOWN, STATUS_MOVE_OUT_OF_RESOURCES_SUBOPS, STATUS_OUT_OF_RESOURCES,
    STATUS_OUT_OF_RESOURCES_MATCHES, STATUS_OUT_OF_RESOURCES_SUBOPS, STATUS_PENDING, STATUS_PENDING_WARNING,
    STATUS_PROCESSING_FAILURE, STATUS_SOP_CLASS_NOT_SUPPORTED, STATUS_SUBOPS_WARNING, STATUS_SUCCESS,
    STATUS_WARNING_SUBOPS, STORE_TRANSFER_SYNTAXES, UNCOMPRESSED_SYNTAXES, internals_supported, is_failure,
    is_pending, is_transient_status, status_meaning, _ReactorCheckpoint, _adapt_association,
    _wake_response_wait,
)
from mid.getcontexts import (  # noqa: F401  (public here too)
    ALWAYS_LIKELY_CLASSES,
    MAX_CONTEXTS,
    MAX_EXPANDED_CLASSES,
    MODALITY_STORAGE_CLASSES,
    get_storage_contexts,
    likely_storage_classes,
    storage_contexts_for_get,
)
from mid import tls as _tls

log = logging.getLogger("mid.pacs")

MAX_PDU = 1024 * 1024             # what we ask peers to send to us, per PDU
MAX_SCP_ASSOCIATIONS = 32         # concurrent inbound associations on our receiver
CANCEL_GRACE = 1.0                # seconds between C-CANCEL and A-ABORT

QR_MODELS = {
    "study": (
        StudyRootQueryRetrieveInformationModelFind,
        StudyRootQueryRetrieveInformationModelMove,
        StudyRootQueryRetrieveInformationModelGet,
    ),
    "patient": (
        PatientRootQueryRetrieveInformationModelFind,
        PatientRootQueryRetrieveInformationModelMove,
        PatientRootQueryRetrieveInformationModelGet,
    ),
}
LEVELS = ("PATIENT", "STUDY", "SERIES", "IMAGE")
RETRIEVE_KEYS = ("PatientID", "StudyInstanceUID", "SeriesInstanceUID", "SOPInstanceUID")


# ---------------------------------------------------------------------------------------
# Data passed to and from callers


@dataclass(frozen=True)
class Timeouts:
    """Seconds allowed for TCP connect, association negotiation, each DIMSE answer and network idle."""

    connect: float = 10
    acse: float = 30
    dimse: float = 60
    network: float = 60


class NetError(Exception):
    """A named DICOM network failure; str() is one line: what happened, then what to check.

    kind: "refused" | "timeout" | "rejected" | "aborted" | "status" | "failed".
    transient: True when a retry later may succeed.
    result: for a retrieve that ended in a failure status, the counts collected so far.
    """

    def __init__(self, peer: str, kind: str, detail: str, hint: str, *, status: int | None = None,
                 transient: bool = False, result: "RetrieveResult | None" = None):
        self.peer = peer
        self.kind = kind
        self.detail = detail
        self.hint = hint
        self.status = status
        self.transient = transient
        self.result = result
        super().__init__(str(self))

    def __str__(self) -> str:
        return f"{self.peer}: {self.detail} — {self.hint}"


class FindCancelled(NetError):
    """A C-FIND stopped because the caller cancelled it (C-CANCEL, or an abort when ignored)."""

    def __init__(self, peer: str):
        super().__init__(peer, "cancelled", "the search was cancelled", "search again to finish it")


class FindTruncated(NetError):
    """A C-FIND the peer ended early on its own: a Cancel status we did not ask for (Orthanc's
    LimitFindResults), or Out of Resources after some matches (a cap). `matches`: what came."""

    def __init__(self, peer: str, matches: list, code: int):
        self.matches = matches
        super().__init__(peer, "truncated", f"the PACS stopped its C-FIND answer after {len(matches)} matches "
                         f"with status 0x{code:04X} ({status_meaning(code, 'C-FIND')})",
                         "the PACS caps its answers; narrow the query", status=code)


@dataclass
class RetrieveResult:
    """Sub-operation counts and final status of one C-MOVE or C-GET."""

    status: int = STATUS_PENDING
    completed: int = 0
    failed: int = 0
    warning: int = 0
    remaining: int = 0
    cancelled: bool = False
    failed_sop_uids: list[str] = field(default_factory=list)


@dataclass
class StoreRequest:
    """One received instance: the decoded dataset (file_meta set) and who sent it."""

    dataset: Dataset
    calling_aet: str
    _event: Any = field(default=None, repr=False, compare=False)

    def encoded(self) -> bytes:
        """The instance as a DICOM file: preamble, file meta, then the dataset bytes as received."""
        if self._event is not None:
            return self._event.encoded_dataset(include_meta=True)
        buf = BytesIO()
        dcmwrite(buf, self.dataset, enforce_file_format=True)
        return buf.getvalue()


StoreHandler = Callable[[StoreRequest], int]


# ---------------------------------------------------------------------------------------
# Association opening and failure naming


class Peer(Protocol):
    """What pacs needs of a peer (settings.PeerConfig is one); read-only."""

    @property
    def name(self) -> str: ...
    @property
    def aet(self) -> str: ...
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def query_model(self) -> str: ...


def peer_label(peer: Peer) -> str:
    """How a peer is named in messages: its name and AE title at host:port."""
    name = peer.name or peer.aet
    return f"{name} ({peer.aet}@{peer.host}:{peer.port})"


REJECT_PERMANENT = 0x01
REJECT_TRANSIENT = 0x02
REJECT_SOURCE_USER = 0x01
REJECT_CALLING_AET = 0x03

_REJECT_REASONS = {
    (1, 1): "no reason given",
    (1, 2): "application context name not supported",
    (1, 3): "calling AE title not recognised",
    (1, 7): "called AE title not recognised",
    (2, 1): "no reason given (ACSE)",
    (2, 2): "protocol version not supported",
    (3, 1): "temporary congestion",
    (3, 2): "local limit exceeded",
}


def _reject_hint(source: int, reason: int, local_aet: str, peer: Peer) -> str:
    if (source, reason) == (1, 3):
        return (f"register our AE title '{local_aet}' (with this computer's IP and our port) "
                f"at the PACS, or correct our AE title in the settings")
    if (source, reason) == (1, 7):
        return f"check the PACS AE title in the settings ('{peer.aet}'); it must match the PACS exactly"
    if source == 3:
        return "the PACS is busy; try again in a moment or lower the number of parallel workers"
    return "ask the PACS administrator whether our AE title, IP and port are allowed"


def rejection_error(local_aet: str, peer: Peer, result: int, source: int, reason: int) -> NetError:
    """Decode an A-ASSOCIATE-RJ (result/source/reason) into a NetError."""
    text = _REJECT_REASONS.get((source, reason), f"reason {reason} from source {source}")
    transient = result == 2 or source == 3
    permanence = "transient" if result == 2 else "permanent"
    return NetError(peer_label(peer), "rejected",
                    f"association rejected ({permanence}): {text}",
                    _reject_hint(source, reason, local_aet, peer), transient=transient)


@dataclass
class _Attempt:
    """What we saw while opening one association."""

    started: float = field(default_factory=time.monotonic)
    connected: bool = False


def _probe_tcp(peer: Peer, timeout: float) -> NetError | None:
    """Plain TCP connect to tell 'refused' from 'timeout' from 'unknown host'; None if it connects."""
    label = peer_label(peer)
    try:
        with socket.create_connection((peer.host, int(peer.port)), timeout=timeout):
            return None
    except ConnectionRefusedError:
        return NetError(label, "refused", "connection refused",
                        "is the PACS running, are its IP address and port right, does a firewall block it?",
                        transient=True)
    except socket.gaierror as exc:
        return NetError(label, "failed", f"host name '{peer.host}' cannot be resolved ({exc.strerror})",
                        "check the PACS IP address or host name in the settings")
    except (socket.timeout, TimeoutError):
        return _connect_timeout(peer, timeout)
    except OSError as exc:
        return NetError(label, "refused", f"cannot connect ({exc.strerror or exc})",
                        "check the network route, the PACS IP address and port, and firewalls",
                        transient=True)


def _connect_timeout(peer: Peer, seconds: float) -> NetError:
    return NetError(peer_label(peer), "timeout", f"no TCP connection within {seconds:g} s",
                    "is the PACS IP address right, is it reachable, does a firewall drop the connection?",
                    transient=True)


def _open_failure(assoc: Any, attempt: _Attempt, local_aet: str, peer: Peer, timeouts: Any,
                  purpose: str, tls_args: tuple | None = None, probe_tls: bool = True) -> NetError:
    """Name why an association was not established."""
    elapsed = time.monotonic() - attempt.started
    label = peer_label(peer)
    if assoc.is_rejected:
        rj = assoc.acceptor.primitive
        return rejection_error(local_aet, peer, rj.result, rj.result_source, rj.diagnostic)
    if tls_args is not None:
        found = _tls_failure(peer, tls_args, timeouts, tcp_first=not attempt.connected)
        if found is not None:
            return found
    if not attempt.connected:
        if elapsed >= 0.9 * timeouts.connect:
            return _connect_timeout(peer, timeouts.connect)
        probe = _probe_tcp(peer, timeouts.connect)
        return probe or NetError(label, "refused", "the connection failed",
                                 "is the PACS running and are its IP address and port right?",
                                 transient=True)
    accepted = assoc.acceptor.primitive
    if accepted is not None and getattr(accepted, "result", None) == 0 and not assoc.accepted_contexts:
        return NetError(label, "failed", f"the PACS accepted none of the presentation contexts for {purpose}",
                        f"the PACS does not offer {purpose}; check its configuration or the query model")
    if elapsed >= 0.9 * timeouts.acse:
        return NetError(label, "timeout", f"no answer to the association request within {timeouts.acse:g} s",
                        "the port answers but does not speak DICOM, or the PACS is hung; check the port",
                        transient=True)
    if tls_args is None and probe_tls and _tls.speaks_tls(peer.host, int(peer.port), min(float(timeouts.connect), 3.0)):
        return NetError(label, "rejected", "the PACS port expects DICOM over TLS and closed our plain connection",
                        "add a \"tls\" block (ca_file, and cert_file/key_file if the PACS asks for our "
                        "certificate) to this peer in peers.json, or use the PACS's plain DICOM port")
    return NetError(label, "aborted", "the PACS aborted the association request or closed the connection",
                    "check that our AE title, IP and port are registered at the PACS, and its logs",
                    transient=True)


def _tls_args(peer: Peer) -> tuple | None:
    """pynetdicom's tls_args for a peer with a TLS block: (client context, host); None for plain.
    A file that is missing or unusable is a NetError here, before any connection."""
    block = getattr(peer, "tls", None)
    if block is None:
        return None
    try:
        return _tls.client_context(block), peer.host
    except _tls.TlsError as exc:
        raise NetError(peer_label(peer), "failed", exc.detail, exc.hint) from None


def _tls_failure(peer: Peer, tls_args: tuple, timeouts: Any, tcp_first: bool) -> NetError | None:
    """Why a TLS association failed, found by shaking hands again; None when TLS is not the cause."""
    if tcp_first:
        tcp = _probe_tcp(peer, timeouts.connect)
        if tcp is not None:
            return tcp
    block = getattr(peer, "tls", None)
    problem = _tls.probe(peer.host, int(peer.port), tls_args[0], float(timeouts.connect),
                         server_hostname=tls_args[1], ca_file=getattr(block, "ca_file", None))
    if problem is None:
        return None
    return NetError(peer_label(peer), "rejected", f"TLS: {problem.detail}", problem.hint)


def _make_ae(local_aet: str, timeouts: Any) -> AE:
    """An AE with our title, the given timeouts and our maximum PDU size; no contexts yet."""
    try:
        ae = AE(ae_title=local_aet)
    except (ValueError, TypeError) as exc:
        raise NetError(f"our AE title {local_aet!r}", "failed", f"it is not a valid AE title ({exc})",
                       "set our AE title (<SELF>) to 1-16 characters, no backslash, not blank") from None
    ae.connection_timeout = timeouts.connect
    ae.acse_timeout = timeouts.acse
    ae.dimse_timeout = timeouts.dimse
    ae.network_timeout = timeouts.network
    ae.maximum_pdu_size = MAX_PDU
    return ae


def _open(ae: AE, local_aet: str, peer: Peer, timeouts: Any, purpose: str, *,
          ext_neg: list | None = None, handlers: list | None = None) -> Any:
    """Open an association with the contexts already requested on ae; raise NetError if not established.

    A connection closed during negotiation, without an answer, is tried once more: a PACS that
    rejects and closes at once (Orthanc does) can have its A-ASSOCIATE-RJ lost to the closing
    connection now and then, and the second answer names the real reason (say, an unknown AE title).
    """
    try:
        return _open_once(ae, local_aet, peer, timeouts, purpose, ext_neg=ext_neg, handlers=handlers)
    except NetError as error:
        if error.kind != "aborted":
            raise
    time.sleep(0.2)
    # the first failure already asked whether the port speaks TLS; the answer does not change
    return _open_once(ae, local_aet, peer, timeouts, purpose, ext_neg=ext_neg, handlers=handlers, probe_tls=False)


def _open_once(ae: AE, local_aet: str, peer: Peer, timeouts: Any, purpose: str, *,
               ext_neg: list | None = None, handlers: list | None = None, probe_tls: bool = True) -> Any:
    tls_args = _tls_args(peer)
    attempt = _Attempt()

    def on_conn_open(event: evt.Event) -> None:
        attempt.connected = True
        _adapt_association(event.assoc)   # before its reactor thread starts

    evt_handlers = [(evt.EVT_CONN_OPEN, on_conn_open)] + list(handlers or [])
    try:
        assoc = ae.associate(peer.host, int(peer.port), ae_title=peer.aet, ext_neg=ext_neg,
                             evt_handlers=evt_handlers, tls_args=tls_args)
    except socket.gaierror as exc:
        raise NetError(peer_label(peer), "failed", f"host name '{peer.host}' cannot be resolved ({exc.strerror})",
                       "check the PACS IP address or host name in the settings") from None
    except (ValueError, TypeError, OSError) as exc:
        raise NetError(peer_label(peer), "failed", f"the association could not be started ({exc})",
                       "check the PACS settings (AE title 1-16 characters, host, port 1-65535) and our AE title"
                       ) from None
    if assoc.is_established:
        assoc.unbind(evt.EVT_CONN_OPEN, on_conn_open)
        # only once established: set while the request was negotiated, it let the peer's
        # rejection arrive as a closed connection now and then (seen with Orthanc)
        _no_delay(assoc)
        return assoc
    error = _open_failure(assoc, attempt, local_aet, peer, timeouts, purpose, tls_args, probe_tls)
    # INFO, not WARNING: the caller reports the NetError (the CLI prints it, the GUI shows it,
    # the engine records it on the series); at WARNING the console would say it a second time.
    log.info("%s", error)
    raise error


def _no_delay(assoc: Any) -> None:
    """Sends each PDU at once (TCP_NODELAY): a short PDU written behind another one, e.g. a
    command followed by its identifier, would otherwise wait for the peer's delayed ACK."""
    sock = getattr(getattr(assoc, "dul", None), "socket", None)
    raw = getattr(sock, "socket", None)
    if raw is None:
        return
    try:
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except OSError:                 # not TCP (tests may use other sockets); nothing to tune
        pass


# ---------------------------------------------------------------------------------------
# Naming what went wrong, closing


def _lost_error(peer: Peer, started: float, timeouts: Any, what: str, hint: str | None = None) -> NetError:
    """Name a DIMSE exchange that ended with no status: a timeout or a dropped association."""
    waited = time.monotonic() - started
    if waited >= 0.9 * timeouts.dimse:
        return NetError(peer_label(peer), "timeout", f"no answer to the {what} within {waited:.0f} s",
                        "the PACS is slow or hung; raise the DIMSE/network timeout or try later",
                        transient=True)
    return NetError(peer_label(peer), "aborted",
                    f"the association was aborted or the connection dropped during the {what}",
                    hint or "the PACS closed the connection; check its logs, then retry", transient=True)


def _status_error(peer: Peer, code: int, what: str, result: RetrieveResult | None = None) -> NetError:
    meaning = status_meaning(code, what)
    hint = {
        STATUS_MOVE_DESTINATION_UNKNOWN: "register our AE title as a destination (AE, IP, port) at the PACS",
        STATUS_IDENTIFIER_MISMATCH: "the query keys do not fit the query model or level",
    }.get(code, "the PACS is busy; try again later" if is_transient_status(code)
          else "check the PACS logs for the reason" if what == "C-FIND"
          else "check the PACS logs; if our receiver refused an instance (see our log), fix that and retry")
    return NetError(peer_label(peer), "status", f"{what} failed with status 0x{code:04X} ({meaning})", hint,
                    status=code, transient=is_transient_status(code), result=result)


def _release(assoc: Any) -> None:
    """Release politely; abort if the peer does not answer."""
    try:
        if assoc.is_established:
            assoc.release()
    except Exception:  # noqa: BLE001 - closing must never raise
        log.debug("release failed, aborting", exc_info=True)
        assoc.abort()


# ---------------------------------------------------------------------------------------
# C-ECHO


def echo(local_aet: str, peer: Peer, timeouts: Any) -> float:
    """C-ECHO the peer; return the seconds from connect to answer. Raises NetError."""
    ae = _make_ae(local_aet, timeouts)
    ae.add_requested_context(Verification)
    started = time.monotonic()
    assoc = _open(ae, local_aet, peer, timeouts, "verification (C-ECHO)")
    try:
        sent = time.monotonic()
        status = assoc.send_c_echo()
        if "Status" not in status:
            raise _lost_error(peer, sent, timeouts, "C-ECHO",
                              f"the PACS accepted the association but dropped the C-ECHO; is our AE title "
                              f"'{local_aet}' registered at the PACS (AE, IP, port)?")
        if status.Status != STATUS_SUCCESS:
            raise _status_error(peer, status.Status, "C-ECHO")
        return time.monotonic() - started
    finally:
        _release(assoc)


# ---------------------------------------------------------------------------------------
# C-FIND


def build_identifier(level: str, keys: dict[str, object]) -> Dataset:
    """A query/retrieve identifier: QueryRetrieveLevel plus each keyword -> value.

    "" (or None) asks for the key to be returned; a list or tuple becomes a multi-valued element.
    """
    level = level.upper()
    if level not in LEVELS:
        raise ValueError(f"query level {level!r} is not one of {', '.join(LEVELS)}")
    ds = Dataset()
    ds.QueryRetrieveLevel = level
    for keyword, value in keys.items():
        if keyword not in keyword_dict:
            raise ValueError(f"query key {keyword!r} is not a DICOM keyword; check the spelling")
        if keyword == "QueryRetrieveLevel":
            continue
        if value is None:
            value = ""
        elif isinstance(value, (list, tuple)):
            value = [str(v) for v in value]
            value = value[0] if len(value) == 1 else value
        elif dictionary_VR(keyword) != "SQ":
            value = str(value)
        setattr(ds, keyword, value)
    return ds


def _model(model: str) -> tuple:
    try:
        return QR_MODELS[model]
    except KeyError:
        raise ValueError(f"query model {model!r} is not one of {', '.join(QR_MODELS)}") from None


class _Dropped(Exception):
    """The association vanished before any answer: worth one reopen."""

    def __init__(self, error: NetError):
        super().__init__(str(error))
        self.error = error


class _ResponseWatch:
    """Every DIMSE message the peer sends on a query association, seen through pynetdicom's
    public EVT_DIMSE_RECV in its network thread, before any thread takes it off the queue.

    The C-FIND responses to the request in progress are counted; anything else (another message
    type, a response to another message ID, a message between queries) is noted as unexpected.
    pynetdicom itself drops some of these with a log line, or takes a stray response as ours.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._msg_id: int | None = None
        self.received = 0
        self.unexpected: list[str] = []

    def start(self, msg_id: int) -> None:
        with self._lock:
            self._msg_id, self.received = msg_id, 0

    def stop(self) -> None:
        with self._lock:
            self._msg_id = None

    def on_message(self, event: evt.Event) -> None:
        message = event.message
        command = message.command_set
        kind = type(message).__name__.replace("_", "-")
        answering = command.get("MessageIDBeingRespondedTo")
        with self._lock:
            if kind == "C-FIND-RSP" and self._msg_id is not None and answering == self._msg_id:
                self.received += 1
                return
            if answering is not None:
                what = f"a {kind} answering message {answering}"
            else:
                what = f"a {kind} (message {command.get('MessageID')})"
            waiting = (f"while waiting for the answers to message {self._msg_id}" if self._msg_id is not None
                       else "between two queries")
            self.unexpected.append(f"{what} {waiting}")


class QuerySession:
    """One association serving many C-FINDs; reopened once, transparently, when the peer drops it.

    Thread-safe: finds on one session run one after the other. Every response the peer sends is
    accounted for (_ResponseWatch): a message the query does not expect, or a response that did
    not reach it, fails the find with a NetError instead of losing or mixing up a match.
    """

    def __init__(self, local_aet: str, peer: Peer, timeouts: Any, model: str = "study"):
        self.local_aet = local_aet
        self.peer = peer
        self.timeouts = timeouts
        self._find_uid = _model(model)[0]
        self._assoc = None
        self._watch = _ResponseWatch()
        self._lock = threading.Lock()
        self._msg_ids = itertools.count(1)
        self.associations_opened = 0

    def __enter__(self) -> "QuerySession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the association, if one is open."""
        with self._lock:
            if self._assoc is not None:
                _release(self._assoc)
                self._assoc = None

    def open(self) -> None:
        """Open the association now unless one is open; NetError when the peer does not accept it."""
        with self._lock:
            self._ensure_open()

    def find(self, level: str, keys: dict[str, object], cancel: threading.Event | None = None) -> list[Dataset]:
        """C-FIND at level with keys; return the matched identifiers. Raises NetError on any failure.

        When `cancel` is set during the find, a C-CANCEL goes to the peer (an A-ABORT follows if it
        does not stop within CANCEL_GRACE) and FindCancelled is raised: never a partial answer.
        A peer that ends the answer early by itself raises FindTruncated, carrying the matches."""
        identifier = build_identifier(level, keys)
        log.debug("C-FIND %s %s", level, keys, extra={"phi": True})
        if cancel is not None and cancel.is_set():
            raise FindCancelled(peer_label(self.peer))
        with self._lock:
            fresh = self._ensure_open()
            try:
                return self._find_once(identifier, cancel)
            except _Dropped as dropped:
                if fresh:
                    raise dropped.error from None
                log.info("%s dropped the query association; reopening", peer_label(self.peer))
                self._assoc = None
                self._ensure_open()
                try:
                    return self._find_once(identifier, cancel)
                except _Dropped as again:
                    raise again.error from None

    def _ensure_open(self) -> bool:
        """Open an association unless a live one exists; True when a new one was opened."""
        if self._assoc is not None and self._assoc.is_established:
            return False
        if self._assoc is not None:
            self._assoc.abort()
        ae = _make_ae(self.local_aet, self.timeouts)
        ae.add_requested_context(self._find_uid)
        watch = _ResponseWatch()
        self._assoc = _open(ae, self.local_aet, self.peer, self.timeouts, "query (C-FIND)",
                            handlers=[(evt.EVT_DIMSE_RECV, watch.on_message)])
        self._watch = watch
        self.associations_opened += 1
        return True

    def _protocol_error(self, detail: str, hint: str) -> NetError:
        """End the association (its state is unknown) and name what went wrong."""
        if self._assoc is not None:
            self._assoc.abort()
            self._assoc = None
        error = NetError(peer_label(self.peer), "failed", detail, hint)
        log.error("%s", error)
        return error

    def _unexpected_error(self) -> NetError:
        return self._protocol_error(
            f"the C-FIND was stopped: the PACS sent {self._watch.unexpected[0]}",
            "the PACS does not follow the DICOM protocol on this association, so a match could be "
            "lost or mixed up; search again, and if it happens again report it to the PACS administrator")

    def _lost_answer_error(self, sent: int, reached: int) -> NetError:
        return self._protocol_error(
            f"the C-FIND was stopped: the PACS sent {sent} responses, but only {reached} reached the query",
            "a match would have been lost; search again, and if it happens again report it with our log")

    def _find_once(self, identifier: Dataset, cancel: threading.Event | None = None) -> list[Dataset]:
        msg_id = next(self._msg_ids) % 65536
        with _CancelWatch(self._assoc, cancel, msg_id, self._find_uid) as stop:
            try:
                return self._find_answers(identifier, msg_id)
            except (NetError, _Dropped):
                if stop.fired:
                    raise FindCancelled(peer_label(self.peer)) from None
                raise
            finally:
                if stop.aborted:
                    self._assoc = None

    def _find_answers(self, identifier: Dataset, msg_id: int) -> list[Dataset]:
        assoc, watch = self._assoc, self._watch
        if watch.unexpected:
            raise self._unexpected_error()
        if assoc is None:
            raise _Dropped(NetError(peer_label(self.peer), "aborted", "the query association is gone",
                                    "the PACS closed the connection; retry", transient=True))
        matches: list[Dataset] = []
        answers = 0
        started = time.monotonic()
        watch.start(msg_id)
        try:
            responses = assoc.send_c_find(identifier, self._find_uid, msg_id=msg_id)
            for status, match in responses:
                if watch.unexpected:
                    raise self._unexpected_error()
                if "Status" not in status and watch.received > answers:
                    raise self._lost_answer_error(watch.received, answers)
                if "Status" not in status:
                    error = _lost_error(self.peer, started, self.timeouts, "C-FIND")
                    self._assoc = None
                    if not matches and error.kind == "aborted":
                        raise _Dropped(error)
                    raise error
                answers += 1
                code = status.Status
                if is_pending(code):
                    if match is not None:
                        matches.append(match)
                    started = time.monotonic()
                    continue
                if watch.received != answers:
                    raise self._lost_answer_error(watch.received, answers)
                if code == STATUS_SUCCESS:
                    return matches
                if code == STATUS_CANCEL or (code == STATUS_OUT_OF_RESOURCES and matches):
                    raise FindTruncated(peer_label(self.peer), matches, code)   # FindCancelled if we asked
                raise _status_error(self.peer, code, "C-FIND")
        except RuntimeError as exc:  # association no longer established when sending
            self._assoc = None
            raise _Dropped(NetError(peer_label(self.peer), "aborted", f"the query association was lost ({exc})",
                                    "the PACS closed the connection; retry", transient=True)) from None
        finally:
            watch.stop()
        return matches


# ---------------------------------------------------------------------------------------
# C-MOVE and C-GET


def _retrieve_identifier(level: str, keys: dict[str, object]) -> Dataset:
    """Identifier for C-MOVE / C-GET: unique keys only, each with one exact value or a UID list."""
    for keyword, value in keys.items():
        if keyword not in RETRIEVE_KEYS:
            raise ValueError(f"retrieve key {keyword!r} is not a unique key; use only {', '.join(RETRIEVE_KEYS)}")
        values = value if isinstance(value, (list, tuple)) else [value]
        for one in values:
            text = "" if one is None else str(one)
            if not text or any(ch in text for ch in "*?\\"):
                raise ValueError(f"retrieve key {keyword}={text!r} must be an exact value (no empty value or wildcard)")
    return build_identifier(level, keys)


class _CancelWatch:
    """Watches a cancel Event during a retrieve: C-CANCEL first, A-ABORT after a short grace."""

    def __init__(self, assoc: Any, cancel: threading.Event | None, msg_id: int, model_uid: str):
        self.assoc = assoc
        self.cancel = cancel
        self.msg_id = msg_id
        self.model_uid = model_uid
        self.fired = False
        self.aborted = False
        self.done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="mid-pacs-cancel", daemon=True)

    def __enter__(self) -> "_CancelWatch":
        if self.cancel is not None:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        # a watcher that has not fired ends by itself within one poll; waiting for it would add
        # that poll to every C-FIND of a search
        if self.fired and self._thread.is_alive():
            self._thread.join(timeout=CANCEL_GRACE + 2)

    def _run(self) -> None:
        assert self.cancel is not None          # the thread is started only with an event to watch
        while not self.done.is_set():
            if self.cancel.wait(0.05):
                break
        if self.done.is_set():
            return
        self.fired = True
        try:
            self.assoc.send_c_cancel(self.msg_id, query_model=self.model_uid)
        except Exception:  # noqa: BLE001 - the association may already be gone
            log.debug("C-CANCEL not sent", exc_info=True)
        if self.done.wait(CANCEL_GRACE):
            return
        log.info("peer did not stop after C-CANCEL; aborting the association")
        self.aborted = True
        self.assoc.abort()
        _wake_response_wait(self.assoc)


def _apply_counts(result: RetrieveResult, status: Dataset) -> None:
    """Take the sub-operation counts of a response; done-counts never go down.

    Some PACS (Orthanc 1.10 on a failed sub-operation) send zeros in the final response.
    """
    for attr, keyword in (("remaining", "NumberOfRemainingSuboperations"),
                          ("completed", "NumberOfCompletedSuboperations"),
                          ("failed", "NumberOfFailedSuboperations"),
                          ("warning", "NumberOfWarningSuboperations")):
        value = status.get(keyword)
        if value is None:
            continue
        value = int(value)
        setattr(result, attr, value if attr == "remaining" else max(value, getattr(result, attr)))


def _failed_uids(identifier: Dataset | None) -> list[str]:
    """The Failed SOP Instance UID List of a final C-MOVE / C-GET response, as a list."""
    if identifier is None or "FailedSOPInstanceUIDList" not in identifier:
        return []
    value = identifier.FailedSOPInstanceUIDList
    if not value:
        return []
    return [str(value)] if isinstance(value, str) else [str(v) for v in value]


class _Activity:
    """When the peer last said something during a retrieve (a response or, for C-GET, a C-STORE)."""

    def __init__(self) -> None:
        self.last = time.monotonic()

    def touch(self) -> None:
        self.last = time.monotonic()


def _collect(responses: Iterator, watch: _CancelWatch, peer: Peer, timeouts: Any, what: str,
             on_pending: Callable[[RetrieveResult], None] | None, activity: _Activity) -> RetrieveResult:
    """Turn C-MOVE / C-GET responses into a RetrieveResult; raise NetError on a failure."""
    result = RetrieveResult()
    for status, identifier in responses:
        if "Status" not in status:
            if watch.fired:
                result.cancelled = True
                result.status = STATUS_CANCEL
                return result
            raise _lost_error(peer, activity.last, timeouts, what)
        code = status.Status
        _apply_counts(result, status)
        activity.touch()
        if is_pending(code):
            if on_pending is not None:
                on_pending(RetrieveResult(**{**result.__dict__, "failed_sop_uids": []}))
            continue
        result.status = code
        result.failed_sop_uids = _failed_uids(identifier)
        if code != STATUS_CANCEL:
            result.remaining = 0
        result.cancelled = code == STATUS_CANCEL or watch.fired
        if is_failure(code) and not watch.fired:
            error = _status_error(peer, code, what, result)
            if result.completed or result.failed or result.warning:
                # it failed part-way through the sub-operations: usually one store, worth a retry
                error.transient = True
            raise error
        return result
    result.cancelled = watch.fired
    return result


def move(local_aet: str, peer: Peer, dest_aet: str, level: str, keys: dict, timeouts: Any,
         cancel: threading.Event | None = None,
         on_pending: Callable[[RetrieveResult], None] | None = None, *,
         watched: bool = False) -> RetrieveResult:
    """C-MOVE the instances matching unique keys to dest_aet; return the sub-operation counts.

    Raises NetError for association failures and failure statuses (with .result attached);
    warning (e.g. 0xB000, some sub-operations failed) and cancel are returned, not raised.
    watched: the caller sees the instances arrive (at our receiver) and sets `cancel` when they
    stop; the responses are then awaited without the DIMSE timeout, since a PACS may send no
    pending response at all and a big series takes longer than any DIMSE timeout.
    """
    identifier = _retrieve_identifier(level, keys)
    if cancel is not None and cancel.is_set():
        return RetrieveResult(status=STATUS_CANCEL, cancelled=True)
    move_uid = _model(peer.query_model or "study")[1]
    ae = _make_ae(local_aet, timeouts)
    ae.add_requested_context(move_uid)
    assoc = _open(ae, local_aet, peer, timeouts, "retrieve (C-MOVE)")
    if watched and cancel is not None:
        assoc.dimse_timeout = None
    log.info("C-MOVE %s to %s at %s level", peer_label(peer), dest_aet, level)
    try:
        with _CancelWatch(assoc, cancel, 1, move_uid) as watch:
            responses = assoc.send_c_move(identifier, dest_aet, move_uid, msg_id=1)
            return _collect(responses, watch, peer, timeouts, "C-MOVE", on_pending, _Activity())
    finally:
        _release(assoc)


class _Arrivals:
    """What reached our side during one C-GET and its second passes, by SOP Instance UID."""

    def __init__(self, on_store: StoreHandler) -> None:
        self.on_store = on_store
        self.lock = threading.Lock()
        self.seen: set[str] = set()
        self.stored: set[str] = set()

    def __call__(self, req: StoreRequest) -> int:
        event = req._event
        uid = str(event.request.AffectedSOPInstanceUID if event is not None else req.dataset.SOPInstanceUID)
        with self.lock:
            self.seen.add(uid)
        status = self.on_store(req)
        if isinstance(status, int) and not is_failure(status):
            with self.lock:
                self.stored.add(uid)
        return status


def get(local_aet: str, peer: Peer, level: str, keys: dict, timeouts: Any, on_store: StoreHandler,
        cancel: threading.Event | None = None,
        on_pending: Callable[[RetrieveResult], None] | None = None,
        *, sop_classes: Iterable[str] = (), modalities: Iterable[str] = ()) -> RetrieveResult:
    """C-GET the instances matching unique keys over one association; each arrives at on_store.

    Proposes the SCP role for the storage contexts of get_storage_contexts(sop_classes, modalities):
    the likely classes of the series' modalities get a context per compressed transfer syntax, so
    a PACS that does not transcode can send each image as it stored it, on the context of its own
    syntax. Some PACS (DCMTK's dcmqrscp) send every image of a class on the first context accepted
    for it, whatever its syntax: the instances such a PACS failed to send and never sent to us are
    then asked for again (IMAGE level), one compressed syntax at a time (_get_by_syntax).
    Errors as for move().
    """
    identifier = _retrieve_identifier(level, keys)
    if cancel is not None and cancel.is_set():
        return RetrieveResult(status=STATUS_CANCEL, cancelled=True)
    modalities = list(modalities)
    arrivals = _Arrivals(on_store)
    contexts = get_storage_contexts(sop_classes, modalities=modalities)
    error: NetError | None = None
    try:
        answer = _get_once(local_aet, peer, level, identifier, timeouts, contexts, arrivals, cancel, on_pending)
    except NetError as e:
        if e.result is None:
            raise
        error, answer = e, e.result
    assert answer is not None            # only need_storage=True gives None
    result = answer
    likely = likely_storage_classes(modalities)
    unsent = [u for u in result.failed_sop_uids if u not in arrivals.seen]
    if likely and unsent and not result.cancelled and level.upper() in ("STUDY", "SERIES"):
        # at STUDY level the instances are asked for without their series: a PACS that wants every
        # level's key (dcmqrscp) finds none, and the caller asks again series by series
        result = _get_by_syntax(local_aet, peer, keys, timeouts, likely, unsent, arrivals, cancel, result)
        if error is not None and is_failure(result.status):
            error.result = result
            raise error
        return result
    if error is not None:
        raise error
    return result


def _get_once(local_aet: str, peer: Peer, level: str, identifier: Dataset, timeouts: Any,
              contexts: list[tuple[str, list[str]]], on_store: StoreHandler,
              cancel: threading.Event | None, on_pending: Callable[[RetrieveResult], None] | None,
              *, need_storage: bool = False) -> RetrieveResult | None:
    """One C-GET association with these storage contexts (SCP role). need_storage: when the peer
    accepts none of them, nothing is asked and the answer is None."""
    get_uid = _model(peer.query_model or "study")[2]
    ae = _make_ae(local_aet, timeouts)
    ae.add_requested_context(get_uid)
    for uid, syntaxes in contexts:
        ae.add_requested_context(uid, syntaxes)
    roles = [build_role(uid, scp_role=True) for uid in dict.fromkeys(uid for uid, _ in contexts)]
    activity = _Activity()
    handlers = [(evt.EVT_C_STORE, _store_handler(on_store, activity))]
    assoc = _open(ae, local_aet, peer, timeouts, "retrieve (C-GET)", ext_neg=roles, handlers=handlers)
    try:
        if need_storage and not any(cx.abstract_syntax != get_uid for cx in assoc.accepted_contexts):
            return None
        log.info("C-GET from %s at %s level", peer_label(peer), identifier.QueryRetrieveLevel)
        with _CancelWatch(assoc, cancel, 1, get_uid) as watch:
            responses = assoc.send_c_get(identifier, get_uid, msg_id=1)
            return _collect(responses, watch, peer, timeouts, "C-GET", on_pending, activity)
    finally:
        _release(assoc)


def _get_by_syntax(local_aet: str, peer: Peer, keys: dict, timeouts: Any, likely: list[str],
                   unsent: list[str], arrivals: _Arrivals, cancel: threading.Event | None,
                   first: RetrieveResult) -> RetrieveResult:
    """Ask again, at IMAGE level, for the instances the peer failed to send and never sent us:
    one association per compressed transfer syntax, the likely classes proposed in that syntax
    alone, until none is left. The answer is the first C-GET's, its counts corrected by what came."""
    log.info("C-GET from %s: %d instances the PACS could not send on the contexts it chose; asking for "
             "them in each compressed transfer syntax", peer_label(peer), len(unsent))
    base = {k: v for k, v in keys.items() if k != "SOPInstanceUID"}
    completed, warning = first.completed, first.warning
    left = list(unsent)
    for syntax in COMPRESSED_SYNTAXES:
        if not left or (cancel is not None and cancel.is_set()):
            break
        identifier = _retrieve_identifier("IMAGE", {**base, "SOPInstanceUID": left})
        try:
            part = _get_once(local_aet, peer, "IMAGE", identifier, timeouts, [(uid, [syntax]) for uid in likely],
                             arrivals, cancel, None, need_storage=True)
        except NetError as e:
            if e.result is None:          # no association: what came so far stands
                log.info("C-GET from %s in %s not possible: %s", peer_label(peer), syntax.name, e)
                break
            part = e.result
        if part is None:
            continue
        if not (part.completed or part.failed or part.warning):
            break                         # it matched none of them: it will not in another syntax
        completed += part.completed
        warning += part.warning
        left = [u for u in left if u not in arrivals.seen]
    failed_uids = [u for u in first.failed_sop_uids if u not in arrivals.stored]
    failed = max(int(first.failed or 0) - (len(first.failed_sop_uids) - len(failed_uids)), len(failed_uids))
    if left:
        log.warning("C-GET from %s: %d instances still not sent in any transfer syntax we propose",
                    peer_label(peer), len(left))
    status = first.status if failed else (STATUS_SUBOPS_WARNING if warning else STATUS_SUCCESS)
    return RetrieveResult(status=status, completed=completed, failed=failed, warning=warning, remaining=0,
                          cancelled=cancel is not None and cancel.is_set(), failed_sop_uids=failed_uids)


# ---------------------------------------------------------------------------------------
# Our Storage SCP


def _sender_aet(assoc: Any) -> str:
    """The AE title of the peer that sends C-STOREs: the requestor on our SCP, the acceptor for C-GET."""
    sender = assoc.acceptor if assoc.is_requestor else assoc.requestor
    return str(sender.ae_title or "").strip()


def _log_store_failure(event: evt.Event, exc: BaseException, status: int) -> None:
    """Log a refused instance: a PHI-free line for the app log, the details only for the project log."""
    sender = _sender_aet(event.assoc)
    log.error("instance from %s refused with status 0x%04X: %s", sender, status, type(exc).__name__)
    log.error("refused instance %s from %s: %s", event.request.AffectedSOPInstanceUID, sender, exc,
              exc_info=exc, extra={"phi": True})


def _store_handler(on_store: StoreHandler, activity: _Activity | None = None) -> Callable[[evt.Event], int]:
    """An EVT_C_STORE handler that wraps on_store and never answers success for a failure."""

    def handle_store(event: evt.Event) -> int:
        if activity is not None:
            activity.touch()
        try:
            ds = event.dataset
            ds.file_meta = event.file_meta
            request = StoreRequest(ds, _sender_aet(event.assoc), event)
            status = on_store(request)
        except OSError as exc:
            _log_store_failure(event, exc, STATUS_OUT_OF_RESOURCES)
            return STATUS_OUT_OF_RESOURCES
        except Exception as exc:  # noqa: BLE001 - any failure is answered as a failure
            _log_store_failure(event, exc, STATUS_CANNOT_UNDERSTAND)
            return STATUS_CANNOT_UNDERSTAND
        if not isinstance(status, int):
            log.error("store handler answered %r instead of a status; answering failure", status)
            return STATUS_CANNOT_UNDERSTAND
        return status

    return handle_store


def _on_inbound_connection(event: evt.Event) -> None:
    _no_delay(event.assoc)
    _adapt_association(event.assoc)


class StorageSCP:
    """Our receiver: accepts C-STORE (and C-ECHO) from allowed calling AE titles only.

    allowed_aets is a set, or a callable returning one that is asked again for every association;
    any other calling AE title is rejected with "calling AE title not recognised".
    With `tls` (a TLS block, <SELF>'s) it listens for DICOM over TLS only: it presents cert_file and
    requires every sender's certificate, checked against ca_file, before any association.
    Instances are kept as received (no decompression) and handed to on_store, which is called
    from one thread per association, so several at once: it must be thread-safe. Its status is
    the answer; an exception is answered 0xA700 (OSError) or 0xC000, never success.
    """

    def __init__(self, ae_title: str, host: str, port: int,
                 allowed_aets: Callable[[], set[str]] | set[str] | frozenset[str],
                 on_store: StoreHandler, timeouts: Any = Timeouts(), *, tls: Any = None):
        self.ae_title = ae_title
        self.tls = tls
        self.host = host
        self.requested_port = int(port)
        self._allowed = allowed_aets if callable(allowed_aets) else (lambda s=frozenset(allowed_aets): s)
        self._on_store = on_store
        self.timeouts = timeouts
        self._ae: AE | None = None
        self._server: Any = None

    def __enter__(self) -> "StorageSCP":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The port actually listened on (useful when 0 was asked for)."""
        if self._server is None:
            return self.requested_port
        return self._server.server_address[1]

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        """Start listening (non-blocking). Raises NetError when the port cannot be opened."""
        if self._server is not None:
            return
        context = None
        if self.tls is not None:
            try:
                context = _tls.server_context(self.tls, float(self.timeouts.acse))
            except _tls.TlsError as exc:
                raise NetError(f"our receiver {self.ae_title}", "failed", exc.detail, exc.hint) from None
        ae = _make_ae(self.ae_title, self.timeouts)
        ae.maximum_associations = MAX_SCP_ASSOCIATIONS
        for cx in AllStoragePresentationContexts:
            ae.add_supported_context(cx.abstract_syntax, STORE_TRANSFER_SYNTAXES)
        ae.add_supported_context(Verification)
        handlers = [(evt.EVT_CONN_OPEN, _on_inbound_connection),
                    (evt.EVT_REQUESTED, self._refresh_allowed),
                    (evt.EVT_REJECTED, _log_rejection),
                    (evt.EVT_C_STORE, _store_handler(self._on_store))]
        try:
            self._server = ae.start_server((self.host, self.requested_port), block=False, evt_handlers=handlers,
                                           ssl_context=context)
        except OSError as exc:
            raise NetError(f"our receiver {self.ae_title}", "failed",
                           f"cannot listen on {self.host}:{self.requested_port} ({exc.strerror or exc})",
                           "another program may use this port; choose another <SELF> port or stop that program"
                           ) from None
        self._ae = ae
        log.info("storage SCP %s listening on %s:%d%s", self.ae_title, self.host, self.port,
                 " (DICOM over TLS)" if context is not None else "")

    def stop(self) -> None:
        """Stop listening and end open associations."""
        if self._server is not None:
            self._server.shutdown()
            self._server = None
        if self._ae is not None:
            self._ae.shutdown()
            self._ae = None

    def _allowed_now(self) -> list[str]:
        """The allowed calling AE titles, read again; invalid or unreadable entries admit no one."""
        try:
            titles = sorted({str(a).strip() for a in self._allowed()} - {""})
        except Exception:  # noqa: BLE001 - a broken allow-list must not let anyone in
            log.exception("allowed AE titles could not be read; rejecting every sender")
            return []
        valid = []
        for title in titles:
            try:
                AE(ae_title=title)
            except (ValueError, TypeError):
                log.warning("allowed AE title %r is not a valid AE title; ignored", title)
                continue
            valid.append(title)
        return valid

    def _refresh_allowed(self, event: evt.Event) -> None:
        """EVT_REQUESTED, before pynetdicom negotiates: hand it today's allow-list.

        pynetdicom's own check (AE.require_calling_aet) then rejects an unknown calling AE title
        with "calling AE title not recognised" (permanent, service user, reason 3). An empty list
        means "anyone" to pynetdicom, so with no allowed title we send that same rejection here.
        """
        allowed = self._allowed_now()
        if allowed:
            event.assoc.ae.require_calling_aet = allowed
            return
        calling = str(event.assoc.requestor.primitive.calling_ae_title or "").strip()
        log.warning("rejected association from calling AE title %r: no sender is allowed", calling)
        event.assoc.acse.send_reject(REJECT_PERMANENT, REJECT_SOURCE_USER, REJECT_CALLING_AET)
        event.assoc.kill()


def _log_rejection(event: evt.Event) -> None:
    """EVT_REJECTED on our receiver: say who was turned away."""
    calling = str(event.assoc.requestor.primitive.calling_ae_title or "").strip()
    if calling not in {a.strip() for a in event.assoc.ae.require_calling_aet}:
        log.warning("rejected association from unknown calling AE title %r", calling)
    else:
        log.warning("rejected association from %r (our receiver is busy or the request was refused)", calling)
