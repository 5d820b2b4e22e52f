"""One project, one writer: the lock in private/ (mid/lock.py), across real processes."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from mid.lock import LOCK_NAME, ProjectLock, ProjectLocked

ROOT = Path(__file__).resolve().parent.parent

HOLDER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from mid.lock import ProjectLock
ProjectLock.acquire(sys.argv[2], command="holder-test")
print("held", flush=True)
time.sleep(60)
"""


def _hold_in_child(private: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(ROOT), str(private)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_and_told_who_holds_it(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    child = _hold_in_child(private)
    try:
        with pytest.raises(ProjectLocked) as e:
            ProjectLock.acquire(private, command="test")
        text = str(e.value)
        assert f"process {child.pid} on " in text and "holder-test" in text and "only one program" in text
    finally:
        child.kill()
        child.wait()


def test_a_lock_left_by_a_killed_process_is_taken_over_with_a_notice(tmp_path):
    private = tmp_path / "private"
    private.mkdir()
    child = _hold_in_child(private)
    child.send_signal(signal.SIGKILL)
    child.wait()
    lock = ProjectLock.acquire(private, command="test")
    try:
        assert lock.notice is not None and f"process {child.pid}" in lock.notice and "taken over" in lock.notice
        holder = ProjectLock.holder(private)
        assert holder is not None and holder.pid == os.getpid()
    finally:
        lock.release()
    assert ProjectLock.holder(private) is None          # released: the file names nobody


def test_nested_opens_in_one_process_share_the_lock(tmp_path):
    a = ProjectLock.acquire(tmp_path, command="test")
    b = ProjectLock.acquire(tmp_path, command="test")
    assert a is b and a.notice is None
    b.release()
    assert ProjectLock.holder(tmp_path).pid == os.getpid()   # still held by the outer open
    a.release()
    assert ProjectLock.holder(tmp_path) is None
    child = _hold_in_child(tmp_path)                          # and another process can take it now
    child.kill()
    child.wait()


def test_a_lock_naming_another_computer_is_not_taken_over(tmp_path):
    (tmp_path / LOCK_NAME).write_text(json.dumps({"pid": 4242, "host": "some-other-workstation",
                                                   "command": "main.py", "since": "2026-01-01T08:00:00"}))
    with pytest.raises(ProjectLocked) as e:
        ProjectLock.acquire(tmp_path)
    assert "some-other-workstation" in str(e.value) and f"delete {(tmp_path / LOCK_NAME).resolve()}" in str(e.value)


PROJECT_HOLDER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from mid.project import Project
p = Project.open(sys.argv[2])
print("held", flush=True)
time.sleep(60)
"""


def _project_held_by_child(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen([sys.executable, "-c", PROJECT_HOLDER, str(ROOT), str(root)], stdout=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_command_on_a_project_in_use_exits_at_once_naming_the_holder(tmp_path, monkeypatch, capsys):
    from mid.project import Project
    from mid.vocab import ExitCode
    from test_cli import run_main
    Project.create(tmp_path / "P").close()
    child = _project_held_by_child(tmp_path / "P")
    try:
        code = run_main(monkeypatch, tmp_path / "config", "report", "--project", str(tmp_path / "P"))
        err = capsys.readouterr().err
        assert code == ExitCode.PROJECT
        assert f"in use by process {child.pid} on " in err and "only one program" in err
    finally:
        child.kill()
        child.wait()
    # the holder was killed: the next command takes the project over and says so
    code = run_main(monkeypatch, tmp_path / "config", "report", "--project", str(tmp_path / "P"))
    err = capsys.readouterr().err
    assert code == ExitCode.OK
    assert f"left locked by process {child.pid}" in err and "taken over" in err
