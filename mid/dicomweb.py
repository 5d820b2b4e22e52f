"""DICOMweb peers: search through QIDO-RS, retrieve through WADO-RS, echo as a QIDO request.

`QidoSession` has the interface of `pacs.QuerySession` (``find(level, keys) -> list[Dataset]``):
the same keys become QIDO query parameters (a value matches, ``""`` asks for the attribute back
through ``includefield``) and the DICOM JSON answers become pydicom Datasets, so `mid.search`
runs either. `retrieve` has the interface of `pacs.get`: it asks WADO-RS for a series (or a
study) and hands each instance of the multipart answer, as it arrives, to the run's store
handler (`retrieve.Receiver`, the same as C-GET's), returning a `pacs.RetrieveResult`.

The requests go out through `requests`, not the `dicomweb-client` library: see
docs/ARCHITECTURE.md, "DICOMweb", for why. The WADO-RS answer is read part by part from the
stream, so at most one instance is held at a time, and each reaches the store with its bytes.

Every failure is a `pacs.NetError` whose text names the peer and what to check. Passwords and
tokens are read from the environment when a request is made and never logged.
"""
from __future__ import annotations

import logging
import os
import threading
import time
import urllib.parse
from dataclasses import dataclass
from io import BytesIO
from typing import TYPE_CHECKING, Any, Iterator

import requests

import pacs

if TYPE_CHECKING:
    from pydicom import Dataset
    from mid.peerconfig import PeerConfig

log = logging.getLogger("mid.dicomweb")

#: the multipart type asked of WADO-RS: DICOM files in the transfer syntax the archive holds them in
WADO_ACCEPT = 'multipart/related; type="application/dicom"; transfer-syntax=*'
CHUNK = 256 * 1024
#: the part header that must end within this many bytes (a part's headers are a few lines)
MAX_PART_HEADER = 64 * 1024
#: QIDO-RS levels and what is asked at each (the PATIENT level of C-FIND is a study search here)
_LEVELS = ("PATIENT", "STUDY", "SERIES")


def label(peer: "PeerConfig") -> str:
    """How a DICOMweb peer is named in messages: its name and base URL."""
    return f"{peer.name} ({peer.url})"


# ------------------------------------------------------------------------------------- credentials
def _auth(peer: "PeerConfig") -> tuple[tuple[str, str] | None, dict[str, str]]:
    """(basic auth, headers) for the peer, the secret read from its environment variable now."""
    env = peer.token_env or peer.password_env
    if env is None:
        return None, {}
    secret = os.environ.get(env)
    if not secret:
        what = "token" if peer.token_env else f"password of user {peer.username!r}"
        raise pacs.NetError(label(peer), "rejected", f"the environment variable {env}, which holds the {what}, "
                                                     f"is not set",
                            f"set {env} in the environment the program starts from, then try again")
    if peer.token_env:
        return None, {"Authorization": f"Bearer {secret}"}
    return (str(peer.username), secret), {}


def _session(peer: "PeerConfig") -> requests.Session:
    session = requests.Session()
    auth, headers = _auth(peer)
    session.auth = auth
    session.headers.update(headers)
    return session


def _timeout(timeouts: Any) -> tuple[float, float]:
    return float(timeouts.connect), float(timeouts.network)


# ------------------------------------------------------------------------------------------ errors
def net_error(peer: "PeerConfig", e: Exception, what: str) -> pacs.NetError:
    """The NetError of a failed HTTP request: what happened, then what to check. No secret in it."""
    name = label(peer)
    if isinstance(e, pacs.NetError):
        return e
    if isinstance(e, requests.HTTPError) and e.response is not None:
        return _http_error(peer, e.response.status_code, e.response.reason or "", what)
    if isinstance(e, requests.exceptions.SSLError):
        reason = _root_reason(e)
        if "WRONG_VERSION_NUMBER" in reason or "record layer" in reason:
            return pacs.NetError(name, "failed", f"the server does not speak TLS at this address ({reason})",
                                 "the url says https:// but the port serves plain HTTP: use http://, or the TLS port")
        return pacs.NetError(name, "failed", f"the server's TLS certificate is not accepted ({reason})",
                             "an untrusted, expired or wrongly named certificate: give the file of the CA that "
                             "signed it in the environment variable REQUESTS_CA_BUNDLE, or use the host name "
                             "the certificate names in the url")
    if isinstance(e, requests.exceptions.ConnectTimeout):
        return pacs.NetError(name, "timeout", "no connection within the connect timeout",
                             "is the server running and the host in the url right? Is a firewall in between?",
                             transient=True)
    if isinstance(e, requests.exceptions.Timeout):
        return pacs.NetError(name, "aborted", f"the {what} got no data within the network timeout",
                             "the server is slow or stalled; try again later or raise network_timeout",
                             transient=True)
    if isinstance(e, requests.exceptions.ConnectionError):
        reason = _root_reason(e)
        if "refused" in reason.lower():
            return pacs.NetError(name, "refused", "connection refused",
                                 "is the server running, and are the host and port in the url right?",
                                 transient=True)
        if "resolve" in reason.lower() or "name or service" in reason.lower():
            return pacs.NetError(name, "failed", "the host name in the url cannot be resolved",
                                 "check the url's host name")
        return pacs.NetError(name, "aborted", f"the connection failed during the {what} ({reason})",
                             "the server or the network dropped the connection; try again", transient=True)
    if isinstance(e, ValueError):          # an answer that is not DICOM JSON / multipart
        return pacs.NetError(name, "failed", f"the answer to the {what} could not be read ({e})",
                             "is the url the DICOMweb base address (e.g. http://host:8042/dicom-web)?")
    log.debug("the %s failed", what, exc_info=e, extra={"phi": True})     # its text may hold the address
    return pacs.NetError(name, "failed", f"the {what} failed ({type(e).__name__})", "see the project log")


def _http_error(peer: "PeerConfig", code: int, reason: str, what: str) -> pacs.NetError:
    name = label(peer)
    said = f"HTTP {code}{' ' + reason if reason else ''}"
    if code in (401, 403):
        if peer.token_env:
            check = f"check the token in the environment variable {peer.token_env}"
        elif peer.password_env:
            check = (f"check the user name {peer.username!r} and the password in the environment variable "
                     f"{peer.password_env}")
        else:
            check = "the server wants a login: give the peer \"username\" and \"password_env\", or \"token_env\""
        return pacs.NetError(name, "rejected", f"the server refused our credentials ({said})", check)
    if code == 404 and "retrieve" in what:
        return pacs.NetError(name, "failed", f"the {what} found nothing ({said})",
                             "the archive no longer holds it, or the url is not its DICOMweb base address; "
                             "search again", status=code)
    if code == 404:
        return pacs.NetError(name, "failed", f"the {what} found nothing at this address ({said})",
                             "check the url: it must be the DICOMweb base address, e.g. "
                             "http://host:8042/dicom-web for Orthanc", status=code)
    transient = code in (408, 429) or code >= 500
    return pacs.NetError(name, "status", f"the {what} failed ({said})",
                         "the server could not answer now; try again later" if transient
                         else "the server did not accept the request; see the log", status=code,
                         transient=transient)


def _root_reason(e: BaseException) -> str:
    """The innermost cause's text, without the request's address (its query may name a patient).

    requests wraps urllib3's MaxRetryError, whose `reason` is the socket or ssl error."""
    seen: BaseException = e
    for _ in range(8):
        inner = getattr(seen, "reason", None)
        if not isinstance(inner, BaseException):
            inner = next((a for a in seen.args if isinstance(a, BaseException)), None)
        if inner is None:
            break
        seen = inner
    text = str(seen)
    return text.split(": ", 1)[-1] if " object at 0x" in text else text


# ------------------------------------------------------------------------------------------- QIDO
def qido_params(keys: dict[str, object]) -> tuple[dict[str, str], list[str]]:
    """(matching filters, includefield keywords) of C-FIND keys: "" asks for a value back."""
    filters: dict[str, str] = {}
    fields: list[str] = []
    for kw, value in keys.items():
        if kw == "QueryRetrieveLevel":
            continue
        if value is None or value == "":
            fields.append(kw)
        else:
            text = "\\".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
            filters[kw] = text.replace("\\", ",") if kw.endswith("UID") else text     # UID list matching
    return filters, fields


class QidoSession:
    """`pacs.QuerySession`'s interface over QIDO-RS: one HTTP session serves every find."""

    def __init__(self, local_aet: str, peer: "PeerConfig", timeouts: Any, model: str = "study"):
        self.peer = peer
        self._timeout = _timeout(timeouts)
        self._lock = threading.Lock()
        self._session = _session(peer)

    def __enter__(self) -> "QidoSession":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        """Nothing to open ahead of the first find: each QIDO request stands alone (HTTP keeps its
        connection); a wrong password or URL is reported by that first find."""

    def close(self) -> None:
        self._session.close()

    def find(self, level: str, keys: dict[str, object], cancel: threading.Event | None = None) -> list["Dataset"]:
        """QIDO-RS at `level` (STUDY, SERIES; PATIENT asks the studies of a patient) with C-FIND keys."""
        from pydicom import Dataset
        level = level.upper()
        if level not in _LEVELS:
            raise ValueError(f"query level {level!r} is not one of {', '.join(_LEVELS)} for DICOMweb")
        if cancel is not None and cancel.is_set():
            raise pacs.FindCancelled(label(self.peer))
        filters, fields = qido_params(keys)
        log.debug("QIDO-RS %s %s", level, keys, extra={"phi": True})
        path = "studies"
        if level == "SERIES" and filters.get("StudyInstanceUID"):
            path = f"studies/{filters.pop('StudyInstanceUID')}/series"
        elif level == "SERIES":
            path = "series"
        with self._lock:
            answers = self.search(path, filters, fields, limit=1 if level == "PATIENT" else None, cancel=cancel)
        out = []
        for answer in answers:
            try:
                out.append(Dataset.from_json(answer))
            except Exception as e:  # noqa: BLE001 - a malformed answer fails the find, never a match lost
                raise pacs.NetError(label(self.peer), "failed", f"an answer to the search is not DICOM JSON ({e})",
                                    "the server's QIDO-RS answers are malformed; see the project log") from None
        return out

    def search(self, path: str, filters: dict[str, str], fields: list[str], *, limit: int | None = None,
               cancel: threading.Event | None = None) -> list[dict]:
        """Every answer of a QIDO-RS request. A server that says it sent only some (a Warning
        header), or a `max_find_results` cap reached, is asked for the next page by offset."""
        cap = limit or self.peer.max_find_results
        out: list[dict] = []
        while True:
            page, more = self._get(path, filters, fields, cap, len(out) or None)
            out.extend(page)
            if limit or not page or not (more or (cap and len(page) >= cap)):
                return out
            if cancel is not None and cancel.is_set():
                raise pacs.FindCancelled(label(self.peer))

    def _get(self, path: str, filters: dict[str, str], fields: list[str], limit: int | None,
             offset: int | None) -> tuple[list[dict], bool]:
        params = list(filters.items()) + [("includefield", f) for f in fields]
        params += [(k, str(v)) for k, v in (("limit", limit), ("offset", offset)) if v]
        what = "series search" if path.endswith("series") else "study search"
        try:
            r = self._session.send(_prepared(self._session, f"{self.peer.url}/{path}", params,
                                             "application/dicom+json"), timeout=self._timeout)
            with r:
                r.raise_for_status()
                more = "Warning" in r.headers
                if r.status_code == 204 or not r.content:
                    return [], False
                data = r.json()
        except Exception as e:  # noqa: BLE001 - every failure becomes a NetError naming the peer
            raise net_error(self.peer, e, what) from None
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not all(isinstance(d, dict) for d in data):
            raise pacs.NetError(label(self.peer), "failed", f"the answer to the {what} is not a list of datasets",
                                "is the url the DICOMweb base address (e.g. http://host:8042/dicom-web)?")
        return data, more


#: characters left as they are in a QIDO value: the wildcards and the UID list's comma (Orthanc's
#: plugin matches an escaped * literally). urllib3 escapes ^ and spaces whatever is asked.
_QUERY_SAFE = "*?,.-_~:/@!$'()"


def _prepared(session: requests.Session, url: str, params: list[tuple[str, str]],
              accept: str) -> requests.PreparedRequest:
    """A GET whose query string is ours: requests would escape the wildcards, which a server may not decode."""
    prepared = session.prepare_request(requests.Request("GET", url, headers={"Accept": accept}))
    if params:
        prepared.url = f"{url}?" + "&".join(f"{k}={urllib.parse.quote(v, safe=_QUERY_SAFE)}" for k, v in params)
    return prepared


def echo(local_aet: str, peer: "PeerConfig", timeouts: Any) -> float:
    """The echo of any peer: a QIDO request (/studies?limit=1) for a DICOMweb one, else C-ECHO.

    Returns the seconds from the request to the answer; raises pacs.NetError."""
    if not peer.is_dicomweb:
        return pacs.echo(local_aet, peer, timeouts)
    started = time.monotonic()
    with QidoSession(local_aet, peer, timeouts) as session:
        session.search("studies", {}, ["StudyInstanceUID"], limit=1)
    return time.monotonic() - started


def session_for(local_aet: str, peer: "PeerConfig", timeouts: Any, model: str = "study") -> Any:
    """The query session of a peer: QIDO-RS for a DICOMweb one, C-FIND otherwise."""
    if peer.is_dicomweb:
        return QidoSession(local_aet, peer, timeouts, model)
    return pacs.QuerySession(local_aet, peer, timeouts, model=model)


# ------------------------------------------------------------------------------------------- WADO
@dataclass
class WebStoreRequest(pacs.StoreRequest):
    """One instance of a WADO-RS answer: its dataset, and its bytes as received (a DICOM file)."""
    raw: bytes = b""

    def encoded(self) -> bytes:
        return self.raw


def _boundary(content_type: str) -> bytes:
    media, *params = [p.strip() for p in content_type.split(";")]
    if media.lower() != "multipart/related":
        raise ValueError(f"the answer is {media or 'untyped'}, not multipart/related")
    for p in params:
        key, _, value = p.partition("=")
        if key.strip().lower() == "boundary" and value.strip().strip('"'):
            return value.strip().strip('"').encode("latin-1")
    raise ValueError("the multipart answer names no boundary")


def iter_parts(chunks: Iterator[bytes], boundary: bytes) -> Iterator[bytes]:
    """The bodies of a multipart/related stream, one part at a time: at most one part and a
    chunk are held, never the whole answer. Raises ValueError for a stream cut in a part."""
    delimiter = b"\r\n--" + boundary
    buf = bytearray(b"\r\n")           # the first delimiter has no CRLF of its own
    started = False
    for chunk in chunks:
        buf += chunk
        while True:
            at = buf.find(delimiter)
            if at < 0:
                break
            if started:
                yield _part_body(bytes(buf[:at]))
            started = True
            del buf[:at + len(delimiter)]
            if buf[:2] == b"--":           # the closing delimiter
                return
        if not started and len(buf) > MAX_PART_HEADER:
            raise ValueError("the multipart answer does not start with its boundary")
    if not started:
        raise ValueError("the multipart answer holds no part")
    raise ValueError("the answer ended inside a part (the connection was cut)")


def _part_body(part: bytes) -> bytes:
    head_end = part.find(b"\r\n\r\n")
    if head_end < 0:
        raise ValueError("a part of the multipart answer has no header end")
    return part[head_end + 4:]


def retrieve(local_aet: str, peer: "PeerConfig", level: str, keys: dict[str, object], timeouts: Any,
             on_store: pacs.StoreHandler, cancel: threading.Event | None = None) -> pacs.RetrieveResult:
    """WADO-RS the series (or study) that `keys` name; each instance goes to `on_store` as it arrives.

    `pacs.get`'s interface: the counts come back as a RetrieveResult (completed: answered Success
    by on_store; failed: refused by it). A cancel closes the stream within a fraction of a second.
    Raises pacs.NetError for every failure of the request or the stream."""
    result = pacs.RetrieveResult()
    if cancel is not None and cancel.is_set():
        return pacs.RetrieveResult(status=pacs.STATUS_CANCEL, cancelled=True)
    study = str(keys.get("StudyInstanceUID") or "")
    series = str(keys.get("SeriesInstanceUID") or "") if level.upper() == "SERIES" else ""
    url = f"{peer.url}/studies/{study}" + (f"/series/{series}" if series else "")
    session = _session(peer)
    done = threading.Event()
    response: list[requests.Response] = []

    def watch() -> None:          # a read blocked on the socket ends when the response is closed
        while cancel is not None and not done.wait(0.1):
            if cancel.is_set():
                for r in response:
                    r.close()
                return

    watcher = threading.Thread(target=watch, name="wado-cancel", daemon=True)
    watcher.start()
    log.info("WADO-RS from %s at %s level", label(peer), level.upper())
    try:
        r = session.get(url, headers={"Accept": WADO_ACCEPT}, stream=True, timeout=_timeout(timeouts))
        response.append(r)
        r.raise_for_status()
        parts = iter_parts(r.iter_content(CHUNK), _boundary(r.headers.get("Content-Type", "")))
        for raw in parts:
            if cancel is not None and cancel.is_set():
                break
            if _store_part(raw, peer, on_store) == pacs.STATUS_SUCCESS:
                result.completed += 1
            else:
                result.failed += 1
    except Exception as e:  # noqa: BLE001 - every failure becomes a NetError naming the peer
        if cancel is not None and cancel.is_set():
            result.status, result.cancelled = pacs.STATUS_CANCEL, True
            return result
        error = net_error(peer, e, "series retrieve" if series else "study retrieve")
        error.result = result
        raise error from None
    finally:
        done.set()
        for r in response:
            r.close()
        session.close()
    if cancel is not None and cancel.is_set():
        result.status, result.cancelled = pacs.STATUS_CANCEL, True
    else:
        result.status = pacs.STATUS_WARNING_SUBOPS if result.failed else pacs.STATUS_SUCCESS
    return result


def _store_part(raw: bytes, peer: "PeerConfig", on_store: pacs.StoreHandler) -> int:
    """Hands one part to the store handler; a part that is not a DICOM file is refused (0xC000)."""
    from pydicom import dcmread
    try:
        ds = dcmread(BytesIO(raw))
    except Exception as e:  # noqa: BLE001 - one bad part fails that instance, not the series
        log.error("an instance from %s is not a DICOM file: %s", label(peer), type(e).__name__)
        return pacs.STATUS_CANNOT_UNDERSTAND
    try:
        status = on_store(WebStoreRequest(ds, peer.name, raw=raw))
    except OSError as e:
        log.error("an instance from %s could not be stored: %s", label(peer), type(e).__name__)
        return pacs.STATUS_OUT_OF_RESOURCES
    except Exception as e:  # noqa: BLE001 - any failure is counted as a failed instance
        log.error("an instance from %s could not be stored: %s", label(peer), type(e).__name__)
        return pacs.STATUS_CANNOT_UNDERSTAND
    return status if isinstance(status, int) else pacs.STATUS_CANNOT_UNDERSTAND
