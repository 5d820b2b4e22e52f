"""DICOM over TLS: the ssl contexts of our associations and of our receiver, and what a failed
handshake means in words a user can act on.

A TLS block (peerconfig.TlsConfig, or anything with the same five attributes) names the PEM
files: `ca_file`, the certificates we trust; `cert_file` and `key_file`, our own certificate and
its key; `check_hostname`; and `key_password_env`, the environment variable holding the key's
password. Every file is checked before a connection is opened, so a missing or unreadable file
is named by its path instead of surfacing as a handshake failure. TLS 1.2 is the oldest version
either side accepts.

Nothing here opens a connection: pacs.py uses these contexts and turns `TlsError` into its own
NetError.
"""
from __future__ import annotations

import logging
import os
import socket
import ssl
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger("mid.tls")

MINIMUM_VERSION = ssl.TLSVersion.TLSv1_2

# OpenSSL's X509_V_ERR_* codes the messages below tell apart
_V_EXPIRED = 10
_V_NOT_YET_VALID = 9
_V_UNTRUSTED = {18, 19, 20, 21, 2, 27}     # self-signed, unknown issuer, chain not to a trusted CA
_V_HOSTNAME = {62, 64}                     # host name or IP address mismatch


class TlsSettings(Protocol):
    """What a TLS block gives (peerconfig.TlsConfig is one); read-only."""

    @property
    def ca_file(self) -> str: ...
    @property
    def cert_file(self) -> str | None: ...
    @property
    def key_file(self) -> str | None: ...
    @property
    def check_hostname(self) -> bool: ...
    @property
    def key_password_env(self) -> str | None: ...


class TlsError(Exception):
    """A TLS set-up or handshake problem: `detail` says what, `hint` what to check."""

    def __init__(self, detail: str, hint: str):
        self.detail = detail
        self.hint = hint
        super().__init__(f"{detail} — {hint}")


# ---------------------------------------------------------------------------------------------
# Files and contexts


def _readable(role: str, name: str | None) -> str:
    """The absolute path of a TLS file, or TlsError naming it when it cannot be read."""
    path = Path(str(name or "")).expanduser()
    shown = str(path.absolute())
    if not name or not path.is_file():
        raise TlsError(f"the TLS {role} {shown} does not exist",
                       "check the path in the peer's \"tls\" block (an absolute path is safest)")
    try:
        with open(path, "rb") as f:
            f.read(1)
    except OSError as exc:
        raise TlsError(f"the TLS {role} {shown} cannot be read ({exc.strerror or exc})",
                       "check the file's permissions for the user running the program") from None
    return shown


def _key_password(tls: TlsSettings) -> str | None:
    name = tls.key_password_env
    if not name:
        return None
    value = os.environ.get(name)
    if value is None:
        raise TlsError(f"the TLS key's password should be in the environment variable {name}, which is not set",
                       f"set {name} before starting the program, or remove key_password_env if the key has none")
    return value


def _load_trust(ctx: ssl.SSLContext, tls: TlsSettings) -> None:
    ca = _readable("CA file (ca_file)", tls.ca_file)
    try:
        ctx.load_verify_locations(cafile=ca)
    except ssl.SSLError as exc:
        raise TlsError(f"the TLS CA file {ca} holds no usable certificate ({exc.reason or exc})",
                       "ca_file must hold PEM certificates (-----BEGIN CERTIFICATE-----)") from None


def _load_own(ctx: ssl.SSLContext, tls: TlsSettings) -> None:
    cert = _readable("certificate (cert_file)", tls.cert_file)
    key = _readable("key (key_file)", tls.key_file)
    password = _key_password(tls)
    try:
        ctx.load_cert_chain(cert, key, password=password)
    except ssl.SSLError as exc:
        reason = str(exc.reason or exc)
        if "BAD_DECRYPT" in reason or ("PEM" in reason and tls.key_password_env):
            raise TlsError(f"the TLS key {key} cannot be decrypted",
                           f"check the password in {tls.key_password_env}" if tls.key_password_env
                           else "the key has a password: name the variable holding it in key_password_env"
                           ) from None
        if "KEY_VALUES_MISMATCH" in reason:
            raise TlsError(f"the TLS key {key} does not belong to the certificate {cert}",
                           "give the key file that was made with this certificate") from None
        raise TlsError(f"the TLS certificate {cert} or key {key} cannot be used ({reason})",
                       "both must be PEM files: the certificate and its unencrypted or password-protected key"
                       ) from None
    except ValueError as exc:   # e.g. a password too long for OpenSSL
        raise TlsError(f"the TLS key {key} cannot be loaded ({exc})", "check key_password_env") from None


def client_context(tls: TlsSettings) -> ssl.SSLContext:
    """The context of our associations to a peer: its certificate checked against ca_file (and its
    host name unless check_hostname is false); ours presented when cert_file is given."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.minimum_version = MINIMUM_VERSION
    _load_trust(ctx, tls)
    if tls.cert_file or tls.key_file:
        _load_own(ctx, tls)
    ctx.check_hostname = bool(tls.check_hostname)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


class _ServerContext(ssl.SSLContext):
    """Our receiver's context: every handshake has `handshake_timeout` seconds (pynetdicom shakes
    hands in its accept loop, so a silent client would stop it accepting anyone else), and a failed
    one is logged with the reason."""

    handshake_timeout: float = 30.0

    def wrap_socket(self, sock: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            where = "%s:%s" % sock.getpeername()[:2]
        except OSError:
            where = "?"
        sock.settimeout(self.handshake_timeout)
        try:
            wrapped = super().wrap_socket(sock, *args, **kwargs)
        except (ssl.SSLError, OSError) as exc:
            reason = _reason(exc)
            if "UNEXPECTED_EOF" in reason or isinstance(exc, (ssl.SSLEOFError, ConnectionResetError)):
                log.info("a connection from %s closed during the TLS handshake", where)
            elif "NO_CERTIFICATE" in reason or "DID_NOT_RETURN_A_CERTIFICATE" in reason:
                log.warning("refused a TLS connection from %s: it presented no client certificate", where)
            else:
                log.warning("refused a TLS connection from %s: %s", where,
                            handshake_problem(exc, "the sender").detail)
            raise
        wrapped.settimeout(None)
        return wrapped


def server_context(tls: TlsSettings, handshake_timeout: float = 30.0) -> ssl.SSLContext:
    """The context of our receiver: our certificate (cert_file, key_file, both required) and a
    client certificate required from every sender, checked against ca_file."""
    if not tls.cert_file or not tls.key_file:
        raise TlsError("our receiver's TLS block has no cert_file and key_file",
                       "give <SELF>'s \"tls\" our certificate and key: a TLS receiver must present one")
    ctx = _ServerContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.handshake_timeout = handshake_timeout
    ctx.minimum_version = MINIMUM_VERSION
    _load_own(ctx, tls)
    _load_trust(ctx, tls)
    ctx.verify_mode = ssl.CERT_REQUIRED
    return ctx


# ---------------------------------------------------------------------------------------------
# What went wrong


def _reason(exc: BaseException) -> str:
    return str(getattr(exc, "reason", None) or exc).upper()


def handshake_problem(exc: BaseException, other: str = "the PACS", ca_file: str | None = None,
                      host: str | None = None) -> TlsError:
    """Name a failed TLS handshake (or the error right after it) for a user.

    `other` is the far side in words ("the PACS", "the sender"); `ca_file` and `host` make the
    hints concrete.
    """
    ca = f"ca_file ({ca_file})" if ca_file else "ca_file"
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = exc.verify_code
        said = exc.verify_message or "verification failed"
        if code == _V_EXPIRED:
            return TlsError(f"{other}'s TLS certificate has expired ({said})",
                            f"{other} needs a renewed certificate; also check this computer's date and time")
        if code == _V_NOT_YET_VALID:
            return TlsError(f"{other}'s TLS certificate is not valid yet ({said})",
                            "check this computer's date and time, and the certificate's dates")
        if code in _V_HOSTNAME:
            return TlsError(f"{other}'s TLS certificate does not name the host we connect to"
                            f"{f' ({host})' if host else ''}: {said}",
                            "connect by a name or IP address the certificate lists, or set "
                            "\"check_hostname\": false in the peer's tls block")
        if code in _V_UNTRUSTED:
            return TlsError(f"{other}'s TLS certificate is not trusted: {said}",
                            f"put {other}'s certificate, or the CA that signed it, into {ca}")
        return TlsError(f"{other}'s TLS certificate was refused: {said}", f"check the certificate and {ca}")
    reason = _reason(exc)
    if "CERTIFICATE_REQUIRED" in reason:
        return TlsError(f"{other} requires a client certificate and refused the connection ({reason.lower()})",
                        "give the peer's tls block our cert_file and key_file, and have that certificate "
                        "(or its CA) trusted there")
    if "HANDSHAKE_FAILURE" in reason and "ALERT" in reason:
        return TlsError(f"{other} refused the TLS handshake ({reason.lower()}): it may require a client "
                        f"certificate, or share no TLS version or cipher with us",
                        "give the peer's tls block our cert_file and key_file if it has none; we accept "
                        "TLS 1.2 or newer")
    if "UNKNOWN_CA" in reason or "BAD_CERTIFICATE" in reason or "CERTIFICATE_UNKNOWN" in reason \
            or "UNSUPPORTED_CERTIFICATE" in reason:
        return TlsError(f"{other} does not trust our TLS certificate ({reason.lower()})",
                        "have our certificate, or the CA that signed it, added to the other side's trusted "
                        "certificates")
    if "CERTIFICATE_EXPIRED" in reason:
        return TlsError(f"{other} says our TLS certificate has expired", "renew our certificate (cert_file)")
    if "NO_SHARED_CIPHER" in reason or "PROTOCOL_VERSION" in reason or "UNSUPPORTED_PROTOCOL" in reason \
            or "VERSION_TOO_LOW" in reason:
        return TlsError(f"{other} and we share no TLS version or cipher ({reason.lower()})",
                        "we accept TLS 1.2 or newer; ask for TLS 1.2+ to be enabled there")
    if "WRONG_VERSION_NUMBER" in reason or "HTTP_REQUEST" in reason or "UNEXPECTED_EOF" in reason \
            or "RECORD_LAYER" in reason or "PACKET_LENGTH_TOO_LONG" in reason \
            or isinstance(exc, (ConnectionResetError, BrokenPipeError, ssl.SSLEOFError, socket.timeout,
                                TimeoutError)):
        return TlsError(f"{other} did not answer in TLS: the port seems to speak plain DICOM",
                        "use the TLS port of the PACS, or remove the \"tls\" block if this port is plain DICOM")
    return TlsError(f"the TLS handshake with {other} failed ({reason.lower()})",
                    f"check both sides' certificates and {ca}")


def speaks_tls(host: str, port: int, timeout: float) -> bool:
    """True when something at host:port answers a TLS ClientHello in TLS (a finished handshake or
    a TLS alert): told apart from a plain DICOM port, which answers garbage or closes."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=None):
                return True
    except ssl.SSLError as exc:
        return "ALERT" in _reason(exc)
    except OSError:
        return False


def probe(host: str, port: int, ctx: ssl.SSLContext, timeout: float, *, server_hostname: str | None,
          other: str = "the PACS", ca_file: str | None = None) -> TlsError | None:
    """Shake hands once more with the context that failed, to name why; None when TLS works.

    After the handshake a short read catches the peer's refusal that TLS 1.3 sends only then (a
    client certificate missing or not trusted); a peer that waits for our first PDU is fine.
    """
    try:
        with socket.create_connection((host, int(port)), timeout=timeout) as raw:
            with ctx.wrap_socket(raw, server_hostname=server_hostname) as s:
                s.settimeout(min(timeout, 2.0))
                try:
                    s.recv(1)
                except (socket.timeout, TimeoutError):
                    return None
    except (ssl.SSLError, ssl.CertificateError, ConnectionResetError, BrokenPipeError) as exc:
        return handshake_problem(exc, other, ca_file, host)
    except (socket.timeout, TimeoutError) as exc:
        return handshake_problem(exc, other, ca_file, host)
    except OSError:
        return None
    return None
