"""Shared fixtures: real DICOM peers on loopback, synthetic studies, a virtual display.

Fixtures (see tests/peers.py for the server classes):
- `require_real_peers`  skip when Orthanc or DCMTK is missing; FAIL instead under REQUIRE_REAL_PEERS=1.
- `orthanc`             session Orthanc (AE "ORTHANC"); .peer .dicom_port .rest .upload() .set_modality()
                        .clear() .count_instances(); "MID_SCU" is registered at 127.0.0.1:orthanc.self_port.
- `orthanc_factory`     make(**kwargs) -> a started OrthancServer configured differently
                        (e.g. config={"DicomCheckCalledAet": True}); stopped after the test.
- `orthanc_loaded`      the session Orthanc holding exactly `synthetic_study_files` (reloaded if a test changed it).
- `dcmqrscp`            session dcmqrscp (AE "DCMQRSCP") that may move to MID_SCU at 127.0.0.1:dcmqrscp.self_port.
- `dcmqrscp_factory`    make({aet: (host, port)}, **kwargs) -> a started DcmqrscpServer; stopped after the test.
- `dcmqrscp_loaded`     the session dcmqrscp holding `synthetic_study_files` (loaded once).
- `synthetic_study_files` a small written set: .desc (synthdata.SynthSet), .paths, .folder.
- `free_port`           the peers.free_port function.
- `xvfb`                session Xvfb; DISPLAY is set while it runs.
- `small_disk`          make(size_kb) -> a fresh tmpfs of that size (a disk that fills up); needs root.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest

import peers
from mid import settings as settings_mod
from mid import synthdata
from mid.project import Project
from mid.vocab import SELF

pytest_plugins = ["pytester"]      # test_bench runs the fixtures in a child pytest


# ----------------------------------------------------------------------------- availability

def pytest_sessionstart(session) -> None:
    """Under REQUIRE_REAL_PEERS=1 (CI), a program the tests need that is missing fails the run at
    its start, naming it, rather than test by test."""
    if os.environ.get(peers.REQUIRE_ENV, "").strip() != "1":
        return
    missing = [p for p in peers.required_programs() if not p.present()]
    if missing:
        names = ", ".join(f"{p.path} (Debian package {p.package})" for p in missing)
        pytest.exit(f"{peers.REQUIRE_ENV}=1 but these programs are missing: {names}. "
                    "Run ./test.sh as root: it installs every package in tests/required_programs.txt.",
                    returncode=3)


@pytest.fixture
def require_real_peers() -> None:
    """Skip (or fail under REQUIRE_REAL_PEERS=1) when Orthanc or DCMTK is missing."""
    peers.require_tools({**peers.ORTHANC_TOOLS, **peers.DCMTK_TOOLS})


@pytest.fixture
def free_port():
    """The free-port helper: `free_port()` -> an unused 127.0.0.1 TCP port."""
    return peers.free_port


# ----------------------------------------------------------------------------- synthetic data

SMALL_SET_SPEC = (
    (synthdata.SeriesSpec("CT", "AX 5MM", 8), synthdata.SeriesSpec("CT", "COR REFORMAT", 4),
     synthdata.SeriesSpec("CT", "Dose Report", 1, number=999, kind="capture")),
    (synthdata.SeriesSpec("MR", "T1 AX", 6), synthdata.SeriesSpec("MR", "T2 FLAIR", 6),
     synthdata.SeriesSpec("SR", "Radiology Report", 1, kind="report")),
)


@dataclass(frozen=True)
class SynthFiles:
    """A synthetic set written to disk: its description, files and folder."""
    desc: synthdata.SynthSet
    paths: tuple[Path, ...]
    folder: Path

    @property
    def count(self) -> int:
        """Instances in the set."""
        return len(self.paths)


def small_set() -> synthdata.SynthSet:
    """The tests' standard set: 2 patients x (CT study + MR study), 52 instances."""
    return synthdata.generate_set(seed=7, n_patients=2, studies_per_patient=2,
                                  series_spec=SMALL_SET_SPEC)


@pytest.fixture(scope="session")
def synthetic_study_files(tmp_path_factory) -> SynthFiles:
    """The standard small set written once per session (do not modify the files)."""
    desc = small_set()
    folder = tmp_path_factory.mktemp("synth")
    return SynthFiles(desc=desc, paths=tuple(synthdata.write_set(desc, folder)), folder=folder)


# ----------------------------------------------------------------------------- Orthanc

def _session_server(tools, build):
    """The body of a session server fixture: yields the server build() makes, started, or None
    when its programs are missing; stops it at the end of the session."""
    if peers.missing_tools(tools):
        yield None
        return
    server = build()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def _orthanc_session(tmp_path_factory):
    """The session Orthanc, or None when it is not installed."""
    yield from _session_server(peers.ORTHANC_TOOLS,
                               lambda: peers.OrthancServer(tmp_path_factory.mktemp("orthanc")))


@pytest.fixture
def orthanc(_orthanc_session) -> peers.OrthancServer:
    """A running Orthanc shared by the session; register your own AEs with set_modality()."""
    peers.require_tools(peers.ORTHANC_TOOLS)
    return _orthanc_session


@pytest.fixture
def orthanc_loaded(orthanc, synthetic_study_files) -> peers.OrthancServer:
    """The session Orthanc holding exactly the small synthetic set."""
    if orthanc.count_instances() != synthetic_study_files.count or \
            orthanc.statistics()["CountStudies"] != len(synthetic_study_files.desc.studies()):
        orthanc.clear()
        orthanc.upload(synthetic_study_files.paths)
    return orthanc


def _server_factory(tmp_path_factory, tools, server_class, folder: str):
    """The body of a *_factory fixture: yields make(*args, **kwargs) -> a fresh started server
    (server_class(a new work folder, *args, **kwargs)); stops every one made after the test."""
    peers.require_tools(tools)
    started = []

    def make(*args, **kwargs):
        server = server_class(tmp_path_factory.mktemp(folder), *args, **kwargs)
        started.append(server)
        return server.start()

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def orthanc_factory(tmp_path_factory):
    """make(**OrthancServer kwargs) -> a fresh started Orthanc, stopped after the test."""
    yield from _server_factory(tmp_path_factory, peers.ORTHANC_TOOLS, peers.OrthancServer, "orthanc_x")


# ----------------------------------------------------------------------------- dcmqrscp

@pytest.fixture(scope="session")
def _dcmqrscp_session(tmp_path_factory):
    """The session dcmqrscp, or None when DCMTK is missing."""
    yield from _session_server(peers.DCMTK_TOOLS, lambda: peers.DcmqrscpServer(
        tmp_path_factory.mktemp("dcmqrscp"), {peers.SELF_AET: (peers.HOST, peers.free_port())}))


@pytest.fixture
def dcmqrscp(_dcmqrscp_session) -> peers.DcmqrscpServer:
    """A running dcmqrscp shared by the session; it can move to MID_SCU at .self_port."""
    peers.require_tools(peers.DCMTK_TOOLS)
    return _dcmqrscp_session


@pytest.fixture(scope="session")
def _dcmqrscp_loaded_flag():
    """Remembers whether the session dcmqrscp already holds the synthetic set."""
    return {}


@pytest.fixture
def dcmqrscp_loaded(dcmqrscp, synthetic_study_files, _dcmqrscp_loaded_flag) -> peers.DcmqrscpServer:
    """The session dcmqrscp holding the small synthetic set (stored once per session)."""
    if not _dcmqrscp_loaded_flag.get("loaded"):
        dcmqrscp.load(synthetic_study_files.paths)
        _dcmqrscp_loaded_flag["loaded"] = True
    return dcmqrscp


@pytest.fixture
def dcmqrscp_factory(tmp_path_factory):
    """make({aet: (host, port)}, **kwargs) -> a fresh started dcmqrscp, stopped after the test."""
    yield from _server_factory(tmp_path_factory, peers.DCMTK_TOOLS, peers.DcmqrscpServer, "dcmqrscp_x")


# ----------------------------------------------------------------------------- display

@pytest.fixture(scope="session")
def _xvfb_session(tmp_path_factory):
    """The session Xvfb, or None when it is not installed."""
    if peers.missing_tools(peers.XVFB_TOOLS):
        yield None
        return
    server = peers.XvfbServer(tmp_path_factory.mktemp("xvfb")).start()
    mp = pytest.MonkeyPatch()
    mp.setenv("DISPLAY", server.display)
    try:
        yield server
    finally:
        mp.undo()
        server.stop()


@pytest.fixture
def xvfb(_xvfb_session) -> peers.XvfbServer:
    """A virtual display (DISPLAY is set to it); skip, or fail under REQUIRE_REAL_PEERS=1, without Xvfb."""
    peers.require_tools(peers.XVFB_TOOLS)
    return _xvfb_session


# ----------------------------------------------------------------------------- a small disk

@pytest.fixture
def small_disk(tmp_path):
    """make(size_kb) -> the path of a fresh tmpfs of that size: a disk that really fills up
    (ENOSPC). Needs root to mount; without it the test is skipped saying why, and fails under
    REQUIRE_REAL_PEERS=1."""
    import subprocess
    mounted: list[Path] = []

    def make(size_kb: int) -> Path:
        if os.geteuid() != 0:
            reason = "a full-disk test mounts a small tmpfs, which needs root"
            if os.environ.get(peers.REQUIRE_ENV, "").strip() == "1":
                pytest.fail(f"{peers.REQUIRE_ENV}=1 but {reason}", pytrace=False)
            pytest.skip(reason)
        where = tmp_path / f"disk{len(mounted)}"
        where.mkdir()
        subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={int(size_kb)}k", "tmpfs", str(where)], check=True,
                       capture_output=True, timeout=30)
        mounted.append(where)
        return where

    yield make
    for where in reversed(mounted):
        subprocess.run(["umount", "-l", str(where)], capture_output=True, timeout=30)


@pytest.fixture
def settings(tmp_path):
    """Settings with our side and one PACS on loopback (no peer runs): for the store's own tests."""
    cfg = tmp_path / "config"
    cfg.mkdir()
    (cfg / "peers.json").write_text(json.dumps({
        SELF: {"peer_name": SELF, "peer_aet": "MID_SCU", "peer_ip": "127.0.0.1", "peer_port": 11112},
        "PACS": {"peer_name": "PACS", "peer_aet": "FAKEPACS", "peer_ip": "127.0.0.1", "peer_port": 11113}}))
    return settings_mod.load_settings(cfg)


@pytest.fixture
def project(tmp_path):
    """A new, empty project folder, closed after the test."""
    p = Project.create(tmp_path / "proj")
    yield p
    p.close()
