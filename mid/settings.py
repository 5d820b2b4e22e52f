"""config/: the program's settings files, their defaults, healing and validation.

Nine JSON files live in the config folder (config/ beside main.py, or $MID_CONFIG_DIR).
Their shipped defaults are the nine files of config/defaults/ (in the repository; read once
through `shipped_defaults()`). `load_settings()` reads the live files into one frozen, typed
`Settings`:

* a missing file is copied from config/defaults/;
* a broken file (not JSON, nested too deeply, wrong shape, a required value missing or
  invalid) is renamed to ``NAME.broken-YYYYmmdd-HHMMSS.json`` (never overwritten, never
  deleted), replaced by a fresh copy of its shipped default, and reported as a `ConfigNotice`;
* an invalid entry in an otherwise good file (a peer with a bad port, an unknown keyword) is
  reported as a `ConfigNotice` and left out; the file itself is left alone;
* optional keys the user left out are filled from the defaults in memory only, so the file
  stays the user's and deletions stick.

docs/CONFIG.md is the reference for every file, key and default.
"""
from __future__ import annotations

import copy
import dataclasses
import difflib
import functools
import logging
import math
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Iterable, NamedTuple

from pydicom import datadict
from pydicom.valuerep import VR

from mid.atomic import write_atomic  # noqa: F401
from mid.configfiles import (  # noqa: F401  (the files' names and the notices are public here too)
    ANON_IMGS, ANON_TAGS, ANON_VRS, CONFIG_ENV, CONFIG_FILES, EXCEL_HEADINGS, MAX_JSON_DEPTH, PEERS, PIXEL_REGIONS,
    QUERY,
    QUERY_IDENTIFIERS, SHIPPED_DEFAULTS_DIR, TAGS, USER_DEFAULTS, ConfigNotice, _Broken, _describe, _FileSpec,
    _Loader, _parse_json, _read_json, broken_name, default_config_dir, write_bytes_atomic, write_json_atomic)
from mid.peerconfig import (  # noqa: F401  (a peer's form and checks; public here too)
    PROTOCOLS, QUERY_MODELS, REQUIRED_KEYS, RETRIEVE_METHODS, PeerConfig, TlsConfig, entry_protocol, peer_from_entry,
    peer_json, peer_problems, to_port, validate_ae_title, validate_host, validate_port, validate_url)
from mid.vocab import SELF  # noqa: F401  (the peers.json entry that is our own side; public here too)

log = logging.getLogger("mid.settings")

# Sheet columns that are not DICOM keywords but mean something to the query sheet reader.
PSEUDO_COLUMNS = ("Query", "Exact")
DATE_ORDERS = ("US", "EU")
PIXEL_ACTIONS = ("mask", "drop")       # what mid.pixels does with burned-in identifying text
KNOWN_VRS = frozenset(v.value for v in VR if len(v.value) == 2)


# ----------------------------------------------------------------------------------------------
# Data passed to the rest of the program
# ----------------------------------------------------------------------------------------------

def _shipped(name: str) -> Any:
    """A dataclass field whose default is option `name` of the shipped user_defaults.json."""
    return field(default_factory=lambda: copy.deepcopy(_shipped_files()[USER_DEFAULTS].data[name]))


@dataclass(frozen=True)
class UserDefaults:
    """user_defaults.json: every key is optional; a key left out takes its shipped default.

    The defaults are those of config/defaults/user_defaults.json; the types are here.
    """
    storage_root: str = _shipped("storage_root")
    default_source: str = _shipped("default_source")
    default_destination: str = _shipped("default_destination")
    patient_id_prefix: str = _shipped("patient_id_prefix")
    patient_name_prefix: str = _shipped("patient_name_prefix")
    report_suffixes: dict[str, str] = _shipped("report_suffixes")
    default_legend_tags: list[str] = _shipped("default_legend_tags")
    workers: int = _shipped("workers")
    connect_timeout: float = _shipped("connect_timeout")
    acse_timeout: float = _shipped("acse_timeout")
    dimse_timeout: float = _shipped("dimse_timeout")
    network_timeout: float = _shipped("network_timeout")
    move_idle_timeout: float = _shipped("move_idle_timeout")
    retries: int = _shipped("retries")
    retry_backoff: float = _shipped("retry_backoff")
    date_window_days: int = _shipped("date_window_days")
    date_order: str = _shipped("date_order")
    exact_descriptions: bool = _shipped("exact_descriptions")
    anonymize: bool = _shipped("anonymize")
    deid_retain_modified_dates: bool = _shipped("deid_retain_modified_dates")
    deid_clean_descriptors: bool = _shipped("deid_clean_descriptors")
    deid_retain_patient_characteristics: bool = _shipped("deid_retain_patient_characteristics")
    deid_strict: bool = _shipped("deid_strict")
    deid_private_allowlist: list[str] = _shipped("deid_private_allowlist")
    deid_drop_sop_classes: list[str] = _shipped("deid_drop_sop_classes")
    uid_root: str = _shipped("uid_root")
    pixel_checks: bool = _shipped("pixel_checks")
    pixel_action: str = _shipped("pixel_action")
    pixel_modalities: list[str] = _shipped("pixel_modalities")

    def storage_root_path(self) -> Path:
        """storage_root with ~ and environment variables expanded."""
        return Path(os.path.expandvars(os.path.expanduser(self.storage_root)))


@dataclass(frozen=True)
class DropRule:
    """One rule of anon_imgs.json: drop an image whose `keyword` contains `value` (ignoring case),
    as a whole word only when `whole_word`. In the file: "value", or {"value": ..., "whole_word": true}."""
    keyword: str
    value: str
    whole_word: bool = False

    def describe(self) -> str:
        return f"{self.keyword} contains {'the whole word ' if self.whole_word else ''}{self.value!r}"


class TimeoutValues(NamedTuple):
    """Network timeouts in seconds, in the order of pacs.Timeouts(connect, acse, dimse, network)."""
    connect: float
    acse: float
    dimse: float
    network: float


@dataclass(frozen=True)
class Settings:
    """Everything in config/, validated and typed. Build it with `load_settings()`."""
    config_dir: Path
    peers: dict[str, PeerConfig]
    defaults: UserDefaults
    query_identifiers: list[str]
    query_tags: list[str]
    excel_headings: dict[str, list[str]]
    extra_tags: dict[str, dict]
    drop_rules: tuple["DropRule", ...]      # anon_imgs.json
    anon_vrs: list[str]
    anon_tags: list[str]
    notices: list[ConfigNotice]
    pixel_regions: tuple[Any, ...] = ()    # pixel_regions.json (mid.pixels.Region)

    @property
    def anon_imgs(self) -> dict[str, list[str]]:
        """The drop rules' values by keyword (for display; `drop_rules` says which are whole words)."""
        out: dict[str, list[str]] = {}
        for r in self.drop_rules:
            out.setdefault(r.keyword, []).append(r.value)
        return out

    @property
    def self_peer(self) -> PeerConfig:
        """Our own side: calling AE title, C-MOVE destination, receiver port."""
        return self.peers[SELF]

    def timeouts(self) -> TimeoutValues:
        """Timeouts from user_defaults.json; pass as pacs.Timeouts(*settings.timeouts())."""
        d = self.defaults
        return TimeoutValues(d.connect_timeout, d.acse_timeout, d.dimse_timeout, d.network_timeout)

    @property
    def search_tags(self) -> list[str]:
        """The keys of each C-FIND: the identifiers first, then query.json's tags, no repeats."""
        return list(dict.fromkeys([*self.query_identifiers, *self.query_tags]))

    @property
    def remote_peers(self) -> dict[str, PeerConfig]:
        """Every peer except SELF, for source and destination choices."""
        return {k: v for k, v in self.peers.items() if k != SELF}


# ----------------------------------------------------------------------------------------------
# Shipped defaults: the nine files of config/defaults/
# ----------------------------------------------------------------------------------------------

class ShippedDefaultsError(RuntimeError):
    """config/defaults/ lacks a file or holds a broken one: the program's own files are damaged."""


class _ShippedFile(NamedTuple):
    raw: bytes      # the file as shipped, copied byte for byte into a config folder
    data: Any       # parsed; never handed out (shipped_defaults() gives copies)


_OPTION_TYPES = MappingProxyType({"str": (str,), "int": (int,), "float": (int, float), "bool": (bool,),
                                  "list[str]": (list,), "dict[str, str]": (dict,)})


def _check_shipped_user_defaults(data: dict) -> None:
    """Every option of UserDefaults is in the shipped file with a value of its type."""
    fields = {f.name: str(f.type) for f in dataclasses.fields(UserDefaults)}   # annotations are text here
    missing = [k for k in fields if k not in data]
    unknown = [k for k in data if k not in fields]
    _require(not missing and not unknown, f"must give exactly the options {list(fields)}; "
                                          f"missing {missing}, unknown {unknown}.")
    for name, typ in fields.items():
        value, kinds = data[name], _OPTION_TYPES.get(typ)
        if kinds is None:
            raise _Broken(f"option {name} has the type {typ}, which this check does not know.")
        ok = isinstance(value, kinds) and (typ == "bool") == isinstance(value, bool)
        if ok and typ in ("list[str]", "dict[str, str]"):
            ok = all(isinstance(v, str) for v in (value.values() if isinstance(value, dict) else value))
        _require(ok, f"option {name} = {value!r} is not of type {typ}.")
        if typ == "float":
            data[name] = float(value)       # 10 means 10.0: the option stays a float


@functools.lru_cache(maxsize=1)
def _shipped_files() -> MappingProxyType:
    """The nine files of config/defaults/, read and checked once per process."""
    files = {}
    for name, spec in _specs().items():
        path = SHIPPED_DEFAULTS_DIR / name
        try:
            raw = path.read_bytes()
            data = _parse_json(raw.decode("utf-8"))
            if name == USER_DEFAULTS:
                _check_user_defaults(data)
                _check_shipped_user_defaults(data)
            else:
                spec.check(data)
        except (OSError, UnicodeDecodeError, _Broken) as e:
            problem = e.strerror if isinstance(e, OSError) and e.strerror else str(e)
            raise ShippedDefaultsError(
                f"the shipped default {path} is missing or broken ({problem}); it is part of the "
                f"program, not of your settings: restore config/defaults/ from the program's "
                f"release (or `git checkout -- config/defaults`).") from None
        files[name] = _ShippedFile(raw, data)
    return MappingProxyType(files)


def shipped_defaults() -> dict[str, Any]:
    """The shipped defaults of the nine config files, by file name, as parsed JSON.

    Read from config/defaults/ once per process; every call returns a fresh copy the caller
    may change. Raises ShippedDefaultsError when a shipped file is missing or broken.
    """
    return {name: copy.deepcopy(f.data) for name, f in _shipped_files().items()}


def default_peers() -> dict[str, PeerConfig]:
    """Our side on port 11112 and the demo PACS (`python main.py demo`) on port 11113."""
    return {name: peer_from_entry(name, e) for name, e in shipped_defaults()[PEERS].items()}


# ----------------------------------------------------------------------------------------------
# Validation of single values (None when valid, else a message saying what is wrong)
# ----------------------------------------------------------------------------------------------



def is_known_keyword(kw: str, extra_tags: dict | None = None) -> bool:
    """True when kw is in pydicom's data dictionary or in tags.json."""
    if not isinstance(kw, str):
        return False
    return datadict.tag_for_keyword(kw) is not None or bool(extra_tags and kw in extra_tags)


def _unknown_keyword_message(kw: object) -> str:
    hint = ""
    if isinstance(kw, str):
        close = difflib.get_close_matches(kw, datadict.keyword_dict.keys(), n=1, cutoff=0.8)
        if close:
            hint = f" Did you mean {close[0]!r}?"
    return (f"unknown keyword {kw!r}: not in the DICOM dictionary nor in tags.json; it is not "
            f"used.{hint} Correct the spelling, or add it to tags.json.")


# ----------------------------------------------------------------------------------------------
# Shape checks: what makes a file broken (it is then renamed and replaced)
# ----------------------------------------------------------------------------------------------

def _require(cond: bool, message: str) -> None:
    if not cond:
        raise _Broken(message)


def _check_string_list(value: Any, where: str) -> None:
    _require(isinstance(value, list), f"{where} must be a list [...], not {_describe(value)}.")
    for item in value:
        _require(isinstance(item, str), f"{where} must hold only text, but holds {_describe(item)}.")


def _check_peers(data: Any) -> None:
    _require(isinstance(data, dict), "must be an object {\"peer name\": {...}}, "
                                     f"not {_describe(data)}.")
    _require(SELF in data, f"has no {SELF!r} entry (our own AE title and port), which is required.")
    for name, entry in data.items():
        _require(isinstance(entry, dict), f"peer {name!r} must be an object, not {_describe(entry)}.")
    problems = peer_problems(SELF, data[SELF], is_self=True)
    _require(not problems, f"the {SELF!r} entry is invalid: {'; '.join(problems)}.")


def _check_user_defaults(data: Any) -> None:
    _require(isinstance(data, dict), f"must be an object {{\"key\": value}}, not {_describe(data)}.")


def _check_keyed_list(key: str) -> Callable[[Any], None]:
    def check(data: Any) -> None:
        _require(isinstance(data, dict) and key in data,
                 f"must be an object {{\"{key}\": [...]}}; the {key!r} list is missing.")
        _check_string_list(data[key], key)
    return check


def _check_query_identifiers(data: Any) -> None:
    _check_keyed_list("QUERY_IDENTIFIERS")(data)
    _require(bool(data["QUERY_IDENTIFIERS"]), "QUERY_IDENTIFIERS is empty; at least one is required.")


def _check_excel_headings(data: Any) -> None:
    _require(isinstance(data, dict), f"must be an object {{\"Keyword\": [\"alias\", ...]}}, "
                                     f"not {_describe(data)}.")
    for kw, aliases in data.items():
        _check_string_list(aliases, f"the aliases of {kw!r}")


def _check_tags(data: Any) -> None:
    _require(isinstance(data, dict), 'must be an object {"Keyword": {"tag": "(gggg,eeee)", '
                                     f'"vr": "LO", "name": "..."}}}}, not {_describe(data)}.')
    for kw, entry in data.items():
        _require(isinstance(entry, (dict, list)),
                 f"entry {kw!r} must be an object {{\"tag\", \"vr\", \"name\"}}, not {_describe(entry)}.")


def _check_anon_imgs(data: Any) -> None:
    _require(isinstance(data, dict), f"must be an object {{\"Keyword\": [\"text\", ...]}}, "
                                     f"not {_describe(data)}.")
    for kw, rules in data.items():
        _require(isinstance(rules, list), f"the rules of {kw!r} must be a list, not {_describe(rules)}.")
        for rule in rules:
            if isinstance(rule, dict):
                _require(isinstance(rule.get("value"), (str, int)) and not isinstance(rule.get("value"), bool),
                         f"a rule of {kw!r} is an object without a text \"value\": {rule!r}.")
                _require(isinstance(rule.get("whole_word", False), bool),
                         f"a rule of {kw!r} has a \"whole_word\" that is not true/false: {rule!r}.")
            else:
                _require(isinstance(rule, (str, int)) and not isinstance(rule, bool),
                         f"a rule of {kw!r} is neither text nor an object: {rule!r}.")


def _check_anon_vrs(data: Any) -> None:
    if isinstance(data, dict):      # the original's {"DA": "Date", ...} form
        return
    _check_string_list(data, "the file")


def _check_anon_tags(data: Any) -> None:
    if isinstance(data, dict):      # the original's VR-grouped form {"LO": [...], ...}
        for vr, keywords in data.items():
            _check_string_list(keywords, f"group {vr!r}")
        return
    _require(isinstance(data, list), "must be a list of keywords [...] or an object of lists "
                                     f"grouped by VR {{\"LO\": [...]}}, not {_describe(data)}.")
    _check_string_list(data, "the file")


def _check_pixel_regions(data: Any) -> None:
    _require(isinstance(data, dict) and isinstance(data.get("regions"), list),
             f'must be an object {{"regions": [{{"manufacturer", "model", "modality", "boxes"}}]}}, '
             f"not {_describe(data)}.")


def _parse_pixel_regions(data: dict, ld: _Loader | None) -> tuple[Any, ...]:
    from mid.pixels import parse_regions
    regions, problems = parse_regions(data)
    for problem in problems:
        if ld is not None:
            ld.notice(PIXEL_REGIONS, problem + ".")
    return tuple(regions)


def _shipped_bytes(name: str) -> Callable[[], bytes]:
    return lambda: _shipped_files()[name].raw


def _shipped_copy(name: str) -> Callable[[], Any]:
    return lambda: copy.deepcopy(_shipped_files()[name].data)


def _specs() -> dict[str, _FileSpec]:
    checks = {TAGS: _check_tags, PEERS: _check_peers, USER_DEFAULTS: _check_user_defaults,
              QUERY_IDENTIFIERS: _check_query_identifiers, QUERY: _check_keyed_list("QUERY_TAGS"),
              EXCEL_HEADINGS: _check_excel_headings, ANON_IMGS: _check_anon_imgs,
              ANON_VRS: _check_anon_vrs, ANON_TAGS: _check_anon_tags, PIXEL_REGIONS: _check_pixel_regions}
    return {name: _FileSpec(name, _shipped_copy(name), check, _shipped_bytes(name)) for name, check in checks.items()}


# ----------------------------------------------------------------------------------------------
# Turning good files into typed values (invalid entries become notices and are left out)
# ----------------------------------------------------------------------------------------------

# Every key the program reads from a peer; the others are the user's and are kept on save.
_PEER_KEYS = frozenset({"peer_name", "peer_aet", "peer_ip", "peer_port", "url", "tls", "transfer_windows",
                        *(f.name for f in dataclasses.fields(PeerConfig))})


def _parse_peers(data: dict, ld: _Loader) -> dict[str, PeerConfig]:
    peers: dict[str, PeerConfig] = {}
    for name, entry in data.items():
        problems = peer_problems(name, entry, is_self=name == SELF)
        if problems:
            ld.notice(PEERS, f"peer {name!r} is left out: {'; '.join(problems)}. "
                             f"Correct it in Settings or in {PEERS}.")
            continue
        peers[name] = peer_from_entry(name, entry)
    return peers


# user_defaults.json: how each key is read. The original program's key names are still read.
_LEGACY_DEFAULT_KEYS = MappingProxyType({
    "default_src": "default_source",
    "default_dest": "default_destination",
    "default_prefix_anon": "patient_id_prefix",
})
_LEGACY_SUFFIX_KEYS = MappingProxyType({
    "default_suffix_initial_queries": "initial_queries",
    "default_suffix_search_results": "search_results",
    "default_suffix_legend": "master_key",
    "default_suffix_success": "successful",
    "default_suffix_ignored": "ignored",
    "default_suffix_deselected": "excluded",
    "default_suffix_failed": "failed",
    "default_suffix_missing": "not_downloaded",
})
# Keys of the original program that have no use now; read without complaint.
_LEGACY_UNUSED_KEYS = frozenset({"default_download_dir", "default_xlsx_dir", "default_column_selection",
                                 "default_prefix_raw"})
_POSITIVE = ("workers", "connect_timeout", "acse_timeout", "dimse_timeout", "network_timeout",
             "move_idle_timeout")
_UID_ROOT = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")


def _coerce(name: str, value: Any, default: Any) -> Any:
    """value converted to the type of default; raise ValueError saying what is expected."""
    if isinstance(default, bool):
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false", "yes", "no"):
            return value.strip().lower() in ("true", "yes")
        raise ValueError("must be true or false")
    if isinstance(default, (int, float)):
        kind = int if isinstance(default, int) else float
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            raise ValueError("must be a number")
        try:
            num = kind(value.strip() if isinstance(value, str) else value)
        except ValueError:
            raise ValueError("must be a whole number" if kind is int else "must be a number") from None
        if kind is int and isinstance(value, float) and value != num:
            raise ValueError("must be a whole number")
        if not math.isfinite(num):
            raise ValueError("must be a finite number")
        if num < 0 or (name in _POSITIVE and num <= 0):
            raise ValueError("must be more than 0" if name in _POSITIVE else "must not be negative")
        return num
    if isinstance(default, str):
        if not isinstance(value, str):
            raise ValueError("must be text")
        return value
    if isinstance(default, list):
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError('must be a list of text ["...", ...]')
        return list(value)
    if isinstance(default, dict):
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            raise ValueError('must be an object of text {"key": "..."}')
        return {**default, **value}
    raise ValueError("has an unsupported type")


def _field_checks(values: dict[str, Any], extra_tags: dict) -> dict[str, str]:
    """Problems with values that have the right type but a wrong content, by key."""
    problems = {}
    if values["date_order"] not in DATE_ORDERS:
        problems["date_order"] = f"must be one of {DATE_ORDERS}"
    if values["pixel_action"] not in PIXEL_ACTIONS:
        problems["pixel_action"] = f"must be one of {PIXEL_ACTIONS}"
    if not _UID_ROOT.match(values["uid_root"]) or len(values["uid_root"]) > 40:
        problems["uid_root"] = "must be a UID root of digits and dots, e.g. 2.25, at most 40 characters"
    unknown = [t for t in values["default_legend_tags"] if not is_known_keyword(t, extra_tags)]
    if unknown:
        problems["default_legend_tags"] = f"has unknown keywords {unknown}"
    bad_uids = [u for u in values["deid_drop_sop_classes"] if not _is_uid(u)]
    if bad_uids:
        problems["deid_drop_sop_classes"] = f"has entries that are not UIDs {bad_uids}"
    return problems


def _is_uid(text: str) -> bool:
    return bool(_UID_ROOT.match(text)) and len(text) <= 64


# Options whose invalid entries are dropped one by one (the rest of the list is kept).
_LIST_KEEP_VALID = MappingProxyType({
    "default_legend_tags": lambda v, extra: is_known_keyword(v, extra),
    "deid_drop_sop_classes": lambda v, extra: _is_uid(v),
})


def _legacy_values(data: dict) -> dict[str, Any]:
    """Values under the original program's key names, mapped to today's names."""
    out: dict[str, Any] = {new: data[old] for old, new in _LEGACY_DEFAULT_KEYS.items() if old in data}
    suffixes = {new: data[old] for old, new in _LEGACY_SUFFIX_KEYS.items() if old in data}
    if suffixes:
        out["report_suffixes"] = suffixes
    return out


def _parse_user_defaults(data: dict, peers: dict[str, PeerConfig], extra_tags: dict,
                         ld: _Loader) -> UserDefaults:
    base = UserDefaults()
    given = {**_legacy_values(data), **data}
    values: dict[str, Any] = {}
    for f in dataclasses.fields(UserDefaults):
        default = getattr(base, f.name)
        if f.name not in given:
            values[f.name] = default
            continue
        try:
            values[f.name] = _coerce(f.name, given[f.name], default)
        except ValueError as e:
            ld.notice(USER_DEFAULTS, f"{f.name} = {given[f.name]!r} {e}; the default "
                                     f"{default!r} is used. Correct it in Settings or in the file.")
            values[f.name] = default
    for key, problem in _field_checks(values, extra_tags).items():
        if key in _LIST_KEEP_VALID:
            values[key] = [v for v in values[key] if _LIST_KEEP_VALID[key](v, extra_tags)]
            ld.notice(USER_DEFAULTS, f"{key} {problem}; they are not used.")
        else:
            ld.notice(USER_DEFAULTS, f"{key} = {values[key]!r} {problem}; the default "
                                     f"{getattr(base, key)!r} is used.")
            values[key] = getattr(base, key)
    _check_peer_choices(values, peers, ld)
    _report_unknown_keys(data, ld)
    return UserDefaults(**values)


def _check_peer_choices(values: dict[str, Any], peers: dict[str, PeerConfig], ld: _Loader) -> None:
    """default_source/default_destination must name usable peers; else the safe default is used."""
    if values["default_source"] and values["default_source"] not in peers:
        ld.notice(USER_DEFAULTS, f"default_source {values['default_source']!r} is not a usable peer "
                                 f"in {PEERS}; no default source is set.")
        values["default_source"] = ""
    if values["default_destination"] not in peers:
        ld.notice(USER_DEFAULTS, f"default_destination {values['default_destination']!r} is not a "
                                 f"usable peer in {PEERS}; {SELF} is used.")
        values["default_destination"] = SELF


def _report_unknown_keys(data: dict, ld: _Loader) -> None:
    """A key this program does not know is kept in the file but reported (typos show up)."""
    names = [f.name for f in dataclasses.fields(UserDefaults)]
    known = {*names, *_LEGACY_DEFAULT_KEYS, *_LEGACY_SUFFIX_KEYS, *_LEGACY_UNUSED_KEYS}
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), names, n=1, cutoff=0.7)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            ld.notice(USER_DEFAULTS, f"unknown key {key!r} is not used.{hint}")


def _known_only(keywords: list[str], file: str, extra_tags: dict, ld: _Loader,
                allowed: tuple[str, ...] = ()) -> list[str]:
    """keywords without the unknown ones (each reported) and without repeats."""
    kept = []
    for kw in keywords:
        if kw in allowed or is_known_keyword(kw, extra_tags):
            kept.append(kw)
        else:
            ld.notice(file, _unknown_keyword_message(kw))
    return list(dict.fromkeys(kept))


def _parse_query_identifiers(data: dict, extra_tags: dict, ld: _Loader) -> list[str]:
    kept = _known_only(data["QUERY_IDENTIFIERS"], QUERY_IDENTIFIERS, extra_tags, ld)
    if not kept:
        ld.notice(QUERY_IDENTIFIERS, "no known keyword is left in QUERY_IDENTIFIERS; the defaults "
                                     "are used until the file is corrected.")
        return _shipped_copy(QUERY_IDENTIFIERS)()["QUERY_IDENTIFIERS"]
    return kept


def _alias_key(alias: str) -> str:
    """A header as the sheet reader compares it: no case, spaces or punctuation; '#' = number."""
    return re.sub(r"[^0-9a-z]", "", alias.replace("#", " number ").casefold())


def _parse_excel_headings(data: dict, extra_tags: dict, ld: _Loader) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    owner: dict[str, str] = {}
    for kw in _known_only(list(data), EXCEL_HEADINGS, extra_tags, ld, allowed=PSEUDO_COLUMNS):
        aliases = []
        for alias in data[kw]:
            key = _alias_key(alias)
            if key in owner and owner[key] != kw:
                ld.notice(EXCEL_HEADINGS, f"alias {alias!r} of {kw!r} is already an alias of "
                                          f"{owner[key]!r}; it is used for {owner[key]!r} only.")
                continue
            owner[key] = kw
            aliases.append(alias)
        out[kw] = aliases
    return out


_TAG_TEXT = re.compile(r"^\(?\s*(?:0x)?([0-9A-Fa-f]{4})\s*,?\s*(?:0x)?([0-9A-Fa-f]{4})\s*\)?$")
_KEYWORD = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _tag_entry(kw: str, entry: dict | list) -> dict[str, str]:
    """One tags.json entry normalised to {"tag": "(GGGG,EEEE)", "vr", "name"}; ValueError if bad."""
    if isinstance(entry, list):         # the original's ["0x0008", "0x0050", "SH"] form
        if len(entry) != 3 or not all(isinstance(x, str) for x in entry):
            raise ValueError('must be {"tag": "(gggg,eeee)", "vr": "LO", "name": "..."}')
        entry = {"tag": f"{entry[0]},{entry[1]}", "vr": entry[2]}
    match = _TAG_TEXT.match(str(entry.get("tag", "")))
    if not match:
        raise ValueError(f"tag {entry.get('tag')!r} is not written as (gggg,eeee) in hex")
    vr = entry.get("vr")
    if vr not in KNOWN_VRS:
        raise ValueError(f"vr {vr!r} is not a DICOM VR (e.g. LO, SH, DA, UI)")
    if not _KEYWORD.match(kw):
        raise ValueError("the keyword must be letters and digits, starting with a letter")
    tag = f"({match.group(1).upper()},{match.group(2).upper()})"
    return {"tag": tag, "vr": vr, "name": str(entry.get("name") or kw)}


def _parse_tags(data: dict, ld: _Loader) -> dict[str, dict]:
    out = {}
    for kw, entry in data.items():
        try:
            norm = _tag_entry(kw, entry)
        except ValueError as e:
            ld.notice(TAGS, f"entry {kw!r} is left out: {e}.")
            continue
        known = datadict.tag_for_keyword(kw)
        if known is None:
            out[kw] = norm
        elif f"({known >> 16:04X},{known & 0xFFFF:04X})" != norm["tag"]:
            ld.notice(TAGS, f"entry {kw!r} gives tag {norm['tag']}, but the DICOM dictionary "
                            f"has {kw} as ({known >> 16:04X},{known & 0xFFFF:04X}); the dictionary wins.")
    return out


def _drop_rule(kw: str, rule: Any) -> DropRule:
    if isinstance(rule, dict):
        return DropRule(kw, str(rule["value"]), bool(rule.get("whole_word", False)))
    return DropRule(kw, str(rule))


def _parse_anon_imgs(data: dict, extra_tags: dict, ld: _Loader | None) -> tuple[DropRule, ...]:
    """The drop rules of anon_imgs.json, in file order (unknown keywords and empty rules left out)."""
    keywords = list(data) if ld is None else _known_only(list(data), ANON_IMGS, extra_tags, ld)
    rules = []
    for kw in keywords:
        for rule in data[kw]:
            r = _drop_rule(kw, rule)
            if not r.value.strip():
                if ld is not None:
                    ld.notice(ANON_IMGS, f"an empty rule of {kw!r} would match every image; it is not used.")
                continue
            rules.append(r)
    return tuple(rules)


def parse_drop_rules(data: dict) -> tuple[DropRule, ...]:
    """The drop rules of an anon_imgs.json object that is already known to be good."""
    return _parse_anon_imgs(data, {}, None)


def _parse_anon_vrs(data: list | dict, ld: _Loader) -> list[str]:
    kept = []
    for vr in data:
        if vr in KNOWN_VRS:
            kept.append(vr)
        else:
            ld.notice(ANON_VRS, f"{vr!r} is not a DICOM VR (e.g. DA, TM, PN, UI); it is not used.")
    return list(dict.fromkeys(kept))


def _parse_anon_tags(data: list | dict, extra_tags: dict, ld: _Loader) -> list[str]:
    flat = [kw for group in data.values() for kw in group] if isinstance(data, dict) else list(data)
    return _known_only(flat, ANON_TAGS, extra_tags, ld)


# ----------------------------------------------------------------------------------------------
# Public entry points
# ----------------------------------------------------------------------------------------------

def load_settings(config_dir: Path | None = None) -> Settings:
    """Read config_dir (default: default_config_dir()), creating and healing files as needed.

    Never raises for bad files: every problem becomes a ConfigNotice in Settings.notices and a
    WARNING on the mid.settings logger.
    """
    cdir = Path(config_dir).expanduser().resolve() if config_dir else default_config_dir()
    ld = _Loader(cdir)
    try:
        cdir.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        ld.notice(cdir.name, f"the config folder {cdir} could not be created ({e}); defaults are used.")
    specs = _specs()
    raw = {name: ld.load(spec) for name, spec in specs.items()}
    extra_tags = _parse_tags(raw[TAGS], ld)
    peers = _parse_peers(raw[PEERS], ld)
    drop_rules = _parse_anon_imgs(raw[ANON_IMGS], extra_tags, ld)
    return Settings(
        config_dir=cdir,
        peers=peers,
        defaults=_parse_user_defaults(raw[USER_DEFAULTS], peers, extra_tags, ld),
        query_identifiers=_parse_query_identifiers(raw[QUERY_IDENTIFIERS], extra_tags, ld),
        query_tags=_known_only(raw[QUERY]["QUERY_TAGS"], QUERY, extra_tags, ld),
        excel_headings=_parse_excel_headings(raw[EXCEL_HEADINGS], extra_tags, ld),
        extra_tags=extra_tags,
        drop_rules=drop_rules,
        anon_vrs=_parse_anon_vrs(raw[ANON_VRS], ld),
        anon_tags=_parse_anon_tags(raw[ANON_TAGS], extra_tags, ld),
        notices=ld.notices,
        pixel_regions=_parse_pixel_regions(raw[PIXEL_REGIONS], ld),
    )


def default_settings(config_dir: Path | None = None) -> Settings:
    """The defaults of every file, in memory, touching no file (for tests and previews)."""
    shipped = shipped_defaults()
    return Settings(
        config_dir=Path(config_dir) if config_dir else default_config_dir(),
        peers=default_peers(), defaults=UserDefaults(),
        query_identifiers=shipped[QUERY_IDENTIFIERS]["QUERY_IDENTIFIERS"],
        query_tags=shipped[QUERY]["QUERY_TAGS"], excel_headings=shipped[EXCEL_HEADINGS],
        extra_tags={}, drop_rules=parse_drop_rules(shipped[ANON_IMGS]), anon_vrs=shipped[ANON_VRS],
        anon_tags=shipped[ANON_TAGS], notices=[],
        pixel_regions=_parse_pixel_regions(shipped[PIXEL_REGIONS], None),
    )


def _existing_object(path: Path) -> dict:
    """The JSON object in path, or {} when it is missing or unreadable (nothing to preserve)."""
    try:
        data = _read_json(path)
    except (OSError, _Broken):
        return {}
    return data if isinstance(data, dict) else {}


def _peer_save_problems(peers: dict[str, PeerConfig]) -> list[str]:
    problems = [] if SELF in peers else [f"the {SELF!r} peer (our own side) is missing"]
    for key, p in peers.items():
        if not isinstance(key, str) or not key.strip():
            problems.append(f"a peer has a blank name: {p!r}")
            continue
        entry = peer_json(p)
        for msg in peer_problems(key, entry, is_self=key == SELF):
            problems.append(f"peer {key!r}: {msg}")
    return problems


def save_peers(config_dir: Path | None, peers: dict[str, PeerConfig]) -> None:
    """Validate and write peers.json atomically; keys the user added to an entry are kept.

    Peers left out of `peers` are removed from the file. Raises ValueError listing every problem.
    """
    problems = _peer_save_problems(peers)
    if problems:
        raise ValueError(f"{PEERS} not saved: " + "; ".join(problems) + ".")
    path = Path(config_dir or default_config_dir()) / PEERS
    old = _existing_object(path)
    out = {}
    for key, p in peers.items():
        kept = old.get(key)
        extra: dict[str, Any] = kept if isinstance(kept, dict) else {}
        entry = peer_json(p)
        entry["peer_name"] = key
        if not p.is_dicomweb:
            entry["peer_port"] = to_port(p.port)
        # The user's own keys stay; the program's keys are what `p` says (a removed tls block goes).
        kept_extra = {k: v for k, v in extra.items() if k not in _PEER_KEYS}
        out[key] = {**kept_extra, **entry}
    write_json_atomic(path, out)
    log.info("saved %s (%d peers)", path, len(out))


def _user_defaults_json(d: UserDefaults) -> dict[str, Any]:
    return {f.name: getattr(d, f.name) for f in dataclasses.fields(d)}


def _user_defaults_save_problems(d: UserDefaults, extra_tags: dict) -> list[str]:
    base = UserDefaults()
    problems = []
    values = _user_defaults_json(d)
    for name, value in values.items():
        try:
            _coerce(name, value, getattr(base, name))
        except ValueError as e:
            problems.append(f"{name} = {value!r} {e}")
    if not problems:
        problems += [f"{k} = {values[k]!r} {m}" for k, m in _field_checks(values, extra_tags).items()]
    return problems


def save_user_defaults(config_dir: Path | None, defaults: UserDefaults) -> None:
    """Validate and write user_defaults.json atomically, keeping keys this program does not know.

    Raises ValueError listing every invalid value.
    """
    cdir = Path(config_dir or default_config_dir())
    extra_tags = _parse_tags(_existing_object(cdir / TAGS), _Loader(cdir, quiet=True))
    problems = _user_defaults_save_problems(defaults, extra_tags)
    if problems:
        raise ValueError(f"{USER_DEFAULTS} not saved: " + "; ".join(problems) + ".")
    path = cdir / USER_DEFAULTS
    old = _existing_object(path)
    write_json_atomic(path, {**old, **_user_defaults_json(defaults)})
    log.info("saved %s", path)


def save_anon_imgs(config_dir: Path | None, rules: Iterable[DropRule]) -> None:
    """Validate and write anon_imgs.json atomically, keyword by keyword in the rules' order; a
    whole-word rule is written {"value": ..., "whole_word": true}. Raises ValueError naming every
    unknown keyword or empty rule."""
    cdir = Path(config_dir or default_config_dir())
    extra_tags = _parse_tags(_existing_object(cdir / TAGS), _Loader(cdir, quiet=True))
    rules = list(rules)
    keywords = list(dict.fromkeys(r.keyword for r in rules))
    problems = [_unknown_keyword_message(kw) for kw in keywords if not is_known_keyword(kw, extra_tags)]
    problems += [f"an empty rule of {r.keyword!r} would match every image" for r in rules if not r.value.strip()]
    if problems:
        raise ValueError(f"{ANON_IMGS} not saved: " + "; ".join(problems) + ".")
    out: dict[str, list[Any]] = {kw: [] for kw in keywords}
    for r in rules:
        out[r.keyword].append({"value": r.value, "whole_word": True} if r.whole_word else r.value)
    write_json_atomic(cdir / ANON_IMGS, out)
    log.info("saved %s (%d keywords)", cdir / ANON_IMGS, len(out))
