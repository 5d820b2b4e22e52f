"""Fuzzing settings.load_settings: whatever the nine config files hold, loading never raises,
every file ends valid, and each healed file is named by a notice."""
from __future__ import annotations

import json
import logging
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from mid import settings
from mid.settings import SELF, load_settings

SHIPPED_DIR = Path(__file__).resolve().parent.parent / "config" / "defaults"

# Words the files use, so that random documents often get past the shape checks into the parsers.
WORDS = [SELF, "DEMO PACS", "peer_name", "peer_aet", "peer_ip", "peer_port", "query_model",
         "retrieve_method", "max_associations", "allow_study_move", "study", "patient", "move", "get",
         "QUERY_IDENTIFIERS", "QUERY_TAGS", "PatientID", "StudyDate", "Modality", "SeriesNumber",
         "Query", "Exact", "tag", "vr", "name", "value", "whole_word", "(0019,1001)", "0x0019", "LO",
         "PN", "DA", "0.0.0.0", "127.0.0.1", "::1", "MID_SCU", "104", "US", "EU", "2.25",
         "1.2.840.10008.5.1.4.1.1.7", "default_src", "default_suffix_failed", "", " ", "\ud800",
         *(f.name for f in settings.dataclasses.fields(settings.UserDefaults))]

scalars = st.one_of(st.none(), st.booleans(), st.integers(min_value=-2**70, max_value=2**70),
                    st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(WORDS), st.text(max_size=12))
keys = st.one_of(st.sampled_from(WORDS), st.text(max_size=8))
json_values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                            st.dictionaries(keys, inner, max_size=5)),
                           max_leaves=25)


@st.composite
def file_contents(draw) -> bytes | None:
    """None (keep the file as it is), random bytes, broken text, or a random JSON document."""
    kind = draw(st.sampled_from(["keep", "bytes", "json", "json", "json", "cut"]))
    if kind == "keep":
        return None
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    text = json.dumps(draw(json_values), ensure_ascii=draw(st.booleans()), allow_nan=True)
    if kind == "cut":                       # valid JSON cut short or with a stray byte
        return text.encode("utf-8", "surrogatepass")[: draw(st.integers(0, max(0, len(text) - 1)))]
    return text.encode("utf-8", "surrogatepass")


@hsettings(max_examples=80, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.fixed_dictionaries({name: file_contents() for name in settings.CONFIG_FILES}))
def test_any_file_contents_load_without_raising_and_end_valid(contents):
    logging.getLogger("mid.settings").disabled = True     # thousands of expected warnings
    try:
        with tempfile.TemporaryDirectory() as tmp:
            cfg = Path(tmp) / "config"
            load_settings(cfg)
            for name, raw in contents.items():
                if raw is not None:
                    (cfg / name).write_bytes(raw)
            s = load_settings(cfg)

            assert s.self_peer.aet and 1 <= s.self_peer.port <= 65535
            assert s.query_identifiers and isinstance(s.defaults.workers, int) and s.defaults.workers >= 1
            broken = {p.name for p in cfg.iterdir() if ".broken-" in p.name}
            renamed = {n.renamed_to: n.file for n in s.notices if n.renamed_to}
            assert set(renamed) == broken               # every renamed file is named by a notice
            for kept, name in renamed.items():
                assert kept.startswith(Path(name).stem + ".broken-")
                assert (cfg / kept).read_bytes() == contents[name]      # kept as written
                assert (cfg / name).read_bytes() == (SHIPPED_DIR / name).read_bytes()
            for name in settings.CONFIG_FILES:          # every live file is valid now
                settings._specs()[name].check(settings._read_json(cfg / name))
            again = load_settings(cfg)
            assert [n for n in again.notices if n.renamed_to] == []
            assert {p.name for p in cfg.iterdir() if ".broken-" in p.name} == broken
    finally:
        logging.getLogger("mid.settings").disabled = False
