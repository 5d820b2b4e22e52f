"""config/ healing, validation and saving (settings.py), on temporary config folders."""
from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from mid import configfiles, settings
from mid.settings import (SELF, ConfigNotice, DropRule, PeerConfig, UserDefaults, is_known_keyword,
                      load_settings, save_peers, save_user_defaults, validate_ae_title,
                      validate_host, validate_port)

REPO = Path(__file__).resolve().parent.parent
BROKEN_RE = r"\.broken-\d{8}-\d{6}\.json"
SHIPPED = settings.shipped_defaults()


def write(path: Path, data) -> None:
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def notices_for(s: settings.Settings, file: str) -> list[ConfigNotice]:
    return [n for n in s.notices if n.file == file]


@pytest.fixture
def cfg(tmp_path: Path) -> Path:
    """A config folder filled with defaults by a first load."""
    d = tmp_path / "config"
    load_settings(d)
    return d


# ------------------------------------------------------------------------------- missing files

def test_missing_files_are_created_with_defaults(tmp_path):
    d = tmp_path / "new" / "config"
    s = load_settings(d)
    assert sorted(p.name for p in d.iterdir()) == sorted(settings.CONFIG_FILES)
    assert s.notices == []
    assert set(s.peers) == {SELF, "DEMO PACS"}
    assert s.self_peer == PeerConfig(SELF, "MID_SCU", "0.0.0.0", 11112)
    assert s.peers["DEMO PACS"].aet == "DEMO_PACS" and s.peers["DEMO PACS"].port == 11113
    assert read(d / "query_identifiers.json")["QUERY_IDENTIFIERS"][:3] == ["PatientID", "StudyDate",
                                                                          "AccessionNumber"]
    assert read(d / "anon_vrs.json") == ["DT", "DA", "TM", "UI", "PN", "SQ"]
    assert read(d / "excel_headings.json")["PatientID"] == ["MRN", "Patient ID", "Medical Record Number"]
    assert read(d / "tags.json") == {}
    assert s.anon_imgs == {"Modality": ["SR"], "SeriesDescription": ["Summary", "Report", "Outside", "Text"],
                           "SeriesNumber": ["999"]}
    assert s.defaults == UserDefaults()
    assert read(d / "user_defaults.json")["report_suffixes"]["failed"] == "_6_FAILED_TRANSFERS"


def test_only_the_missing_file_is_recreated(cfg):
    write(cfg / "peers.json", {SELF: {"peer_aet": "ME", "peer_ip": "127.0.0.1", "peer_port": 4242}})
    (cfg / "anon_vrs.json").unlink()
    s = load_settings(cfg)
    assert (cfg / "anon_vrs.json").exists()
    assert s.self_peer.aet == "ME" and set(s.peers) == {SELF}
    assert s.notices == []


def test_every_default_keyword_is_known(cfg):
    s = load_settings(cfg)
    for kw in [*s.query_identifiers, *s.query_tags, *s.anon_tags, *s.anon_imgs,
               *s.defaults.default_legend_tags]:
        assert is_known_keyword(kw, {}), kw
    assert set(s.excel_headings) - set(settings.PSEUDO_COLUMNS) <= set(s.query_tags)


def test_default_settings_match_a_fresh_load(tmp_path):
    loaded = load_settings(tmp_path / "c")
    mem = settings.default_settings(tmp_path / "c")
    assert mem.peers == loaded.peers and mem.defaults == loaded.defaults
    assert mem.query_tags == loaded.query_tags and mem.anon_tags == loaded.anon_tags
    assert not (tmp_path / "other").exists()


# ------------------------------------------------------------------------------- broken files

def test_broken_json_is_renamed_replaced_and_reported_with_line_and_column(cfg, caplog):
    bad = '{\n  "QUERY_TAGS": [\n    "PatientID",\n  ]\n}\n'
    write(cfg / "query.json", bad)
    with caplog.at_level(logging.WARNING, logger="mid.settings"):
        s = load_settings(cfg)
    kept = [p for p in cfg.iterdir() if p.name.startswith("query.broken-")]
    assert len(kept) == 1 and re.fullmatch("query" + BROKEN_RE, kept[0].name)
    assert kept[0].read_text(encoding="utf-8") == bad
    assert read(cfg / "query.json") == SHIPPED["query.json"]
    (n,) = notices_for(s, "query.json")
    assert n.renamed_to == kept[0].name
    assert "line 4, column 3" in n.message
    assert s.query_tags == SHIPPED["query.json"]["QUERY_TAGS"]
    assert any("query.json" in r.getMessage() and "line 4" in r.getMessage() and r.levelno == logging.WARNING
               for r in caplog.records)


def test_empty_and_non_utf8_files_are_broken(cfg):
    write(cfg / "anon_vrs.json", "")
    (cfg / "anon_tags.json").write_bytes(b'["Patient\xff"]')
    s = load_settings(cfg)
    assert "line 1, column 1" in notices_for(s, "anon_vrs.json")[0].message
    assert "UTF-8" in notices_for(s, "anon_tags.json")[0].message
    assert s.anon_vrs == ["DT", "DA", "TM", "UI", "PN", "SQ"]
    assert len(list(cfg.glob("anon_tags.broken-*.json"))) == 1


def test_utf8_bom_is_accepted(cfg):
    (cfg / "anon_vrs.json").write_bytes(b'\xef\xbb\xbf["PN"]')
    s = load_settings(cfg)
    assert s.anon_vrs == ["PN"] and s.notices == []


@pytest.mark.parametrize("file, content, words", [
    ("query_identifiers.json", ["PatientID"], "QUERY_IDENTIFIERS"),
    ("query_identifiers.json", {"QUERY_IDENTIFIERS": "PatientID"}, "must be a list"),
    ("peers.json", [], "must be an object"),
    ("peers.json", {SELF: "MID_SCU"}, "must be an object"),
    ("excel_headings.json", {"PatientID": "MRN"}, "must be a list"),
    ("anon_imgs.json", {"Modality": ["SR", ["CT"]]}, "neither text nor an object"),
    ("anon_tags.json", 42, "must be a list"),
    ("user_defaults.json", ["workers", 4], "must be an object"),
    ("tags.json", {"MyTag": "(0011,0010)"}, "must be an object"),
])
def test_wrong_shape_is_broken(cfg, file, content, words):
    write(cfg / file, content)
    s = load_settings(cfg)
    (n,) = notices_for(s, file)
    assert words in n.message and n.renamed_to and re.fullmatch(Path(file).stem + BROKEN_RE, n.renamed_to)
    assert read(cfg / n.renamed_to) == content
    assert read(cfg / file) == settings._specs()[file].default()


@pytest.mark.parametrize("file, content, words", [
    ("peers.json", {"DEMO PACS": {"peer_aet": "DEMO_PACS", "peer_ip": "127.0.0.1", "peer_port": 11113}},
     "'<SELF>'"),
    ("query.json", {"TAGS": ["PatientID"]}, "QUERY_TAGS"),
    ("query_identifiers.json", {"QUERY_IDENTIFIERS": []}, "empty"),
])
def test_missing_required_value_is_broken(cfg, file, content, words):
    write(cfg / file, content)
    s = load_settings(cfg)
    (n,) = notices_for(s, file)
    assert words in n.message and n.renamed_to
    assert read(cfg / n.renamed_to) == content
    assert read(cfg / file) == settings._specs()[file].default()


WEIRD = [None, 0, 1.5, True, "", "text", [], {}, [None], [[]], [{}], {"x": None}, {"x": [None]},
         {"x": {"value": None}}, {"x": {"tag": None, "vr": None}}, {"QUERY_TAGS": None},
         {"QUERY_IDENTIFIERS": [1]}, {SELF: {"peer_aet": None, "peer_ip": None, "peer_port": None}},
         {SELF: {"peer_aet": "ME", "peer_ip": "0.0.0.0", "peer_port": 1}, "x": {"peer_aet": [], "peer_ip": {},
                                                                            "peer_port": [], "query_model": []}},
         {"workers": None, "report_suffixes": [], "default_legend_tags": {}, "storage_root": 5}]


@pytest.mark.parametrize("content", WEIRD, ids=[json.dumps(w)[:30] for w in WEIRD])
def test_load_never_raises_and_always_has_self(cfg, content):
    for name in settings.CONFIG_FILES:
        write(cfg / name, content)
    s = load_settings(cfg)
    assert s.self_peer.aet and 1 <= s.self_peer.port <= 65535
    assert s.query_identifiers and all(is_known_keyword(k, s.extra_tags) for k in s.search_tags)
    assert isinstance(s.defaults.workers, int) and s.defaults.workers >= 1
    assert all(isinstance(v, str) for vals in s.anon_imgs.values() for v in vals)
    assert sorted(settings.CONFIG_FILES) == sorted(p.name for p in cfg.iterdir() if ".broken-" not in p.name)


def test_invalid_self_counts_as_broken(cfg):
    content = {SELF: {"peer_aet": "A" * 17, "peer_ip": "0.0.0.0", "peer_port": 11112},
               "PACS": {"peer_aet": "PACS", "peer_ip": "10.0.0.5", "peer_port": 104}}
    write(cfg / "peers.json", content)
    s = load_settings(cfg)
    (n,) = notices_for(s, "peers.json")
    assert "'<SELF>' entry is invalid" in n.message and "17 characters" in n.message
    assert read(cfg / n.renamed_to) == content
    assert s.self_peer.aet == "MID_SCU"


class _FixedClock:
    """Stands in for the datetime module inside settings: now() is always the same second."""
    class datetime(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return cls(2030, 1, 2, 3, 4, 5)


def test_second_break_in_the_same_second_keeps_the_first(cfg, monkeypatch):
    monkeypatch.setattr(configfiles, "_dt", _FixedClock)
    contents = ["{ first", "{ second", "{ third"]
    for text in contents:
        write(cfg / "peers.json", text)
        load_settings(cfg)
    names = ["peers.broken-20300102-030405.json", "peers.broken-20300102-030405-1.json",
             "peers.broken-20300102-030405-2.json"]
    assert [(cfg / n).read_text(encoding="utf-8") for n in names] == contents
    assert read(cfg / "peers.json") == SHIPPED["peers.json"]


def test_broken_file_that_cannot_be_renamed_is_left_untouched(cfg, monkeypatch):
    def refuse(src, dst):
        raise PermissionError("read-only folder")
    monkeypatch.setattr(configfiles, "_move_no_clobber", refuse)
    write(cfg / "anon_vrs.json", "[oops")
    s = load_settings(cfg)
    assert (cfg / "anon_vrs.json").read_text(encoding="utf-8") == "[oops"
    assert "left as it is" in notices_for(s, "anon_vrs.json")[0].message
    assert s.anon_vrs == SHIPPED["anon_vrs.json"]


# ------------------------------------------------------------------------------- deletions, optional keys

def test_deleted_peer_and_alias_stay_deleted(cfg):
    peers = read(cfg / "peers.json")
    del peers["DEMO PACS"]
    write(cfg / "peers.json", peers)
    headings = read(cfg / "excel_headings.json")
    headings["PatientID"].remove("MRN")
    del headings["Exact"]
    write(cfg / "excel_headings.json", headings)
    for _ in range(2):
        s = load_settings(cfg)
        assert set(s.peers) == {SELF}
        assert "MRN" not in s.excel_headings["PatientID"] and "Exact" not in s.excel_headings
        assert s.notices == []
    assert "DEMO PACS" not in read(cfg / "peers.json")
    assert "MRN" not in read(cfg / "excel_headings.json")["PatientID"]


def test_key_written_twice_is_reported(cfg):
    write(cfg / "peers.json", '{"<SELF>": {"peer_aet": "ME", "peer_ip": "0.0.0.0", "peer_port": 11112},\n'
                              ' "PACS": {"peer_aet": "OLD", "peer_ip": "10.0.0.1", "peer_port": 104},\n'
                              ' "PACS": {"peer_aet": "NEW", "peer_ip": "10.0.0.2", "peer_port": 104}}')
    s = load_settings(cfg)
    assert s.peers["PACS"].aet == "NEW"
    (n,) = notices_for(s, "peers.json")
    assert "'PACS' is written more than once" in n.message and n.renamed_to is None


def test_missing_optional_keys_are_filled_in_memory_only(cfg):
    write(cfg / "user_defaults.json", {"workers": 8, "report_suffixes": {"failed": "_FAILED"}})
    write(cfg / "peers.json", {SELF: {"peer_aet": "ME", "peer_ip": "0.0.0.0", "peer_port": 11112},
                               "PACS": {"peer_aet": "PACS", "peer_ip": "10.0.0.5", "peer_port": 104,
                                        "retrieve_method": "get"}})
    before = {p.name: p.read_bytes() for p in cfg.iterdir()}
    s = load_settings(cfg)
    assert s.notices == []
    assert s.defaults.workers == 8 and s.defaults.connect_timeout == 10.0
    assert s.defaults.report_suffixes["failed"] == "_FAILED"
    assert s.defaults.report_suffixes["master_key"] == "_2_MASTER_KEY_LEGEND"
    assert s.peers["PACS"] == PeerConfig("PACS", "PACS", "10.0.0.5", 104, retrieve_method="get")
    assert s.self_peer.query_model == "study" and s.self_peer.max_associations is None
    assert {p.name: p.read_bytes() for p in cfg.iterdir()} == before


def test_invalid_user_default_value_reported_and_default_used(cfg):
    write(cfg / "user_defaults.json", {"workers": "many", "date_order": "ISO", "retries": -1,
                                       "anonymize": "yes", "connect_timeout": "5",
                                       "default_source": "NO SUCH PACS", "wrokers": 2,
                                       "move_idle_timeout": "inf",
                                       "deid_drop_sop_classes": ["1.2.840.10008.5.1.4.1.1.7", "SC"],
                                       "default_legend_tags": ["PatientID", "PatientIDD"]})
    s = load_settings(cfg)
    text = " | ".join(n.message for n in notices_for(s, "user_defaults.json"))
    assert s.defaults.workers == 4 and "workers = 'many'" in text
    assert s.defaults.date_order == "US" and "date_order" in text
    assert s.defaults.retries == 3 and "negative" in text
    assert s.defaults.anonymize is True and s.defaults.connect_timeout == 5.0
    assert s.defaults.default_source == "" and "NO SUCH PACS" in text
    assert "'wrokers'" in text and "Did you mean 'workers'" in text
    assert s.defaults.move_idle_timeout == 120.0 and "finite" in text
    assert s.defaults.deid_drop_sop_classes == ["1.2.840.10008.5.1.4.1.1.7"] and "'SC'" in text
    assert s.defaults.default_legend_tags == ["PatientID"] and "PatientIDD" in text
    assert not list(cfg.glob("user_defaults.broken-*"))


def test_original_programs_files_are_understood(cfg):
    write(cfg / "user_defaults.json", {"default_src": "DEMO PACS", "default_dest": "<SELF>",
                                       "default_prefix_anon": "STUDY_", "default_download_dir": "./downloads/",
                                       "default_suffix_failed": "_6_FAILED"})
    write(cfg / "anon_vrs.json", {"DA": "Date", "PN": "Person Name"})
    write(cfg / "tags.json", {"PatientID": ["0x0010", "0x0020", "LO"],
                              "MyPrivateName": ["0x0019", "0x0010", "LO"]})
    s = load_settings(cfg)
    assert s.notices == []
    assert s.defaults.default_source == "DEMO PACS" and s.defaults.patient_id_prefix == "STUDY_"
    assert s.defaults.report_suffixes["failed"] == "_6_FAILED"
    assert s.anon_vrs == ["DA", "PN"]
    assert s.extra_tags == {"MyPrivateName": {"tag": "(0019,0010)", "vr": "LO", "name": "MyPrivateName"}}


# ------------------------------------------------------------------------------- config location

def test_mid_config_dir_is_honoured(tmp_path, monkeypatch):
    target = tmp_path / "elsewhere"
    monkeypatch.setenv("MID_CONFIG_DIR", str(target))
    assert settings.default_config_dir() == target.resolve()
    s = load_settings()
    assert s.config_dir == target.resolve()
    assert (target / "peers.json").exists()


def test_default_dir_is_beside_main_py_from_any_working_folder(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "MID_CONFIG_DIR"}
    env["PYTHONPATH"] = str(REPO)
    out = subprocess.run([sys.executable, "-c", "from mid import settings; print(settings.default_config_dir())"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, check=True)
    assert Path(out.stdout.strip()) == REPO / "config"
    assert (REPO / "main.py").exists()
    assert not (tmp_path / "config").exists()


# ------------------------------------------------------------------------------- validation

@pytest.mark.parametrize("value, ok", [
    ("MID_SCU", True), ("A", True), ("A" * 16, True), ("  ORTHANC  ", True), ("MY AE", True),
    ("", False), ("    ", False), ("A" * 17, False), ("BAD\\AE", False), ("ÄRZTE", False),
    ("TAB\tAE", False), (104, False), (None, False),
])
def test_ae_title_rules(value, ok):
    msg = validate_ae_title(value)
    assert (msg is None) == ok, msg


@pytest.mark.parametrize("value, ok", [
    (1, True), (104, True), (65535, True), ("104", True), (" 4242 ", True),
    (0, False), (-1, False), (65536, False), ("abc", False), ("", False), (True, False),
    (104.5, False), (None, False),
])
def test_port_rules(value, ok):
    msg = validate_port(value)
    assert (msg is None) == ok, msg


@pytest.mark.parametrize("value, ok", [
    ("127.0.0.1", True), ("0.0.0.0", True), ("::1", True), ("fe80::1", True), ("localhost", True),
    ("pacs.example.org", True), ("pacs-01.hospital.local", True), ("PACS_SRV", True), ("pacs.", True),
    ("", False), ("  ", False), ("256.1.1.1", False), ("1.2.3", False), ("-pacs.org", False),
    ("pacs-.org", False), ("pa cs", False), ("a" * 64 + ".org", False), ("[::1]", False),
    ("http://pacs", False), ("pacs..org", False), (17, False),
])
def test_host_rules(value, ok):
    msg = validate_host(value)
    assert (msg is None) == ok, msg


def test_invalid_peer_is_reported_and_left_out_file_untouched(cfg):
    content = {SELF: {"peer_aet": "ME", "peer_ip": "0.0.0.0", "peer_port": "11112"},
               "GOOD": {"peer_aet": "GOOD", "peer_ip": "pacs.example.org", "peer_port": "104"},
               "BADPORT": {"peer_aet": "X", "peer_ip": "10.0.0.1", "peer_port": 70000},
               "BADAE": {"peer_aet": "", "peer_ip": "10.0.0.1", "peer_port": 104},
               "BADHOST": {"peer_aet": "X", "peer_ip": "10.0.0.999", "peer_port": 104},
               "BADMETHOD": {"peer_aet": "X", "peer_ip": "10.0.0.1", "peer_port": 104,
                             "retrieve_method": "ftp"}}
    write(cfg / "peers.json", content)
    s = load_settings(cfg)
    assert set(s.peers) == {SELF, "GOOD"}
    assert s.self_peer.port == 11112 and s.peers["GOOD"].port == 104
    msgs = {n.message.split("'")[1]: n.message for n in notices_for(s, "peers.json")}
    assert set(msgs) == {"BADPORT", "BADAE", "BADHOST", "BADMETHOD"}
    assert "70000" in msgs["BADPORT"] and "blank" in msgs["BADAE"] and "10.0.0.999" in msgs["BADHOST"]
    assert all(n.renamed_to is None for n in s.notices)
    assert read(cfg / "peers.json") == content


# ------------------------------------------------------------------------------- keywords

@pytest.mark.parametrize("file, content, attr", [
    ("query_identifiers.json", {"QUERY_IDENTIFIERS": ["PatientID", "PatientIDD"]}, "query_identifiers"),
    ("query.json", {"QUERY_TAGS": ["StudyTime", "PatientIDD"]}, "query_tags"),
    ("anon_tags.json", ["PatientID", "PatientIDD"], "anon_tags"),
    ("anon_imgs.json", {"Modality": ["SR"], "PatientIDD": ["x"]}, "anon_imgs"),
    ("excel_headings.json", {"PatientID": ["MRN"], "PatientIDD": ["Chart"]}, "excel_headings"),
])
def test_unknown_keyword_is_reported_and_not_used(cfg, file, content, attr):
    write(cfg / file, content)
    s = load_settings(cfg)
    (n,) = notices_for(s, file)
    assert "'PatientIDD'" in n.message and "Did you mean 'PatientID'" in n.message
    assert n.renamed_to is None
    assert "PatientIDD" not in getattr(s, attr) and "PatientIDD" not in str(getattr(s, attr))
    assert read(cfg / file) == content


def test_tags_json_makes_a_keyword_known(cfg):
    write(cfg / "tags.json", {"ScannerSlot": {"tag": "(0019,1001)", "vr": "LO", "name": "Scanner slot"},
                              "BadVR": {"tag": "(0019,1002)", "vr": "XX"},
                              "BadTag": {"tag": "19-1003", "vr": "LO"},
                              "PatientID": {"tag": "(0011,0020)", "vr": "LO"}})
    write(cfg / "query.json", {"QUERY_TAGS": ["ScannerSlot", "BadVR"]})
    s = load_settings(cfg)
    assert s.query_tags == ["ScannerSlot"]
    assert s.extra_tags == {"ScannerSlot": {"tag": "(0019,1001)", "vr": "LO", "name": "Scanner slot"}}
    assert is_known_keyword("ScannerSlot", s.extra_tags) and not is_known_keyword("ScannerSlot", {})
    tag_msgs = " | ".join(n.message for n in notices_for(s, "tags.json"))
    assert "'BadVR'" in tag_msgs and "'BadTag'" in tag_msgs and "dictionary wins" in tag_msgs
    assert "'BadVR'" in notices_for(s, "query.json")[0].message


def test_all_unknown_identifiers_fall_back_to_defaults_with_notice(cfg):
    write(cfg / "query_identifiers.json", {"QUERY_IDENTIFIERS": ["Nope"]})
    s = load_settings(cfg)
    assert s.query_identifiers == SHIPPED["query_identifiers.json"]["QUERY_IDENTIFIERS"]
    assert len(notices_for(s, "query_identifiers.json")) == 2


def test_both_anon_tags_forms_give_the_same_list(tmp_path):
    grouped, flat = tmp_path / "g", tmp_path / "f"
    load_settings(grouped), load_settings(flat)
    write(grouped / "anon_tags.json", {"LO": ["PatientID", "InstitutionName"], "SH": ["StationName"],
                                       "SQ": ["ReferedPatientSequence"]})
    write(flat / "anon_tags.json", ["PatientID", "InstitutionName", "StationName", "PatientID"])
    g, f = load_settings(grouped), load_settings(flat)
    assert g.anon_tags == f.anon_tags == ["PatientID", "InstitutionName", "StationName"]
    assert "Did you mean 'ReferencedPatientSequence'" in notices_for(g, "anon_tags.json")[0].message


def test_anon_imgs_whole_word_rules(cfg):
    write(cfg / "anon_imgs.json", {"SeriesDescription": ["Report", {"value": "Text", "whole_word": True},
                                                         {"value": "Scout"}, ""],
                                   "SeriesNumber": [999]})
    s = load_settings(cfg)
    assert s.anon_imgs == {"SeriesDescription": ["Report", "Text", "Scout"], "SeriesNumber": ["999"]}
    assert s.drop_rules == (DropRule("SeriesDescription", "Report"), DropRule("SeriesDescription", "Text", True),
                            DropRule("SeriesDescription", "Scout"), DropRule("SeriesNumber", "999"))
    assert "empty rule" in notices_for(s, "anon_imgs.json")[0].message


def test_alias_claimed_twice_is_reported(cfg):
    headings = read(cfg / "excel_headings.json")
    headings["StudyID"] = ["Query ID"]
    write(cfg / "excel_headings.json", headings)
    s = load_settings(cfg)
    assert s.excel_headings["StudyID"] == []
    assert "'Query ID'" in notices_for(s, "excel_headings.json")[0].message


# ------------------------------------------------------------------------------- saving

def test_save_peers_round_trip_keeps_user_keys(cfg):
    peers = read(cfg / "peers.json")
    peers["DEMO PACS"]["comment"] = "the demo"
    write(cfg / "peers.json", peers)
    s = load_settings(cfg)
    new = dict(s.peers)
    new["ARCHIVE"] = PeerConfig("ARCHIVE", "ARCH_QR", "archive.example.org", 4242, query_model="patient",
                                retrieve_method="get", max_associations=2, allow_study_move=False)
    new[SELF] = replace(s.self_peer, aet="NEW_SCU")
    save_peers(cfg, new)
    again = load_settings(cfg)
    assert again.peers == new and again.notices == []
    assert read(cfg / "peers.json")["DEMO PACS"]["comment"] == "the demo"
    del new["DEMO PACS"]
    save_peers(cfg, new)
    assert set(load_settings(cfg).peers) == {SELF, "ARCHIVE"}
    assert not list(cfg.glob(".peers.json.*"))


@pytest.mark.parametrize("change, words", [
    (lambda p: p.pop(SELF), "'<SELF>'"),
    (lambda p: p.__setitem__("X", PeerConfig("X", "A" * 20, "10.0.0.1", 104)), "20 characters"),
    (lambda p: p.__setitem__("X", PeerConfig("X", "XX", "10.0.0.1", 0)), "out of range"),
    (lambda p: p.__setitem__("X", PeerConfig("X", "XX", "bad host", 104)), "'bad host'"),
])
def test_save_peers_refuses_invalid(cfg, change, words):
    before = (cfg / "peers.json").read_bytes()
    peers = dict(load_settings(cfg).peers)
    change(peers)
    with pytest.raises(ValueError, match=re.escape(words)):
        save_peers(cfg, peers)
    assert (cfg / "peers.json").read_bytes() == before


def test_save_user_defaults_round_trip_keeps_unknown_keys(cfg):
    data = read(cfg / "user_defaults.json")
    data["site_note"] = "kept"
    write(cfg / "user_defaults.json", data)
    s = load_settings(cfg)
    new = replace(s.defaults, workers=2, date_order="EU", default_source="DEMO PACS",
                  deid_private_allowlist=["(0019,xx0C)"])
    save_user_defaults(cfg, new)
    again = load_settings(cfg)
    assert again.defaults == new
    assert read(cfg / "user_defaults.json")["site_note"] == "kept"
    assert [n for n in again.notices if "site_note" not in n.message] == []


@pytest.mark.parametrize("changes, words", [
    ({"workers": 0}, "workers = 0"), ({"date_order": "ISO"}, "date_order"),
    ({"uid_root": "2.25.x"}, "uid_root"), ({"default_legend_tags": ["Nope"]}, "Nope"),
    ({"connect_timeout": "soon"}, "connect_timeout"),
])
def test_save_user_defaults_refuses_invalid(cfg, changes, words):
    before = (cfg / "user_defaults.json").read_bytes()
    with pytest.raises(ValueError, match=re.escape(words)):
        save_user_defaults(cfg, replace(UserDefaults(), **changes))
    assert (cfg / "user_defaults.json").read_bytes() == before


def test_settings_helpers(cfg):
    s = load_settings(cfg)
    assert tuple(s.timeouts()) == (10.0, 30.0, 60.0, 60.0)
    assert s.search_tags[: len(s.query_identifiers)] == s.query_identifiers
    assert len(s.search_tags) == len(set(s.search_tags))
    assert set(s.remote_peers) == {"DEMO PACS"}
    with pytest.raises(Exception):
        s.peers = {}   # frozen
    assert settings.broken_name(Path("peers.json"), dt.datetime(2031, 12, 1, 9, 8, 7)) == \
        "peers.broken-20311201-090807.json"


def test_no_module_level_cache(tmp_path):
    a = load_settings(tmp_path / "a")
    write(tmp_path / "a" / "anon_vrs.json", ["PN"])
    assert load_settings(tmp_path / "a").anon_vrs == ["PN"] != a.anon_vrs
    assert not [k for k, v in vars(settings).items()
                if not k.startswith("__") and isinstance(v, (list, dict, set))]


def test_save_anon_imgs_round_trip_with_whole_word_rules(cfg):
    settings.save_anon_imgs(cfg, [DropRule("SeriesDescription", "Report"), DropRule("SeriesDescription", "Text", True),
                                  DropRule("Modality", "SR")])
    on_disk = json.loads((cfg / "anon_imgs.json").read_text())
    assert on_disk["SeriesDescription"] == ["Report", {"value": "Text", "whole_word": True}]
    s = settings.load_settings(cfg)
    assert s.anon_imgs == {"SeriesDescription": ["Report", "Text"], "Modality": ["SR"]}
    assert DropRule("SeriesDescription", "Text", True) in s.drop_rules
    assert not s.notices


@pytest.mark.parametrize("rules, words", [([DropRule("NoSuchKeyword", "x")], "NoSuchKeyword"),
                                          ([DropRule("Modality", "  ")], "empty rule")])
def test_save_anon_imgs_refuses_invalid(cfg, rules, words):
    before = (cfg / "anon_imgs.json").read_text()
    with pytest.raises(ValueError, match=words):
        settings.save_anon_imgs(cfg, rules)
    assert (cfg / "anon_imgs.json").read_text() == before
