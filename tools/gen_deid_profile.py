"""Generate deid_profile.py: DICOM PS3.15 Annex E Table E.1-1 as a Python data module.

The table is never typed by hand. It is read from two maintained, pinned packages:

* dicom-anonymizer (``dicomanonymizer/dicom_anonymization_databases/dicomfields_2026c.py``):
  the Basic Profile action of every attribute in the 2026c edition, one list per action
  (D, Z, X, U, Z/D, X/Z, X/D, X/Z/D, X/Z/U*), including group-masked tags (50xx, 60xx).
* dicom-standard (``standard/confidentiality_profile_attributes.json``): the same table
  parsed from the 2020 edition, with the option columns (Retain Longitudinal Temporal
  Information with Modified Dates, Clean Descriptors, Retain Patient Characteristics, ...).

Actions come from the newer edition. Option columns come from dicom-standard; for an
attribute that only the newer edition lists, the Modified Dates option is inferred from its
VR (DA, DT, TM are "C" under that option, as for every dated attribute of the 2020 table).

* dicom-standard (``sops.json``, ``ciods.json``, ``ciod_to_modules.json``,
  ``module_to_attributes.json``): for each IOD, the attributes of the table that are Type 1,
  1C, 2 or 2C at the top level of one of its modules. The anonymizer empties (Type 2/2C) or
  fills with a dummy (Type 1/1C) an attribute the table removes when the IOD needs it, and
  removes an emptied sequence the IOD does not need (a Type 3 sequence is removed, not emptied).

Usage: ``python3 tools/gen_deid_profile.py [--out mid/deid_profile.py] [--check]``.
``--check`` exits 1 when the committed module differs from what would be generated.
The generated module needs neither package at run time.
"""
from __future__ import annotations

import argparse
import importlib.metadata as metadata
import importlib.util
import json
import sys
from pathlib import Path

EDITION_MODULE = "dicomanonymizer.dicom_anonymization_databases.dicomfields_2026c"
EDITION = "2026c"
STANDARD_JSON = "standard/confidentiality_profile_attributes.json"
ACTION_LISTS = {
    "D_TAGS": "D", "Z_TAGS": "Z", "X_TAGS": "X", "U_TAGS": "U", "Z_D_TAGS": "Z/D",
    "X_Z_TAGS": "X/Z", "X_D_TAGS": "X/D", "X_Z_D_TAGS": "X/Z/D", "X_Z_U_STAR_TAGS": "X/Z/U*",
}
OPTION_COLUMNS = {
    "rtnLongModifDatesOpt": "RETAIN_MODIFIED_DATES",
    "cleanDescOpt": "CLEAN_DESCRIPTORS",
    "rtnPatCharsOpt": "RETAIN_PATIENT_CHARACTERISTICS",
}
DATE_VRS = {"DA", "DT", "TM"}
IOD_JSONS = ("standard/sops.json", "standard/ciods.json", "standard/ciod_to_modules.json",
             "standard/module_to_attributes.json")
TYPE_RANK = {"1": 0, "1C": 1, "2": 2, "2C": 3}
REPO = Path(__file__).resolve().parent.parent


def load_actions() -> tuple[dict[int, str], list[tuple[int, int, int, str]]]:
    """Return (tag -> action, [(value, mask, action)]) from dicom-anonymizer's edition module."""
    module = importlib.import_module(EDITION_MODULE)
    plain: dict[int, str] = {}
    masked: dict[tuple[int, int], str] = {}
    for list_name, action in ACTION_LISTS.items():
        for entry in getattr(module, list_name):
            if len(entry) == 2:
                tag = (entry[0] << 16) | entry[1]
                if tag in plain and plain[tag] != action:
                    raise SystemExit(f"{EDITION_MODULE}: tag {tag:08X} has two actions")
                plain[tag] = action
            else:
                group, elem, gmask, emask = entry
                masked[((group << 16) | elem, (gmask << 16) | emask)] = action
    masked_list = sorted((value, mask, action) for (value, mask), action in masked.items())
    return plain, masked_list


def standard_json_path(name: str = STANDARD_JSON) -> Path:
    """Locate one of dicom-standard's JSON files (standard/...) inside the installed package."""
    dist = metadata.distribution("dicom-standard")
    for file in dist.files or []:
        if str(file).endswith(name):
            return Path(file.locate()).resolve()
    raise SystemExit("dicom-standard is installed but has no " + name)


def load_iod_types(profile_tags: set[int]) -> tuple[dict[str, str], dict[str, dict[int, str]]]:
    """({SOP class UID: IOD id}, {IOD id: {tag: strongest type 1/1C/2/2C}}) for the table's tags.

    Only top-level attributes of each module count (a path "module:gggggggg"); masked tags and
    attributes nested in sequences are left out.
    """
    sops, ciods, ciod_modules, module_attrs = (
        json.loads(standard_json_path(n).read_text(encoding="utf-8")) for n in IOD_JSONS)
    iod_by_name = {c["name"]: c["id"] for c in ciods}
    sop_iod = {s["id"]: iod_by_name[s["ciod"]] for s in sops if s["ciod"] in iod_by_name}
    modules: dict[str, list[str]] = {}
    for row in ciod_modules:
        modules.setdefault(row["ciodId"], []).append(row["moduleId"])
    attrs: dict[str, list[tuple[int, str]]] = {}
    for row in module_attrs:
        parts = row["path"].split(":")
        if len(parts) != 2 or "x" in parts[1].lower() or row["type"] not in TYPE_RANK:
            continue
        tag = int(parts[1], 16)
        if tag in profile_tags:
            attrs.setdefault(row["moduleId"], []).append((tag, row["type"]))
    iods: dict[str, dict[int, str]] = {}
    for iod, mods in sorted(modules.items()):
        types: dict[int, str] = {}
        for module in mods:
            for tag, kind in attrs.get(module, ()):
                if tag not in types or TYPE_RANK[kind] < TYPE_RANK[types[tag]]:
                    types[tag] = kind
        if types:
            iods[iod] = types
    return sop_iod, iods


def parse_std_tag(text: str) -> tuple[int, int] | None:
    """'(0010,0010)' -> (value, mask); 'X' digits become a zero mask nibble."""
    digits = text.strip("()").replace(",", "").upper()
    if len(digits) != 8:
        return None
    value = mask = 0
    for ch in digits:
        value <<= 4
        mask <<= 4
        if ch != "X":
            value |= int(ch, 16)
            mask |= 0xF
    return value, mask


def load_options() -> tuple[dict[str, dict[int, str]], dict[int, str]]:
    """Return ({option name: {tag: K/C/X}}, {tag: attribute name}) from dicom-standard."""
    rows = json.loads(standard_json_path().read_text(encoding="utf-8"))
    options: dict[str, dict[int, str]] = {name: {} for name in OPTION_COLUMNS.values()}
    names: dict[int, str] = {}
    for row in rows:
        parsed = parse_std_tag(row["tag"])
        if parsed is None or parsed[1] != 0xFFFFFFFF:
            continue
        tag = parsed[0]
        names[tag] = row["name"]
        for column, option in OPTION_COLUMNS.items():
            if row.get(column):
                options[option][tag] = row[column]
    return options, names


def vr_of(tag: int) -> str:
    """VR of a tag from pydicom's dictionary, '' if unknown."""
    from pydicom.datadict import dictionary_VR
    try:
        return dictionary_VR(tag)
    except KeyError:
        return ""


def name_of(tag: int, std_names: dict[int, str]) -> str:
    """Attribute name: pydicom's dictionary first, dicom-standard second."""
    from pydicom.datadict import dictionary_description
    try:
        return dictionary_description(tag)
    except KeyError:
        return std_names.get(tag, "")


def render(plain, masked, options, std_names, sop_iod=None, iods=None) -> str:
    """Render the generated module's source text."""
    versions = {pkg: metadata.version(pkg) for pkg in ("dicom-anonymizer", "dicom-standard", "pydicom")}
    dates = dict(options["RETAIN_MODIFIED_DATES"])
    for tag in plain:
        if tag not in std_names and vr_of(tag) in DATE_VRS:
            dates[tag] = "C"
    lines = [
        '"""DICOM PS3.15 Annex E Table E.1-1 (Basic Application Level Confidentiality Profile).',
        "",
        "GENERATED FILE - do not edit. Regenerate with: python3 tools/gen_deid_profile.py",
        f"Actions: dicom-anonymizer {versions['dicom-anonymizer']}, {EDITION_MODULE} (edition {EDITION}).",
        f"Option columns: dicom-standard {versions['dicom-standard']}, {STANDARD_JSON};",
        "  Modified Dates option also set for every DA/DT/TM attribute only the newer edition lists.",
        f"Names and VRs: pydicom {versions['pydicom']} data dictionary.",
        "",
        "BASIC_PROFILE maps a tag (int) to its action: D, Z, X, U, or a composite such as X/Z/D.",
        "MASKED_PROFILE lists (value, mask, action) for group-masked tags such as (50xx,xxxx).",
        "OPTION_* map a tag to the option column's code (K keep, C clean, X remove).",
        "SOP_CLASS_IOD maps a SOP class UID to its IOD; IOD_TYPES maps an IOD to the table's",
        "  attributes that are Type 1, 1C, 2 or 2C at the top level of one of its modules.",
        '"""',
        "",
        f'EDITION = "{EDITION}"',
        "SOURCES = (",
        f'    "dicom-anonymizer=={versions["dicom-anonymizer"]}:{EDITION_MODULE}",',
        f'    "dicom-standard=={versions["dicom-standard"]}:{STANDARD_JSON}",',
        ")",
        "",
        "BASIC_PROFILE: dict[int, str] = {",
    ]
    for tag in sorted(plain):
        lines.append(f'    0x{tag:08X}: "{plain[tag]}",  # {name_of(tag, std_names)}')
    lines += ["}", "", "MASKED_PROFILE: tuple[tuple[int, int, str], ...] = ("]
    for value, mask, action in masked:
        lines.append(f'    (0x{value:08X}, 0x{mask:08X}, "{action}"),')
    lines += [")", ""]
    option_data = {"RETAIN_MODIFIED_DATES": dates,
                   "CLEAN_DESCRIPTORS": options["CLEAN_DESCRIPTORS"],
                   "RETAIN_PATIENT_CHARACTERISTICS": options["RETAIN_PATIENT_CHARACTERISTICS"]}
    for option, table in option_data.items():
        lines.append(f"OPTION_{option}: dict[int, str] = {{")
        for tag in sorted(table):
            lines.append(f'    0x{tag:08X}: "{table[tag]}",  # {name_of(tag, std_names)}')
        lines += ["}", ""]
    lines.append("SOP_CLASS_IOD: dict[str, str] = {")
    for uid in sorted(sop_iod or {}):
        lines.append(f'    "{uid}": "{sop_iod[uid]}",')
    lines += ["}", "", "IOD_TYPES: dict[str, dict[int, str]] = {"]
    for iod in sorted(iods or {}):
        items = ", ".join(f'0x{tag:08X}: "{kind}"' for tag, kind in sorted(iods[iod].items()))
        lines.append(f'    "{iod}": {{{items}}},')
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate (or check) the module; returns a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "mid" / "deid_profile.py")
    parser.add_argument("--check", action="store_true", help="compare with the existing file")
    args = parser.parse_args(argv)
    for pkg in ("dicomanonymizer", "pydicom"):
        if importlib.util.find_spec(pkg) is None:
            raise SystemExit(f"{pkg} is not installed: pip install -r requirements-dev.txt")
    plain, masked = load_actions()
    options, std_names = load_options()
    sop_iod, iods = load_iod_types(set(plain))
    text = render(plain, masked, options, std_names, sop_iod, iods)
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'differs from the generated table'}")
        return 0 if same else 1
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: {len(plain)} tags, {len(masked)} masked entries")
    return 0


if __name__ == "__main__":
    sys.exit(main())
