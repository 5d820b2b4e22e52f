"""One peer of peers.json: its typed form (`PeerConfig`) and the checks of its values.

A peer speaks DIMSE (``"protocol": "dimse"``, the default: AE title, host and port, optionally
over TLS) or DICOMweb (``"protocol": "dicomweb"``: a base URL, with basic or token auth).
Secrets never sit in the file: a peer names the environment variable that holds its password
(``password_env``), token (``token_env``) or TLS key password (``tls.key_password_env``).

Every check returns messages rather than raising, so settings can leave out one bad peer with a
notice and keep the rest. docs/CONFIG.md is the reference for every key.
"""
from __future__ import annotations

import ipaddress
import math
import re
import urllib.parse
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from mid.configfiles import _describe
from mid.schedule import window_problem

QUERY_MODELS = ("study", "patient")
RETRIEVE_METHODS = ("move", "get")
PROTOCOLS = ("dimse", "dicomweb")
_HOST_LABEL = re.compile(r"^[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?$")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class TlsConfig:
    """TLS for a peer's associations, or for our receiver when it is `<SELF>`'s.

    `ca_file` holds the certificates we trust (the peer's, or its CA); `cert_file` and `key_file`
    are our own certificate and key, which the other side may require. The key's password, if any,
    is read from the environment variable `key_password_env`.
    """
    ca_file: str
    cert_file: str | None = None
    key_file: str | None = None
    check_hostname: bool = True
    key_password_env: str | None = None


@dataclass(frozen=True)
class PeerConfig:
    """One peer from peers.json; `SELF` is our own side (calling AE, receiver port)."""
    name: str
    aet: str
    host: str
    port: int
    query_model: str = "study"
    retrieve_method: str = "move"
    max_associations: int | None = None
    allow_study_move: bool = True
    protocol: str = "dimse"
    url: str = ""
    username: str | None = None
    password_env: str | None = None
    token_env: str | None = None
    tls: TlsConfig | None = None
    max_find_results: int | None = None
    transfer_windows: tuple[str, ...] = field(default=())
    max_instances_per_s: float | None = None
    max_mb_per_s: float | None = None

    @property
    def is_dicomweb(self) -> bool:
        return self.protocol == "dicomweb"


# ----------------------------------------------------------------------------------------------
# Single values (None when valid, else a message saying what is wrong)
# ----------------------------------------------------------------------------------------------

def validate_ae_title(v: object) -> str | None:
    """An AE title: 1-16 printable ASCII characters, no backslash, not blank."""
    if not isinstance(v, str):
        return f"AE title must be text, not {_describe(v)}"
    text = v.strip(" ")
    if not text:
        return "AE title is blank; write 1 to 16 letters, digits or _ (e.g. MID_SCU)"
    if len(text) > 16:
        return f"AE title {v!r} has {len(text)} characters; the limit is 16"
    if "\\" in text:
        return f"AE title {v!r} contains a backslash, which DICOM does not allow"
    if any(not (" " <= c <= "~") for c in text):
        return f"AE title {v!r} contains a character that is not printable ASCII"
    return None


def validate_port(v: object) -> str | None:
    """A TCP port: a whole number 1-65535 (digits in a string are accepted)."""
    try:
        port = to_port(v)
    except ValueError as e:
        return str(e)
    if not 1 <= port <= 65535:
        return f"port {port} is out of range; use 1 to 65535"
    return None


def to_port(v: object) -> int:
    if isinstance(v, bool) or not isinstance(v, (int, str)):
        raise ValueError(f"port must be a whole number, not {_describe(v)}")
    if isinstance(v, str):
        if not v.strip().isdigit():
            raise ValueError(f"port {v!r} is not a whole number")
        return int(v.strip())
    return v


def validate_host(v: object) -> str | None:
    """An IPv4/IPv6 address or a syntactically valid host name (no DNS lookup)."""
    if not isinstance(v, str):
        return f"host must be text, not {_describe(v)}"
    text = v.strip()
    if not text:
        return "host is blank; write an IP address (e.g. 10.0.0.5) or a host name"
    try:
        ipaddress.ip_address(text)
        return None
    except ValueError:
        pass
    name = text[:-1] if text.endswith(".") else text
    labels = name.split(".")
    if len(name) > 253 or not all(_HOST_LABEL.match(label) for label in labels):
        return f"host {v!r} is neither an IP address nor a valid host name"
    if all(label.isdigit() for label in labels):
        return f"host {v!r} looks like an IPv4 address but is not a valid one"
    return None


def validate_url(v: object) -> str | None:
    """A DICOMweb base URL: http:// or https:// with a host, e.g. https://pacs.example.org/dicom-web."""
    if not isinstance(v, str) or not v.strip():
        return (f"url must be the DICOMweb base address, e.g. https://pacs.example.org/dicom-web, "
                f"not {_describe(v)}")
    parts = urllib.parse.urlsplit(v.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"url {v!r} must start with http:// or https:// and name a host"
    if parts.username or parts.password:
        return (f"url {v!r} carries a user name or password; put the user name in \"username\" and "
                f"the password in an environment variable named by \"password_env\"")
    return None


def validate_env_name(key: str, v: object) -> str | None:
    """The name of an environment variable (never the secret itself)."""
    if v is None:
        return None
    if not isinstance(v, str) or not _ENV_NAME.match(v):
        return (f"{key} must be the NAME of an environment variable that holds the secret "
                f"(letters, digits and _, e.g. PACS_PASSWORD), not {_describe(v)}")
    return None


def _whole_or_null(key: str, v: object) -> str | None:
    if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 1):
        return f"{key} {v!r} must be a whole number of 1 or more, or null"
    return None


def _rate_or_null(key: str, v: object) -> str | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v <= 0:
        return f"{key} {v!r} must be a number above 0, or null for no limit"
    return None


def _tls_problems(v: object) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, dict):
        return [f"tls must be an object {{\"ca_file\": ..., \"cert_file\": ..., \"key_file\": ...}}, "
                f"not {_describe(v)}"]
    problems = []
    if not isinstance(v.get("ca_file"), str) or not v["ca_file"].strip():
        problems.append("tls needs \"ca_file\": the file of certificates to trust (PEM)")
    for key in ("cert_file", "key_file"):
        if v.get(key) is not None and (not isinstance(v[key], str) or not v[key].strip()):
            problems.append(f"tls {key} must be a file name, not {_describe(v[key])}")
    if (v.get("cert_file") is None) != (v.get("key_file") is None):
        problems.append("tls needs both \"cert_file\" and \"key_file\", or neither")
    if not isinstance(v.get("check_hostname", True), bool):
        problems.append(f"tls check_hostname {v.get('check_hostname')!r} must be true or false")
    msg = validate_env_name("tls key_password_env", v.get("key_password_env"))
    if msg:
        problems.append(msg)
    unknown = sorted(set(v) - {"ca_file", "cert_file", "key_file", "check_hostname", "key_password_env"})
    if unknown:
        problems.append(f"tls has unknown keys {unknown}; the keys are ca_file, cert_file, key_file, "
                        f"check_hostname, key_password_env")
    return problems


def _windows_problems(v: object) -> list[str]:
    if v is None:
        return []
    if not isinstance(v, list):
        return [f"transfer_windows must be a list such as [\"19:00-07:00\", \"Sat-Sun\"], not {_describe(v)}"]
    return [m for m in (window_problem(w) for w in v) if m]


# ----------------------------------------------------------------------------------------------
# One entry of peers.json
# ----------------------------------------------------------------------------------------------

# The keys each protocol requires. A DICOMweb peer needs no AE title, address or port.
REQUIRED_KEYS = MappingProxyType({"dimse": ("peer_aet", "peer_ip", "peer_port"), "dicomweb": ("url",)})
_OPTIONAL = ("query_model", "retrieve_method", "max_associations", "allow_study_move", "protocol",
             "username", "password_env", "token_env", "max_find_results", "max_instances_per_s",
             "max_mb_per_s")


def entry_protocol(entry: dict) -> str:
    proto = entry.get("protocol", "dimse")
    return proto if isinstance(proto, str) else "dimse"


def peer_problems(name: str, entry: dict, *, is_self: bool = False) -> list[str]:
    """Every invalid value of one peers.json entry, as messages."""
    proto = entry.get("protocol", "dimse")
    if proto not in PROTOCOLS:
        return [f"protocol {proto!r} must be one of {PROTOCOLS}"]
    if is_self and proto != "dimse":
        return ["our own side speaks DIMSE only; remove \"protocol\" from it"]
    missing = [k for k in REQUIRED_KEYS[proto] if k not in entry]
    if missing:
        return [f"it has no {' and no '.join(repr(k) for k in missing)}, which "
                f"{'a DICOMweb' if proto == 'dicomweb' else 'a DIMSE'} peer requires"]
    problems: list[str] = []
    if proto == "dimse":
        problems += [m for m in (validate_ae_title(entry.get("peer_aet")), validate_host(entry.get("peer_ip")),
                                 validate_port(entry.get("peer_port"))) if m]
    else:
        problems += [m for m in (validate_url(entry.get("url")),) if m]
        if entry.get("token_env") is not None and entry.get("password_env") is not None:
            problems.append("give password_env (with username) or token_env, not both")
        if entry.get("password_env") is not None and not entry.get("username"):
            problems.append("password_env needs a \"username\"")
        if entry.get("username") is not None and (not isinstance(entry["username"], str)
                                                  or not entry["username"].strip()):
            problems.append(f"username must be text, not {_describe(entry['username'])}")
        if entry.get("tls") is not None:
            problems.append("tls is for DIMSE peers; a DICOMweb peer uses an https:// url")
    for key in ("password_env", "token_env"):
        msg = validate_env_name(key, entry.get(key))
        if msg:
            problems.append(msg)
    if entry.get("query_model", "study") not in QUERY_MODELS:
        problems.append(f"query_model {entry.get('query_model')!r} must be one of {QUERY_MODELS}")
    if entry.get("retrieve_method", "move") not in RETRIEVE_METHODS:
        problems.append(f"retrieve_method {entry.get('retrieve_method')!r} must be one of {RETRIEVE_METHODS}")
    problems += [m for m in (_whole_or_null("max_associations", entry.get("max_associations")),
                             _whole_or_null("max_find_results", entry.get("max_find_results")),
                             _rate_or_null("max_instances_per_s", entry.get("max_instances_per_s")),
                             _rate_or_null("max_mb_per_s", entry.get("max_mb_per_s"))) if m]
    if not isinstance(entry.get("allow_study_move", True), bool):
        problems.append(f"allow_study_move {entry.get('allow_study_move')!r} must be true or false")
    problems += _tls_problems(entry.get("tls"))
    problems += _windows_problems(entry.get("transfer_windows"))
    return problems


def peer_from_entry(name: str, entry: dict) -> PeerConfig:
    """The PeerConfig of a valid entry (check it with `peer_problems` first)."""
    opts: dict[str, Any] = {k: entry[k] for k in _OPTIONAL if entry.get(k) is not None}
    if isinstance(entry.get("tls"), dict):
        tls = entry["tls"]
        opts["tls"] = TlsConfig(ca_file=tls["ca_file"], cert_file=tls.get("cert_file"),
                                key_file=tls.get("key_file"), check_hostname=tls.get("check_hostname", True),
                                key_password_env=tls.get("key_password_env"))
    if entry.get("transfer_windows"):
        opts["transfer_windows"] = tuple(entry["transfer_windows"])
    if entry_protocol(entry) == "dicomweb":
        return PeerConfig(name=name, aet=str(entry.get("peer_aet") or "").strip(" "),
                          host=urllib.parse.urlsplit(entry["url"].strip()).hostname or "",
                          port=0, url=entry["url"].strip().rstrip("/"), **opts)
    return PeerConfig(name=name, aet=entry["peer_aet"].strip(" "), host=entry["peer_ip"].strip(),
                      port=to_port(entry["peer_port"]), **opts)


def peer_json(p: PeerConfig) -> dict[str, Any]:
    """The peers.json entry of `p`: the keys it needs, and the optional ones that differ from their default."""
    out: dict[str, Any] = {"peer_name": p.name}
    if p.is_dicomweb:
        out.update(protocol="dicomweb", url=p.url)
    else:
        out.update(peer_aet=p.aet, peer_ip=p.host, peer_port=p.port)
    out.update(query_model=p.query_model, retrieve_method=p.retrieve_method,
               max_associations=p.max_associations, allow_study_move=p.allow_study_move)
    for key in ("username", "password_env", "token_env", "max_find_results", "max_instances_per_s",
                "max_mb_per_s"):
        if getattr(p, key) is not None:
            out[key] = getattr(p, key)
    if p.transfer_windows:
        out["transfer_windows"] = list(p.transfer_windows)
    if p.tls is not None:
        out["tls"] = {k: v for k, v in vars(p.tls).items() if v is not None}
    return out
