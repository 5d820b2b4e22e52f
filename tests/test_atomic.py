"""mid/atomic.py: the one atomic write of the program (images, config, key, secret, reports)."""
from __future__ import annotations

import os
import stat

import pytest

from mid import atomic


def leftovers(folder):
    return sorted(p.name for p in folder.rglob(atomic.TEMP_GLOB))


def test_write_replaces_whole_and_leaves_no_temp_file(tmp_path):
    target = tmp_path / "x.dcm"
    assert atomic.write_atomic(target, b"old") == target
    assert atomic.write_atomic(target, b"new content", fsync=True) == target
    assert target.read_bytes() == b"new content"
    assert leftovers(tmp_path) == []


def test_a_failed_temp_write_raises_and_leaves_nothing(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic.write_atomic(tmp_path / "no such folder" / "x", b"abc")
    assert list(tmp_path.iterdir()) == []


def test_no_clobber_keeps_an_existing_file_and_says_so(tmp_path):
    target = tmp_path / "secret.key"
    assert atomic.write_atomic(target, b"first", replace=False, mode=0o600) == target
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert atomic.write_atomic(target, b"second", replace=False) is None
    assert target.read_bytes() == b"first"
    assert leftovers(tmp_path) == []


def test_a_refused_rename_asks_for_another_destination(tmp_path):
    locked = tmp_path / "report.xlsx"
    locked.mkdir()                       # renaming a file onto a folder is refused, like a locked file
    seen = []

    def elsewhere(dest, error):
        seen.append((dest.name, type(error).__name__))
        return tmp_path / "report (1).xlsx"

    written = atomic.write_atomic(locked, b"wb", on_replace_error=elsewhere)
    assert written == tmp_path / "report (1).xlsx" and written.read_bytes() == b"wb"
    assert seen == [("report.xlsx", "IsADirectoryError")]
    with pytest.raises(IsADirectoryError):
        atomic.write_atomic(locked, b"wb")
    assert leftovers(tmp_path) == []


def test_temp_names_are_unique_and_stale_ones_are_removed(tmp_path):
    target = tmp_path / "a" / "x.dcm"
    target.parent.mkdir()
    names = {atomic.temp_path(target).name for _ in range(100)}
    assert len(names) == 100 and all(n.startswith(".x.dcm.") and n.endswith(".tmp") for n in names)
    (target.parent / f".y.dcm.{os.getpid()}-7.tmp").write_bytes(b"half")
    (target.parent / "kept.dcm").write_bytes(b"whole")
    assert atomic.remove_stale_temp_files(tmp_path) == 1
    assert [p.name for p in target.parent.iterdir()] == ["kept.dcm"]
