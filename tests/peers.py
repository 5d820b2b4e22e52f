"""Real DICOM peers for the tests: Orthanc and DCMTK dcmqrscp on loopback, plus Xvfb.

Each server class writes its own config into a work folder, starts the real program on free
127.0.0.1 ports, waits until it answers, and stops it (process group) on `stop()`. The pytest
fixtures in conftest.py wrap them; tests can also use the classes directly for a peer
configured differently (e.g. an Orthanc that checks the called AE title).

Whether the programs exist is decided by `missing_tools()`; `require_tools()` turns a missing
program into a skip, or into a failure when REQUIRE_REAL_PEERS=1 (the CI setting).
"""
from __future__ import annotations

import base64
import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping, Sequence

import pytest
from pydicom import dcmread
from pydicom.dataset import Dataset
from pydicom.uid import (
    DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ExplicitVRLittleEndian, ImplicitVRLittleEndian,
    JPEG2000, JPEG2000Lossless, JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLossless, JPEGLosslessSV1,
    JPEGLSLossless, JPEGLSNearLossless, RLELossless,
)
from pynetdicom import StoragePresentationContexts

from mid import synthdata
from mid.settings import PeerConfig

log = logging.getLogger("mid.tests.peers")

HOST = "127.0.0.1"
REQUIRE_ENV = "REQUIRE_REAL_PEERS"
SELF_AET = "MID_SCU"              # the AE title tests call from and move to
START_ATTEMPTS = 3                # free ports can be taken between choosing and binding

#: the list of every program the tests run (read by ./test.sh too)
REQUIRED_PROGRAMS_FILE = Path(__file__).resolve().parent / "required_programs.txt"


@dataclass(frozen=True)
class Program:
    """One line of required_programs.txt."""
    path: str          # absolute path, or "python3:MODULE"
    package: str       # the Debian package that installs it
    purpose: str

    @property
    def name(self) -> str:
        return self.path.rsplit("/", 1)[-1].removeprefix("python3:")

    def present(self) -> bool:
        if self.path.startswith("python3:"):
            import importlib.util
            return importlib.util.find_spec(self.name) is not None
        return os.path.isfile(self.path) and _runnable(self.path)


def required_programs(path: Path | None = None) -> list[Program]:
    """The programs listed in required_programs.txt (or in `path`)."""
    out = []
    for line in Path(path or REQUIRED_PROGRAMS_FILE).read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split(None, 2)
        out.append(Program(parts[0], parts[1], parts[2] if len(parts) > 2 else ""))
    return out


def _runnable(path: str) -> bool:
    """An executable, or a plugin library (a .so is loaded, not run)."""
    return path.endswith(".so") or os.access(path, os.X_OK)


def _tools(*names: str) -> dict[str, tuple[str, ...]]:
    by_name = {p.name: p.path for p in required_programs()}
    return {n: (by_name[n],) for n in names}


ORTHANC_TOOLS: dict[str, tuple[str, ...]] = _tools("Orthanc")
DICOMWEB_TOOLS: dict[str, tuple[str, ...]] = _tools("Orthanc", "libOrthancDicomWeb.so")
DCMTK_TOOLS: dict[str, tuple[str, ...]] = _tools("dcmqrscp", "storescu")
XVFB_TOOLS: dict[str, tuple[str, ...]] = _tools("Xvfb", "xdotool")


# ----------------------------------------------------------------------------- tools

def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def resolve_tool(candidates: Sequence[str]) -> str | None:
    """The first candidate that is an executable file (absolute path) or on PATH (bare name)."""
    for c in candidates:
        if os.path.isabs(c):
            if os.path.isfile(c) and _runnable(c):
                return c
        else:
            found = shutil.which(c)
            if found:
                return found
    return None


def missing_tools(tools: Mapping[str, Sequence[str]]) -> list[str]:
    """Names of the tools none of whose candidate paths exist."""
    return [name for name, candidates in tools.items() if resolve_tool(candidates) is None]


def require_tools(tools: Mapping[str, Sequence[str]], environ: Mapping[str, str] | None = None) -> None:
    """Skip the test when a tool is missing, or fail it when REQUIRE_REAL_PEERS=1."""
    env = os.environ if environ is None else environ
    missing = missing_tools(tools)
    if not missing:
        return
    wanted = "; ".join(f"{n} ({' or '.join(tools[n])})" for n in missing)
    if env.get(REQUIRE_ENV, "").strip() == "1":
        pytest.fail(f"{REQUIRE_ENV}=1 but these programs are missing: {wanted}. "
                    "Run ./test.sh as root: it installs every package in tests/required_programs.txt.",
                    pytrace=False)
    pytest.skip(f"real peer program missing: {wanted}")


def make_peer(name: str, aet: str, host: str, port: int, **extra) -> PeerConfig:
    """The program's settings.PeerConfig for a peer."""
    return PeerConfig(name=name, aet=aet, host=host, port=port, **extra)


def _wait_port(port: int, proc: subprocess.Popen, log_path: Path, what: str, timeout: float = 20) -> None:
    """Wait until something accepts TCP connections on `port`, or raise with the log tail."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with code {proc.returncode}:\n{_tail(log_path)}")
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{what} did not open port {port} within {timeout}s:\n{_tail(log_path)}")


def _check_alive(proc: subprocess.Popen, log_path: Path, what: str) -> None:
    """Raise if the server died right after its port answered (someone else held the port)."""
    time.sleep(0.2)
    if proc.poll() is not None:
        raise RuntimeError(f"{what} exited with code {proc.returncode}:\n{_tail(log_path)}")


def _tail(path: Path, lines: int = 30) -> str:
    """The last lines of a log file, for error messages."""
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def _start(cmd: list[str], log_path: Path, cwd: Path, env: Mapping[str, str] | None = None) -> subprocess.Popen:
    """Start a server in its own process group with output into `log_path`; `env` adds variables."""
    with open(log_path, "ab") as out:
        return subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, cwd=cwd,
                                stdin=subprocess.DEVNULL, start_new_session=True,
                                env={**os.environ, **env} if env else None)


def _stop(proc: subprocess.Popen | None, timeout: float = 10) -> None:
    """Stop a server started by `_start` (and any children it forked)."""
    if proc is None or proc.poll() is not None:
        return
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def _as_bytes(item: Path | str | bytes | Dataset) -> bytes:
    """A DICOM file's bytes from a path, raw bytes or a dataset."""
    if isinstance(item, bytes):
        return item
    if isinstance(item, Dataset):
        return synthdata.to_bytes(item)
    return Path(item).read_bytes()


def _expand(items: Iterable[Path | str | bytes | Dataset]) -> list:
    """Paths to folders become the .dcm files under them; everything else passes through."""
    out: list = []
    for item in items:
        if isinstance(item, (str, Path)) and Path(item).is_dir():
            out.extend(sorted(p for p in Path(item).rglob("*") if p.is_file()))
        else:
            out.append(item)
    return out


# ----------------------------------------------------------------------------- Orthanc

class _Server:
    """What every server here shares: `stop()` ends its process group; `with` starts and stops."""
    proc: subprocess.Popen | None = None

    def start(self) -> "_Server":
        raise NotImplementedError

    def stop(self) -> None:
        """Stop the program and any children it forked."""
        _stop(self.proc)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class OrthancServer(_Server):
    """A real Orthanc on loopback with a config written for the test.

    `modalities` maps a modality name to (aet, host, port); SELF_AET at `self_port` is always
    registered so find/move from the tests are accepted. `config` entries override the defaults;
    `env` adds environment variables (e.g. {"TCP_NODELAY": "1"} for DCMTK's network layer inside it).
    `limit_find_results` caps each C-FIND answer (Orthanc's LimitFindResults; 0: no cap): Orthanc
    1.10 sends that many matches, then the status Cancel (0xFE00).
    """

    def __init__(self, workdir: Path, *, aet: str = "ORTHANC", self_port: int | None = None,
                 modalities: Mapping[str, tuple[str, str, int]] | None = None,
                 config: Mapping[str, object] | None = None, env: Mapping[str, str] | None = None,
                 limit_find_results: int = 0):
        self.workdir = Path(workdir)
        self.limit_find_results = int(limit_find_results)
        self.env = dict(env or {})
        self.aet = aet
        self.self_aet = SELF_AET
        self.self_port = self_port or free_port()
        self.http_port = free_port()
        self.dicom_port = free_port()
        self.modalities = {SELF_AET: (SELF_AET, HOST, self.self_port), **dict(modalities or {})}
        self.overrides = dict(config or {})
        self.log_path = self.workdir / "orthanc.log"
        self.proc: subprocess.Popen | None = None

    @property
    def rest(self) -> str:
        """Base URL of the REST API."""
        return f"http://{HOST}:{self.http_port}"

    @property
    def peer(self):
        """This Orthanc as a PeerConfig named "ORTHANC"."""
        return make_peer("ORTHANC", self.aet, HOST, self.dicom_port)

    def config(self) -> dict:
        """The Orthanc JSON configuration this server runs with."""
        storage = self.workdir / "storage"
        cfg = {
            "Name": "MID test Orthanc", "StorageDirectory": str(storage), "IndexDirectory": str(storage),
            "StorageCompression": False, "Plugins": [], "LuaScripts": [],
            "HttpServerEnabled": True, "HttpPort": self.http_port, "RemoteAccessAllowed": False,
            "AuthenticationEnabled": False, "OrthancExplorerEnabled": False, "WebDavEnabled": False,
            "HttpCompressionEnabled": False,
            "DicomServerEnabled": True, "DicomAet": self.aet, "DicomPort": self.dicom_port,
            "DicomCheckCalledAet": False, "DicomCheckModalityHost": False,
            "DicomModalities": {n: list(v) for n, v in self.modalities.items()},
            "DicomModalitiesInDatabase": False, "DicomAssociationCloseDelay": 0,
            "DicomScuTimeout": 10, "DicomScpTimeout": 30, "SaveJobs": False,
            "SyncStorageArea": False, "ConcurrentJobs": 4, "DicomThreadsCount": 8,
            "UnknownSopClassAccepted": True, "OverwriteInstances": False, "MetricsEnabled": False,
            "LimitFindResults": self.limit_find_results,
        }
        cfg.update(self.overrides)
        return cfg

    dimse = True          # whether its DICOM port is on (a DICOMweb-only Orthanc has it off)

    def _binary(self) -> str:
        binary = resolve_tool(ORTHANC_TOOLS["Orthanc"])
        if binary is None:
            raise RuntimeError("Orthanc is not installed (Debian package orthanc)")
        return binary

    def start(self) -> "OrthancServer":
        """Write the config, start Orthanc and wait until REST and (when on) DICOM ports answer."""
        binary = self._binary()
        self.workdir.mkdir(parents=True, exist_ok=True)
        for attempt in range(START_ATTEMPTS):
            cfg_path = self.workdir / "orthanc.json"
            cfg_path.write_text(json.dumps(self.config(), indent=1))
            self.proc = _start([binary, str(cfg_path)], self.log_path, self.workdir, self.env)
            try:
                self._wait_rest()
                if self.dimse:
                    _wait_port(self.dicom_port, self.proc, self.log_path, "Orthanc DICOM")
                _check_alive(self.proc, self.log_path, "Orthanc")
                return self
            except RuntimeError:
                _stop(self.proc)
                if attempt == START_ATTEMPTS - 1:
                    raise
                self.http_port, self.dicom_port = free_port(), free_port()   # a port was taken
        return self

    def _wait_rest(self, timeout: float = 30) -> None:
        """Poll GET /system until Orthanc answers."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Orthanc exited with code {self.proc.returncode}:\n{_tail(self.log_path)}")
            try:
                self.get("/system")
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        raise RuntimeError(f"Orthanc REST did not answer within {timeout}s:\n{_tail(self.log_path)}")

    # REST helpers
    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json"):
        """One REST call; returns the decoded JSON answer (or None for an empty one)."""
        req = urllib.request.Request(self.rest + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", content_type)
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = resp.read()
        return json.loads(data) if data else None

    def get(self, path: str):
        """GET a REST path as JSON."""
        return self.request("GET", path)

    def upload(self, items: Iterable[Path | str | bytes | Dataset], workers: int = 4) -> int:
        """Store files (paths, folders, bytes or datasets) through REST POST /instances.

        Returns how many were accepted (new or already stored); raises on any refusal.
        """
        files = _expand(items)

        def post(item) -> str:
            answer = self.request("POST", "/instances", _as_bytes(item), "application/dicom")
            return answer.get("Status", "?")

        with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
            statuses = list(pool.map(post, files))
        bad = [s for s in statuses if s not in ("Success", "AlreadyStored")]
        if bad:
            raise RuntimeError(f"Orthanc refused {len(bad)} of {len(files)} uploads: {bad[:3]}")
        return len(statuses)

    def statistics(self) -> dict:
        """GET /statistics (CountPatients, CountStudies, CountSeries, CountInstances, ...)."""
        return self.get("/statistics")

    def count_instances(self) -> int:
        """Instances stored right now."""
        return int(self.statistics()["CountInstances"])

    def set_modality(self, name: str, aet: str, host: str = HOST, port: int = 0) -> None:
        """Register (or replace) a modality at run time, e.g. a test's own Storage SCP."""
        body = json.dumps({"AET": aet, "Host": host, "Port": int(port)}).encode()
        self.request("PUT", f"/modalities/{name}", body)
        self.modalities[name] = (aet, host, int(port))

    def remove_modality(self, name: str) -> None:
        """Forget a modality registered with set_modality."""
        self.request("DELETE", f"/modalities/{name}")
        self.modalities.pop(name, None)

    def clear(self) -> None:
        """Delete every patient (and so every instance)."""
        for pid in self.get("/patients"):
            self.request("DELETE", f"/patients/{pid}")


class DicomWebOrthanc(OrthancServer):
    """Orthanc with its DICOMweb plugin at /dicom-web, HTTP basic auth on (`user`, `password`)
    and, unless `dimse=True`, its DIMSE port off: a peer reached by QIDO-RS and WADO-RS only."""

    def __init__(self, workdir: Path, *, user: str = "mid", password: str = "web-secret-4711",
                 dimse: bool = False, auth: bool = True, **kwargs):
        super().__init__(workdir, **kwargs)
        self.user, self.password, self.dimse, self.auth = user, password, dimse, auth

    @property
    def url(self) -> str:
        """The DICOMweb base address."""
        return f"{self.rest}/dicom-web"

    def web_peer(self, name: str = "ORTHANC WEB", password_env: str = "MID_TEST_WEB_PASSWORD", **extra):
        """This Orthanc as a DICOMweb PeerConfig; the password is read from `password_env`."""
        auth = dict(username=self.user, password_env=password_env) if self.auth else {}
        return PeerConfig(name=name, aet="", host=HOST, port=0, protocol="dicomweb", url=self.url,
                          **{**auth, **extra})

    def config(self) -> dict:
        cfg = super().config()
        cfg.update({"Plugins": [resolve_tool(DICOMWEB_TOOLS["libOrthancDicomWeb.so"])],
                    "DicomWeb": {"Enable": True, "Root": "/dicom-web/", "EnableWado": False},
                    "AuthenticationEnabled": self.auth, "RegisteredUsers": {self.user: self.password},
                    "DicomServerEnabled": self.dimse})
        cfg.update(self.overrides)
        return cfg

    def _binary(self) -> str:
        binary = resolve_tool(ORTHANC_TOOLS["Orthanc"])
        if binary is None or missing_tools(DICOMWEB_TOOLS):
            raise RuntimeError("Orthanc or its DICOMweb plugin is not installed (orthanc, orthanc-dicomweb)")
        return binary

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str = "application/json"):
        req = urllib.request.Request(self.rest + path, data=body, method=method)
        if body is not None:
            req.add_header("Content-Type", content_type)
        if self.auth:
            token = base64.b64encode(f"{self.user}:{self.password}".encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        with urllib.request.urlopen(req, timeout=60) as resp:
            data = resp.read()
        return json.loads(data) if data else None


# ----------------------------------------------------------------------------- dcmqrscp

#: the transfer syntaxes an archive started with accept_compressed=True takes, most wanted first
ARCHIVE_SYNTAXES = (ExplicitVRLittleEndian, ImplicitVRLittleEndian, ExplicitVRBigEndian,
                    JPEGBaseline8Bit, JPEGExtended12Bit, JPEGLossless, JPEGLosslessSV1, JPEGLSLossless,
                    JPEGLSNearLossless, JPEG2000Lossless, JPEG2000, RLELossless, DeflatedExplicitVRLittleEndian)

#: storescu's option that proposes a file's compressed transfer syntax (beside the uncompressed ones)
STORESCU_PROPOSE = {JPEGBaseline8Bit: "-xy", JPEGExtended12Bit: "-xx", JPEGLosslessSV1: "-xs",
                    JPEGLSLossless: "-xt", JPEGLSNearLossless: "-xu", JPEG2000Lossless: "-xv",
                    JPEG2000: "-xw", RLELossless: "-xr", DeflatedExplicitVRLittleEndian: "-xd"}

DCMTK_ENV = {"TCP_NODELAY": "1"}


class DcmqrscpServer(_Server):
    """DCMTK's dcmqrscp archive on loopback.

    `destinations` maps an AE title to (host, port): the AEs it may C-MOVE to. The config
    cannot change while it runs, so a test needing another destination starts its own.
    `self_port` is the port given for SELF_AET ("MID_SCU") in `destinations`, else None.
    accept_compressed=True: an archive that takes and keeps compressed images as they come (JPEG,
    JPEG-LS, JPEG 2000, RLE; ARCHIVE_SYNTAXES), through an association profile (-xf); by default
    dcmqrscp accepts uncompressed images only. Like every dcmqrscp it cannot transcode: it sends an
    image in the transfer syntax it stored, on the first presentation context accepted for its SOP
    class (DCMTK 3.6.7, dcmqrcbg.cc).
    """

    def __init__(self, workdir: Path, destinations: Mapping[str, tuple[str, int]] | None = None,
                 *, aet: str = "DCMQRSCP", port: int | None = None, max_associations: int = 16,
                 accept_compressed: bool = False):
        self.workdir = Path(workdir)
        self.aet = aet
        self.accept_compressed = accept_compressed
        self._fixed_port = bool(port)
        self.port = port or free_port()
        self.destinations = dict(destinations or {})
        self.self_aet = SELF_AET                                  # the tests' own AE, if listed
        self.self_port = self.destinations.get(SELF_AET, (None, None))[1]
        self.max_associations = max_associations
        self.archive = self.workdir / "archive"
        self.log_path = self.workdir / "dcmqrscp.log"
        self.proc: subprocess.Popen | None = None

    @property
    def peer(self):
        """This archive as a PeerConfig named "DCMQRSCP"."""
        return make_peer("DCMQRSCP", self.aet, HOST, self.port)

    @property
    def dicom_port(self) -> int:
        """Same as `port`, named like OrthancServer's."""
        return self.port

    def config(self) -> str:
        """The dcmqrscp.cfg text."""
        hosts = "\n".join(f"peer{i} = ({aet}, {host}, {port})"
                          for i, (aet, (host, port)) in enumerate(self.destinations.items()))
        return (f"NetworkTCPPort = {self.port}\nMaxPDUSize = 16384\n"
                f"MaxAssociations = {self.max_associations}\n\n"
                f"HostTable BEGIN\n{hosts}\nHostTable END\n\n"
                "VendorTable BEGIN\nVendorTable END\n\n"
                f"AETable BEGIN\n{self.aet} {self.archive} RW (500, 1024mb) ANY\nAETable END\n")

    def association_profiles(self) -> str:
        """The -xf file of accept_compressed: "Archive" for incoming associations (pynetdicom's common
        storage classes in ARCHIVE_SYNTAXES, either role, so storescu stores and a C-GET receives),
        "Out" for its own (C-MOVE: the same classes, uncompressed). DCMTK reads at most 128 contexts
        into one list."""
        syntaxes = "\n".join(f"TransferSyntax{i} = {uid}" for i, uid in enumerate(ARCHIVE_SYNTAXES, 1))
        uncompressed = "\n".join(f"TransferSyntax{i} = {uid}" for i, uid in enumerate(ARCHIVE_SYNTAXES[:3], 1))
        classes = sorted({cx.abstract_syntax for cx in StoragePresentationContexts})
        contexts = "\n".join(f"PresentationContext{i} = {uid}\\Archive" for i, uid in enumerate(classes, 1))
        roles = "\n".join(f"Role{i} = {uid}\\BOTH" for i, uid in enumerate(classes, 1))
        out = "\n".join(f"PresentationContext{i} = {uid}\\Uncompressed" for i, uid in enumerate(classes, 1))
        return (f"[[TransferSyntaxes]]\n[Archive]\n{syntaxes}\n[Uncompressed]\n{uncompressed}\n\n"
                f"[[PresentationContexts]]\n[ArchiveContexts]\n{contexts}\n[OutContexts]\n{out}\n\n"
                f"[[SCPSCURoleSelection]]\n[ArchiveRoles]\n{roles}\n\n"
                "[[Profiles]]\n[Archive]\nPresentationContexts = ArchiveContexts\n"
                "SCPSCURoleSelection = ArchiveRoles\n[Out]\nPresentationContexts = OutContexts\n")

    def start(self) -> "DcmqrscpServer":
        """Write the config, start dcmqrscp and wait until it listens."""
        self.archive.mkdir(parents=True, exist_ok=True)
        cfg = self.workdir / "dcmqrscp.cfg"
        profiles: list[str] = []
        if self.accept_compressed:
            (self.workdir / "associations.cfg").write_text(self.association_profiles())
            profiles = ["-xf", str(self.workdir / "associations.cfg"), "Archive", "Out"]
        for attempt in range(START_ATTEMPTS):
            cfg.write_text(self.config())
            cmd = [DCMTK_TOOLS["dcmqrscp"][0], "-dhl", *profiles, "-c", str(cfg), str(self.port)]
            self.proc = _start(cmd, self.log_path, self.workdir, env=DCMTK_ENV)
            try:
                _wait_port(self.port, self.proc, self.log_path, "dcmqrscp")
                _check_alive(self.proc, self.log_path, "dcmqrscp")
                return self
            except RuntimeError:
                _stop(self.proc)
                if attempt == START_ATTEMPTS - 1 or self._fixed_port:
                    raise
                self.port = free_port()                               # the port was taken
        return self

    def load(self, items: Iterable[Path | str | Dataset], calling_aet: str = "MID_LOADER") -> int:
        """Store files (paths, folders or datasets) into the archive with DCMTK storescu.

        Into an archive started with accept_compressed=True, compressed files go in their own transfer
        syntax (storescu proposes it, STORESCU_PROPOSE), which the archive keeps."""
        files = _expand(items)
        paths = self._as_paths(files)
        by_option: dict[str, list[Path]] = {}
        for path in paths:
            option = self._propose_option(path) if self.accept_compressed else ""
            by_option.setdefault(option, []).append(path)
        done = 0
        for option, group in by_option.items():
            for start in range(0, len(group), 200):     # keep the command line short
                chunk = [str(p) for p in group[start:start + 200]]
                cmd = [DCMTK_TOOLS["storescu"][0], *([option] if option else []), "-aet", calling_aet,
                       "-aec", self.aet, "-R", HOST, str(self.port), *chunk]
                result = subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                                        env={**os.environ, **DCMTK_ENV})
                if result.returncode != 0:
                    raise RuntimeError(f"storescu into dcmqrscp failed ({result.returncode}):\n"
                                       f"{result.stderr[-2000:]}")
                done += len(chunk)
        return done

    @staticmethod
    def _propose_option(path: Path) -> str:
        """storescu's option for the file's transfer syntax: "" for an uncompressed (or unreadable) file."""
        try:
            syntax = dcmread(path, stop_before_pixels=True).file_meta.get("TransferSyntaxUID")
        except Exception:  # noqa: BLE001 - storescu itself says what is wrong with the file
            return ""
        return STORESCU_PROPOSE.get(syntax, "")

    def _as_paths(self, files: list) -> list[Path]:
        """Datasets and bytes are written into the work folder first; paths pass through."""
        out = []
        staging = self.workdir / "staging"
        for n, item in enumerate(files):
            if isinstance(item, (str, Path)):
                out.append(Path(item))
                continue
            staging.mkdir(exist_ok=True)
            path = staging / f"{time.monotonic_ns()}_{n}.dcm"
            path.write_bytes(_as_bytes(item))
            out.append(path)
        return out


# ----------------------------------------------------------------------------- Xvfb

class XvfbServer(_Server):
    """A virtual X display for GUI tests; Xvfb picks a free display number itself."""

    def __init__(self, workdir: Path, screen: str = "1280x1024x24"):
        self.workdir = Path(workdir)
        self.screen = screen
        self.display: str | None = None
        self.log_path = self.workdir / "xvfb.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 15) -> "XvfbServer":
        """Start Xvfb and wait until it reports its display number."""
        binary = resolve_tool(XVFB_TOOLS["Xvfb"])
        if binary is None:
            raise RuntimeError("Xvfb is not installed (Debian package xvfb)")
        self.workdir.mkdir(parents=True, exist_ok=True)
        read_fd, write_fd = os.pipe()
        with open(self.log_path, "ab") as out:
            self.proc = subprocess.Popen(
                [binary, "-displayfd", str(write_fd), "-screen", "0", self.screen,
                 "-nolisten", "tcp", "-noreset"],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                pass_fds=(write_fd,), start_new_session=True)
        os.close(write_fd)
        self.display = ":" + self._read_display(read_fd, timeout)
        return self

    def _read_display(self, fd: int, timeout: float) -> str:
        """Read the display number Xvfb writes to the -displayfd pipe."""
        import select
        data = b""
        deadline = time.monotonic() + timeout
        try:
            while not data.endswith(b"\n") and time.monotonic() < deadline:
                ready, _, _ = select.select([fd], [], [], 0.2)
                if ready:
                    chunk = os.read(fd, 64)
                    if not chunk:
                        break
                    data += chunk
        finally:
            os.close(fd)
        if not data.strip():
            self.stop()
            raise RuntimeError(f"Xvfb did not start:\n{_tail(self.log_path)}")
        return data.decode().strip()


# ----------------------------------------------------------------------------- DICOM TLS

OPENSSL = "/usr/bin/openssl"
OPENSSL_TOOLS: dict[str, tuple[str, ...]] = {"openssl": (OPENSSL,)}

_OPENSSL_CONFIG = """[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[leaf]
basicConstraints = CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth,clientAuth
subjectAltName = IP:127.0.0.1
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
"""


@dataclass(frozen=True)
class TestCerts:
    """PEM files made by `make_test_certs` (never committed): a CA and the certificates it signed
    for Orthanc and for us, an unrelated CA with a certificate of ours it signed, an expired
    certificate, and our key protected by the password `key_password`."""
    __test__ = False          # not a test class, despite its name
    folder: Path
    ca: Path
    orthanc_cert: Path
    orthanc_key: Path
    mid_cert: Path
    mid_key: Path
    other_ca: Path
    other_mid_cert: Path
    expired_cert: Path
    mid_key_encrypted: Path
    key_password: str = "test-key-password"


def _openssl(folder: Path, *args: str) -> None:
    result = subprocess.run([OPENSSL, *args], cwd=folder, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        raise RuntimeError(f"openssl {' '.join(args[:2])} failed:\n{result.stderr[-2000:]}")


def make_test_certs(folder: Path) -> TestCerts:
    """Make the test certificates with /usr/bin/openssl. Every leaf names IP 127.0.0.1 (its
    subjectAltName) and may serve as a TLS server or client; they are valid for 3 days, except
    the expired one, whose validity ended when it began."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    cnf = folder / "openssl.cnf"
    cnf.write_text(_OPENSSL_CONFIG)

    def ca(name: str, cn: str) -> None:
        _openssl(folder, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", f"{name}.key",
                 "-out", f"{name}.pem", "-days", "3", "-subj", f"/CN={cn}", "-config", str(cnf),
                 "-extensions", "ca")

    def leaf(name: str, key: str, signer: str, serial: int, days: str = "3") -> None:
        if not (folder / key).exists():
            _openssl(folder, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key)
        _openssl(folder, "req", "-new", "-key", key, "-out", f"{name}.csr", "-subj", f"/CN={name} 127.0.0.1",
                 "-config", str(cnf))
        _openssl(folder, "x509", "-req", "-in", f"{name}.csr", "-CA", f"{signer}.pem", "-CAkey", f"{signer}.key",
                 "-set_serial", str(serial), "-days", days, "-out", f"{name}.pem", "-extfile", str(cnf),
                 "-extensions", "leaf")

    ca("ca", "MID Test CA")
    ca("other_ca", "Unrelated Test CA")
    leaf("orthanc", "orthanc.key", "ca", 2)
    leaf("mid", "mid.key", "ca", 3)
    leaf("other_mid", "mid.key", "other_ca", 4)
    leaf("expired", "orthanc.key", "ca", 5, days="-1")
    certs = TestCerts(folder, folder / "ca.pem", folder / "orthanc.pem", folder / "orthanc.key",
                      folder / "mid.pem", folder / "mid.key", folder / "other_ca.pem", folder / "other_mid.pem",
                      folder / "expired.pem", folder / "mid_encrypted.key")
    _openssl(folder, "pkey", "-in", "mid.key", "-aes256", "-passout", f"pass:{certs.key_password}",
             "-out", certs.mid_key_encrypted.name)
    return certs


def orthanc_tls_config(certs: TestCerts, self_port: int, *, require_client_cert: bool = True,
                       trusted: Path | None = None) -> dict:
    """Orthanc config entries for DICOM TLS on its DICOM port (Orthanc 1.9+ option names): its
    certificate and key, the certificates it trusts (the test CA unless `trusted`), whether a
    client certificate is required, and our AE as a modality it reaches over TLS ("UseDicomTls")."""
    return {
        "DicomTlsEnabled": True,
        "DicomTlsCertificate": str(certs.orthanc_cert),
        "DicomTlsPrivateKey": str(certs.orthanc_key),
        "DicomTlsTrustedCertificates": str(trusted or certs.ca),
        "DicomTlsRemoteCertificateRequired": require_client_cert,
        "DicomModalities": {SELF_AET: {"AET": SELF_AET, "Host": HOST, "Port": int(self_port), "UseDicomTls": True}},
    }
