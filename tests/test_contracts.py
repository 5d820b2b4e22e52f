"""The module contracts of docs/ARCHITECTURE.md are enforced.

import-linter (configured in pyproject.toml, run by ./test.sh) checks the mid package; the
top-level files are no package, so their imports are checked here. One test plants a broken
contract in a copy of the package and checks that import-linter fails on it, so a contract
that silently checks nothing would be noticed.
"""
from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: top-level file -> modules it must not import (directly)
TOP_LEVEL_FORBIDDEN = {
    "main.py": {"pydicom", "pandas", "pynetdicom", "pacs"},
    "pacs.py": {"mid.settings", "mid.project", "mid.store", "mid.retrieve", "mid.search", "mid.anonymizer",
                "mid.querysheet", "mid.sheetfiles", "mid.reports", "mid.engine", "mid.cli", "mid.pages",
                "mygui", "main", "PySimpleGUI", "openpyxl"},
    "mygui.py": {"pacs", "pynetdicom", "mid.anonymizer", "mid.project", "mid.store", "mid.retrieve",
                 "mid.engine", "main"},
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names |= {f"{node.module}.{a.name}" for a in node.names}
    return names


def test_pacs_uses_of_ours_only_its_dimse_words_c_get_contexts_and_tls_contexts():
    ours = {i for i in _imports(ROOT / "pacs.py") if i == "mid" or i.startswith("mid.")}
    allowed = {f"{m}.{n}" for m in ("mid.dimse", "mid.getcontexts") for n in dir(__import__(m, fromlist=["_"]))}
    assert ours <= {"mid", "mid.dimse", "mid.getcontexts", "mid.tls"} | allowed, ours
    assert "mid.dimse" in ours and "mid.getcontexts" in ours


def _violations(imported: set[str], forbidden: set[str]) -> set[str]:
    return {i for i in imported for f in forbidden if i == f or i.startswith(f + ".")}


@pytest.mark.parametrize("name", sorted(TOP_LEVEL_FORBIDDEN))
def test_top_level_files_keep_their_contracts(name):
    assert not _violations(_imports(ROOT / name), TOP_LEVEL_FORBIDDEN[name])


def test_a_forbidden_import_is_caught(tmp_path):
    assert _violations(_imports_of_text(tmp_path, "from mid import project\n"), TOP_LEVEL_FORBIDDEN["mygui.py"])


def _imports_of_text(tmp_path: Path, text: str) -> set[str]:
    f = tmp_path / "x.py"
    f.write_text(text)
    return _imports(f)


def _lint(root: Path) -> subprocess.CompletedProcess:
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            "sys.argv[1:] = ['pyproject.toml']; sys.exit(lint_imports_command())")
    return subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, timeout=120,
                          env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"})


def test_import_linter_passes_on_the_code_and_fails_on_a_broken_contract(tmp_path):
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "mid", copy / "mid", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "pacs.py", "mygui.py"):
        shutil.copy2(ROOT / name, copy / name)
    ok = _lint(copy)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    settings = copy / "mid" / "settings.py"
    settings.write_text(settings.read_text() + "\nimport pacs  # a planted violation\n")
    broken = _lint(copy)
    assert broken.returncode != 0
    assert "settings knows nothing of the rest" in broken.stdout
    assert "BROKEN" in broken.stdout
