"""The program's one way to write a file so that it is never seen half written.

`write_atomic` writes the bytes to a hidden temp file beside the target, then renames it over
the target (`os.replace`, atomic on every OS we run on): after a crash or a kill the target
holds either its old content or the new one, never a part. Images, config files, the master
key, the project secret and the report workbooks all go through it.

The guarantee is atomicity, not durability: without `fsync` a power loss or an OS crash may
lose the last files written. Temp files are named `.<name>.<pid>-<n>.tmp`, so one left behind
by a killed process is recognisable (`remove_stale_temp_files`) and two writers never share one.

Imports nothing of ours.
"""
from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Callable

#: numbers the temp files (next() on a count is atomic under the GIL)
_TEMP_SEQ = itertools.count()

#: the glob of the temp files write_atomic leaves behind when its process is killed
TEMP_GLOB = ".*.tmp"

#: what write_atomic calls when the rename onto `dest` is refused (the target is locked, e.g.
#: open in Excel on Windows, or is a folder): it returns the next destination to try, or raises
OnReplaceError = Callable[[Path, OSError], "Path | str | os.PathLike[str]"]


def temp_path(path: Path) -> Path:
    """A temp file name beside `path`, unique per process and call."""
    return path.parent / f".{path.name}.{os.getpid()}-{next(_TEMP_SEQ)}.tmp"


def write_atomic(path: Path | str, data: bytes, fsync: bool = False, *, mode: int | None = None,
                 replace: bool = True, on_replace_error: OnReplaceError | None = None) -> Path | None:
    """Writes `data` to `path` whole or not at all; returns the path written (None: kept the old one).

    fsync: flush the temp file to the disk before the rename (config files, the secret).
    mode: permission bits of a new file (e.g. 0o600 for a secret); default: the umask's.
    replace: False never replaces an existing file (hard link instead of rename): returns None
        when `path` already exists, e.g. because another process wrote it first.
    on_replace_error: called with (destination, error) when the rename is refused with a
        PermissionError or IsADirectoryError; returns another destination to try, or raises.
        Without it that error is raised. Errors of the temp write itself are always raised.
    The temp file never outlives the call, whatever happens.
    """
    path = Path(path)
    tmp = temp_path(path)
    done = False
    try:
        if mode is None:
            f = open(tmp, "wb")
        else:
            f = os.fdopen(os.open(str(tmp), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "wb")
        with f:
            f.write(data)
            if fsync:
                f.flush()
                os.fsync(f.fileno())
        if not replace:
            return path if _link_no_clobber(tmp, path) else None     # tmp is removed below
        dest = path
        while True:
            try:
                os.replace(tmp, dest)
                done = True
                return dest
            except (PermissionError, IsADirectoryError) as e:
                if on_replace_error is None:
                    raise
                dest = Path(on_replace_error(dest, e))
    finally:
        if not done:                   # renamed: nothing left to remove (saves a syscall per image)
            try:
                tmp.unlink()
            except OSError:
                pass


def _link_no_clobber(tmp: Path, path: Path) -> bool:
    """Puts `tmp` at `path` unless a file is there already; True when it did."""
    try:
        os.link(tmp, path)             # refuses an existing target, atomically
        return True
    except FileExistsError:
        return False
    except OSError:                    # no hard links on this file system
        if path.exists():
            return False
        os.replace(tmp, path)
        return True


def remove_stale_temp_files(folder: Path | str) -> int:
    """Deletes the temp files killed writers left anywhere under `folder`; returns how many."""
    n = 0
    for p in Path(folder).rglob(TEMP_GLOB):
        try:
            p.unlink()
            n += 1
        except OSError:
            pass
    return n
