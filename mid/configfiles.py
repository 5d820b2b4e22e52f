"""The config folder's files as files: where they live, their shipped defaults in
config/defaults/, reading them (JSON, nesting limit, duplicate keys), checking their shape, and
healing a missing or broken one (renamed, never overwritten, replaced by its shipped copy).

mid/settings.py turns the files this module hands it into typed Settings. Imports nothing of
ours but mid.atomic.
"""
from __future__ import annotations

import datetime as _dt
import json
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from mid.atomic import write_atomic

log = logging.getLogger("mid.settings")

CONFIG_ENV = "MID_CONFIG_DIR"
# The shipped defaults of the nine files: in the repository, beside the live config/ folder.
SHIPPED_DEFAULTS_DIR = Path(__file__).resolve().parent.parent / "config" / "defaults"
# No config file needs more than a few levels; deeper nesting marks a broken file (and would
# exhaust the recursion of the JSON reader or of repr()).
MAX_JSON_DEPTH = 32

PEERS = "peers.json"
USER_DEFAULTS = "user_defaults.json"
QUERY_IDENTIFIERS = "query_identifiers.json"
QUERY = "query.json"
EXCEL_HEADINGS = "excel_headings.json"
TAGS = "tags.json"
ANON_IMGS = "anon_imgs.json"
ANON_VRS = "anon_vrs.json"
ANON_TAGS = "anon_tags.json"
PIXEL_REGIONS = "pixel_regions.json"
CONFIG_FILES = (PEERS, USER_DEFAULTS, QUERY_IDENTIFIERS, QUERY, EXCEL_HEADINGS, TAGS,
                ANON_IMGS, ANON_VRS, ANON_TAGS, PIXEL_REGIONS)


@dataclass(frozen=True)
class ConfigNotice:
    """Something wrong in a config file that the user should hear about (and what was done)."""
    file: str
    message: str
    renamed_to: str | None = None

    def __str__(self) -> str:
        text = f"{self.file}: {self.message}"
        if self.renamed_to:
            text += f" The old file was kept as {self.renamed_to}."
        return text


def _describe(v: object) -> str:
    if v is None:
        return "nothing"
    text = repr(v)
    return f"{type(v).__name__} {text if len(text) <= 60 else text[:57] + '...'}"


# ----------------------------------------------------------------------------------------------
# Reading, healing and writing files
# ----------------------------------------------------------------------------------------------

class _Broken(Exception):
    """A config file that must be replaced by its default (message says what is wrong)."""


def default_config_dir() -> Path:
    """$MID_CONFIG_DIR when set, else config/ beside main.py, whatever the working folder."""
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env).expanduser().resolve()
    return Path(__file__).resolve().parent.parent / "config"


def _read_json(path: Path, duplicates: list[str] | None = None) -> Any:
    """Parse a JSON file; raise _Broken with line and column when it is not valid JSON.

    Keys written twice in one object are appended to `duplicates` (the last one wins, as in
    any JSON reader, but the user should hear that the first was not used).
    """
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as e:
        raise _Broken(f"is not UTF-8 text (byte {e.start}); save it as UTF-8.") from e
    return _parse_json(text, duplicates)


_TOO_DEEP = (f"nests lists or objects inside each other more than {MAX_JSON_DEPTH} levels deep; "
             f"no config file needs more than 4.")


def _parse_json(text: str, duplicates: list[str] | None = None) -> Any:
    """json.loads that raises only _Broken: bad syntax, too deep, or a number Python refuses."""
    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for key, value in items:
            if key in seen and duplicates is not None:
                duplicates.append(key)
            seen[key] = value
        return seen
    try:
        data = json.loads(text, object_pairs_hook=pairs)
    except json.JSONDecodeError as e:
        raise _Broken(f"is not valid JSON: {e.msg} at line {e.lineno}, column {e.colno}.") from e
    except RecursionError:      # the reader gives up long before the end of [[[[...
        raise _Broken(_TOO_DEEP) from None
    except ValueError as e:     # an integer of more digits than Python converts (4300)
        reason = str(e).split(":")[0]
        raise _Broken(f"holds a number too long to read ({reason}); shorten it.") from None
    if _depth_exceeds(data, MAX_JSON_DEPTH):
        raise _Broken(_TOO_DEEP)
    return data


def _depth_exceeds(value: Any, limit: int) -> bool:
    """True when lists/objects nest more than limit levels (counted without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > limit:
                return True
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return False


def write_json_atomic(path: Path, data: Any) -> None:
    """Write JSON to path through a temp file in the same folder and os.replace (mid.atomic)."""
    text = json.dumps(data, indent=4, ensure_ascii=False) + "\n"
    write_bytes_atomic(path, text.encode("utf-8"))


def write_bytes_atomic(path: Path, raw: bytes) -> None:
    """Write raw to path through mid.atomic: a temp file in the same folder, fsync, os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomic(path, raw, fsync=True)


def broken_name(path: Path, when: _dt.datetime) -> str:
    """NAME.broken-YYYYmmdd-HHMMSS.json for a config file broken at `when`."""
    return f"{path.stem}.broken-{when:%Y%m%d-%H%M%S}{path.suffix}"


def _move_no_clobber(src: Path, dst: Path) -> None:
    """Rename src to dst; raise FileExistsError rather than replace an existing dst."""
    if os.name == "nt":
        os.rename(src, dst)          # refuses an existing target on Windows
        return
    try:
        os.link(src, dst)            # refuses an existing target, atomically
    except FileExistsError:
        raise
    except OSError:                  # no hard links on this file system
        if dst.exists():
            raise FileExistsError(dst)
        os.rename(src, dst)
        return
    os.unlink(src)


def _set_aside(path: Path) -> Path:
    """Rename a broken file to its first free NAME.broken-STAMP[-n].json; return the new path."""
    base = broken_name(path, _dt.datetime.now())
    stem = base[: -len(path.suffix)] if path.suffix else base
    for n in range(1000):
        target = path.with_name(base if n == 0 else f"{stem}-{n}{path.suffix}")
        if target.exists():
            continue
        try:
            _move_no_clobber(path, target)
            return target
        except FileExistsError:
            continue
    raise OSError(f"no free name to keep the broken {path.name} beside it")


@dataclass(frozen=True)
class _FileSpec:
    """How one config file is defaulted and shape-checked (check raises _Broken)."""
    name: str
    default: Callable[[], Any]
    check: Callable[[Any], None]
    shipped_bytes: Callable[[], bytes]     # the shipped file, copied byte for byte when healing


class _Loader:
    """Reads the files of one config folder, healing them, and collects the notices."""

    def __init__(self, config_dir: Path, quiet: bool = False):
        self.dir = config_dir
        self.quiet = quiet
        self.notices: list[ConfigNotice] = []

    def notice(self, file: str, message: str, renamed_to: str | None = None) -> None:
        n = ConfigNotice(file, message, renamed_to)
        self.notices.append(n)
        if not self.quiet:
            log.warning("%s (config folder %s)", n, self.dir)

    def load(self, spec: _FileSpec) -> Any:
        """The file's data: read, or default-written when missing, or healed when broken."""
        path = self.dir / spec.name
        if not path.exists():
            return self._write_default(spec, reason=None)
        try:
            duplicates: list[str] = []
            data = _read_json(path, duplicates)
            spec.check(data)
            for key in dict.fromkeys(duplicates):
                self.notice(spec.name, f"{key!r} is written more than once; only its last "
                                       f"occurrence is used. Merge or rename the others.")
            return data
        except _Broken as e:
            return self._heal(spec, path, str(e))
        except OSError as e:
            self.notice(spec.name, f"could not be read ({e.strerror or e}); the defaults are used. "
                                   f"Check the file's permissions.")
            return spec.default()

    def _heal(self, spec: _FileSpec, path: Path, problem: str) -> Any:
        try:
            kept = _set_aside(path)
        except OSError as e:
            self.notice(spec.name, f"{problem} It could not be renamed ({e}), so it was left as it "
                                   f"is and the defaults are used until it is fixed.")
            return spec.default()
        self.notice(spec.name, f"{problem} A fresh default file was written in its place.",
                    renamed_to=kept.name)
        return self._write_default(spec, reason=problem)

    def _write_default(self, spec: _FileSpec, reason: str | None) -> Any:
        """Copy the shipped default of spec's file (config/defaults/) into the config folder."""
        data = spec.default()
        try:
            write_bytes_atomic(self.dir / spec.name, spec.shipped_bytes())
            if reason is None:
                log.info("created %s with its defaults in %s", spec.name, self.dir)
        except OSError as e:
            self.notice(spec.name, f"could not be written ({e}); the defaults are used in memory. "
                                   f"Check that the config folder {self.dir} is writable.")
        return data


