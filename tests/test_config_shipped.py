"""The shipped defaults in config/defaults/, how live config files come from them, deep nesting,
and that loading settings leaves the process alone (settings.py)."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mid import anonymizer, reports, settings
from mid.settings import SELF, PeerConfig, UserDefaults, load_settings

REPO = Path(__file__).resolve().parent.parent
SHIPPED_DIR = REPO / "config" / "defaults"

# sha256 of the nine defaults as they were when they lived in Python dicts (mid/config_defaults.py),
# as compact JSON in settings.CONFIG_FILES order: a change of any default value or order shows here.
# Change it only on purpose, together with docs/CONFIG.md.
DEFAULTS_SHA256 = "f5b653e193ee1e2bd3e29cd288e63134700a01d0dbcd26d7c97a139a4eb7553d"


def read(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def shipped_copy(tmp_path, monkeypatch):
    """A copy of config/defaults/ that settings reads instead (its cache emptied before and after)."""
    d = tmp_path / "shipped"
    shutil.copytree(SHIPPED_DIR, d)
    monkeypatch.setattr(settings, "SHIPPED_DEFAULTS_DIR", d)
    settings._shipped_files.cache_clear()
    yield d
    settings._shipped_files.cache_clear()


# ------------------------------------------------------------------------------- the shipped files

def test_config_defaults_holds_the_nine_files_as_indented_json():
    # descriptor_vocabulary.json: read by mid/anonymizer.py itself until settings.py loads it
    assert sorted(p.name for p in SHIPPED_DIR.iterdir()) == sorted([*settings.CONFIG_FILES,
                                                                    "descriptor_vocabulary.json"])
    for name in settings.CONFIG_FILES:
        text = (SHIPPED_DIR / name).read_text(encoding="utf-8")
        data = json.loads(text)
        if data:        # tags.json is {}; the others are readable, one entry a line, 4 spaces
            assert text == json.dumps(data, indent=4, ensure_ascii=False) + "\n", name


#: user_defaults options added after the defaults left Python (the hash covers the rest)
OPTIONS_ADDED_SINCE = {"deid_strict": False, "pixel_checks": True, "pixel_action": "mask",
                       "pixel_modalities": ["US", "XA", "RF", "CR", "DX", "MG", "OT", "SC", "ES", "XC"]}
#: config files added after the defaults left Python
FILES_ADDED_SINCE = ("pixel_regions.json",)


def test_shipped_values_are_the_former_built_in_defaults():
    shipped = settings.shipped_defaults()
    assert list(shipped) == list(settings._specs())
    former = {n: shipped[n] for n in settings.CONFIG_FILES if n not in FILES_ADDED_SINCE}
    former["user_defaults.json"] = {k: v for k, v in former["user_defaults.json"].items()
                                    if k not in OPTIONS_ADDED_SINCE}
    canon = json.dumps(former, ensure_ascii=False, separators=(",", ":"))
    assert hashlib.sha256(canon.encode("utf-8")).hexdigest() == DEFAULTS_SHA256
    assert {k: shipped["user_defaults.json"][k] for k in OPTIONS_ADDED_SINCE} == OPTIONS_ADDED_SINCE
    # and, readably, the values the other tests rely on
    assert shipped["peers.json"][SELF] == {"peer_name": SELF, "peer_aet": "MID_SCU",
                                            "peer_ip": "0.0.0.0", "peer_port": 11112}
    assert shipped["anon_vrs.json"] == ["DT", "DA", "TM", "UI", "PN", "SQ"]
    assert shipped["tags.json"] == {}
    assert shipped["anon_imgs.json"] == {"Modality": ["SR"], "SeriesNumber": ["999"],
                                         "SeriesDescription": ["Summary", "Report", "Outside", "Text"]}
    assert shipped["query_identifiers.json"]["QUERY_IDENTIFIERS"][:3] == ["PatientID", "StudyDate",
                                                                          "AccessionNumber"]
    ud = shipped["user_defaults.json"]
    assert ud["report_suffixes"]["failed"] == "_6_FAILED_TRANSFERS"
    assert [ud[k] for k in ("connect_timeout", "acse_timeout", "dimse_timeout", "network_timeout")] == \
        [10.0, 30.0, 60.0, 60.0]
    assert all(isinstance(ud[k], float) for k in ("connect_timeout", "retry_backoff", "move_idle_timeout"))
    assert isinstance(ud["workers"], int) and ud["workers"] == 4 and ud["uid_root"] == "2.25"


def test_shipped_files_load_validate_and_give_the_same_settings_as_default_settings(tmp_path):
    cfg = tmp_path / "config"
    cfg.mkdir()
    for name in settings.CONFIG_FILES:
        shutil.copyfile(SHIPPED_DIR / name, cfg / name)
    loaded = load_settings(cfg)
    assert loaded.notices == []
    assert sorted(p.name for p in cfg.iterdir()) == sorted(settings.CONFIG_FILES)   # nothing healed
    mem = settings.default_settings(cfg)
    assert dataclasses.replace(mem, config_dir=loaded.config_dir) == loaded
    assert loaded.self_peer == PeerConfig(SELF, "MID_SCU", "0.0.0.0", 11112)
    assert loaded.peers["DEMO PACS"] == PeerConfig("DEMO PACS", "DEMO_PACS", "127.0.0.1", 11113)
    assert loaded.defaults == UserDefaults() and tuple(loaded.timeouts()) == (10.0, 30.0, 60.0, 60.0)
    assert loaded.excel_headings["PatientID"] == ["MRN", "Patient ID", "Medical Record Number"]


def test_anonymizer_and_reports_defaults_come_from_the_shipped_files():
    shipped = settings.shipped_defaults()
    assert anonymizer.DEFAULT_ANON_VRS == tuple(shipped["anon_vrs.json"])
    assert anonymizer.DEFAULT_ANON_TAGS == tuple(shipped["anon_tags.json"])
    assert anonymizer.DEFAULT_DROP_RULES == settings.parse_drop_rules(shipped["anon_imgs.json"])
    assert {r.keyword: [] for r in anonymizer.DEFAULT_DROP_RULES}.keys() == shipped["anon_imgs.json"].keys()
    assert anonymizer.DEFAULT_DROP_SOP_CLASSES == tuple(shipped["user_defaults.json"]["deid_drop_sop_classes"])
    assert reports.DEFAULT_SUFFIXES == shipped["user_defaults.json"]["report_suffixes"]
    assert reports.DEFAULT_LEGEND_TAGS == shipped["user_defaults.json"]["default_legend_tags"]


def test_shipped_defaults_hands_out_copies():
    first = settings.shipped_defaults()
    first["anon_vrs.json"].append("XX")
    first["user_defaults.json"]["report_suffixes"]["failed"] = "_CHANGED"
    UserDefaults().default_legend_tags.append("Changed")
    assert "XX" not in settings.shipped_defaults()["anon_vrs.json"]
    assert UserDefaults().report_suffixes["failed"] == "_6_FAILED_TRANSFERS"
    assert "Changed" not in UserDefaults().default_legend_tags


def test_a_broken_shipped_file_is_a_clear_error_naming_it(shipped_copy):
    (shipped_copy / "query.json").write_text('{"QUERY_TAGS": [', encoding="utf-8")
    with pytest.raises(settings.ShippedDefaultsError, match=r"query\.json.*line 1.*config/defaults"):
        settings.shipped_defaults()
    (shipped_copy / "query.json").unlink()
    with pytest.raises(settings.ShippedDefaultsError, match=r"query\.json is missing or broken"):
        load_settings(shipped_copy.parent / "cfg")


def test_a_shipped_user_default_must_have_every_option_with_its_type(shipped_copy):
    path = shipped_copy / "user_defaults.json"
    data = read(path)
    data["connect_timeout"] = 7               # a whole number is still a float option
    path.write_text(json.dumps(data), encoding="utf-8")
    assert UserDefaults().connect_timeout == 7.0 and isinstance(UserDefaults().connect_timeout, float)
    settings._shipped_files.cache_clear()
    del data["workers"]
    data["workerz"] = 4
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(settings.ShippedDefaultsError, match=r"missing \['workers'\], unknown \['workerz'\]"):
        UserDefaults()
    settings._shipped_files.cache_clear()
    data["workers"], data["anonymize"] = 4, "yes"
    del data["workerz"]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(settings.ShippedDefaultsError, match=r"anonymize = 'yes' is not of type bool"):
        UserDefaults()


# ------------------------------------------------------------------------------- live files come from the shipped ones

def test_first_start_copies_the_shipped_files_byte_for_byte(tmp_path):
    cfg = tmp_path / "config"
    s = load_settings(cfg)
    assert s.notices == []
    for name in settings.CONFIG_FILES:
        assert (cfg / name).read_bytes() == (SHIPPED_DIR / name).read_bytes(), name
    assert not (cfg / "defaults").exists()


def test_healing_restores_the_shipped_file(tmp_path):
    cfg = tmp_path / "config"
    load_settings(cfg)
    (cfg / "excel_headings.json").write_text('{"PatientID": "MRN"}', encoding="utf-8")
    (cfg / "anon_tags.json").unlink()
    s = load_settings(cfg)
    (n,) = s.notices
    assert n.file == "excel_headings.json" and n.renamed_to.startswith("excel_headings.broken-")
    assert (cfg / n.renamed_to).read_text(encoding="utf-8") == '{"PatientID": "MRN"}'
    for name in ("excel_headings.json", "anon_tags.json"):
        assert (cfg / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()


def test_a_shipped_file_edited_by_the_maintainer_is_what_a_new_folder_gets(shipped_copy, tmp_path):
    (shipped_copy / "anon_vrs.json").write_text('[\n    "PN"\n]\n', encoding="utf-8")
    s = load_settings(tmp_path / "fresh")
    assert s.anon_vrs == ["PN"] and s.notices == []
    assert (tmp_path / "fresh" / "anon_vrs.json").read_text(encoding="utf-8") == '[\n    "PN"\n]\n'


def test_config_dir_elsewhere_gets_the_nine_shipped_files(tmp_path):
    cfg = tmp_path / "elsewhere" / "cfg"
    env = {k: v for k, v in os.environ.items() if k != settings.CONFIG_ENV}
    out = subprocess.run([sys.executable, str(REPO / "main.py"), "--config-dir", str(cfg), "echo", "NO SUCH PEER"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
    assert "NO SUCH PEER" in out.stderr and "Traceback" not in out.stderr, out.stderr
    assert sorted(p.name for p in cfg.iterdir()) == sorted(settings.CONFIG_FILES)
    for name in settings.CONFIG_FILES:
        assert (cfg / name).read_bytes() == (SHIPPED_DIR / name).read_bytes(), name


def test_git_ignores_the_live_files_and_broken_copies_but_not_the_defaults():
    if not (REPO / ".git").exists():
        pytest.skip("not a git checkout")
    live = [f"config/{n}" for n in settings.CONFIG_FILES]
    other = ["config/peers.broken-20300102-030405.json", "config/anon_tags.broken-20300102-030405-1.json",
             "config/.peers.json.abc123.tmp"]
    tracked = [f"config/defaults/{n}" for n in (*settings.CONFIG_FILES, "descriptor_vocabulary.json")]
    live.append("config/descriptor_vocabulary.json")      # a user's own vocabulary words
    out = subprocess.run(["git", "check-ignore", "--no-index", *live, *other, *tracked], cwd=REPO,
                         capture_output=True, text=True)
    assert sorted(out.stdout.split()) == sorted(live + other)
    listed = subprocess.run(["git", "ls-files", "config"], cwd=REPO, capture_output=True, text=True).stdout
    assert sorted(listed.split()) == sorted(tracked)


# ------------------------------------------------------------------------------- deep nesting

DEEP = 100_000


@pytest.mark.parametrize("name, text", [
    ("anon_tags.json", "[" * DEEP + "]" * DEEP),
    ("peers.json", '{"a": ' * DEEP + "1" + "}" * DEEP),
    ("anon_vrs.json", "[" * DEEP),                                     # unterminated as well
    ("user_defaults.json", '{"site_note": ' + "[" * 40 + "]" * 40 + "}"),  # parses, still too deep
    ("anon_imgs.json", '{"Modality": [' + '{"value": ' * 600 + '"SR"' + "}" * 600 + "]}"),
])
def test_deeply_nested_file_is_broken_renamed_and_healed(tmp_path, caplog, capsys, name, text):
    cfg = tmp_path / "config"
    load_settings(cfg)
    (cfg / name).write_text(text, encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="mid.settings"):
        s = load_settings(cfg)
    (n,) = s.notices
    assert n.file == name and "more than 32 levels deep" in n.message
    assert n.renamed_to and (cfg / n.renamed_to).read_text(encoding="utf-8") == text
    assert (cfg / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()
    assert [r for r in caplog.records if r.exc_info] == []
    assert "Traceback" not in capsys.readouterr().err
    assert load_settings(cfg).notices == []                # healed for good


def test_nesting_up_to_the_limit_is_read(tmp_path):
    cfg = tmp_path / "config"
    load_settings(cfg)
    (cfg / "user_defaults.json").write_text('{"site_note": ' + "[" * 31 + "]" * 31 + "}", encoding="utf-8")
    s = load_settings(cfg)
    (n,) = s.notices
    assert "unknown key 'site_note'" in n.message and n.renamed_to is None


def test_a_number_too_long_to_read_is_a_broken_file(tmp_path):
    cfg = tmp_path / "config"
    load_settings(cfg)
    (cfg / "user_defaults.json").write_text('{"workers": 1' + "0" * 5000 + "}", encoding="utf-8")
    (n,) = load_settings(cfg).notices
    assert "number too long to read" in n.message and "sys." not in n.message and n.renamed_to


# ------------------------------------------------------------------------------- process-wide state

def _process_state() -> dict:
    root = logging.getLogger()
    return {"environ": dict(os.environ), "cwd": os.getcwd(), "path": list(sys.path),
            "recursionlimit": sys.getrecursionlimit(), "int_digits": sys.get_int_max_str_digits(),
            "root_handlers": list(root.handlers), "root_level": root.level,
            "mid_logger": (logging.getLogger("mid.settings").level,
                           list(logging.getLogger("mid.settings").handlers)),
            "umask": os.umask(os.umask(0o022)), "disable": logging.root.manager.disable}


def test_settings_changes_nothing_in_the_process_but_the_config_files(tmp_path, monkeypatch):
    monkeypatch.delenv(settings.CONFIG_ENV, raising=False)
    before = _process_state()
    cfg = tmp_path / "config"
    s = load_settings(cfg)                                   # creates every file
    (cfg / "peers.json").write_text("[" * DEEP, encoding="utf-8")
    (cfg / "query.json").write_text("{oops", encoding="utf-8")
    s = load_settings(cfg)                                   # heals two
    settings.save_peers(cfg, s.peers)
    settings.save_user_defaults(cfg, dataclasses.replace(s.defaults, workers=2))
    settings.save_anon_imgs(cfg, s.drop_rules)
    settings.default_settings()
    settings.default_config_dir()
    assert _process_state() == before
    assert {p.name for p in tmp_path.iterdir()} == {"config"}
