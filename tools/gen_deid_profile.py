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

It also writes ``config/defaults/descriptor_vocabulary.json``, the imaging terms that Clean
Descriptors keeps: the words of the code meanings of pydicom's copy of the DICOM PS3.16 context
groups about anatomy, modalities, laterality, views, contrast and procedures
(``pydicom.sr._cid_dict``, ``pydicom.sr._concepts_dict``), the code values of the modality
groups, and the short imaging abbreviations listed in IMAGING_TERMS below (sequence names,
orientations, techniques) that no context group spells out. Eponyms are left out: a word that
only ever appears capitalised inside a code meaning ("Boyd perforating vein", "Circle of
Willis") is a person's name.

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
TEXT_VRS = {"LO", "SH", "LT", "ST", "UT", "UC", "PN", "AE", "UR"}
TEXT_REQUIRED: set[int] = set()     # filled by load_nested_types()
MACROS_JSON = "standard/macro_to_attributes.json"
VOCABULARY_OUT = "config/defaults/descriptor_vocabulary.json"
# Context groups whose code meanings are imaging descriptors (matched on the CID's name).
VOCABULARY_CID_NAMES = ("Anatom", "Modality", "Laterality", "View", "Orientation", "Contrast",
                        "Procedure", "Plane", "Projection", "Region", "BodyPart", "Position",
                        "Reconstruction", "Technique", "Sequence", "Acquisition", "Kernel",
                        "Phase", "Image", "Imaging", "Cardiac", "Vessel", "Organ", "Lesion")
MODALITY_CID_NAMES = ("Modality",)
# Imaging words and abbreviations that series and study descriptions use and no context group
# spells out: orientations, MR sequences and weightings, CT techniques, contrast phrases, units.
IMAGING_TERMS = """
AX AXL AXIAL COR CORONAL SAG SAGITTAL OBL OBLIQUE TRA TRANS TRANSVERSE ORTHO MPR MIP MINIP
VR VRT 3D 2D 4D REFORMAT REFORMATS RECON RECONS RECONSTRUCTION LOCALIZER LOCALISER SCOUT TOPOGRAM
SURVIEW PILOT TRI PLANE THIN THICK SLAB SLICE SLICES SECTION HELICAL SPIRAL AXIAL SEQUENTIAL
T1 T2 T1W T2W T2STAR PD PDW FLAIR STIR DWI DTI ADC EADC TRACE SWI SWAN FIESTA CISS SPACE TOF PC
MRA MRV MRCP MRU PWI DSC DCE ASL BOLD FMRI SPECT GRE SE FSE TSE ETSE SSFSE HASTE EPI SPGR FSPGR
MPRAGE BRAVO VIBE LAVA THRIVE DIXON IDEAL FATSAT FS FAT SAT WATER INPHASE OPPHASE IN OUT OPP
PHASE MAGNITUDE MAG PRE POST GAD GADO GD C CE W WO WWO WITH WITHOUT AND OR CONTRAST IV ORAL
NON NONCON NC DELAYED DELAY ARTERIAL VENOUS PORTAL EQUILIBRIUM NEPHROGRAPHIC EXCRETORY EARLY LATE
BONE SOFT TISSUE LUNG BRAIN STANDARD STD SHARP SMOOTH DETAIL WINDOW KERNEL FILTER LIGHT DENSE
HIGH LOW RES RESOLUTION HR HRCT LD LDCT ULD DOSE REPORT SUMMARY SCREEN SCREENING DIAGNOSTIC
CTA CTV CTP PERFUSION ANGIO ANGIOGRAPHY VENOGRAM ARTERIOGRAM ROUTINE PROTOCOL PROT SERIES STUDY
EXAM IMAGE IMAGES SCAN SCANS ACQ ACQUISITION FRAME FRAMES CINE DYNAMIC STATIC GATED NONGATED
ECG RETRO PROSPECTIVE BREATHHOLD BH FB FREE BREATHING NAV INSP EXP INSPIRATION EXPIRATION
PRONE SUPINE DECUBITUS LAT LATERAL AP PA LAO RAO LPO RPO OBLQ CC MLO ML XCCL SPOT MAG TOMO
DBT SYNTH C-VIEW CVIEW US DOPPLER COLOR COLOUR POWER DUPLEX ECHO TTE TEE PET PT CT MR MRI NM
XA RF DX CR MG OT SR SC KO PR SEG REG RTSTRUCT RTPLAN RTDOSE RTIMAGE FDG PSMA AMYLOID SUV
ATTN AC NAC CORR CORRECTED UNCORRECTED WB WHOLEBODY BODY HEAD NECK CHEST ABD ABDOMEN PELVIS
ABDPEL CAP TAP SPINE CSPINE TSPINE LSPINE C-SPINE T-SPINE L-SPINE IAC IACS ORBITS ORBIT SINUS
SINUSES FACIAL FACE TMJ EXTREMITY UPPER LOWER LEFT RIGHT LT RT BILAT BILATERAL BIL L R A P S I
F H MM CM M KV KVP MAS MA SEC S MS DEG PERCENT X BY OF TO FOR ON AT THE
FOLLOW UP FU F/U PRIOR COMPARISON NEW OLD REPEAT ADDITIONAL EXTRA MISC OTHER
DERIVED PRIMARY SECONDARY ORIGINAL SUB SUBTRACTION SUBTRACTED MOCO DIFF DIFFUSION TENSOR MAP
MAPS COLLAPSE FUSED FUSION ATTENUATION EMISSION TRANSMISSION NONATTENUATED
RADIOLOGY RADIOGRAPH RADIOGRAPHY XRAY X-RAY ISO ISOTROPIC MPRAGE DIFF TRACEW MOSAIC SPC VOL VOLUME
NEURO ONCO ONCOLOGY CARDIAC CORONARY CALCIUM SCORE RUNOFF ENTEROGRAPHY COLONOGRAPHY UROGRAM KUB
IVP STONE TRAUMA STROKE PE DVT ANNUAL BASELINE SURVEILLANCE STAGING RESTAGING METS TUMOR TUMOUR
MASS PAIN INJURY FRACTURE INFECTION SCREENING BIOPSY GUIDED GUIDANCE INTERVENTIONAL DRAINAGE
MAMMO MAMMOGRAM MAMMOGRAPHY TOMOSYNTHESIS ULTRASOUND SONO ABDOMINAL PELVIC RENAL HEPATIC THYROID
CAROTID VENOUS ARTERIAL TRANSVAGINAL TRANSABDOMINAL OBSTETRIC OB GYN FETAL PEDS PEDIATRIC ADULT
WHOLE LIMITED COMPLETE PARTIAL QUICK FAST RAPID MOTION CORRECTION BASE EXTENDED FOV LARGE SMALL
MED MEDIUM NATIVE PLAIN UNENHANCED ENHANCED ENHANCEMENT ARTERIAL PORTOVENOUS WASHOUT MAXIMUM
MINIMUM MEAN AVERAGE AVG INTENSITY PROJECTION SURFACE RENDERING REFORMATTED CURVED STRAIGHTENED
HEMATURIA HEADACHE SEIZURE CHEST-ABDOMEN-PELVIS AUTO AUTOMATIC MANUAL CALIBRATION TEST QC
SEQ IVCON CON OBLI OBLIQ ECHOCARDIOGRAM TRANSESOPHAGEAL TRANSTHORACIC COMP COMPLETE MIN MAX
SIEMENS GE MEDICAL SYSTEMS HEALTHCARE PHILIPS TOSHIBA CANON HITACHI FUJI FUJIFILM AGFA KODAK
CARESTREAM HOLOGIC ESAOTE SAMSUNG MINDRAY VARIAN ELEKTA ACCURAY KONICA MINOLTA SHIMADZU
NEUSOFT UNITED IMAGING PLANMECA SIRONA VATECH CARESTREAM BRAINLAB ACUSON SONOSITE
SAX LAX LVOT RVOT 2CH 3CH 4CH YEAR YEARS MONTH WEEK DAY FIBROMA DEMONSTRATION DEMO IHE TESTING
MARKED MARKER OSSIFYING SMARTSCORE
HU OD MGML PCNT CPS BQML PROPCNT NONE EDW HU_MOD
LB LBS KG PROJECTED FEATURES FORM QUAD CAPTURE LUT VOI MONO MONO1 MONO2 SIGNED UNSIGNED RANGE
""".split()
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


def load_nested_types(profile_tags: set[int]) -> tuple[set[int], dict[int, dict[int, str]]]:
    """(every sequence that has items in some module, {sequence: {tag: strongest type}}).

    The second maps a sequence to the table's attributes that are Type 1, 1C, 2 or 2C in its
    items anywhere in the standard; an attribute absent there is Type 3 in that sequence.
    """
    rows = json.loads(standard_json_path(IOD_JSONS[3]).read_text(encoding="utf-8"))
    for row in json.loads(standard_json_path(MACROS_JSON).read_text(encoding="utf-8")):
        last = row["path"].split(":")[-1]       # functional group macros (FrameContent...)
        if "x" not in last.lower() and row["type"] in TYPE_RANK and vr_of(int(last, 16)) in TEXT_VRS:
            TEXT_REQUIRED.add(int(last, 16))
    parents: set[int] = set()
    types: dict[int, dict[int, str]] = {}
    for row in rows:
        last = row["path"].split(":")[-1]
        if "x" not in last.lower() and row["type"] in TYPE_RANK and vr_of(int(last, 16)) in TEXT_VRS:
            TEXT_REQUIRED.add(int(last, 16))
        parts = row["path"].split(":")
        if len(parts) < 3 or "x" in (parts[-1] + parts[-2]).lower():
            continue
        parent, tag = int(parts[-2], 16), int(parts[-1], 16)
        parents.add(parent)
        if tag not in profile_tags or row["type"] not in TYPE_RANK:
            continue
        inner = types.setdefault(parent, {})
        if tag not in inner or TYPE_RANK[row["type"]] < TYPE_RANK[inner[tag]]:
            inner[tag] = row["type"]
    return parents, types


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


def load_vocabulary() -> dict:
    """The descriptor vocabulary file's content (terms sorted, upper case)."""
    import re

    from pydicom.sr._cid_dict import cid_concepts, name_for_cid
    from pydicom.sr._concepts_dict import concepts
    wanted = {cid for cid, name in name_for_cid.items()
              if any(part.lower() in name.lower() for part in VOCABULARY_CID_NAMES)}
    modality_cids = {cid for cid, name in name_for_cid.items()
                     if any(part.lower() in name.lower() for part in MODALITY_CID_NAMES)}
    lower_seen: set[str] = set()
    capital_only: set[str] = set()
    values: set[str] = set()
    for cid in sorted(wanted):
        for scheme, keywords in cid_concepts.get(cid, {}).items():
            for keyword in keywords:
                for code, (meaning, _cids) in concepts.get(scheme, {}).get(keyword, {}).items():
                    if cid in modality_cids and re.fullmatch(r"[A-Z]{2,6}", code):
                        values.add(code)
                    words = re.findall(r"[A-Za-z0-9]+", meaning)
                    for i, word in enumerate(words):
                        if word.isupper() or word.islower() or (i == 0 and len(words) == 1):
                            lower_seen.add(word.upper())
                        else:
                            capital_only.add(word.upper())
    from pydicom.datadict import DicomDictionary
    for entry in DicomDictionary.values():     # the attribute names: DICOM's technical words
        if "Retired" in entry[3]:
            continue
        lower_seen.update(w.upper() for w in re.findall(r"[A-Za-z]+", entry[2]))
    from_groups = {w for w in lower_seen if len(w) >= 2 and not w.isdigit()}
    eponyms = capital_only - lower_seen
    terms = sorted(from_groups | values | {t.upper() for t in IMAGING_TERMS})
    return {
        "_comment": ("Words that Clean Descriptors keeps in descriptions, series folder names and "
                     "every attribute the Clean Descriptors column marks C; every other word "
                     "becomes a placeholder. GENERATED by tools/gen_deid_profile.py; do not edit. "
                     "To add words, put {\"terms\": [\"WORD\", ...]} in "
                     "descriptor_vocabulary.json in the live config folder."),
        "sources": [f"pydicom=={metadata.version('pydicom')}: pydicom.sr context groups "
                    + ", ".join(str(c) for c in sorted(wanted)),
                    f"pydicom=={metadata.version('pydicom')}: the data dictionary's attribute names",
                    "tools/gen_deid_profile.py IMAGING_TERMS"],
        "eponyms_left_out": len(eponyms),
        "terms": terms,
    }


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


def render(plain, masked, options, std_names, sop_iod=None, iods=None, nested=None) -> str:
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
        "KNOWN_SEQUENCES lists every sequence whose items the standard defines; NESTED_TYPES maps",
        "  one to the table's attributes that are Type 1, 1C, 2 or 2C in its items.",
        "TEXT_REQUIRED lists every text attribute (LO SH LT ST UT UC PN AE UR) that is Type 1, 1C,",
        "  2 or 2C somewhere in the standard's modules or macros (the strict mode cleans these).",
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
    parents, nested_types = nested or (set(), {})
    lines += ["}", "", "KNOWN_SEQUENCES: frozenset[int] = frozenset({"]
    for i in range(0, len(sorted(parents)), 8):
        lines.append("    " + ", ".join(f"0x{t:08X}" for t in sorted(parents)[i:i + 8]) + ",")
    lines += ["})", "", "TEXT_REQUIRED: frozenset[int] = frozenset({"]
    required = sorted(TEXT_REQUIRED)
    for i in range(0, len(required), 8):
        lines.append("    " + ", ".join(f"0x{t:08X}" for t in required[i:i + 8]) + ",")
    lines += ["})", "", "NESTED_TYPES: dict[int, dict[int, str]] = {"]
    for parent in sorted(nested_types):
        items = ", ".join(f'0x{tag:08X}: "{kind}"' for tag, kind in sorted(nested_types[parent].items()))
        lines.append(f"    0x{parent:08X}: {{{items}}},  # {name_of(parent, std_names)}")
    lines += ["}", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Generate (or check) the module; returns a process exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "mid" / "deid_profile.py")
    parser.add_argument("--check", action="store_true", help="compare with the existing file")
    parser.add_argument("--vocabulary-out", type=Path, default=REPO / VOCABULARY_OUT)
    args = parser.parse_args(argv)
    for pkg in ("dicomanonymizer", "pydicom"):
        if importlib.util.find_spec(pkg) is None:
            raise SystemExit(f"{pkg} is not installed: pip install -r requirements-dev.txt")
    plain, masked = load_actions()
    options, std_names = load_options()
    sop_iod, iods = load_iod_types(set(plain))
    text = render(plain, masked, options, std_names, sop_iod, iods, load_nested_types(set(plain)))
    vocabulary = json.dumps(load_vocabulary(), indent=4, ensure_ascii=False) + "\n"
    if args.check:
        same = args.out.exists() and args.out.read_text(encoding="utf-8") == text
        print(f"{args.out}: {'up to date' if same else 'differs from the generated table'}")
        same_vocabulary = (args.vocabulary_out.exists()
                           and args.vocabulary_out.read_text(encoding="utf-8") == vocabulary)
        print(f"{args.vocabulary_out}: {'up to date' if same_vocabulary else 'differs from the generated one'}")
        return 0 if same and same_vocabulary else 1
    args.out.write_text(text, encoding="utf-8")
    args.vocabulary_out.write_text(vocabulary, encoding="utf-8")
    print(f"wrote {args.out}: {len(plain)} tags, {len(masked)} masked entries")
    print(f"wrote {args.vocabulary_out}: {len(json.loads(vocabulary)['terms'])} terms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
