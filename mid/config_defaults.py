"""The default contents of the nine config files: pure data, one source of truth.

settings.py writes these into a missing (or broken) config file and falls back on them;
anonymizer.py and reports.py take their built-in defaults from here, so that the program
behaves the same with or without a config folder. Each is a function, so every caller gets
a fresh copy it may change.

The scalar options of user_defaults.json (timeouts, prefixes, ...) are the field defaults of
`settings.UserDefaults`; its list and object options are here.
"""
from __future__ import annotations

from typing import Any

from mid.vocab import SELF  # noqa: E402  (the peers.json entry that is our own side)


def peers() -> dict[str, dict[str, Any]]:
    """peers.json: our side on port 11112 and the demo PACS (`python main.py demo`) on 11113."""
    return {
        SELF: {"peer_name": SELF, "peer_aet": "MID_SCU", "peer_ip": "0.0.0.0", "peer_port": 11112},
        "DEMO PACS": {"peer_name": "DEMO PACS", "peer_aet": "DEMO_PACS", "peer_ip": "127.0.0.1",
                      "peer_port": 11113},
    }


def report_suffixes() -> dict[str, str]:
    """user_defaults.json report_suffixes: the name endings of the report workbooks."""
    return {
        "initial_queries": "_0_INITIAL_QUERIES_",
        "search_results": "_1_SEARCH_RESULTS",
        "master_key": "_2_MASTER_KEY_LEGEND",
        "successful": "_3_SUCCESSFUL_DOWNLOADS",
        "ignored": "_4_IGNORED_FOR_HIPAA",
        "excluded": "_5_USER_EXCLUDED",
        "failed": "_6_FAILED_TRANSFERS",
        "not_downloaded": "_7_STUDIES_NOT_DOWNLOADED",
    }


def legend_tags() -> list[str]:
    """user_defaults.json default_legend_tags: the tag columns of the master key."""
    return ["PatientID", "PatientName", "AccessionNumber", "StudyDate", "StudyDescription",
            "SeriesDescription", "Modality", "SeriesNumber", "StudyInstanceUID", "SeriesInstanceUID"]


def drop_sop_classes() -> list[str]:
    """user_defaults.json deid_drop_sop_classes: screen captures and documents, which often
    carry burned-in or embedded patient text."""
    return [
        "1.2.840.10008.5.1.4.1.1.7",        # Secondary Capture Image Storage
        "1.2.840.10008.5.1.4.1.1.7.1",      # Multi-frame Single Bit Secondary Capture
        "1.2.840.10008.5.1.4.1.1.7.2",      # Multi-frame Grayscale Byte Secondary Capture
        "1.2.840.10008.5.1.4.1.1.7.3",      # Multi-frame Grayscale Word Secondary Capture
        "1.2.840.10008.5.1.4.1.1.7.4",      # Multi-frame True Color Secondary Capture
        "1.2.840.10008.5.1.4.1.1.104.1",    # Encapsulated PDF Storage
        "1.2.840.10008.5.1.4.1.1.104.2",    # Encapsulated CDA Storage
        "1.2.840.10008.5.1.1.29",           # Hardcopy Grayscale Image Storage (retired)
        "1.2.840.10008.5.1.1.30",           # Hardcopy Color Image Storage (retired)
        "1.2.840.10008.5.1.1.27",           # Stored Print Storage (retired)
    ]


def query_identifiers() -> list[str]:
    """query_identifiers.json QUERY_IDENTIFIERS: the tags read from the sheet."""
    return ["PatientID", "StudyDate", "AccessionNumber", "StudyDescription", "SeriesDescription",
            "Modality", "SeriesNumber", "StudyInstanceUID", "SeriesInstanceUID"]


def query_tags() -> list[str]:
    """query.json QUERY_TAGS: the tags asked for in each search."""
    return [*query_identifiers(),
            "StudyTime", "PatientName", "PatientBirthDate", "PatientSex", "PatientAge",
            "ReferringPhysicianName", "InstitutionName", "BodyPartExamined", "ProtocolName",
            "SeriesDate", "SeriesTime", "NumberOfSeriesRelatedInstances"]


def excel_headings() -> dict[str, list[str]]:
    """excel_headings.json: the sheet header aliases of each keyword (and of Query, Exact)."""
    return {
        "PatientID": ["MRN", "Patient ID", "Medical Record Number"],
        "AccessionNumber": ["Accession", "Accession Number", "Acc"],
        "StudyDate": ["Date", "Study Date", "Date of Study", "Exam Date"],
        "StudyTime": ["Time", "Study Time"],
        "StudyDescription": ["Study", "Study Description", "Exam", "Procedure"],
        "SeriesDescription": ["Series", "Series Description"],
        "Modality": ["Modality", "Mod"],
        "SeriesNumber": ["Series Number", "Series #"],
        "StudyInstanceUID": ["Study UID"],
        "SeriesInstanceUID": ["Series UID"],
        "Query": ["ID", "Query", "Query ID", "QueryID", "Index"],
        "Exact": ["Exact", "Exact Match"],
    }


def tags() -> dict[str, dict]:
    """tags.json: no extra tags (pydicom's data dictionary is the master list)."""
    return {}


def anon_imgs() -> dict[str, list[Any]]:
    """anon_imgs.json: drop an image when the keyword's value contains any of these."""
    return {"Modality": ["SR"],
            "SeriesDescription": ["Summary", "Report", "Outside", "Text"],
            "SeriesNumber": ["999"]}


def anon_vrs() -> list[str]:
    """anon_vrs.json: the VRs anonymized wholesale."""
    return ["DT", "DA", "TM", "UI", "PN", "SQ"]


def anon_tags() -> list[str]:
    """anon_tags.json: identifying keywords, beyond the VRs in anon_vrs.json, always anonymized."""
    return [
        "PatientID", "OtherPatientIDs", "OtherPatientIDsSequence", "IssuerOfPatientID",
        "PatientAddress", "PatientTelephoneNumbers", "PatientBirthName", "PatientMotherBirthName",
        "PatientComments", "AdditionalPatientHistory", "MedicalRecordLocator", "MilitaryRank",
        "BranchOfService", "CountryOfResidence", "RegionOfResidence", "PatientSize",
        "PatientWeight", "PatientBodyMassIndex",
        "AccessionNumber", "StudyID", "AdmissionID", "RequestedProcedureID",
        "ScheduledProcedureStepID", "PerformedProcedureStepID",
        "FillerOrderNumberImagingServiceRequest", "PlacerOrderNumberImagingServiceRequest",
        "RequestingService", "AcquisitionNumber",
        "InstitutionName", "InstitutionAddress", "InstitutionalDepartmentName",
        "ReferringPhysicianAddress", "ReferringPhysicianTelephoneNumbers",
        "StationName", "DeviceSerialNumber", "DetectorID", "PlateID", "CassetteID", "GantryID",
        "ImageComments", "ProcedureCodeSequence", "ReferencedPatientSequence",
        "ReferencedStudySequence", "RequestAttributesSequence",
    ]
