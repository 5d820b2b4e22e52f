"""DICOM PS3.15 Annex E Table E.1-1 (Basic Application Level Confidentiality Profile).

GENERATED FILE - do not edit. Regenerate with: python3 tools/gen_deid_profile.py
Actions: dicom-anonymizer 2.1.0, dicomanonymizer.dicom_anonymization_databases.dicomfields_2026c (edition 2026c).
Option columns: dicom-standard 0.1.0, standard/confidentiality_profile_attributes.json;
  Modified Dates option also set for every DA/DT/TM attribute only the newer edition lists.
Names and VRs: pydicom 3.0.2 data dictionary.

BASIC_PROFILE maps a tag (int) to its action: D, Z, X, U, or a composite such as X/Z/D.
MASKED_PROFILE lists (value, mask, action) for group-masked tags such as (50xx,xxxx).
OPTION_* map a tag to the option column's code (K keep, C clean, X remove).
SOP_CLASS_IOD maps a SOP class UID to its IOD; IOD_TYPES maps an IOD to the table's
  attributes that are Type 1, 1C, 2 or 2C at the top level of one of its modules.
KNOWN_SEQUENCES lists every sequence whose items the standard defines; NESTED_TYPES maps
  one to the table's attributes that are Type 1, 1C, 2 or 2C in its items.
TEXT_REQUIRED lists every text attribute (LO SH LT ST UT UC PN AE UR) that is Type 1, 1C,
  2 or 2C somewhere in the standard's modules or macros (the strict mode cleans these).
"""

EDITION = "2026c"
SOURCES = (
    "dicom-anonymizer==2.1.0:dicomanonymizer.dicom_anonymization_databases.dicomfields_2026c",
    "dicom-standard==0.1.0:standard/confidentiality_profile_attributes.json",
)

BASIC_PROFILE: dict[int, str] = {
    0x00001000: "X",  # Affected SOP Instance UID
    0x00001001: "U",  # Requested SOP Instance UID
    0x00020003: "U",  # Media Storage SOP Instance UID
    0x00041511: "U",  # Referenced SOP Instance UID in File
    0x00080012: "X/D",  # Instance Creation Date
    0x00080013: "X/Z/D",  # Instance Creation Time
    0x00080014: "U",  # Instance Creator UID
    0x00080015: "X",  # Instance Coercion DateTime
    0x00080017: "U",  # Acquisition UID
    0x00080018: "U",  # SOP Instance UID
    0x00080019: "U",  # Pyramid UID
    0x00080020: "Z",  # Study Date
    0x00080021: "X/D",  # Series Date
    0x00080022: "X/Z",  # Acquisition Date
    0x00080023: "Z/D",  # Content Date
    0x00080024: "X",  # Overlay Date
    0x00080025: "X",  # Curve Date
    0x0008002A: "X/Z/D",  # Acquisition DateTime
    0x00080030: "Z",  # Study Time
    0x00080031: "X/D",  # Series Time
    0x00080032: "X/Z",  # Acquisition Time
    0x00080033: "Z/D",  # Content Time
    0x00080034: "X",  # Overlay Time
    0x00080035: "X",  # Curve Time
    0x00080050: "Z",  # Accession Number
    0x00080054: "X",  # Retrieve AE Title
    0x00080055: "X",  # Station AE Title
    0x00080058: "U",  # Failed SOP Instance UID List
    0x00080080: "X/Z/D",  # Institution Name
    0x00080081: "X",  # Institution Address
    0x00080082: "X/Z/D",  # Institution Code Sequence
    0x00080090: "Z",  # Referring Physician's Name
    0x00080092: "X",  # Referring Physician's Address
    0x00080094: "X",  # Referring Physician's Telephone Numbers
    0x00080096: "X",  # Referring Physician Identification Sequence
    0x0008009C: "Z",  # Consulting Physician's Name
    0x0008009D: "X",  # Consulting Physician Identification Sequence
    0x00080106: "D",  # Context Group Version
    0x00080107: "D",  # Context Group Local Version
    0x00080201: "X",  # Timezone Offset From UTC
    0x00081000: "X",  # Network ID
    0x00081010: "X/Z/D",  # Station Name
    0x00081030: "X",  # Study Description
    0x0008103E: "X",  # Series Description
    0x00081040: "X",  # Institutional Department Name
    0x00081041: "X",  # Institutional Department Type Code Sequence
    0x00081048: "X",  # Physician(s) of Record
    0x00081049: "X",  # Physician(s) of Record Identification Sequence
    0x00081050: "X",  # Performing Physician's Name
    0x00081052: "X",  # Performing Physician Identification Sequence
    0x00081060: "X",  # Name of Physician(s) Reading Study
    0x00081062: "X",  # Physician(s) Reading Study Identification Sequence
    0x00081070: "X/Z/D",  # Operators' Name
    0x00081072: "X/D",  # Operator Identification Sequence
    0x00081080: "X",  # Admitting Diagnoses Description
    0x00081084: "X",  # Admitting Diagnoses Code Sequence
    0x00081088: "X",  # Pyramid Description
    0x00081110: "X/Z",  # Referenced Study Sequence
    0x00081111: "X/Z/D",  # Referenced Performed Procedure Step Sequence
    0x00081120: "X",  # Referenced Patient Sequence
    0x00081140: "X/Z/U*",  # Referenced Image Sequence
    0x00081155: "U",  # Referenced SOP Instance UID
    0x00081195: "U",  # Transaction UID
    0x00081301: "X",  # 
    0x00081302: "X",  # 
    0x00081303: "X",  # 
    0x00081304: "X",  # 
    0x00082111: "X",  # Derivation Description
    0x00082112: "X/Z/U*",  # Source Image Sequence
    0x00083010: "U",  # Irradiation Event UID
    0x00084000: "X",  # Identifying Comments
    0x00100010: "Z",  # Patient's Name
    0x00100011: "X",  # 
    0x00100012: "X",  # 
    0x00100013: "X",  # 
    0x00100014: "X",  # 
    0x00100015: "X",  # 
    0x00100016: "X",  # 
    0x00100020: "Z/D",  # Patient ID
    0x00100021: "X",  # Issuer of Patient ID
    0x00100030: "Z",  # Patient's Birth Date
    0x00100032: "X",  # Patient's Birth Time
    0x00100040: "Z",  # Patient's Sex
    0x00100041: "X",  # 
    0x00100042: "X",  # 
    0x00100043: "X",  # 
    0x00100044: "X",  # 
    0x00100045: "X",  # 
    0x00100046: "X",  # 
    0x00100047: "X",  # 
    0x00100050: "X",  # Patient's Insurance Plan Code Sequence
    0x00100101: "X",  # Patient's Primary Language Code Sequence
    0x00100102: "X",  # Patient's Primary Language Modifier Code Sequence
    0x00101000: "X",  # Other Patient IDs
    0x00101001: "X",  # Other Patient Names
    0x00101002: "X",  # Other Patient IDs Sequence
    0x00101005: "X",  # Patient's Birth Name
    0x00101010: "X",  # Patient's Age
    0x00101020: "X",  # Patient's Size
    0x00101030: "X",  # Patient's Weight
    0x00101040: "X",  # Patient's Address
    0x00101050: "X",  # Insurance Plan Identification
    0x00101060: "X",  # Patient's Mother's Birth Name
    0x00101080: "X",  # Military Rank
    0x00101081: "X",  # Branch of Service
    0x00101090: "X",  # Medical Record Locator
    0x00101100: "X",  # Referenced Patient Photo Sequence
    0x00102000: "X",  # Medical Alerts
    0x00102110: "X",  # Allergies
    0x00102150: "X",  # Country of Residence
    0x00102152: "X",  # Region of Residence
    0x00102154: "X",  # Patient's Telephone Numbers
    0x00102155: "X",  # Patient's Telecom Information
    0x00102160: "X",  # Ethnic Group
    0x00102161: "X",  # Ethnic Group Code Sequence
    0x00102162: "X",  # 
    0x00102180: "X",  # Occupation
    0x001021A0: "X",  # Smoking Status
    0x001021B0: "X",  # Additional Patient History
    0x001021C0: "X",  # Pregnancy Status
    0x001021D0: "X",  # Last Menstrual Date
    0x001021F0: "X",  # Patient's Religious Preference
    0x00102203: "X/Z",  # Patient's Sex Neutered
    0x00102297: "X",  # Responsible Person
    0x00102299: "X",  # Responsible Organization
    0x00104000: "X",  # Patient Comments
    0x00120010: "D",  # Clinical Trial Sponsor Name
    0x00120020: "D",  # Clinical Trial Protocol ID
    0x00120021: "Z",  # Clinical Trial Protocol Name
    0x00120022: "X",  # Issuer of Clinical Trial Protocol ID
    0x00120023: "X",  # Other Clinical Trial Protocol IDs Sequence
    0x00120030: "Z",  # Clinical Trial Site ID
    0x00120031: "Z",  # Clinical Trial Site Name
    0x00120032: "X",  # Issuer of Clinical Trial Site ID
    0x00120040: "D",  # Clinical Trial Subject ID
    0x00120041: "X",  # Issuer of Clinical Trial Subject ID
    0x00120042: "D",  # Clinical Trial Subject Reading ID
    0x00120043: "X",  # Issuer of Clinical Trial Subject Reading ID
    0x00120050: "Z",  # Clinical Trial Time Point ID
    0x00120051: "X",  # Clinical Trial Time Point Description
    0x00120055: "X",  # Issuer of Clinical Trial Time Point ID
    0x00120060: "Z",  # Clinical Trial Coordinating Center Name
    0x00120071: "X",  # Clinical Trial Series ID
    0x00120072: "X",  # Clinical Trial Series Description
    0x00120073: "X",  # Issuer of Clinical Trial Series ID
    0x00120081: "D",  # Clinical Trial Protocol Ethics Committee Name
    0x00120082: "X",  # Clinical Trial Protocol Ethics Committee Approval Number
    0x00120086: "X",  # Ethics Committee Approval Effectiveness Start Date
    0x00120087: "X",  # Ethics Committee Approval Effectiveness End Date
    0x0014407C: "X",  # Calibration Time
    0x0014407E: "X",  # Calibration Date
    0x0016002B: "X",  # Maker Note
    0x0016004B: "X",  # Device Setting Description
    0x0016004D: "X",  # Camera Owner Name
    0x0016004E: "X",  # Lens Specification
    0x0016004F: "X",  # Lens Make
    0x00160050: "X",  # Lens Model
    0x00160051: "X",  # Lens Serial Number
    0x00160070: "X",  # GPS Version ID
    0x00160071: "X",  # GPS Latitude Ref
    0x00160072: "X",  # GPS Latitude
    0x00160073: "X",  # GPS Longitude Ref
    0x00160074: "X",  # GPS Longitude
    0x00160075: "X",  # GPS Altitude Ref
    0x00160076: "X",  # GPS Altitude
    0x00160077: "X",  # GPS Time Stamp
    0x00160078: "X",  # GPS Satellites
    0x00160079: "X",  # GPS Status
    0x0016007A: "X",  # GPS Measure Mode
    0x0016007B: "X",  # GPS DOP
    0x0016007C: "X",  # GPS Speed Ref
    0x0016007D: "X",  # GPS Speed
    0x0016007E: "X",  # GPS Track Ref
    0x0016007F: "X",  # GPS Track
    0x00160080: "X",  # GPS Img Direction Ref
    0x00160081: "X",  # GPS Img Direction
    0x00160082: "X",  # GPS Map Datum
    0x00160083: "X",  # GPS Dest Latitude Ref
    0x00160084: "X",  # GPS Dest Latitude
    0x00160085: "X",  # GPS Dest Longitude Ref
    0x00160086: "X",  # GPS Dest Longitude
    0x00160087: "X",  # GPS Dest Bearing Ref
    0x00160088: "X",  # GPS Dest Bearing
    0x00160089: "X",  # GPS Dest Distance Ref
    0x0016008A: "X",  # GPS Dest Distance
    0x0016008B: "X",  # GPS Processing Method
    0x0016008C: "X",  # GPS Area Information
    0x0016008D: "X",  # GPS Date Stamp
    0x0016008E: "X",  # GPS Differential
    0x00180010: "Z/D",  # Contrast/Bolus Agent
    0x00180027: "X",  # Intervention Drug Stop Time
    0x00180035: "X",  # Intervention Drug Start Time
    0x00181000: "X/Z/D",  # Device Serial Number
    0x00181002: "U",  # Device UID
    0x00181004: "X",  # Plate ID
    0x00181005: "X",  # Generator ID
    0x00181007: "X",  # Cassette ID
    0x00181008: "X",  # Gantry ID
    0x00181009: "X",  # Unique Device Identifier
    0x0018100A: "X",  # UDI Sequence
    0x0018100B: "U",  # Manufacturer's Device Class UID
    0x00181010: "X",  # Secondary Capture Device ID
    0x00181011: "X",  # Hardcopy Creation Device ID
    0x00181012: "X",  # Date of Secondary Capture
    0x00181014: "X",  # Time of Secondary Capture
    0x00181030: "X/D",  # Protocol Name
    0x00181042: "X",  # Contrast/Bolus Start Time
    0x00181043: "X",  # Contrast/Bolus Stop Time
    0x00181072: "X",  # Radiopharmaceutical Start Time
    0x00181073: "X",  # Radiopharmaceutical Stop Time
    0x00181078: "X",  # Radiopharmaceutical Start DateTime
    0x00181079: "X",  # Radiopharmaceutical Stop DateTime
    0x001811BB: "D",  # Acquisition Field of View Label
    0x00181200: "X",  # Date of Last Calibration
    0x00181201: "X",  # Time of Last Calibration
    0x00181202: "X",  # DateTime of Last Calibration
    0x00181203: "Z",  # Calibration DateTime
    0x00181204: "X",  # Date of Manufacture
    0x00181205: "X",  # Date of Installation
    0x00181400: "X/D",  # Acquisition Device Processing Description
    0x00182042: "U",  # Target UID
    0x00184000: "X",  # Acquisition Comments
    0x00185011: "X",  # Transducer Identification Sequence
    0x0018700A: "X/D",  # Detector ID
    0x0018700C: "X/D",  # Date of Last Detector Calibration
    0x0018700E: "X/D",  # Time of Last Detector Calibration
    0x00189074: "D",  # Frame Acquisition DateTime
    0x00189151: "D",  # Frame Reference DateTime
    0x00189185: "X",  # Respiratory Motion Compensation Technique Description
    0x00189367: "D",  # X-Ray Source ID
    0x00189369: "D",  # Source Start DateTime
    0x0018936A: "D",  # Source End DateTime
    0x00189371: "D",  # X-Ray Detector ID
    0x00189373: "X",  # X-Ray Detector Label
    0x0018937B: "X",  # Multi-energy Acquisition Description
    0x0018937F: "X",  # Decomposition Description
    0x00189424: "X",  # Acquisition Protocol Description
    0x00189516: "X/D",  # Start Acquisition DateTime
    0x00189517: "X/D",  # End Acquisition DateTime
    0x00189623: "D",  # Functional Sync Pulse
    0x00189701: "D",  # Decay Correction DateTime
    0x00189804: "D",  # Exclusion Start DateTime
    0x00189919: "Z/D",  # Instruction Performed DateTime
    0x00189937: "X",  # Requested Series Description
    0x0018A002: "X",  # Contribution DateTime
    0x0018A003: "X",  # Contribution Description
    0x0020000D: "U",  # Study Instance UID
    0x0020000E: "U",  # Series Instance UID
    0x00200010: "Z",  # Study ID
    0x00200027: "X",  # Pyramid Label
    0x00200052: "U",  # Frame of Reference UID
    0x00200200: "U",  # Synchronization Frame of Reference UID
    0x00203401: "X",  # Modifying Device ID
    0x00203403: "X",  # Modified Image Date
    0x00203405: "X",  # Modified Image Time
    0x00203406: "X",  # Modified Image Description
    0x00204000: "X",  # Image Comments
    0x00209158: "X",  # Frame Comments
    0x00209161: "U",  # Concatenation UID
    0x00209164: "U",  # Dimension Organization UID
    0x00281199: "U",  # Palette Color Lookup Table UID
    0x00281214: "U",  # Large Palette Color Lookup Table UID
    0x00284000: "X",  # Image Presentation Comments
    0x00320012: "X",  # Study ID Issuer
    0x00320032: "X",  # Study Verified Date
    0x00320033: "X",  # Study Verified Time
    0x00320034: "X",  # Study Read Date
    0x00320035: "X",  # Study Read Time
    0x00321000: "X",  # Scheduled Study Start Date
    0x00321001: "X",  # Scheduled Study Start Time
    0x00321010: "X",  # Scheduled Study Stop Date
    0x00321011: "X",  # Scheduled Study Stop Time
    0x00321020: "X",  # Scheduled Study Location
    0x00321021: "X",  # Scheduled Study Location AE Title
    0x00321030: "X",  # Reason for Study
    0x00321032: "X",  # Requesting Physician
    0x00321033: "X",  # Requesting Service
    0x00321040: "X",  # Study Arrival Date
    0x00321041: "X",  # Study Arrival Time
    0x00321050: "X",  # Study Completion Date
    0x00321051: "X",  # Study Completion Time
    0x00321060: "X/Z",  # Requested Procedure Description
    0x00321066: "X",  # Reason for Visit
    0x00321067: "X",  # Reason for Visit Code Sequence
    0x00321070: "X",  # Requested Contrast Agent
    0x00324000: "X",  # Study Comments
    0x00340001: "D",  # Flow Identifier Sequence
    0x00340002: "D",  # Flow Identifier
    0x00340005: "D",  # Source Identifier
    0x00340007: "D",  # Frame Origin Timestamp
    0x00380004: "X",  # Referenced Patient Alias Sequence
    0x00380010: "X",  # Admission ID
    0x00380011: "X",  # Issuer of Admission ID
    0x00380014: "X",  # Issuer of Admission ID Sequence
    0x0038001A: "X",  # Scheduled Admission Date
    0x0038001B: "X",  # Scheduled Admission Time
    0x0038001C: "X",  # Scheduled Discharge Date
    0x0038001D: "X",  # Scheduled Discharge Time
    0x0038001E: "X",  # Scheduled Patient Institution Residence
    0x00380020: "X",  # Admitting Date
    0x00380021: "X",  # Admitting Time
    0x00380030: "X",  # Discharge Date
    0x00380032: "X",  # Discharge Time
    0x00380040: "X",  # Discharge Diagnosis Description
    0x00380050: "X",  # Special Needs
    0x00380060: "X",  # Service Episode ID
    0x00380061: "X",  # Issuer of Service Episode ID
    0x00380062: "X",  # Service Episode Description
    0x00380064: "X",  # Issuer of Service Episode ID Sequence
    0x00380300: "X",  # Current Patient Location
    0x00380400: "X",  # Patient's Institution Residence
    0x00380500: "X",  # Patient State
    0x00384000: "X",  # Visit Comments
    0x003A0020: "X",  # Multiplex Group Label
    0x003A0203: "X",  # Channel Label
    0x003A020C: "X",  # Channel Derivation Description
    0x003A0310: "U",  # Multiplex Group UID
    0x003A0314: "D",  # Impedance Measurement DateTime
    0x003A0329: "X",  # Waveform Filter Description
    0x003A032B: "X",  # Filter Lookup Table Description
    0x00400001: "X",  # Scheduled Station AE Title
    0x00400002: "X",  # Scheduled Procedure Step Start Date
    0x00400003: "X",  # Scheduled Procedure Step Start Time
    0x00400004: "X",  # Scheduled Procedure Step End Date
    0x00400005: "X",  # Scheduled Procedure Step End Time
    0x00400006: "X",  # Scheduled Performing Physician's Name
    0x00400007: "X",  # Scheduled Procedure Step Description
    0x00400009: "X",  # Scheduled Procedure Step ID
    0x0040000B: "X",  # Scheduled Performing Physician Identification Sequence
    0x00400010: "X",  # Scheduled Station Name
    0x00400011: "X",  # Scheduled Procedure Step Location
    0x00400012: "X",  # Pre-Medication
    0x00400241: "X",  # Performed Station AE Title
    0x00400242: "X",  # Performed Station Name
    0x00400243: "X",  # Performed Location
    0x00400244: "X",  # Performed Procedure Step Start Date
    0x00400245: "X",  # Performed Procedure Step Start Time
    0x00400250: "X",  # Performed Procedure Step End Date
    0x00400251: "X",  # Performed Procedure Step End Time
    0x00400253: "X",  # Performed Procedure Step ID
    0x00400254: "X",  # Performed Procedure Step Description
    0x00400275: "X",  # Request Attributes Sequence
    0x00400280: "X",  # Comments on the Performed Procedure Step
    0x00400310: "X",  # Comments on Radiation Dose
    0x0040050A: "X",  # Specimen Accession Number
    0x00400512: "D",  # Container Identifier
    0x00400513: "Z",  # Issuer of the Container Identifier Sequence
    0x0040051A: "X",  # Container Description
    0x00400551: "D",  # Specimen Identifier
    0x00400554: "U",  # Specimen UID
    0x00400555: "X/Z",  # Acquisition Context Sequence
    0x00400556: "X",  # Acquisition Context Description
    0x00400562: "Z",  # Issuer of the Specimen Identifier Sequence
    0x00400600: "X",  # Specimen Short Description
    0x00400602: "X",  # Specimen Detailed Description
    0x00400610: "Z",  # Specimen Preparation Sequence
    0x004006FA: "X",  # Slide Identifier
    0x00401001: "X",  # Requested Procedure ID
    0x00401002: "X",  # Reason for the Requested Procedure
    0x00401004: "X",  # Patient Transport Arrangements
    0x00401005: "X",  # Requested Procedure Location
    0x0040100A: "X",  # Reason for Requested Procedure Code Sequence
    0x00401010: "X",  # Names of Intended Recipients of Results
    0x00401011: "X",  # Intended Recipients of Results Identification Sequence
    0x00401101: "D",  # Person Identification Code Sequence
    0x00401102: "X",  # Person's Address
    0x00401103: "X",  # Person's Telephone Numbers
    0x00401104: "X",  # Person's Telecom Information
    0x00401400: "X",  # Requested Procedure Comments
    0x00402001: "X",  # Reason for the Imaging Service Request
    0x00402004: "X",  # Issue Date of Imaging Service Request
    0x00402005: "X",  # Issue Time of Imaging Service Request
    0x00402008: "X",  # Order Entered By
    0x00402009: "X",  # Order Enterer's Location
    0x00402010: "X",  # Order Callback Phone Number
    0x00402011: "X",  # Order Callback Telecom Information
    0x00402016: "Z",  # Placer Order Number / Imaging Service Request
    0x00402017: "Z",  # Filler Order Number / Imaging Service Request
    0x00402400: "X",  # Imaging Service Request Comments
    0x00403001: "X",  # Confidentiality Constraint on Patient Data Description
    0x00404005: "X",  # Scheduled Procedure Step Start DateTime
    0x00404008: "X",  # Scheduled Procedure Step Expiration DateTime
    0x00404010: "X",  # Scheduled Procedure Step Modification DateTime
    0x00404011: "X",  # Expected Completion DateTime
    0x00404023: "U",  # Referenced General Purpose Scheduled Procedure Step Transaction UID
    0x00404025: "X",  # Scheduled Station Name Code Sequence
    0x00404027: "X",  # Scheduled Station Geographic Location Code Sequence
    0x00404028: "X",  # Performed Station Name Code Sequence
    0x00404030: "X",  # Performed Station Geographic Location Code Sequence
    0x00404034: "X",  # Scheduled Human Performers Sequence
    0x00404035: "X",  # Actual Human Performers Sequence
    0x00404036: "X",  # Human Performer's Organization
    0x00404037: "X",  # Human Performer's Name
    0x00404050: "X",  # Performed Procedure Step Start DateTime
    0x00404051: "X",  # Performed Procedure Step End DateTime
    0x00404052: "X",  # Procedure Step Cancellation DateTime
    0x0040A023: "X",  # Findings Group Recording Date (Trial)
    0x0040A024: "X",  # Findings Group Recording Time (Trial)
    0x0040A027: "D",  # Verifying Organization
    0x0040A030: "D",  # Verification DateTime
    0x0040A032: "X/D",  # Observation DateTime
    0x0040A033: "X",  # Observation Start DateTime
    0x0040A034: "X",  # 
    0x0040A035: "X",  # 
    0x0040A073: "D",  # Verifying Observer Sequence
    0x0040A075: "D",  # Verifying Observer Name
    0x0040A078: "X",  # Author Observer Sequence
    0x0040A07A: "X",  # Participant Sequence
    0x0040A07C: "X",  # Custodial Organization Sequence
    0x0040A082: "Z",  # Participation DateTime
    0x0040A088: "Z",  # Verifying Observer Identification Code Sequence
    0x0040A110: "X",  # Date of Document or Verbal Transaction (Trial)
    0x0040A112: "X",  # Time of Document Creation or Verbal Transaction (Trial)
    0x0040A120: "D",  # DateTime
    0x0040A121: "D",  # Date
    0x0040A122: "D",  # Time
    0x0040A123: "D",  # Person Name
    0x0040A124: "U",  # UID
    0x0040A13A: "D",  # Referenced DateTime
    0x0040A171: "U",  # Observation UID
    0x0040A172: "U",  # Referenced Observation UID (Trial)
    0x0040A192: "X",  # Observation Date (Trial)
    0x0040A193: "X",  # Observation Time (Trial)
    0x0040A307: "X",  # Current Observer (Trial)
    0x0040A352: "X",  # Verbal Source (Trial)
    0x0040A353: "X",  # Address (Trial)
    0x0040A354: "X",  # Telephone Number (Trial)
    0x0040A358: "X",  # Verbal Source Identifier Code Sequence (Trial)
    0x0040A402: "U",  # Observation Subject UID (Trial)
    0x0040A730: "D",  # Content Sequence
    0x0040B020: "X/D",  # Waveform Annotation Sequence
    0x0040B034: "X",  # 
    0x0040B036: "X",  # 
    0x0040B03B: "X",  # 
    0x0040B03F: "X",  # 
    0x0040DB06: "X",  # Template Version
    0x0040DB07: "X",  # Template Local Version
    0x0040DB0C: "U",  # Template Extension Organization UID
    0x0040DB0D: "U",  # Template Extension Creator UID
    0x0040E004: "X",  # HL7 Document Effective Time
    0x0040E012: "X",  # 
    0x00420011: "D",  # Encapsulated Document
    0x00440004: "X",  # Approval Status DateTime
    0x0044000B: "X",  # Product Expiration DateTime
    0x00440010: "X",  # Substance Administration DateTime
    0x00440104: "D",  # Assertion DateTime
    0x00440105: "X",  # Assertion Expiration DateTime
    0x0050001B: "X",  # Container Component ID
    0x00500020: "X",  # Device Description
    0x00500021: "X",  # Long Device Description
    0x00620021: "U",  # Tracking UID
    0x00640003: "U",  # Source Frame of Reference UID
    0x00686226: "D",  # Effective DateTime
    0x00686270: "D",  # Information Issue DateTime
    0x006A0003: "D",  # Annotation Group UID
    0x006A0005: "D",  # Annotation Group Label
    0x006A0006: "X",  # Annotation Group Description
    0x00700001: "D",  # Graphic Annotation Sequence
    0x00700006: "D",  # Unformatted Text Value
    0x00700082: "X",  # Presentation Creation Date
    0x00700083: "X",  # Presentation Creation Time
    0x00700084: "Z/D",  # Content Creator's Name
    0x00700086: "X",  # Content Creator's Identification Code Sequence
    0x0070031A: "U",  # Fiducial UID
    0x00701101: "U",  # Presentation Display Collection UID
    0x00701102: "U",  # Presentation Sequence Collection UID
    0x0072000A: "D",  # Hanging Protocol Creation DateTime
    0x0072005E: "D",  # Selector AE Value
    0x0072005F: "D",  # Selector AS Value
    0x00720061: "D",  # Selector DA Value
    0x00720063: "D",  # Selector DT Value
    0x00720065: "D",  # Selector OB Value
    0x00720066: "D",  # Selector LO Value
    0x00720068: "D",  # Selector LT Value
    0x0072006A: "D",  # Selector PN Value
    0x0072006B: "D",  # Selector TM Value
    0x0072006C: "D",  # Selector SH Value
    0x0072006D: "D",  # Selector UN Value
    0x0072006E: "D",  # Selector ST Value
    0x00720070: "D",  # Selector UT Value
    0x00720071: "D",  # Selector UR Value
    0x00741234: "X",  # Receiving AE
    0x00741236: "X",  # Requesting AE
    0x00880140: "U",  # Storage Media File-set UID
    0x00880200: "X",  # Icon Image Sequence
    0x00880904: "X",  # Topic Title
    0x00880906: "X",  # Topic Subject
    0x00880910: "X",  # Topic Author
    0x00880912: "X",  # Topic Keywords
    0x01000420: "X",  # SOP Authorization DateTime
    0x04000100: "U",  # Digital Signature UID
    0x04000105: "D",  # Digital Signature DateTime
    0x04000115: "D",  # Certificate of Signer
    0x04000310: "X",  # Certified Timestamp
    0x04000402: "X",  # Referenced Digital Signature Sequence
    0x04000403: "X",  # Referenced SOP Instance MAC Sequence
    0x04000404: "X",  # MAC
    0x04000550: "X",  # Modified Attributes Sequence
    0x04000551: "X",  # Nonconforming Modified Attributes Sequence
    0x04000552: "X",  # Nonconforming Data Element Value
    0x04000561: "X",  # Original Attributes Sequence
    0x04000562: "D",  # Attribute Modification DateTime
    0x04000563: "D",  # Modifying System
    0x04000564: "Z",  # Source of Previous Values
    0x04000565: "D",  # Reason for the Attribute Modification
    0x04000600: "X",  # Instance Origin Status
    0x20300020: "X",  # Text String
    0x21000040: "X",  # Creation Date
    0x21000050: "X",  # Creation Time
    0x21000070: "X",  # Originator
    0x21000140: "D",  # Destination AE
    0x22000002: "X/Z",  # Label Text
    0x22000005: "X/Z",  # Barcode Value
    0x30020121: "X",  # Position Acquisition Template Name
    0x30020123: "X",  # Position Acquisition Template Description
    0x30060002: "D",  # Structure Set Label
    0x30060004: "X",  # Structure Set Name
    0x30060006: "X",  # Structure Set Description
    0x30060008: "Z",  # Structure Set Date
    0x30060009: "Z",  # Structure Set Time
    0x30060024: "U",  # Referenced Frame of Reference UID
    0x30060026: "Z",  # ROI Name
    0x30060028: "X",  # ROI Description
    0x3006002D: "X",  # ROI DateTime
    0x3006002E: "X",  # ROI Observation DateTime
    0x30060038: "X",  # ROI Generation Description
    0x3006004D: "X",  # ROI Creator Sequence
    0x3006004E: "X",  # ROI Interpreter Sequence
    0x30060085: "X",  # ROI Observation Label
    0x30060088: "X",  # ROI Observation Description
    0x300600A6: "Z",  # ROI Interpreter
    0x300600C2: "U",  # Related Frame of Reference UID
    0x30080024: "D",  # Treatment Control Point Date
    0x30080025: "D",  # Treatment Control Point Time
    0x30080054: "X/D",  # First Treatment Date
    0x30080056: "X/D",  # Most Recent Treatment Date
    0x30080105: "X/Z",  # Source Serial Number
    0x30080162: "D",  # Safe Position Exit Date
    0x30080164: "D",  # Safe Position Exit Time
    0x30080166: "D",  # Safe Position Return Date
    0x30080168: "D",  # Safe Position Return Time
    0x30080250: "X/D",  # Treatment Date
    0x30080251: "X/D",  # Treatment Time
    0x300A0002: "D",  # RT Plan Label
    0x300A0003: "X",  # RT Plan Name
    0x300A0004: "X",  # RT Plan Description
    0x300A0006: "X/D",  # RT Plan Date
    0x300A0007: "X/D",  # RT Plan Time
    0x300A000B: "X",  # Treatment Sites
    0x300A000E: "X",  # Prescription Description
    0x300A0013: "U",  # Dose Reference UID
    0x300A0016: "X",  # Dose Reference Description
    0x300A0054: "U",  # Table Top Position Alignment UID
    0x300A0072: "X",  # Fraction Group Description
    0x300A0083: "U",  # Referenced Dose Reference UID
    0x300A00B2: "X/Z",  # Treatment Machine Name
    0x300A00C3: "X",  # Beam Description
    0x300A00DD: "X",  # Bolus Description
    0x300A0196: "X",  # Fixation Device Description
    0x300A01A6: "X",  # Shielding Device Description
    0x300A01B2: "X",  # Setup Technique Description
    0x300A0216: "X",  # Source Manufacturer
    0x300A022C: "D",  # Source Strength Reference Date
    0x300A022E: "D",  # Source Strength Reference Time
    0x300A02EB: "X",  # Compensator Description
    0x300A0608: "D",  # Treatment Position Group Label
    0x300A0609: "U",  # Treatment Position Group UID
    0x300A0611: "Z",  # RT Accessory Holder Slot ID
    0x300A0615: "Z",  # RT Accessory Device Slot ID
    0x300A0619: "D",  # Radiation Dose Identification Label
    0x300A0623: "D",  # Radiation Dose In-Vivo Measurement Label
    0x300A062A: "D",  # RT Tolerance Set Label
    0x300A0650: "U",  # Patient Setup UID
    0x300A0676: "X",  # Equipment Frame of Reference Description
    0x300A067C: "D",  # Radiation GenerationMode Label
    0x300A067D: "Z",  # Radiation GenerationMode Description
    0x300A0700: "U",  # Treatment Session UID
    0x300A0734: "D",  # Treatment Tolerance Violation Description
    0x300A0736: "D",  # Treatment Tolerance Violation DateTime
    0x300A073A: "D",  # Recorded RT Control Point DateTime
    0x300A0741: "D",  # Interlock DateTime
    0x300A0742: "D",  # Interlock Description
    0x300A0760: "D",  # Override DateTime
    0x300A0783: "D",  # Interlock Origin Description
    0x300A0785: "U",  # Referenced Treatment Position Group UID
    0x300A078E: "X",  # Patient Treatment Preparation Procedure Parameter Description
    0x300A0792: "X",  # Patient Treatment Preparation Method Description
    0x300A0794: "X",  # Patient Setup Photo Description
    0x300A079A: "X",  # Displacement Reference Label
    0x300C0113: "X",  # Reason for Omission Description
    0x300C0127: "D",  # Beam Hold Transition DateTime
    0x300E0004: "Z",  # Review Date
    0x300E0005: "Z",  # Review Time
    0x300E0008: "X/Z",  # Reviewer Name
    0x30100006: "U",  # Conceptual Volume UID
    0x3010000B: "U",  # Referenced Conceptual Volume UID
    0x3010000F: "Z",  # Conceptual Volume Combination Description
    0x30100013: "U",  # Constituent Conceptual Volume UID
    0x30100015: "U",  # Source Conceptual Volume UID
    0x30100017: "Z",  # Conceptual Volume Description
    0x3010001B: "Z",  # Device Alternate Identifier
    0x3010002D: "D",  # Device Label
    0x30100031: "U",  # Referenced Fiducials UID
    0x30100033: "D",  # User Content Label
    0x30100034: "D",  # User Content Long Label
    0x30100035: "D",  # Entity Label
    0x30100036: "X",  # Entity Name
    0x30100037: "X",  # Entity Description
    0x30100038: "D",  # Entity Long Label
    0x3010003B: "U",  # RT Treatment Phase UID
    0x30100043: "Z",  # Manufacturer's Device Identifier
    0x3010004C: "X/D",  # Intended Phase Start Date
    0x3010004D: "X/D",  # Intended Phase End Date
    0x30100054: "D",  # RT Prescription Label
    0x30100056: "X/D",  # RT Treatment Approach Label
    0x3010005A: "Z",  # RT Physician Intent Narrative
    0x3010005C: "Z",  # Reason for Superseding
    0x30100061: "X",  # Prior Treatment Dose Description
    0x3010006E: "U",  # Dosimetric Objective UID
    0x3010006F: "U",  # Referenced Dosimetric Objective UID
    0x30100077: "X/D",  # Treatment Site
    0x3010007A: "Z",  # Treatment Technique Notes
    0x3010007B: "Z",  # Prescription Notes
    0x3010007F: "Z",  # Fractionation Notes
    0x30100081: "Z",  # Prescription Notes Sequence
    0x30100085: "X",  # Intended Fraction Start Time
    0x40000010: "X",  # Arbitrary
    0x40004000: "X",  # Text Comments
    0x40080040: "X",  # Results ID
    0x40080042: "X",  # Results ID Issuer
    0x40080100: "X",  # Interpretation Recorded Date
    0x40080101: "X",  # Interpretation Recorded Time
    0x40080102: "X",  # Interpretation Recorder
    0x40080108: "X",  # Interpretation Transcription Date
    0x40080109: "X",  # Interpretation Transcription Time
    0x4008010A: "X",  # Interpretation Transcriber
    0x4008010B: "X",  # Interpretation Text
    0x4008010C: "X",  # Interpretation Author
    0x40080111: "X",  # Interpretation Approver Sequence
    0x40080112: "X",  # Interpretation Approval Date
    0x40080113: "X",  # Interpretation Approval Time
    0x40080114: "X",  # Physician Approving Interpretation
    0x40080115: "X",  # Interpretation Diagnosis Description
    0x40080118: "X",  # Results Distribution List Sequence
    0x40080119: "X",  # Distribution Name
    0x4008011A: "X",  # Distribution Address
    0x40080200: "X",  # Interpretation ID
    0x40080202: "X",  # Interpretation ID Issuer
    0x40080300: "X",  # Impressions
    0x40084000: "X",  # Results Comments
    0xFFFAFFFA: "X",  # Digital Signatures Sequence
    0xFFFCFFFC: "X",  # Data Set Trailing Padding
}

MASKED_PROFILE: tuple[tuple[int, int, str], ...] = (
    (0x50000000, 0xFF000000, "X"),
    (0x60003000, 0xFF00FFFF, "X"),
    (0x60004000, 0xFF00FFFF, "X"),
)

OPTION_RETAIN_MODIFIED_DATES: dict[int, str] = {
    0x00080012: "C",  # Instance Creation Date
    0x00080013: "C",  # Instance Creation Time
    0x00080015: "C",  # Instance Coercion DateTime
    0x00080020: "C",  # Study Date
    0x00080021: "C",  # Series Date
    0x00080022: "C",  # Acquisition Date
    0x00080023: "C",  # Content Date
    0x00080024: "C",  # Overlay Date
    0x00080025: "C",  # Curve Date
    0x0008002A: "C",  # Acquisition DateTime
    0x00080030: "C",  # Study Time
    0x00080031: "C",  # Series Time
    0x00080032: "C",  # Acquisition Time
    0x00080033: "C",  # Content Time
    0x00080034: "C",  # Overlay Time
    0x00080035: "C",  # Curve Time
    0x00080106: "C",  # Context Group Version
    0x00080107: "C",  # Context Group Local Version
    0x00080201: "C",  # Timezone Offset From UTC
    0x001021D0: "C",  # Last Menstrual Date
    0x00120086: "C",  # Ethics Committee Approval Effectiveness Start Date
    0x00120087: "C",  # Ethics Committee Approval Effectiveness End Date
    0x0014407C: "C",  # Calibration Time
    0x0014407E: "C",  # Calibration Date
    0x0016008D: "C",  # GPS Date Stamp
    0x00180027: "C",  # Intervention Drug Stop Time
    0x00180035: "C",  # Intervention Drug Start Time
    0x00181012: "C",  # Date of Secondary Capture
    0x00181014: "C",  # Time of Secondary Capture
    0x00181042: "C",  # Contrast/Bolus Start Time
    0x00181043: "C",  # Contrast/Bolus Stop Time
    0x00181072: "C",  # Radiopharmaceutical Start Time
    0x00181073: "C",  # Radiopharmaceutical Stop Time
    0x00181078: "C",  # Radiopharmaceutical Start DateTime
    0x00181079: "C",  # Radiopharmaceutical Stop DateTime
    0x00181200: "C",  # Date of Last Calibration
    0x00181201: "C",  # Time of Last Calibration
    0x00181202: "C",  # DateTime of Last Calibration
    0x00181203: "C",  # Calibration DateTime
    0x00181204: "C",  # Date of Manufacture
    0x00181205: "C",  # Date of Installation
    0x0018700C: "C",  # Date of Last Detector Calibration
    0x0018700E: "C",  # Time of Last Detector Calibration
    0x00189074: "C",  # Frame Acquisition DateTime
    0x00189151: "C",  # Frame Reference DateTime
    0x00189369: "C",  # Source Start DateTime
    0x0018936A: "C",  # Source End DateTime
    0x00189516: "C",  # Start Acquisition DateTime
    0x00189517: "C",  # End Acquisition DateTime
    0x00189623: "C",  # Functional Sync Pulse
    0x00189701: "C",  # Decay Correction DateTime
    0x00189804: "C",  # Exclusion Start DateTime
    0x00189919: "C",  # Instruction Performed DateTime
    0x0018A002: "C",  # Contribution DateTime
    0x00203403: "C",  # Modified Image Date
    0x00203405: "C",  # Modified Image Time
    0x00320032: "C",  # Study Verified Date
    0x00320033: "C",  # Study Verified Time
    0x00320034: "C",  # Study Read Date
    0x00320035: "C",  # Study Read Time
    0x00321000: "C",  # Scheduled Study Start Date
    0x00321001: "C",  # Scheduled Study Start Time
    0x00321010: "C",  # Scheduled Study Stop Date
    0x00321011: "C",  # Scheduled Study Stop Time
    0x00321040: "C",  # Study Arrival Date
    0x00321041: "C",  # Study Arrival Time
    0x00321050: "C",  # Study Completion Date
    0x00321051: "C",  # Study Completion Time
    0x00340007: "C",  # Frame Origin Timestamp
    0x0038001A: "C",  # Scheduled Admission Date
    0x0038001B: "C",  # Scheduled Admission Time
    0x0038001C: "C",  # Scheduled Discharge Date
    0x0038001D: "C",  # Scheduled Discharge Time
    0x00380020: "C",  # Admitting Date
    0x00380021: "C",  # Admitting Time
    0x00380030: "C",  # Discharge Date
    0x00380032: "C",  # Discharge Time
    0x003A0314: "C",  # Impedance Measurement DateTime
    0x00400002: "C",  # Scheduled Procedure Step Start Date
    0x00400003: "C",  # Scheduled Procedure Step Start Time
    0x00400004: "C",  # Scheduled Procedure Step End Date
    0x00400005: "C",  # Scheduled Procedure Step End Time
    0x00400244: "C",  # Performed Procedure Step Start Date
    0x00400245: "C",  # Performed Procedure Step Start Time
    0x00400250: "C",  # Performed Procedure Step End Date
    0x00400251: "C",  # Performed Procedure Step End Time
    0x00402004: "C",  # Issue Date of Imaging Service Request
    0x00402005: "C",  # Issue Time of Imaging Service Request
    0x00404005: "C",  # Scheduled Procedure Step Start DateTime
    0x00404008: "C",  # Scheduled Procedure Step Expiration DateTime
    0x00404010: "C",  # Scheduled Procedure Step Modification DateTime
    0x00404011: "C",  # Expected Completion DateTime
    0x00404050: "C",  # Performed Procedure Step Start DateTime
    0x00404051: "C",  # Performed Procedure Step End DateTime
    0x00404052: "C",  # Procedure Step Cancellation DateTime
    0x0040A023: "C",  # Findings Group Recording Date (Trial)
    0x0040A024: "C",  # Findings Group Recording Time (Trial)
    0x0040A030: "C",  # Verification DateTime
    0x0040A032: "C",  # Observation DateTime
    0x0040A033: "C",  # Observation Start DateTime
    0x0040A082: "C",  # Participation DateTime
    0x0040A110: "C",  # Date of Document or Verbal Transaction (Trial)
    0x0040A112: "C",  # Time of Document Creation or Verbal Transaction (Trial)
    0x0040A120: "C",  # DateTime
    0x0040A121: "C",  # Date
    0x0040A122: "C",  # Time
    0x0040A13A: "C",  # Referenced DateTime
    0x0040A192: "C",  # Observation Date (Trial)
    0x0040A193: "C",  # Observation Time (Trial)
    0x0040DB06: "C",  # Template Version
    0x0040DB07: "C",  # Template Local Version
    0x0040E004: "C",  # HL7 Document Effective Time
    0x00440004: "C",  # Approval Status DateTime
    0x0044000B: "C",  # Product Expiration DateTime
    0x00440010: "C",  # Substance Administration DateTime
    0x00440104: "C",  # Assertion DateTime
    0x00440105: "C",  # Assertion Expiration DateTime
    0x00686226: "C",  # Effective DateTime
    0x00686270: "C",  # Information Issue DateTime
    0x00700082: "C",  # Presentation Creation Date
    0x00700083: "C",  # Presentation Creation Time
    0x0072000A: "C",  # Hanging Protocol Creation DateTime
    0x00720061: "C",  # Selector DA Value
    0x00720063: "C",  # Selector DT Value
    0x0072006B: "C",  # Selector TM Value
    0x01000420: "C",  # SOP Authorization DateTime
    0x04000105: "C",  # Digital Signature DateTime
    0x04000562: "C",  # Attribute Modification DateTime
    0x21000040: "C",  # Creation Date
    0x21000050: "C",  # Creation Time
    0x30060008: "C",  # Structure Set Date
    0x30060009: "C",  # Structure Set Time
    0x3006002D: "C",  # ROI DateTime
    0x3006002E: "C",  # ROI Observation DateTime
    0x30080024: "C",  # Treatment Control Point Date
    0x30080025: "C",  # Treatment Control Point Time
    0x30080054: "C",  # First Treatment Date
    0x30080056: "C",  # Most Recent Treatment Date
    0x30080162: "C",  # Safe Position Exit Date
    0x30080164: "C",  # Safe Position Exit Time
    0x30080166: "C",  # Safe Position Return Date
    0x30080168: "C",  # Safe Position Return Time
    0x30080250: "C",  # Treatment Date
    0x30080251: "C",  # Treatment Time
    0x300A0006: "C",  # RT Plan Date
    0x300A0007: "C",  # RT Plan Time
    0x300A022C: "C",  # Source Strength Reference Date
    0x300A022E: "C",  # Source Strength Reference Time
    0x300A0736: "C",  # Treatment Tolerance Violation DateTime
    0x300A073A: "C",  # Recorded RT Control Point DateTime
    0x300A0741: "C",  # Interlock DateTime
    0x300A0760: "C",  # Override DateTime
    0x300C0127: "C",  # Beam Hold Transition DateTime
    0x300E0004: "C",  # Review Date
    0x300E0005: "C",  # Review Time
    0x3010004C: "C",  # Intended Phase Start Date
    0x3010004D: "C",  # Intended Phase End Date
    0x30100085: "C",  # Intended Fraction Start Time
    0x40080100: "C",  # Interpretation Recorded Date
    0x40080101: "C",  # Interpretation Recorded Time
    0x40080108: "C",  # Interpretation Transcription Date
    0x40080109: "C",  # Interpretation Transcription Time
    0x40080112: "C",  # Interpretation Approval Date
    0x40080113: "C",  # Interpretation Approval Time
}

OPTION_CLEAN_DESCRIPTORS: dict[int, str] = {
    0x00081030: "C",  # Study Description
    0x0008103E: "C",  # Series Description
    0x00081080: "C",  # Admitting Diagnoses Description
    0x00081084: "C",  # Admitting Diagnoses Code Sequence
    0x00082111: "C",  # Derivation Description
    0x00084000: "C",  # Identifying Comments
    0x00102000: "C",  # Medical Alerts
    0x00102110: "C",  # Allergies
    0x00102180: "C",  # Occupation
    0x001021B0: "C",  # Additional Patient History
    0x00104000: "C",  # Patient Comments
    0x00120051: "C",  # Clinical Trial Time Point Description
    0x00120072: "C",  # Clinical Trial Series Description
    0x0016002B: "C",  # Maker Note
    0x0016004B: "C",  # Device Setting Description
    0x00180010: "C",  # Contrast/Bolus Agent
    0x00181030: "C",  # Protocol Name
    0x00181400: "C",  # Acquisition Device Processing Description
    0x00184000: "C",  # Acquisition Comments
    0x00189185: "C",  # Respiratory Motion Compensation Technique Description
    0x0018937B: "C",  # Multi-energy Acquisition Description
    0x0018937F: "C",  # Decomposition Description
    0x00189424: "C",  # Acquisition Protocol Description
    0x0018A003: "C",  # Contribution Description
    0x00204000: "C",  # Image Comments
    0x00209158: "C",  # Frame Comments
    0x00321030: "C",  # Reason for Study
    0x00321060: "C",  # Requested Procedure Description
    0x00321066: "C",  # Reason for Visit
    0x00321067: "C",  # Reason for Visit Code Sequence
    0x00321070: "C",  # Requested Contrast Agent
    0x00324000: "C",  # Study Comments
    0x00380040: "C",  # Discharge Diagnosis Description
    0x00380062: "C",  # Service Episode Description
    0x00380500: "C",  # Patient State
    0x00384000: "C",  # Visit Comments
    0x00400007: "C",  # Scheduled Procedure Step Description
    0x00400254: "C",  # Performed Procedure Step Description
    0x00400275: "C",  # Request Attributes Sequence
    0x00400280: "C",  # Comments on the Performed Procedure Step
    0x0040051A: "C",  # Container Description
    0x00400600: "C",  # Specimen Short Description
    0x00400602: "C",  # Specimen Detailed Description
    0x00401002: "C",  # Reason for the Requested Procedure
    0x0040100A: "C",  # Reason for Requested Procedure Code Sequence
    0x00401400: "C",  # Requested Procedure Comments
    0x00402001: "C",  # Reason for the Imaging Service Request
    0x00402400: "C",  # Imaging Service Request Comments
    0x00500021: "C",  # Long Device Description
    0x22000002: "C",  # Label Text
    0x300A0002: "C",  # RT Plan Label
    0x300A0003: "C",  # RT Plan Name
    0x300A0004: "C",  # RT Plan Description
    0x300A000E: "C",  # Prescription Description
    0x300A0016: "C",  # Dose Reference Description
    0x300A0072: "C",  # Fraction Group Description
    0x300A00C3: "C",  # Beam Description
    0x300A00DD: "C",  # Bolus Description
    0x300A0196: "C",  # Fixation Device Description
    0x300A01A6: "C",  # Shielding Device Description
    0x300A01B2: "C",  # Setup Technique Description
    0x300A02EB: "C",  # Compensator Description
    0x300A0608: "C",  # Treatment Position Group Label
    0x300A0619: "C",  # Radiation Dose Identification Label
    0x300A0623: "C",  # Radiation Dose In-Vivo Measurement Label
    0x300A062A: "C",  # RT Tolerance Set Label
    0x300A0676: "C",  # Equipment Frame of Reference Description
    0x300A067C: "C",  # Radiation GenerationMode Label
    0x300A067D: "C",  # Radiation GenerationMode Description
    0x300C0113: "C",  # Reason for Omission Description
    0x3010000F: "C",  # Conceptual Volume Combination Description
    0x30100017: "C",  # Conceptual Volume Description
    0x30100033: "C",  # User Content Label
    0x30100034: "C",  # User Content Long Label
    0x30100035: "C",  # Entity Label
    0x30100036: "C",  # Entity Name
    0x30100037: "C",  # Entity Description
    0x30100038: "C",  # Entity Long Label
    0x30100054: "C",  # RT Prescription Label
    0x30100056: "C",  # RT Treatment Approach Label
    0x3010005A: "C",  # RT Physician Intent Narrative
    0x3010005C: "C",  # Reason for Superseding
    0x30100061: "C",  # Prior Treatment Dose Description
    0x30100077: "C",  # Treatment Site
    0x3010007A: "C",  # Treatment Technique Notes
    0x3010007B: "C",  # Prescription Notes
    0x3010007F: "C",  # Fractionation Notes
    0x30100081: "C",  # Prescription Notes Sequence
    0x4008010B: "C",  # Interpretation Text
    0x40080115: "C",  # Interpretation Diagnosis Description
    0x40080300: "C",  # Impressions
    0x40084000: "C",  # Results Comments
}

OPTION_RETAIN_PATIENT_CHARACTERISTICS: dict[int, str] = {
    0x00100040: "K",  # Patient's Sex
    0x00101010: "K",  # Patient's Age
    0x00101020: "K",  # Patient's Size
    0x00101030: "K",  # Patient's Weight
    0x00102110: "C",  # Allergies
    0x00102160: "K",  # Ethnic Group
    0x001021A0: "K",  # Smoking Status
    0x001021C0: "K",  # Pregnancy Status
    0x00102203: "K",  # Patient's Sex Neutered
    0x00380050: "C",  # Special Needs
    0x00380500: "C",  # Patient State
    0x00400012: "C",  # Pre-Medication
}

SOP_CLASS_IOD: dict[str, str] = {
    "1.2.840.10008.5.1.4.1.1.1": "cr-image",
    "1.2.840.10008.5.1.4.1.1.1.1": "digital-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.1.1.1": "digital-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.1.2": "digital-mammography-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.1.2.1": "digital-mammography-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.1.3": "digital-intra-oral-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.1.3.1": "digital-intra-oral-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.104.1": "encapsulated-pdf",
    "1.2.840.10008.5.1.4.1.1.104.2": "encapsulated-cda",
    "1.2.840.10008.5.1.4.1.1.104.3": "encapsulated-stl",
    "1.2.840.10008.5.1.4.1.1.104.4": "encapsulated-obj",
    "1.2.840.10008.5.1.4.1.1.104.5": "encapsulated-mtl",
    "1.2.840.10008.5.1.4.1.1.11.1": "grayscale-softcopy-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.10": "volume-rendering-volumetric-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.11": "volume-rendering-volumetric-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.2": "color-softcopy-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.3": "pseudo-color-softcopy-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.4": "blending-softcopy-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.5": "xa-xrf-grayscale-softcopy-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.6": "planar-mpr-volumetric-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.7": "planar-mpr-volumetric-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.8": "advanced-blending-presentation-state",
    "1.2.840.10008.5.1.4.1.1.11.9": "volume-rendering-volumetric-presentation-state",
    "1.2.840.10008.5.1.4.1.1.12.1": "x-ray-angiographic-image",
    "1.2.840.10008.5.1.4.1.1.12.1.1": "enhanced-xa-image",
    "1.2.840.10008.5.1.4.1.1.12.2": "x-ray-radiofluoroscopic-image",
    "1.2.840.10008.5.1.4.1.1.12.2.1": "enhanced-xrf-image",
    "1.2.840.10008.5.1.4.1.1.128": "pet-image",
    "1.2.840.10008.5.1.4.1.1.128.1": "legacy-converted-enhanced-pet-image",
    "1.2.840.10008.5.1.4.1.1.13.1.1": "x-ray-3d-angiographic-image",
    "1.2.840.10008.5.1.4.1.1.13.1.2": "x-ray-3d-craniofacial-image",
    "1.2.840.10008.5.1.4.1.1.13.1.3": "breast-tomosynthesis-image",
    "1.2.840.10008.5.1.4.1.1.13.1.4": "breast-projection-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.13.1.5": "breast-projection-x-ray-image",
    "1.2.840.10008.5.1.4.1.1.130": "enhanced-pet-image",
    "1.2.840.10008.5.1.4.1.1.131": "basic-structured-display",
    "1.2.840.10008.5.1.4.1.1.14.1": "intravascular-optical-coherence-tomography-image",
    "1.2.840.10008.5.1.4.1.1.14.2": "intravascular-optical-coherence-tomography-image",
    "1.2.840.10008.5.1.4.1.1.2": "ct-image",
    "1.2.840.10008.5.1.4.1.1.2.1": "enhanced-ct-image",
    "1.2.840.10008.5.1.4.1.1.2.2": "legacy-converted-enhanced-ct-image",
    "1.2.840.10008.5.1.4.1.1.20": "nm-image",
    "1.2.840.10008.5.1.4.1.1.200.2": "ct-performed-procedure-protocol",
    "1.2.840.10008.5.1.4.1.1.3.1": "us-multi-frame-image",
    "1.2.840.10008.5.1.4.1.1.30": "parametric-map",
    "1.2.840.10008.5.1.4.1.1.4": "mr-image",
    "1.2.840.10008.5.1.4.1.1.4.1": "enhanced-mr-image",
    "1.2.840.10008.5.1.4.1.1.4.2": "mr-spectroscopy",
    "1.2.840.10008.5.1.4.1.1.4.3": "enhanced-mr-color-image",
    "1.2.840.10008.5.1.4.1.1.4.4": "legacy-converted-enhanced-mr-image",
    "1.2.840.10008.5.1.4.1.1.481.1": "rt-image",
    "1.2.840.10008.5.1.4.1.1.481.10": "rt-physician-intent",
    "1.2.840.10008.5.1.4.1.1.481.11": "rt-segment-annotation",
    "1.2.840.10008.5.1.4.1.1.481.12": "rt-radiation-set",
    "1.2.840.10008.5.1.4.1.1.481.13": "c-arm-photon-electron-radiation",
    "1.2.840.10008.5.1.4.1.1.481.14": "tomotherapeutic-radiation",
    "1.2.840.10008.5.1.4.1.1.481.15": "robotic-arm-radiation",
    "1.2.840.10008.5.1.4.1.1.481.2": "rt-dose",
    "1.2.840.10008.5.1.4.1.1.481.3": "rt-structure-set",
    "1.2.840.10008.5.1.4.1.1.481.4": "rt-beams-treatment-record",
    "1.2.840.10008.5.1.4.1.1.481.5": "rt-plan",
    "1.2.840.10008.5.1.4.1.1.481.6": "rt-brachy-treatment-record",
    "1.2.840.10008.5.1.4.1.1.481.7": "rt-treatment-summary-record",
    "1.2.840.10008.5.1.4.1.1.481.8": "rt-ion-plan",
    "1.2.840.10008.5.1.4.1.1.481.9": "rt-ion-beams-treatment-record",
    "1.2.840.10008.5.1.4.1.1.6.1": "us-image",
    "1.2.840.10008.5.1.4.1.1.6.2": "enhanced-us-volume",
    "1.2.840.10008.5.1.4.1.1.66": "raw-data",
    "1.2.840.10008.5.1.4.1.1.66.1": "spatial-registration",
    "1.2.840.10008.5.1.4.1.1.66.2": "spatial-fiducials",
    "1.2.840.10008.5.1.4.1.1.66.3": "deformable-spatial-registration",
    "1.2.840.10008.5.1.4.1.1.66.4": "segmentation",
    "1.2.840.10008.5.1.4.1.1.66.5": "surface-segmentation",
    "1.2.840.10008.5.1.4.1.1.66.6": "tractography-results",
    "1.2.840.10008.5.1.4.1.1.67": "real-world-value-mapping",
    "1.2.840.10008.5.1.4.1.1.68.1": "surface-scan-mesh",
    "1.2.840.10008.5.1.4.1.1.68.2": "surface-scan-point-cloud",
    "1.2.840.10008.5.1.4.1.1.7": "secondary-capture-image",
    "1.2.840.10008.5.1.4.1.1.7.1": "multi-frame-single-bit-sc-image",
    "1.2.840.10008.5.1.4.1.1.7.2": "multi-frame-grayscale-byte-sc-image",
    "1.2.840.10008.5.1.4.1.1.7.3": "multi-frame-grayscale-word-sc-image",
    "1.2.840.10008.5.1.4.1.1.7.4": "multi-frame-true-color-sc-image",
    "1.2.840.10008.5.1.4.1.1.77.1.1": "vl-endoscopic-image",
    "1.2.840.10008.5.1.4.1.1.77.1.1.1": "video-endoscopic-image",
    "1.2.840.10008.5.1.4.1.1.77.1.2": "vl-microscopic-image",
    "1.2.840.10008.5.1.4.1.1.77.1.2.1": "video-microscopic-image",
    "1.2.840.10008.5.1.4.1.1.77.1.3": "vl-slide-coordinates-microscopic-image",
    "1.2.840.10008.5.1.4.1.1.77.1.4": "vl-photographic-image",
    "1.2.840.10008.5.1.4.1.1.77.1.4.1": "video-photographic-image",
    "1.2.840.10008.5.1.4.1.1.77.1.5.1": "ophthalmic-photography-8-bit-image",
    "1.2.840.10008.5.1.4.1.1.77.1.5.2": "ophthalmic-photography-16-bit-image",
    "1.2.840.10008.5.1.4.1.1.77.1.5.3": "stereometric-relationship",
    "1.2.840.10008.5.1.4.1.1.77.1.5.4": "ophthalmic-tomography-image",
    "1.2.840.10008.5.1.4.1.1.77.1.5.5": "wide-field-ophthalmic-photography-stereographic-projection-image",
    "1.2.840.10008.5.1.4.1.1.77.1.5.6": "wide-field-ophthalmic-photography-3d-coordinates-image",
    "1.2.840.10008.5.1.4.1.1.77.1.5.7": "ophthalmic-optical-coherence-tomography-en-face-image",
    "1.2.840.10008.5.1.4.1.1.77.1.5.8": "ophthalmic-optical-coherence-tomography-b-scan-volume-analysis",
    "1.2.840.10008.5.1.4.1.1.77.1.6": "vl-whole-slide-microscopy-image",
    "1.2.840.10008.5.1.4.1.1.78.1": "lensometry-measurements",
    "1.2.840.10008.5.1.4.1.1.78.2": "autorefraction-measurements",
    "1.2.840.10008.5.1.4.1.1.78.3": "keratometry-measurements",
    "1.2.840.10008.5.1.4.1.1.78.4": "subjective-refraction-measurements",
    "1.2.840.10008.5.1.4.1.1.78.5": "visual-acuity-measurements",
    "1.2.840.10008.5.1.4.1.1.78.6": "spectacle-prescription-report",
    "1.2.840.10008.5.1.4.1.1.78.7": "ophthalmic-axial-measurements",
    "1.2.840.10008.5.1.4.1.1.78.8": "intraocular-lens-calculations",
    "1.2.840.10008.5.1.4.1.1.79.1": "macular-grid-thickness-and-volume-report",
    "1.2.840.10008.5.1.4.1.1.80.1": "ophthalmic-visual-field-static-perimetry-measurements",
    "1.2.840.10008.5.1.4.1.1.81.1": "ophthalmic-thickness-map",
    "1.2.840.10008.5.1.4.1.1.82.1": "corneal-topography-map",
    "1.2.840.10008.5.1.4.1.1.88.11": "basic-text-sr",
    "1.2.840.10008.5.1.4.1.1.88.22": "enhanced-sr",
    "1.2.840.10008.5.1.4.1.1.88.33": "comprehensive-sr",
    "1.2.840.10008.5.1.4.1.1.88.34": "comprehensive-3d-sr",
    "1.2.840.10008.5.1.4.1.1.88.35": "extensible-sr",
    "1.2.840.10008.5.1.4.1.1.88.40": "procedure-log",
    "1.2.840.10008.5.1.4.1.1.88.50": "mammography-cad-sr",
    "1.2.840.10008.5.1.4.1.1.88.59": "key-object-selection-document",
    "1.2.840.10008.5.1.4.1.1.88.65": "chest-cad-sr",
    "1.2.840.10008.5.1.4.1.1.88.67": "x-ray-radiation-dose-sr",
    "1.2.840.10008.5.1.4.1.1.88.68": "radiopharmaceutical-radiation-dose-sr",
    "1.2.840.10008.5.1.4.1.1.88.69": "colon-cad-sr",
    "1.2.840.10008.5.1.4.1.1.88.70": "implantation-plan-sr-document",
    "1.2.840.10008.5.1.4.1.1.88.71": "acquisition-context-sr",
    "1.2.840.10008.5.1.4.1.1.88.72": "simplified-adult-echo-sr",
    "1.2.840.10008.5.1.4.1.1.88.73": "patient-radiation-dose-structured-report",
    "1.2.840.10008.5.1.4.1.1.88.74": "planned-imaging-agent-administration-sr",
    "1.2.840.10008.5.1.4.1.1.88.75": "performed-imaging-agent-administration-sr",
    "1.2.840.10008.5.1.4.1.1.9.1.1": "12-lead-ecg",
    "1.2.840.10008.5.1.4.1.1.9.1.2": "general-ecg",
    "1.2.840.10008.5.1.4.1.1.9.1.3": "ambulatory-ecg",
    "1.2.840.10008.5.1.4.1.1.9.2.1": "hemodynamic-waveform",
    "1.2.840.10008.5.1.4.1.1.9.3.1": "basic-cardiac-electrophysiology-waveform",
    "1.2.840.10008.5.1.4.1.1.9.4.1": "basic-voice-audio-waveform",
    "1.2.840.10008.5.1.4.1.1.9.4.2": "general-audio-waveform",
    "1.2.840.10008.5.1.4.1.1.9.5.1": "arterial-pulse-waveform",
    "1.2.840.10008.5.1.4.1.1.9.6.1": "respiratory-waveform",
    "1.2.840.10008.5.1.4.1.1.90.1": "content-assessment-results",
    "1.2.840.10008.5.1.4.34.10": "rt-brachy-application-setup-delivery-instruction",
    "1.2.840.10008.5.1.4.34.7": "rt-beams-delivery-instruction",
}

IOD_TYPES: dict[str, dict[int, str]] = {
    "12-lead-ecg": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "acquisition-context-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "advanced-blending-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2"},
    "ambulatory-ecg": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "arterial-pulse-waveform": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "autorefraction-measurements": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "basic-cardiac-electrophysiology-waveform": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "basic-structured-display": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2"},
    "basic-text-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "basic-voice-audio-waveform": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "blending-softcopy-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2"},
    "breast-projection-x-ray-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "breast-tomosynthesis-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "c-arm-photon-electron-radiation": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00080020: "2", 0x00080021: "1", 0x00080023: "1", 0x00080030: "2", 0x00080031: "1", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "2", 0x300A0650: "1C", 0x30100033: "1"},
    "chest-cad-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "colon-cad-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "color-palette": {0x00080018: "1", 0x00700084: "2"},
    "color-softcopy-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2"},
    "comprehensive-3d-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "comprehensive-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "content-assessment-results": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "corneal-topography-map": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00082112: "1", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400555: "2"},
    "cr-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2"},
    "ct-defined-procedure-protocol": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x00181030: "1", 0x00700084: "1"},
    "ct-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400512: "1", 0x00400513: "2"},
    "ct-performed-procedure-protocol": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x00181030: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "1"},
    "deformable-spatial-registration": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "2"},
    "digital-intra-oral-x-ray-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "digital-mammography-x-ray-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "digital-x-ray-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "encapsulated-cda": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2", 0x0008002A: "2", 0x00080030: "2", 0x00080033: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00420011: "1"},
    "encapsulated-mtl": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2", 0x0008002A: "2", 0x00080030: "2", 0x00080033: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00420011: "1"},
    "encapsulated-obj": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2", 0x0008002A: "2", 0x00080030: "2", 0x00080033: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00420011: "1"},
    "encapsulated-pdf": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2", 0x0008002A: "2", 0x00080030: "2", 0x00080033: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00420011: "1"},
    "encapsulated-stl": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2", 0x0008002A: "2", 0x00080030: "2", 0x00080033: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00420011: "1"},
    "enhanced-ct-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "enhanced-mr-color-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "enhanced-mr-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "enhanced-pet-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x00189701: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "enhanced-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "enhanced-us-volume": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00082112: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "enhanced-xa-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "enhanced-xrf-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "extensible-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "general-audio-waveform": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "general-ecg": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "generic-implant-template": {0x00080018: "1", 0x00200052: "1", 0x00686226: "1"},
    "grayscale-softcopy-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2"},
    "hanging-protocol": {0x00080018: "1", 0x0072000A: "1"},
    "hemodynamic-waveform": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "implant-assembly-template": {0x00080018: "1", 0x00420011: "2", 0x00686226: "1"},
    "implant-template-group": {0x00080018: "1", 0x00686226: "1"},
    "implantation-plan-sr-document": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "intraocular-lens-calculations": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "intravascular-optical-coherence-tomography-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400555: "2"},
    "keratometry-measurements": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "key-object-selection-document": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "legacy-converted-enhanced-ct-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "legacy-converted-enhanced-mr-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "legacy-converted-enhanced-pet-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "lensometry-measurements": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "macular-grid-thickness-and-volume-report": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "mammography-cad-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "mr-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400512: "1", 0x00400513: "2"},
    "mr-spectroscopy": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "multi-frame-grayscale-byte-sc-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2"},
    "multi-frame-grayscale-word-sc-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2"},
    "multi-frame-single-bit-sc-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2"},
    "multi-frame-true-color-sc-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2"},
    "nm-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "ophthalmic-axial-measurements": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "ophthalmic-optical-coherence-tomography-b-scan-volume-analysis": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00209161: "1C"},
    "ophthalmic-optical-coherence-tomography-en-face-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00082112: "1", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1"},
    "ophthalmic-photography-16-bit-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00082112: "2C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2"},
    "ophthalmic-photography-8-bit-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00082112: "2C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2"},
    "ophthalmic-thickness-map": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00082112: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400555: "2"},
    "ophthalmic-tomography-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400555: "2"},
    "ophthalmic-visual-field-static-perimetry-measurements": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "parametric-map": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00281199: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2", 0x00700084: "2"},
    "patient-radiation-dose-structured-report": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "performed-imaging-agent-administration-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "pet-image": {0x00080018: "1", 0x00080020: "2", 0x00080021: "1", 0x00080022: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080031: "1", 0x00080032: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "planar-mpr-volumetric-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2", 0x00701102: "1C"},
    "planned-imaging-agent-administration-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "procedure-log": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "protocol-approval": {0x00080018: "1", 0x00181000: "1"},
    "pseudo-color-softcopy-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2"},
    "radiopharmaceutical-radiation-dose-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "raw-data": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "real-time-audio-waveform": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2"},
    "real-time-video-endoscopic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "real-time-video-photographic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "real-world-value-mapping": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700084: "2"},
    "rendition-selection-document": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "respiratory-waveform": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400555: "2", 0x0040B020: "1"},
    "robotic-arm-radiation": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00080020: "2", 0x00080021: "1", 0x00080023: "1", 0x00080030: "2", 0x00080031: "1", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "2", 0x300A0650: "1C", 0x30100033: "1"},
    "rt-beams-delivery-instruction": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "rt-beams-treatment-record": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x30080054: "2", 0x30080056: "2", 0x30080250: "2", 0x30080251: "2"},
    "rt-brachy-application-setup-delivery-instruction": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "rt-brachy-treatment-record": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x30080054: "2", 0x30080056: "2", 0x30080250: "2", 0x30080251: "2"},
    "rt-dose": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x30060002: "1", 0x30060008: "2", 0x30060009: "2"},
    "rt-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x300E0004: "2C", 0x300E0005: "2C", 0x300E0008: "2C"},
    "rt-ion-beams-treatment-record": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x30080054: "2", 0x30080056: "2", 0x30080250: "2", 0x30080251: "2"},
    "rt-ion-plan": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x300A0002: "1", 0x300A0006: "2", 0x300A0007: "2", 0x300E0004: "2C", 0x300E0005: "2C", 0x300E0008: "2C"},
    "rt-physician-intent": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00080020: "2", 0x00080021: "1", 0x00080023: "1", 0x00080030: "2", 0x00080031: "1", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700084: "2", 0x30100034: "1"},
    "rt-plan": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x300A0002: "1", 0x300A0006: "2", 0x300A0007: "2", 0x300E0004: "2C", 0x300E0005: "2C", 0x300E0008: "2C"},
    "rt-radiation-set": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00080020: "2", 0x00080021: "1", 0x00080023: "1", 0x00080030: "2", 0x00080031: "1", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "2", 0x30100033: "1"},
    "rt-segment-annotation": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00080020: "2", 0x00080021: "1", 0x00080023: "1", 0x00080030: "2", 0x00080031: "1", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700084: "2", 0x30100034: "1"},
    "rt-structure-set": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x30060002: "1", 0x30060008: "2", 0x30060009: "2", 0x300E0004: "2C", 0x300E0005: "2C", 0x300E0008: "2C"},
    "rt-treatment-summary-record": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081070: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x30080054: "2", 0x30080056: "2", 0x30080250: "2", 0x30080251: "2"},
    "secondary-capture-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2"},
    "segmentation": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00700084: "2"},
    "simplified-adult-echo-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00080201: "1", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "spatial-fiducials": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700084: "2"},
    "spatial-registration": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "2"},
    "spectacle-prescription-report": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "stereometric-relationship": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "subjective-refraction-measurements": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "surface-scan-mesh": {0x00080018: "1", 0x00080020: "2", 0x0008002A: "1", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2"},
    "surface-scan-point-cloud": {0x00080018: "1", 0x00080020: "2", 0x0008002A: "1", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2"},
    "surface-segmentation": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "2"},
    "tomotherapeutic-radiation": {0x00080012: "1", 0x00080013: "1", 0x00080018: "1", 0x00080020: "2", 0x00080021: "1", 0x00080023: "1", 0x00080030: "2", 0x00080031: "1", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700084: "2", 0x300A0650: "1C", 0x30100033: "1"},
    "tractography-results": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400512: "1", 0x00400513: "2", 0x00700084: "2"},
    "us-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2"},
    "us-multi-frame-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2"},
    "video-endoscopic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "video-microscopic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "video-photographic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "visual-acuity-measurements": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2"},
    "vl-endoscopic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "vl-microscopic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "vl-photographic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "vl-slide-coordinates-microscopic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "1C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "vl-whole-slide-microscopy-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2", 0x22000002: "2", 0x22000005: "2"},
    "volume-rendering-volumetric-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2", 0x00701102: "1C"},
    "wide-field-ophthalmic-photography-3d-coordinates-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00082112: "2C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400555: "2"},
    "wide-field-ophthalmic-photography-stereographic-projection-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x0008002A: "1C", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00082112: "2C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00400555: "2"},
    "x-ray-3d-angiographic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00200200: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "x-ray-3d-craniofacial-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200052: "1", 0x00209161: "1C", 0x00400512: "1", 0x00400513: "2", 0x00400555: "2"},
    "x-ray-angiographic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2"},
    "x-ray-radiation-dose-sr": {0x00080018: "1", 0x00080020: "2", 0x00080023: "1", 0x00080030: "2", 0x00080033: "1", 0x00080050: "2", 0x00080090: "2", 0x00081111: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x0040A032: "1C", 0x0040A073: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},
    "x-ray-radiofluoroscopic-image": {0x00080018: "1", 0x00080020: "2", 0x00080023: "2C", 0x00080030: "2", 0x00080033: "2C", 0x00080050: "2", 0x00080090: "2", 0x00081140: "1C", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00180010: "2", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00200200: "1", 0x00400512: "1", 0x00400513: "2"},
    "xa-xrf-grayscale-softcopy-presentation-state": {0x00080018: "1", 0x00080020: "2", 0x00080030: "2", 0x00080050: "2", 0x00080090: "2", 0x00100010: "2", 0x00100020: "2", 0x00100030: "2", 0x00100040: "2", 0x00102203: "2C", 0x00102297: "2C", 0x00102299: "2C", 0x00120010: "1", 0x00120020: "1", 0x00120021: "2", 0x00120030: "2", 0x00120031: "2", 0x00120040: "1C", 0x00120042: "1C", 0x00120050: "2", 0x00120060: "2", 0x00120081: "1C", 0x00181000: "1", 0x0020000D: "1", 0x0020000E: "1", 0x00200010: "2", 0x00700001: "1", 0x00700082: "1", 0x00700083: "1", 0x00700084: "2"},
}

KNOWN_SEQUENCES: frozenset[int] = frozenset({
    0x00041220, 0x00080006, 0x00080051, 0x00080082, 0x00080096, 0x0008009D, 0x00080100, 0x00080109,
    0x00080110, 0x00080121, 0x00080123, 0x00080124, 0x00080220, 0x00080300, 0x00080305, 0x00080310,
    0x00081032, 0x0008103F, 0x00081041, 0x00081049, 0x00081052, 0x00081062, 0x00081072, 0x00081084,
    0x00081110, 0x00081111, 0x00081115, 0x00081120, 0x00081125, 0x00081134, 0x0008113A, 0x00081140,
    0x0008114A, 0x0008114B, 0x00081156, 0x00081164, 0x00081198, 0x00081199, 0x00081200, 0x00081250,
    0x00082112, 0x00082133, 0x00082218, 0x00082220, 0x00082228, 0x00082230, 0x00083011, 0x00089092,
    0x00089121, 0x00089154, 0x00089215, 0x00089237, 0x00089410, 0x00089458, 0x00100024, 0x00100026,
    0x00100027, 0x00100050, 0x00100101, 0x00100102, 0x00100215, 0x00100216, 0x00100219, 0x00100221,
    0x00100229, 0x00101002, 0x00101021, 0x00101100, 0x00102202, 0x00102293, 0x00102294, 0x00102296,
    0x00120064, 0x00120083, 0x00180012, 0x00180014, 0x00180026, 0x00180029, 0x0018002A, 0x00180036,
    0x0018100A, 0x00181272, 0x00182041, 0x00185104, 0x00186011, 0x00189092, 0x00189126, 0x00189304,
    0x00189312, 0x00189321, 0x00189325, 0x00189338, 0x00189340, 0x00189346, 0x00189360, 0x00189362,
    0x00189363, 0x00189364, 0x00189365, 0x0018936F, 0x00189379, 0x0018937D, 0x00189380, 0x00189381,
    0x00189382, 0x00189472, 0x00189506, 0x00189507, 0x00189530, 0x00189538, 0x00189803, 0x00189809,
    0x0018980D, 0x0018980E, 0x0018980F, 0x00189902, 0x00189903, 0x00189906, 0x00189907, 0x00189909,
    0x0018990B, 0x0018990C, 0x0018990D, 0x0018990E, 0x00189911, 0x00189912, 0x00189913, 0x00189914,
    0x0018991B, 0x0018991C, 0x0018991D, 0x0018991F, 0x00189920, 0x00189931, 0x00189932, 0x00189933,
    0x00189934, 0x00189935, 0x00189936, 0x0018993B, 0x0018993C, 0x0018993D, 0x0018993E, 0x0018A001,
    0x00209172, 0x00209221, 0x00209222, 0x00209529, 0x00220006, 0x00220015, 0x00220016, 0x00220017,
    0x00220018, 0x00220019, 0x0022001A, 0x0022001B, 0x0022001C, 0x0022001D, 0x00220020, 0x00220021,
    0x00220022, 0x00220042, 0x00220058, 0x00221007, 0x00221008, 0x00221012, 0x00221024, 0x00221025,
    0x00221028, 0x00221035, 0x00221036, 0x00221040, 0x00221044, 0x00221045, 0x00221047, 0x00221048,
    0x0022104A, 0x0022104B, 0x00221050, 0x00221090, 0x00221092, 0x00221096, 0x00221101, 0x00221103,
    0x00221125, 0x00221127, 0x00221128, 0x0022112A, 0x00221132, 0x00221133, 0x00221134, 0x00221135,
    0x00221150, 0x00221210, 0x00221211, 0x00221212, 0x00221220, 0x00221225, 0x00221230, 0x00221250,
    0x00221255, 0x00221257, 0x00221260, 0x00221262, 0x00221300, 0x00221310, 0x00221330, 0x00221420,
    0x00221423, 0x00221436, 0x00221443, 0x00221445, 0x00221450, 0x00221458, 0x00221465, 0x00221470,
    0x00221472, 0x00221512, 0x00221513, 0x00221518, 0x00221525, 0x00221526, 0x00221612, 0x00221615,
    0x00221618, 0x00221620, 0x00221628, 0x00221640, 0x00240016, 0x00240021, 0x00240024, 0x00240032,
    0x00240033, 0x00240034, 0x00240058, 0x00240064, 0x00240065, 0x00240067, 0x00240083, 0x00240085,
    0x00240089, 0x00240097, 0x00240110, 0x00240112, 0x00240114, 0x00240115, 0x00240122, 0x00240317,
    0x00240320, 0x00240325, 0x00240344, 0x00281352, 0x00281401, 0x00281404, 0x0028140B, 0x0028140C,
    0x00283000, 0x00283010, 0x00283110, 0x00286100, 0x00287000, 0x00287008, 0x0028700A, 0x0028700F,
    0x00287010, 0x00287011, 0x00287012, 0x00287015, 0x00287016, 0x0028701C, 0x00287022, 0x00287023,
    0x00287024, 0x00287027, 0x00287028, 0x0028702C, 0x0028702D, 0x0028702E, 0x00289422, 0x00289501,
    0x00289502, 0x00289505, 0x00321031, 0x00321034, 0x00321064, 0x00321067, 0x00340001, 0x0034000A,
    0x00380004, 0x00380014, 0x00380064, 0x00380100, 0x00380101, 0x00380502, 0x003A0200, 0x003A0208,
    0x003A0209, 0x003A020A, 0x003A0211, 0x003A0240, 0x003A0242, 0x003A0300, 0x00400008, 0x0040000A,
    0x0040000B, 0x00400026, 0x00400027, 0x00400036, 0x00400039, 0x0040003A, 0x00400100, 0x00400220,
    0x00400260, 0x00400270, 0x00400275, 0x00400281, 0x00400293, 0x00400295, 0x00400296, 0x00400320,
    0x00400321, 0x00400324, 0x00400340, 0x00400440, 0x00400441, 0x00400500, 0x00400513, 0x00400515,
    0x00400518, 0x00400520, 0x00400555, 0x00400560, 0x00400562, 0x0040059A, 0x00400610, 0x00400612,
    0x00400620, 0x0040071A, 0x004008EA, 0x0040100A, 0x00401011, 0x00401012, 0x00401101, 0x00404009,
    0x00404018, 0x00404019, 0x00404021, 0x00404025, 0x00404026, 0x00404027, 0x00404028, 0x00404029,
    0x00404030, 0x00404033, 0x00404034, 0x00404035, 0x00404070, 0x00404071, 0x00404072, 0x00404074,
    0x00409094, 0x00409096, 0x00409098, 0x00409220, 0x0040A043, 0x0040A073, 0x0040A078, 0x0040A07A,
    0x0040A07C, 0x0040A088, 0x0040A168, 0x0040A170, 0x0040A195, 0x0040A300, 0x0040A301, 0x0040A360,
    0x0040A370, 0x0040A372, 0x0040A375, 0x0040A385, 0x0040A390, 0x0040A504, 0x0040A525, 0x0040A730,
    0x0040B020, 0x0040E008, 0x0040E021, 0x0040E022, 0x0040E023, 0x0040E024, 0x0040E025, 0x00420013,
    0x00440007, 0x00440013, 0x00440019, 0x00440100, 0x00440101, 0x00440103, 0x00440107, 0x00440109,
    0x0044010A, 0x00460014, 0x00460015, 0x00460016, 0x00460018, 0x00460028, 0x00460047, 0x00460050,
    0x00460052, 0x00460070, 0x00460071, 0x00460074, 0x00460080, 0x00460097, 0x00460098, 0x00460100,
    0x00460101, 0x00460102, 0x00460110, 0x00460111, 0x00460112, 0x00460113, 0x00460116, 0x00460121,
    0x00460122, 0x00460123, 0x00460124, 0x00460145, 0x00460207, 0x00460210, 0x00460211, 0x00460215,
    0x00460218, 0x00460244, 0x00480008, 0x00480100, 0x00480105, 0x00480108, 0x00480120, 0x00480200,
    0x00500010, 0x00500012, 0x00520016, 0x00540012, 0x00540013, 0x00540016, 0x00540022, 0x00540032,
    0x00540052, 0x00540062, 0x00540063, 0x00540072, 0x00540220, 0x00540222, 0x00540300, 0x00540302,
    0x00540304, 0x00540306, 0x00540410, 0x00540412, 0x00540414, 0x00603000, 0x00620002, 0x00620003,
    0x00620007, 0x0062000F, 0x00620011, 0x00620012, 0x00640002, 0x00640005, 0x0064000F, 0x00640010,
    0x00660002, 0x00660011, 0x00660012, 0x00660013, 0x00660026, 0x00660027, 0x00660028, 0x0066002B,
    0x0066002D, 0x0066002E, 0x0066002F, 0x00660030, 0x00660034, 0x00660035, 0x00660101, 0x00660102,
    0x00660104, 0x00660108, 0x00660121, 0x00660124, 0x00660130, 0x00660132, 0x00660133, 0x00660134,
    0x00686222, 0x00686224, 0x00686225, 0x00686230, 0x00686260, 0x00686265, 0x006862A0, 0x006862C0,
    0x006862E0, 0x006862F0, 0x00686320, 0x00686360, 0x006863A0, 0x006863A4, 0x006863A8, 0x006863AC,
    0x006863B0, 0x006863E0, 0x00686400, 0x00686430, 0x00686470, 0x00686500, 0x00686510, 0x00686520,
    0x00686545, 0x00686550, 0x006865A0, 0x006865E0, 0x00687003, 0x00700001, 0x00700008, 0x00700009,
    0x0070005A, 0x00700060, 0x00700086, 0x00700087, 0x00700209, 0x00700231, 0x00700232, 0x00700233,
    0x00700234, 0x00700287, 0x00700308, 0x00700309, 0x0070030A, 0x0070030D, 0x00700311, 0x00700314,
    0x00700318, 0x0070031C, 0x0070031E, 0x0070031F, 0x00700402, 0x00700404, 0x00701104, 0x00701201,
    0x0070120A, 0x00701301, 0x00701304, 0x00701801, 0x00701803, 0x00701805, 0x00701806, 0x00701901,
    0x00701903, 0x00701905, 0x00701A04, 0x00701A08, 0x00701B01, 0x00701B03, 0x00701B04, 0x00701B11,
    0x00701B12, 0x0072000C, 0x0072000E, 0x00720012, 0x00720020, 0x00720022, 0x00720030, 0x0072003E,
    0x00720080, 0x00720102, 0x00720200, 0x00720210, 0x00720214, 0x00720300, 0x00720400, 0x00720422,
    0x00720424, 0x00720427, 0x00720430, 0x00720600, 0x00720705, 0x00741002, 0x00741007, 0x00741008,
    0x0074100E, 0x00741020, 0x00741030, 0x00741040, 0x00741042, 0x00741044, 0x00741046, 0x00741048,
    0x0074104A, 0x0074104C, 0x0074104E, 0x00741210, 0x00741212, 0x00741216, 0x00741224, 0x00741401,
    0x00741405, 0x00741409, 0x0074140D, 0x0074140E, 0x00760008, 0x0076000C, 0x0076000E, 0x00760010,
    0x00760020, 0x00760032, 0x00760034, 0x00760040, 0x00760060, 0x00780026, 0x00780028, 0x0078002A,
    0x00780070, 0x007800B0, 0x007800B4, 0x00800001, 0x00800002, 0x00800003, 0x00800008, 0x00800012,
    0x00800013, 0x00820004, 0x00820005, 0x00820007, 0x0082000C, 0x00820010, 0x00820017, 0x00820021,
    0x00820022, 0x00820034, 0x00820035, 0x00880200, 0x04000401, 0x04000402, 0x04000403, 0x04000500,
    0x04000551, 0x04000561, 0x2000001E, 0x200000A2, 0x200000A4, 0x200000A8, 0x20000500, 0x20100500,
    0x20100510, 0x20100520, 0x20200110, 0x20200111, 0x20500010, 0x20500500, 0x2200000D, 0x30020030,
    0x30020040, 0x30020050, 0x30040010, 0x30040050, 0x30040060, 0x30060010, 0x30060012, 0x30060014,
    0x30060016, 0x30060018, 0x30060020, 0x30060030, 0x30060037, 0x30060039, 0x30060040, 0x30060080,
    0x30060086, 0x300600A0, 0x300600B0, 0x300600B6, 0x300600C9, 0x300600CA, 0x300600CB, 0x30080010,
    0x30080020, 0x30080021, 0x30080030, 0x30080040, 0x30080041, 0x30080050, 0x30080060, 0x30080068,
    0x30080070, 0x30080080, 0x30080090, 0x300800A0, 0x300800B0, 0x300800C0, 0x300800D0, 0x300800E0,
    0x300800F0, 0x300800F2, 0x300800F4, 0x300800F6, 0x30080100, 0x30080110, 0x30080120, 0x30080130,
    0x30080140, 0x30080150, 0x30080160, 0x30080171, 0x30080173, 0x30080220, 0x30080240, 0x300A0010,
    0x300A0040, 0x300A0048, 0x300A0070, 0x300A008C, 0x300A00B0, 0x300A00B6, 0x300A00CA, 0x300A00D1,
    0x300A00E3, 0x300A00F4, 0x300A0107, 0x300A0111, 0x300A0116, 0x300A011A, 0x300A0180, 0x300A0190,
    0x300A01A0, 0x300A01B4, 0x300A0206, 0x300A0210, 0x300A0230, 0x300A0260, 0x300A0280, 0x300A02B0,
    0x300A02D0, 0x300A02EA, 0x300A030C, 0x300A0314, 0x300A0332, 0x300A0342, 0x300A0360, 0x300A0370,
    0x300A0380, 0x300A03A0, 0x300A03A2, 0x300A03A4, 0x300A03A6, 0x300A03A8, 0x300A03AA, 0x300A03AC,
    0x300A0401, 0x300A0410, 0x300A0420, 0x300A0431, 0x300A0441, 0x300A0450, 0x300A0453, 0x300A0505,
    0x300A0506, 0x300A060A, 0x300A0610, 0x300A0614, 0x300A0616, 0x300A0617, 0x300A0618, 0x300A061C,
    0x300A061F, 0x300A0620, 0x300A0621, 0x300A0629, 0x300A062B, 0x300A062D, 0x300A062F, 0x300A0630,
    0x300A0632, 0x300A0635, 0x300A063A, 0x300A063B, 0x300A063E, 0x300A063F, 0x300A0644, 0x300A0646,
    0x300A0647, 0x300A064C, 0x300A064D, 0x300A0651, 0x300A0656, 0x300A0658, 0x300A0659, 0x300A065A,
    0x300A065B, 0x300A065D, 0x300A0660, 0x300A0662, 0x300A0667, 0x300A0668, 0x300A066A, 0x300A066F,
    0x300A0671, 0x300A0673, 0x300A0677, 0x300A0678, 0x300A067B, 0x300A067E, 0x300A067F, 0x300A0683,
    0x300A0684, 0x300A0686, 0x300A0689, 0x300A068A, 0x300C0002, 0x300C0004, 0x300C000A, 0x300C0020,
    0x300C0040, 0x300C0042, 0x300C0050, 0x300C0055, 0x300C0060, 0x300C0080, 0x300C00B0, 0x300C00F2,
    0x300C0111, 0x30100001, 0x30100003, 0x30100004, 0x30100007, 0x30100008, 0x30100009, 0x3010000A,
    0x30100011, 0x30100012, 0x30100014, 0x30100016, 0x30100018, 0x30100019, 0x30100021, 0x30100023,
    0x30100024, 0x30100025, 0x30100026, 0x30100027, 0x3010002A, 0x3010002B, 0x3010002C, 0x3010002E,
    0x3010002F, 0x30100030, 0x30100032, 0x30100044, 0x30100049, 0x3010004A, 0x3010004B, 0x3010004E,
    0x30100055, 0x30100057, 0x3010005B, 0x3010005D, 0x3010005F, 0x30100060, 0x30100062, 0x30100064,
    0x30100065, 0x30100067, 0x30100069, 0x3010006A, 0x3010006B, 0x3010006C, 0x3010006D, 0x30100070,
    0x30100071, 0x30100076, 0x30100078, 0x30100079, 0x30100080, 0x30100081, 0x30100082, 0x30100087,
    0x30100088, 0x30100091, 0x30100097, 0x30100098, 0x4FFE0001, 0x54000100, 0xFFFAFFFA,
})

TEXT_REQUIRED: frozenset[int] = frozenset({
    0x00080050, 0x00080054, 0x00080070, 0x00080080, 0x00080090, 0x00080100, 0x00080102, 0x00080103,
    0x00080104, 0x0008010E, 0x00080112, 0x00080114, 0x00080119, 0x00080120, 0x00080201, 0x00080302,
    0x0008030C, 0x0008030D, 0x00081010, 0x00081070, 0x00081090, 0x00081190, 0x00100010, 0x00100020,
    0x00100214, 0x00100217, 0x00100222, 0x00100223, 0x00102201, 0x00102292, 0x00102295, 0x00102297,
    0x00102299, 0x00120010, 0x00120020, 0x00120021, 0x00120030, 0x00120031, 0x00120040, 0x00120042,
    0x00120050, 0x00120060, 0x00120063, 0x00120081, 0x00180010, 0x00181000, 0x00181009, 0x00181020,
    0x00181030, 0x00181064, 0x00181160, 0x001811A4, 0x00181210, 0x00181250, 0x00181251, 0x00181400,
    0x00181401, 0x00182002, 0x00182006, 0x0018700A, 0x00187062, 0x00189005, 0x00189041, 0x00189047,
    0x00189050, 0x00189080, 0x00189252, 0x0018925B, 0x0018925E, 0x00189320, 0x00189367, 0x00189371,
    0x00189423, 0x00189524, 0x00189525, 0x00189526, 0x00189900, 0x00189916, 0x00189922, 0x00200010,
    0x00201040, 0x00209056, 0x00209213, 0x00209238, 0x00221093, 0x00221095, 0x00221097, 0x0022112C,
    0x00240306, 0x00240307, 0x00240308, 0x00280A04, 0x00281054, 0x00283003, 0x00283004, 0x00287FE0,
    0x00321060, 0x00400009, 0x00400031, 0x00400032, 0x00400512, 0x00400551, 0x00401001, 0x00402016,
    0x00402017, 0x00404073, 0x00409210, 0x0040A027, 0x0040A075, 0x0040A123, 0x0040A160, 0x0040E001,
    0x0040E010, 0x00420010, 0x00420012, 0x00420014, 0x00460012, 0x00460139, 0x00480106, 0x00541105,
    0x00620005, 0x00620009, 0x00620020, 0x00660031, 0x00660036, 0x00660106, 0x00686210, 0x00686221,
    0x00686280, 0x00686340, 0x00686380, 0x006863D0, 0x00687005, 0x00700006, 0x00700081, 0x00700084,
    0x00700207, 0x00700229, 0x00700289, 0x00700310, 0x00720002, 0x00720004, 0x00720008, 0x00720054,
    0x00720056, 0x0072005E, 0x00720066, 0x00720068, 0x0072006A, 0x0072006C, 0x0072006E, 0x0072006F,
    0x00720070, 0x00720071, 0x00760001, 0x00760003, 0x00760006, 0x00780001, 0x00780020, 0x00780024,
    0x007800B2, 0x00800009, 0x0082000A, 0x00820018, 0x00820023, 0x00820037, 0x00880130, 0x04000563,
    0x04000564, 0x21000140, 0x22000002, 0x22000005, 0x30020002, 0x30020020, 0x30020052, 0x30060002,
    0x30060026, 0x300600A6, 0x30080105, 0x300A0002, 0x300A0043, 0x300A00B2, 0x300A00C2, 0x300A00E1,
    0x300A00F9, 0x300A00FE, 0x300A0108, 0x300A0184, 0x300A0194, 0x300A01A4, 0x300A01B8, 0x300A0216,
    0x300A0226, 0x300A0263, 0x300A0291, 0x300A02B3, 0x300A030F, 0x300A0318, 0x300A0336, 0x300A0346,
    0x300A034C, 0x300A0362, 0x300A0372, 0x300A0390, 0x300A0421, 0x300A0608, 0x300A0611, 0x300A0615,
    0x300A0619, 0x300A0623, 0x300A062A, 0x300A067C, 0x300A067D, 0x300E0008, 0x30100005, 0x3010000C,
    0x3010000F, 0x30100017, 0x3010001A, 0x3010001B, 0x3010001D, 0x3010002D, 0x30100033, 0x30100034,
    0x30100035, 0x30100038, 0x30100043, 0x30100054, 0x30100056, 0x3010005A, 0x3010005C, 0x30100061,
    0x30100077,
})

NESTED_TYPES: dict[int, dict[int, str]] = {
    0x00041220: {0x00041511: "1C"},  # Directory Record Sequence
    0x00080006: {0x00080106: "1C", 0x00080107: "1C"},  # Language Code Sequence
    0x00080082: {0x00080106: "1C", 0x00080107: "1C"},  # Institution Code Sequence
    0x00080096: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Referring Physician Identification Sequence
    0x0008009D: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Consulting Physician Identification Sequence
    0x00080100: {0x00080106: "1C", 0x00080107: "1C"},  # Code Value
    0x00080121: {0x00080106: "1C", 0x00080107: "1C"},  # Equivalent Code Sequence
    0x00080123: {0x00080106: "1"},  # Context Group Identification Sequence
    0x00080220: {0x00080106: "1C", 0x00080107: "1C"},  # Responsible Group Code Sequence
    0x00081032: {0x00080106: "1C", 0x00080107: "1C"},  # Procedure Code Sequence
    0x0008103F: {0x00080106: "1C", 0x00080107: "1C"},  # Series Description Code Sequence
    0x00081041: {0x00080106: "1C", 0x00080107: "1C"},  # Institutional Department Type Code Sequence
    0x00081049: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Physician(s) of Record Identification Sequence
    0x00081052: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Performing Physician Identification Sequence
    0x00081062: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Physician(s) Reading Study Identification Sequence
    0x00081072: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Operator Identification Sequence
    0x00081084: {0x00080106: "1C", 0x00080107: "1C"},  # Admitting Diagnoses Code Sequence
    0x00081110: {0x00081155: "1", 0x0020000D: "1"},  # Referenced Study Sequence
    0x00081111: {0x00081155: "1"},  # Referenced Performed Procedure Step Sequence
    0x00081115: {0x00081140: "1", 0x0020000E: "1"},  # Referenced Series Sequence
    0x00081120: {0x00081155: "1"},  # Referenced Patient Sequence
    0x00081125: {0x00081155: "1"},  # Referenced Visit Sequence
    0x00081134: {0x00081155: "1"},  # Referenced Stereometric Instance Sequence
    0x0008113A: {0x0020000D: "1"},  # Referenced Waveform Sequence
    0x00081140: {0x00081155: "1"},  # Referenced Image Sequence
    0x0008114A: {0x00081155: "1"},  # Referenced Instance Sequence
    0x0008114B: {0x00081155: "1"},  # Referenced Real World Value Mapping Instance Sequence
    0x00081156: {0x00081155: "1"},  # Definition Source Sequence
    0x00081198: {0x00081155: "1"},  # Failed SOP Sequence
    0x00081199: {0x00081155: "1"},  # Referenced SOP Sequence
    0x00081200: {0x0020000D: "1"},  # Studies Containing Other Referenced Instances Sequence
    0x00081250: {0x0020000D: "1", 0x0020000E: "1"},  # Related Series Sequence
    0x00082112: {0x00081155: "1"},  # Source Image Sequence
    0x00082133: {0x00080106: "1C", 0x00080107: "1C"},  # Event Timer Sequence
    0x00082218: {0x00080106: "1C", 0x00080107: "1C"},  # Anatomic Region Sequence
    0x00082220: {0x00080106: "1C", 0x00080107: "1C"},  # Anatomic Region Modifier Sequence
    0x00082228: {0x00080106: "1C", 0x00080107: "1C", 0x300600A6: "2"},  # Primary Anatomic Structure Sequence
    0x00082230: {0x00080106: "1C", 0x00080107: "1C"},  # Primary Anatomic Structure Modifier Sequence
    0x00083011: {0x00083010: "1"},  # Source Irradiation Event Sequence
    0x00089092: {0x0020000D: "1"},  # Referenced Image Evidence Sequence
    0x00089121: {0x0020000D: "1"},  # Referenced Raw Data Sequence
    0x00089154: {0x0020000D: "1"},  # Source Image Evidence Sequence
    0x00089215: {0x00080106: "1C", 0x00080107: "1C"},  # Derivation Code Sequence
    0x00089237: {0x00081155: "1", 0x0020000D: "1"},  # Referenced Presentation State Sequence
    0x00089410: {0x00081155: "1"},  # Referenced Other Plane Sequence
    0x00100026: {0x00100020: "1"},  # Source Patient Group Identification Sequence
    0x00100027: {0x00100020: "1"},  # Group of Patients Identification Sequence
    0x00100050: {0x00080106: "1C", 0x00080107: "1C"},  # Patient's Insurance Plan Code Sequence
    0x00100101: {0x00080106: "1C", 0x00080107: "1C"},  # Patient's Primary Language Code Sequence
    0x00100102: {0x00080106: "1C", 0x00080107: "1C"},  # Patient's Primary Language Modifier Code Sequence
    0x00100215: {0x00080106: "1C", 0x00080107: "1C"},  # Strain Source Registry Code Sequence
    0x00100219: {0x00080106: "1C", 0x00080107: "1C"},  # Strain Code Sequence
    0x00100229: {0x00080106: "1C", 0x00080107: "1C"},  # Genetic Modifications Code Sequence
    0x00101002: {0x00100020: "1"},  # Other Patient IDs Sequence
    0x00101021: {0x00080106: "1C", 0x00080107: "1C"},  # Patient's Size Code Sequence
    0x00101100: {0x0020000D: "1C", 0x0020000E: "1C"},  # Referenced Patient Photo Sequence
    0x00102202: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Species Code Sequence
    0x00102293: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Breed Code Sequence
    0x00102296: {0x00080106: "1C", 0x00080107: "1C"},  # Breed Registry Code Sequence
    0x00120064: {0x00080106: "1C", 0x00080107: "1C"},  # De-identification Method Code Sequence
    0x00120083: {0x00120020: "1C"},  # Consent for Clinical Trial Use Sequence
    0x00180012: {0x00080106: "1C", 0x00080107: "1C"},  # Contrast/Bolus Agent Sequence
    0x00180014: {0x00080106: "1C", 0x00080107: "1C"},  # Contrast/Bolus Administration Route Sequence
    0x00180029: {0x00080106: "1C", 0x00080107: "1C"},  # Intervention Drug Code Sequence
    0x0018002A: {0x00080106: "1C", 0x00080107: "1C"},  # Additional Drug Sequence
    0x00180036: {0x00080106: "1C", 0x00080107: "1C"},  # Intervention Sequence
    0x0018100A: {0x00181009: "1"},  # UDI Sequence
    0x00181272: {0x00080106: "1C", 0x00080107: "1C"},  # Water Equivalent Diameter Calculation Method Code Sequence
    0x00182041: {0x00182042: "1"},  # Biopsy Target Sequence
    0x00185104: {0x00080106: "1C", 0x00080107: "1C"},  # Projection Eponymous Name Code Sequence
    0x00189338: {0x00080106: "1C", 0x00080107: "1C"},  # Contrast/Bolus Ingredient Code Sequence
    0x00189346: {0x00080106: "1C", 0x00080107: "1C"},  # CTDI Phantom Type Code Sequence
    0x00189365: {0x00189367: "1", 0x00189369: "1", 0x0018936A: "1"},  # Multi-energy CT X-Ray Source Sequence
    0x0018936F: {0x00189371: "1"},  # Multi-energy CT X-Ray Detector Sequence
    0x0018937D: {0x00080106: "1C", 0x00080107: "1C"},  # Material Code Sequence
    0x00189472: {0x00081140: "1C"},  # Frame Display Shutter Sequence
    0x00189506: {0x0008002A: "1C", 0x00081010: "1C", 0x00081070: "1C", 0x00081072: "1C", 0x00181000: "1C", 0x00181030: "1C", 0x00181400: "1C", 0x0018700A: "1", 0x0018700C: "1", 0x0018700E: "1"},  # Contributing Sources Sequence
    0x00189507: {0x00082112: "1C", 0x00180010: "1C", 0x00189516: "1C", 0x00189517: "1C"},  # X-Ray 3D Acquisition Sequence
    0x00189803: {0x00189804: "1"},  # Excluded Intervals Sequence
    0x00189809: {0x00080106: "1C", 0x00080107: "1C"},  # Transducer Scan Pattern Code Sequence
    0x0018980D: {0x00080106: "1C", 0x00080107: "1C"},  # Transducer Geometry Code Sequence
    0x0018980E: {0x00080106: "1C", 0x00080107: "1C"},  # Transducer Beam Steering Code Sequence
    0x0018980F: {0x00080106: "1C", 0x00080107: "1C"},  # Transducer Application Code Sequence
    0x00189902: {0x00080106: "1C", 0x00080107: "1C"},  # Reference Basis Code Sequence
    0x00189903: {0x00080106: "1C", 0x00080107: "1C"},  # Reference Geometry Code Sequence
    0x00189906: {0x00080106: "1C", 0x00080107: "1C"},  # Potential Scheduled Protocol Code Sequence
    0x00189907: {0x00080106: "1C", 0x00080107: "1C"},  # Potential Requested Procedure Code Sequence
    0x00189909: {0x00080106: "1C", 0x00080107: "1C"},  # Potential Reasons for Procedure Code Sequence
    0x0018990B: {0x00080106: "1C", 0x00080107: "1C"},  # Contraindications Code Sequence
    0x0018990C: {0x00081155: "1"},  # Referenced Defined Protocol Sequence
    0x0018990D: {0x00081155: "1"},  # Referenced Performed Protocol Sequence
    0x0018990E: {0x00081155: "1"},  # Predecessor Protocol Sequence
    0x00189914: {0x00189919: "2C"},  # Instruction Sequence
    0x0018991B: {0x00189919: "1C"},  # Patient Positioning Instruction Sequence
    0x0018991C: {0x00080106: "1C", 0x00080107: "1C"},  # Positioning Method Code Sequence
    0x00189934: {0x00081155: "1C"},  # Reconstruction Protocol Element Sequence
    0x00189936: {0x00081155: "1C"},  # Storage Protocol Element Sequence
    0x00209172: {0x00081155: "1"},  # Conversion Source Attributes Sequence
    0x00209221: {0x00209164: "1"},  # Dimension Organization Sequence
    0x00209222: {0x00209164: "1"},  # Dimension Index Sequence
    0x00209529: {0x0020000D: "1"},  # Contributing SOP Instances Reference Sequence
    0x00220006: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Eye Movement Command Code Sequence
    0x00220015: {0x00080106: "1C", 0x00080107: "1C"},  # Acquisition Device Type Code Sequence
    0x00220016: {0x00080106: "1C", 0x00080107: "1C"},  # Illumination Type Code Sequence
    0x00220017: {0x00080106: "1C", 0x00080107: "1C"},  # Light Path Filter Type Stack Code Sequence
    0x00220018: {0x00080106: "1C", 0x00080107: "1C"},  # Image Path Filter Type Stack Code Sequence
    0x00220019: {0x00080106: "1C", 0x00080107: "1C"},  # Lenses Code Sequence
    0x0022001A: {0x00080106: "1C", 0x00080107: "1C"},  # Channel Description Code Sequence
    0x0022001C: {0x00080106: "1C", 0x00080107: "1C"},  # Mydriatic Agent Code Sequence
    0x0022001D: {0x00080106: "1C", 0x00080107: "1C"},  # Relative Image Position Code Sequence
    0x00220021: {0x00081155: "1"},  # Left Image Sequence
    0x00220022: {0x00081155: "1"},  # Right Image Sequence
    0x00220042: {0x00080106: "1C", 0x00080107: "1C"},  # Mydriatic Agent Concentration Units Sequence
    0x00221024: {0x00080106: "1C", 0x00080107: "1C"},  # Lens Status Code Sequence
    0x00221025: {0x00080106: "1C", 0x00080107: "1C"},  # Vitreous Status Code Sequence
    0x00221028: {0x00080106: "1C", 0x00080107: "1C"},  # IOL Formula Code Sequence
    0x00221035: {0x00080106: "1C", 0x00080107: "1C"},  # Source of Ophthalmic Axial Length Code Sequence
    0x00221036: {0x00080106: "1C", 0x00080107: "1C"},  # Source of Corneal Size Data Code Sequence
    0x00221040: {0x00080106: "1C", 0x00080107: "1C"},  # Refractive Surgery Type Code Sequence
    0x00221044: {0x00080106: "1C", 0x00080107: "1C"},  # Ophthalmic Ultrasound Method Code Sequence
    0x00221096: {0x00080106: "1C", 0x00080107: "1C"},  # Keratometry Measurement Type Code Sequence
    0x00221101: {0x00080106: "1C", 0x00080107: "1C"},  # Ophthalmic Axial Length Measurements Segment Name Code Sequence
    0x00221103: {0x00080106: "1C", 0x00080107: "1C"},  # Refractive Error Before Refractive Surgery Code Sequence
    0x00221125: {0x00080106: "1C", 0x00080107: "1C"},  # Anterior Chamber Depth Definition Code Sequence
    0x00221132: {0x00080106: "1C", 0x00080107: "1C"},  # Source of Lens Thickness Data Code Sequence
    0x00221133: {0x00080106: "1C", 0x00080107: "1C"},  # Source of Anterior Chamber Depth Data Code Sequence
    0x00221135: {0x00080106: "1C", 0x00080107: "1C"},  # Source of Refractive Measurements Code Sequence
    0x00221150: {0x00080106: "1C", 0x00080107: "1C"},  # Ophthalmic Axial Length Data Source Code Sequence
    0x00221250: {0x00080106: "1C", 0x00080107: "1C"},  # Ophthalmic Axial Length Selection Method Code Sequence
    0x00221330: {0x00081155: "1"},  # Referenced Ophthalmic Axial Length Measurement QC Image Sequence
    0x00221420: {0x00080106: "1C", 0x00080107: "1C"},  # Acquisition Method Code Sequence
    0x00221436: {0x00080106: "1C", 0x00080107: "1C"},  # Ophthalmic Thickness Map Type Code Sequence
    0x00221445: {0x00080106: "1C", 0x00080107: "1C"},  # Retinal Thickness Definition Code Sequence
    0x00221512: {0x00080106: "1C", 0x00080107: "1C"},  # Transformation Method Code Sequence
    0x00221615: {0x00080106: "1C", 0x00080107: "1C"},  # Ophthalmic Image Type Code Sequence
    0x00221618: {0x00080106: "1C", 0x00080107: "1C"},  # Scan Pattern Type Code Sequence
    0x00221620: {0x00081155: "1"},  # Referenced Surface Mesh Identification Sequence
    0x00240016: {0x00080106: "1C", 0x00080107: "1C"},  # Screening Test Mode Code Sequence
    0x00240021: {0x00080106: "1C", 0x00080107: "1C"},  # Stimulus Color Code Sequence
    0x00240024: {0x00080106: "1C", 0x00080107: "1C"},  # Background Illumination Color Code Sequence
    0x00240033: {0x00080106: "1C", 0x00080107: "1C"},  # Fixation Monitoring Code Sequence
    0x00240325: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Data Observation Sequence
    0x00281352: {0x00080106: "1C", 0x00080107: "1C"},  # Partial View Code Sequence
    0x00283110: {0x00081140: "1C"},  # Softcopy VOI LUT Sequence
    0x00286100: {0x00081140: "1C"},  # Mask Subtraction Sequence
    0x00287000: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Equipment Administrator Sequence
    0x00287022: {0x00080106: "1C", 0x00080107: "1C"},  # Display Device Type Code Sequence
    0x0028702C: {0x00080106: "1C", 0x00080107: "1C"},  # Test Pattern Code Sequence
    0x0028702D: {0x00080106: "1C", 0x00080107: "1C"},  # Measurement Pattern Code Sequence
    0x0028702E: {0x00080106: "1C", 0x00080107: "1C"},  # Visual Evaluation Method Code Sequence
    0x00289505: {0x00081140: "1C"},  # Multi-frame Presentation Sequence
    0x00321031: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Requesting Physician Identification Sequence
    0x00321034: {0x00080106: "1C", 0x00080107: "1C"},  # Requesting Service Code Sequence
    0x00321064: {0x00080106: "1C", 0x00080107: "1C"},  # Requested Procedure Code Sequence
    0x00321067: {0x00080106: "1C", 0x00080107: "1C"},  # Reason for Visit Code Sequence
    0x00340001: {0x00340002: "1"},  # Flow Identifier Sequence
    0x0034000A: {0x00340001: "1", 0x00340005: "1"},  # Real-Time Bulk Data Flow Sequence
    0x00380004: {0x00081155: "1"},  # Referenced Patient Alias Sequence
    0x00380100: {0x00081155: "1"},  # Pertinent Documents Sequence
    0x003A0208: {0x00080106: "1C", 0x00080107: "1C"},  # Channel Source Sequence
    0x003A0209: {0x00080106: "1C", 0x00080107: "1C"},  # Channel Source Modifiers Sequence
    0x003A020A: {0x00081155: "1"},  # Source Waveform Sequence
    0x003A0211: {0x00080106: "1C", 0x00080107: "1C"},  # Channel Sensitivity Units Sequence
    0x00400008: {0x00080106: "1C", 0x00080107: "1C"},  # Scheduled Protocol Code Sequence
    0x0040000A: {0x00080106: "1C", 0x00080107: "1C"},  # Stage Code Sequence
    0x0040000B: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Scheduled Performing Physician Identification Sequence
    0x00400039: {0x00080106: "1C", 0x00080107: "1C"},  # Assigning Jurisdiction Code Sequence
    0x0040003A: {0x00080106: "1C", 0x00080107: "1C"},  # Assigning Agency or Department Code Sequence
    0x00400220: {0x00081155: "1"},  # Referenced Non-Image Composite SOP Instance Sequence
    0x00400260: {0x00080106: "1C", 0x00080107: "1C"},  # Performed Protocol Code Sequence
    0x00400275: {0x00400009: "1C", 0x00401001: "1C"},  # Request Attributes Sequence
    0x00400281: {0x00080106: "1C", 0x00080107: "1C"},  # Performed Procedure Step Discontinuation Reason Code Sequence
    0x00400295: {0x00080106: "1C", 0x00080107: "1C"},  # Measuring Units Sequence
    0x00400296: {0x00080106: "1C", 0x00080107: "1C"},  # Billing Item Sequence
    0x00400320: {0x00080106: "1C", 0x00080107: "1C"},  # Billing Procedure Step Sequence
    0x00400440: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Protocol Context Sequence
    0x00400441: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Content Item Modifier Sequence
    0x00400500: {0x00400512: "1", 0x00400513: "2"},  # Scheduled Specimen Sequence
    0x00400515: {0x00400512: "1", 0x00400513: "2"},  # Alternate Container Identifier Sequence
    0x00400518: {0x00080106: "1C", 0x00080107: "1C"},  # Container Type Code Sequence
    0x00400555: {0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C"},  # Acquisition Context Sequence
    0x00400560: {0x00400551: "1", 0x00400554: "1", 0x00400562: "2", 0x00400610: "2"},  # Specimen Description Sequence
    0x0040059A: {0x00080106: "1C", 0x00080107: "1C"},  # Specimen Type Code Sequence
    0x00400612: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Specimen Preparation Step Content Item Sequence
    0x00400620: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Specimen Localization Content Item Sequence
    0x004008EA: {0x00080106: "1C", 0x00080107: "1C"},  # Measurement Units Code Sequence
    0x0040100A: {0x00080106: "1C", 0x00080107: "1C"},  # Reason for Requested Procedure Code Sequence
    0x00401011: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Intended Recipients of Results Identification Sequence
    0x00401012: {0x00080106: "1C", 0x00080107: "1C"},  # Reason For Performed Procedure Code Sequence
    0x00401101: {0x00080106: "1C", 0x00080107: "1C"},  # Person Identification Code Sequence
    0x00404009: {0x00080106: "1C", 0x00080107: "1C"},  # Human Performer Code Sequence
    0x00404018: {0x00080106: "1C", 0x00080107: "1C"},  # Scheduled Workitem Code Sequence
    0x00404019: {0x00080106: "1C", 0x00080107: "1C"},  # Performed Workitem Code Sequence
    0x00404021: {0x0020000D: "1C", 0x0020000E: "1C"},  # Input Information Sequence
    0x00404025: {0x00080106: "1C", 0x00080107: "1C"},  # Scheduled Station Name Code Sequence
    0x00404026: {0x00080106: "1C", 0x00080107: "1C"},  # Scheduled Station Class Code Sequence
    0x00404027: {0x00080106: "1C", 0x00080107: "1C"},  # Scheduled Station Geographic Location Code Sequence
    0x00404028: {0x00080106: "1C", 0x00080107: "1C"},  # Performed Station Name Code Sequence
    0x00404029: {0x00080106: "1C", 0x00080107: "1C"},  # Performed Station Class Code Sequence
    0x00404030: {0x00080106: "1C", 0x00080107: "1C"},  # Performed Station Geographic Location Code Sequence
    0x00404033: {0x0020000D: "1C", 0x0020000E: "1C"},  # Output Information Sequence
    0x00404071: {0x21000140: "1"},  # DICOM Storage Sequence
    0x00409094: {0x00081140: "1"},  # Referenced Image Real World Value Mapping Sequence
    0x00409098: {0x00080106: "1C", 0x00080107: "1C"},  # Pixel Value Mapping Code Sequence
    0x00409220: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Quantity Definition Sequence
    0x0040A043: {0x00080106: "1C", 0x00080107: "1C"},  # Concept Name Code Sequence
    0x0040A073: {0x0040A027: "1", 0x0040A030: "1", 0x0040A075: "1", 0x0040A088: "2"},  # Verifying Observer Sequence
    0x0040A078: {0x00080080: "2", 0x00080082: "2", 0x00081010: "2C", 0x00181002: "1C", 0x00401101: "2C", 0x0040A123: "1C"},  # Author Observer Sequence
    0x0040A07A: {0x00080080: "2", 0x00080082: "2", 0x00081010: "2C", 0x00181002: "1C", 0x00401101: "2C", 0x0040A082: "2", 0x0040A123: "1C"},  # Participant Sequence
    0x0040A07C: {0x00080080: "2", 0x00080082: "2"},  # Custodial Organization Sequence
    0x0040A088: {0x00080106: "1C", 0x00080107: "1C"},  # Verifying Observer Identification Code Sequence
    0x0040A168: {0x00080106: "1C", 0x00080107: "1C"},  # Concept Code Sequence
    0x0040A170: {0x00080106: "1C", 0x00080107: "1C"},  # Purpose of Reference Code Sequence
    0x0040A195: {0x00080106: "1C", 0x00080107: "1C"},  # Modifier Code Sequence
    0x0040A301: {0x00080106: "1C", 0x00080107: "1C"},  # Numeric Value Qualifier Code Sequence
    0x0040A360: {0x0020000D: "1"},  # Predecessor Documents Sequence
    0x0040A370: {0x00080050: "2", 0x00081110: "2", 0x0020000D: "1", 0x00321060: "2", 0x00401001: "2", 0x00402016: "2", 0x00402017: "2"},  # Referenced Request Sequence
    0x0040A372: {0x00080106: "1C", 0x00080107: "1C"},  # Performed Procedure Code Sequence
    0x0040A375: {0x0020000D: "1"},  # Current Requested Procedure Evidence Sequence
    0x0040A385: {0x0020000D: "1"},  # Pertinent Other Evidence Sequence
    0x0040A390: {0x00081155: "1"},  # HL7 Structured Document Reference Sequence
    0x0040A525: {0x0020000D: "1"},  # Identical Documents Sequence
    0x0040A730: {0x0040A032: "1C", 0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C", 0x0040A13A: "1C", 0x0040A730: "1C", 0x30060024: "1"},  # Content Sequence
    0x0040B020: {0x0040A13A: "1C", 0x00700006: "1C"},  # Waveform Annotation Sequence
    0x0040E008: {0x00080106: "1C", 0x00080107: "1C"},  # Document Class Code Sequence
    0x0040E021: {0x00080054: "1"},  # DICOM Retrieval Sequence
    0x0040E022: {0x00880140: "1"},  # DICOM Media Retrieval Sequence
    0x00420013: {0x00081155: "1"},  # Source Instance Sequence
    0x00440007: {0x00080106: "1C", 0x00080107: "1C"},  # Product Type Code Sequence
    0x00440013: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Product Parameter Sequence
    0x00440019: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Substance Administration Parameter Sequence
    0x00440100: {0x00080082: "1C", 0x00120020: "1C", 0x00440104: "1"},  # Approval Sequence
    0x00440101: {0x00080106: "1C", 0x00080107: "1C"},  # Assertion Code Sequence
    0x00440103: {0x00080080: "2", 0x00080082: "2", 0x00081010: "2C", 0x00181002: "1C", 0x00401101: "2C", 0x0040A123: "1C"},  # Asserter Identification Sequence
    0x00440109: {0x00081155: "1"},  # Approval Subject Sequence
    0x0044010A: {0x00080106: "1C", 0x00080107: "1C"},  # Organizational Role Code Sequence
    0x00460111: {0x00080106: "1C", 0x00080107: "1C"},  # Source of Cornea Measurement Data Code Sequence
    0x00460121: {0x00080106: "1C", 0x00080107: "1C"},  # Visual Acuity Type Code Sequence
    0x00460145: {0x00081155: "1"},  # Referenced Refractive Measurements Sequence
    0x00460207: {0x00080106: "1C", 0x00080107: "1C"},  # Corneal Topography Map Type Code Sequence
    0x00480100: {0x00080106: "1C", 0x00080107: "1C"},  # Illuminator Type Code Sequence
    0x00480108: {0x00080106: "1C", 0x00080107: "1C"},  # Illumination Color Code Sequence
    0x00480200: {0x00081155: "1"},  # Referenced Image Navigation Sequence
    0x00500010: {0x00080106: "1C", 0x00080107: "1C"},  # Device Sequence
    0x00500012: {0x00080106: "1C", 0x00080107: "1C"},  # Container Component Type Code Sequence
    0x00520016: {0x00080106: "1C", 0x00080107: "1C"},  # Mode of Percutaneous Access Sequence
    0x00540016: {0x00181078: "1"},  # Radiopharmaceutical Information Sequence
    0x00540220: {0x00080106: "1C", 0x00080107: "1C"},  # View Code Sequence
    0x00540222: {0x00080106: "1C", 0x00080107: "1C"},  # View Modifier Code Sequence
    0x00540300: {0x00080106: "1C", 0x00080107: "1C"},  # Radionuclide Code Sequence
    0x00540302: {0x00080106: "1C", 0x00080107: "1C"},  # Administration Route Code Sequence
    0x00540304: {0x00080106: "1C", 0x00080107: "1C"},  # Radiopharmaceutical Code Sequence
    0x00540410: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Orientation Code Sequence
    0x00540412: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Orientation Modifier Code Sequence
    0x00540414: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Gantry Relationship Code Sequence
    0x00620002: {0x00620021: "1C"},  # Segment Sequence
    0x00620003: {0x00080106: "1C", 0x00080107: "1C"},  # Segmented Property Category Code Sequence
    0x0062000F: {0x00080106: "1C", 0x00080107: "1C"},  # Segmented Property Type Code Sequence
    0x00620011: {0x00080106: "1C", 0x00080107: "1C"},  # Segmented Property Type Modifier Code Sequence
    0x00620012: {0x00081155: "1"},  # Used Segments Sequence
    0x00640002: {0x00081140: "1C", 0x00640003: "1"},  # Deformable Registration Sequence
    0x0066002E: {0x00081155: "1"},  # Segment Surface Source Instance Sequence
    0x0066002F: {0x00080106: "1C", 0x00080107: "1C"},  # Algorithm Family Code Sequence
    0x00660030: {0x00080106: "1C", 0x00080107: "1C"},  # Algorithm Name Code Sequence
    0x00660108: {0x00080106: "1C", 0x00080107: "1C"},  # Track Set Anatomical Type Code Sequence
    0x00660133: {0x00080106: "1C", 0x00080107: "1C"},  # Diffusion Acquisition Code Sequence
    0x00660134: {0x00080106: "1C", 0x00080107: "1C"},  # Diffusion Model Code Sequence
    0x00686222: {0x00081155: "1"},  # Replaced Implant Template Sequence
    0x00686224: {0x00081155: "1"},  # Derivation Implant Template Sequence
    0x00686225: {0x00081155: "1"},  # Original Implant Template Sequence
    0x00686260: {0x00686270: "1"},  # Information From Manufacturer Sequence
    0x00686265: {0x00686270: "1"},  # Notification From Manufacturer Sequence
    0x006862A0: {0x00080106: "1C", 0x00080107: "1C"},  # Implant Regulatory Disapproval Code Sequence
    0x006862E0: {0x00080106: "1C", 0x00080107: "1C"},  # View Orientation Code Sequence
    0x006862F0: {0x00080106: "1C", 0x00080107: "1C"},  # View Orientation Modifier Code Sequence
    0x006863A0: {0x00080106: "1C", 0x00080107: "1C"},  # Materials Code Sequence
    0x006863A4: {0x00080106: "1C", 0x00080107: "1C"},  # Coating Materials Code Sequence
    0x006863A8: {0x00080106: "1C", 0x00080107: "1C"},  # Implant Type Code Sequence
    0x006863AC: {0x00080106: "1C", 0x00080107: "1C"},  # Fixation Method Code Sequence
    0x00686545: {0x00080106: "1C", 0x00080107: "1C"},  # Planning Landmark Identification Code Sequence
    0x00687003: {0x00080106: "1C", 0x00080107: "1C"},  # Model Usage Code Sequence
    0x00700001: {0x00081140: "1C"},  # Graphic Annotation Sequence
    0x00700008: {0x00620021: "1C", 0x00700006: "1"},  # Text Object Sequence
    0x00700009: {0x00620021: "1C"},  # Graphic Object Sequence
    0x0070005A: {0x00081140: "1C"},  # Displayed Area Selection Sequence
    0x00700086: {0x00080080: "1C", 0x00080082: "1C", 0x00401101: "1"},  # Content Creator's Identification Code Sequence
    0x00700308: {0x00081140: "1C", 0x00200052: "1C"},  # Registration Sequence
    0x0070030D: {0x00080106: "1C", 0x00080107: "1C"},  # Registration Type Code Sequence
    0x00700311: {0x00080106: "1C", 0x00080107: "1C"},  # Fiducial Identifier Code Sequence
    0x00700314: {0x00081155: "1", 0x0070031A: "1"},  # Used Fiducials Sequence
    0x00700318: {0x00081140: "1"},  # Graphic Coordinates Data Sequence
    0x0070031C: {0x00081140: "1C", 0x00200052: "1C"},  # Fiducial Set Sequence
    0x0070031F: {0x00080106: "1C", 0x00080107: "1C"},  # Fiducials Property Category Code Sequence
    0x00700402: {0x0020000D: "1"},  # Blending Sequence
    0x00700404: {0x00081155: "1", 0x0020000D: "1"},  # Referenced Spatial Registration Sequence
    0x00701104: {0x00081155: "1"},  # Rendered Image Reference Sequence
    0x0070120A: {0x00081140: "1C"},  # Volumetric Presentation Input Set Sequence
    0x00701301: {0x00081140: "1C"},  # Volume Cropping Sequence
    0x00701903: {0x00081155: "1"},  # Referenced Structured Context Sequence
    0x00701B01: {0x00081140: "1C", 0x0020000D: "1", 0x0020000E: "1"},  # Advanced Blending Sequence
    0x0072000C: {0x0040100A: "2"},  # Hanging Protocol Definition Sequence
    0x0072000E: {0x00080106: "1C", 0x00080107: "1C"},  # Hanging Protocol User Identification Code Sequence
    0x00720012: {0x00081155: "1"},  # Source Hanging Protocol Sequence
    0x00720022: {0x00720066: "1C", 0x00720068: "1C", 0x0072006A: "1C", 0x0072006C: "1C", 0x0072006E: "1C", 0x00720070: "1C"},  # Image Set Selector Sequence
    0x0072003E: {0x00080106: "1C", 0x00080107: "1C"},  # Abstract Prior Code Sequence
    0x00720080: {0x00080106: "1C", 0x00080107: "1C"},  # Selector Code Sequence Value
    0x00720400: {0x00720066: "1C", 0x00720068: "1C", 0x0072006A: "1C", 0x0072006C: "1C", 0x0072006E: "1C", 0x00720070: "1C"},  # Filter Operations Sequence
    0x00720422: {0x00081140: "2C"},  # Structured Display Image Box Sequence
    0x00720424: {0x00700006: "1"},  # Structured Display Text Box Sequence
    0x00720427: {0x00081155: "1"},  # Referenced First Frame Sequence
    0x00720705: {0x00081155: "1"},  # Pseudo-Color Palette Instance Reference Sequence
    0x00741007: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Procedure Step Progress Parameters Sequence
    0x0074100E: {0x00080106: "1C", 0x00080107: "1C"},  # Procedure Step Discontinuation Reason Code Sequence
    0x00741040: {0x00081155: "1"},  # Related Reference RT Image Sequence
    0x00741210: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Scheduled Processing Parameters Sequence
    0x00741212: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Performed Processing Parameters Sequence
    0x00741224: {0x00081155: "1"},  # Replaced Procedure Step Sequence
    0x00760008: {0x00081155: "1"},  # Replaced Implant Assembly Template Sequence
    0x0076000C: {0x00081155: "1"},  # Original Implant Assembly Template Sequence
    0x0076000E: {0x00081155: "1"},  # Derivation Implant Assembly Template Sequence
    0x00760020: {0x00080106: "1C", 0x00080107: "1C"},  # Procedure Type Code Sequence
    0x00760034: {0x00080106: "1C", 0x00080107: "1C"},  # Component Type Code Sequence
    0x00760040: {0x00081155: "1"},  # Component Sequence
    0x00780026: {0x00081155: "1"},  # Replaced Implant Template Group Sequence
    0x0078002A: {0x00081155: "1"},  # Implant Template Group Members Sequence
    0x00800001: {0x00080106: "1C", 0x00080107: "1C"},  # Surface Scan Acquisition Type Code Sequence
    0x00800002: {0x00080106: "1C", 0x00080107: "1C"},  # Surface Scan Mode Code Sequence
    0x00800003: {0x00080106: "1C", 0x00080107: "1C"},  # Registration Method Code Sequence
    0x00800012: {0x0020000D: "1C", 0x0020000E: "1C"},  # Referenced Texture Sequence
    0x00800013: {0x00081155: "1"},  # Referenced Surface Data Sequence
    0x00820004: {0x00081155: "1"},  # Assessed SOP Instance Sequence
    0x00820005: {0x00081155: "1"},  # Referenced Comparison SOP Instance Sequence
    0x00820010: {0x0072005E: "1C", 0x0072005F: "1C", 0x00720061: "1C", 0x00720063: "1C", 0x00720065: "1C", 0x00720066: "1C", 0x00720068: "1C", 0x0072006A: "1C", 0x0072006B: "1C", 0x0072006C: "1C", 0x0072006D: "1C", 0x0072006E: "1C", 0x00720070: "1C", 0x00720071: "1C"},  # Assessed Attribute Value Sequence
    0x00820017: {0x00080080: "2", 0x00080082: "2", 0x00081010: "2C", 0x00181002: "1C", 0x00401101: "2C", 0x0040A123: "1C"},  # Assessment Requester Sequence
    0x00820021: {0x00080106: "1C", 0x00080107: "1C"},  # Assessment Type Code Sequence
    0x00820022: {0x00080106: "1C", 0x00080107: "1C"},  # Observation Basis Code Sequence
    0x00820034: {0x0072005E: "1C", 0x0072005F: "1C", 0x00720061: "1C", 0x00720063: "1C", 0x00720065: "1C", 0x00720066: "1C", 0x00720068: "1C", 0x0072006A: "1C", 0x0072006B: "1C", 0x0072006C: "1C", 0x0072006D: "1C", 0x0072006E: "1C", 0x00720070: "1C", 0x00720071: "1C"},  # Constraint Value Sequence
    0x00820035: {0x0072005E: "1C", 0x0072005F: "1C", 0x00720061: "1C", 0x00720063: "1C", 0x00720065: "1C", 0x00720066: "1C", 0x00720068: "1C", 0x0072006A: "1C", 0x0072006B: "1C", 0x0072006C: "1C", 0x0072006D: "1C", 0x0072006E: "1C", 0x00720070: "1C", 0x00720071: "1C"},  # Recommended Default Value Sequence
    0x04000401: {0x00080106: "1C", 0x00080107: "1C"},  # Digital Signature Purpose Code Sequence
    0x04000402: {0x04000100: "1"},  # Referenced Digital Signature Sequence
    0x04000403: {0x04000404: "1"},  # Referenced SOP Instance MAC Sequence
    0x04000551: {0x04000552: "1"},  # Nonconforming Modified Attributes Sequence
    0x04000561: {0x04000550: "1", 0x04000562: "1", 0x04000563: "1", 0x04000564: "2", 0x04000565: "1"},  # Original Attributes Sequence
    0x20000500: {0x00081155: "1"},  # Referenced Film Box Sequence
    0x20100500: {0x00081155: "1"},  # Referenced Film Session Sequence
    0x20100510: {0x00081155: "1"},  # Referenced Image Box Sequence
    0x20100520: {0x00081155: "1"},  # Referenced Basic Annotation Box Sequence
    0x20500500: {0x00081155: "1"},  # Referenced Presentation LUT Sequence
    0x30060010: {0x00200052: "1"},  # Referenced Frame of Reference Sequence
    0x30060012: {0x00081155: "1"},  # RT Referenced Study Sequence
    0x30060014: {0x0020000E: "1"},  # RT Referenced Series Sequence
    0x30060016: {0x00081155: "1"},  # Contour Image Sequence
    0x30060018: {0x00081155: "1"},  # Predecessor Structure Set Sequence
    0x30060020: {0x30060024: "1", 0x30060026: "2"},  # Structure Set ROI Sequence
    0x30060086: {0x00080106: "1C", 0x00080107: "1C"},  # RT ROI Identification Code Sequence
    0x300600CA: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Location Coordinates Code Sequence
    0x30080030: {0x00081155: "1"},  # Referenced Treatment Record Sequence
    0x30080040: {0x30080024: "1", 0x30080025: "1"},  # Control Point Delivery Sequence
    0x30080041: {0x30080024: "1", 0x30080025: "1"},  # Ion Control Point Delivery Sequence
    0x30080060: {0x00081070: "2"},  # Override Sequence
    0x30080100: {0x30080105: "2", 0x300A0216: "2", 0x300A022C: "1", 0x300A022E: "1"},  # Recorded Source Sequence
    0x30080130: {0x30080162: "1C", 0x30080164: "1C", 0x30080166: "1C", 0x30080168: "1C"},  # Recorded Channel Sequence
    0x30080160: {0x30080024: "1", 0x30080025: "1"},  # Brachy Control Point Delivered Sequence
    0x30080171: {0x30080162: "1", 0x30080164: "1", 0x30080166: "1", 0x30080168: "1"},  # Pulse Specific Brachy Control Point Delivered Sequence
    0x30080173: {0x30080024: "1", 0x30080025: "1"},  # Brachy Pulse Control Point Delivered Sequence
    0x30080240: {0x30080250: "2", 0x30080251: "2"},  # Fraction Status Summary Sequence
    0x300A00B0: {0x300A00B2: "2"},  # Beam Sequence
    0x300A0206: {0x00080080: "2", 0x00181000: "2", 0x300A00B2: "2"},  # Treatment Machine Sequence
    0x300A0210: {0x300A022C: "1", 0x300A022E: "1"},  # Source Sequence
    0x300A03A2: {0x300A00B2: "2"},  # Ion Beam Sequence
    0x300A0401: {0x00081155: "1"},  # Referenced Setup Image Sequence
    0x300A0441: {0x3010001B: "2"},  # Block Slab Sequence
    0x300A0453: {0x00080106: "1C", 0x00080107: "1C"},  # Device Motion Parameter Code Sequence
    0x300A060A: {0x300A0608: "1", 0x300A0609: "1"},  # Treatment Position Group Sequence
    0x300A0610: {0x300A0611: "1"},  # RT Accessory Holder Slot Sequence
    0x300A0614: {0x00181000: "2", 0x300A0611: "2C", 0x300A0615: "2C", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # RT Accessory Holder Definition Sequence
    0x300A0616: {0x00081155: "1"},  # RT Radiation Sequence
    0x300A0618: {0x300A0619: "1"},  # Radiation Dose Identification Sequence
    0x300A0621: {0x300A0623: "1"},  # Expected In-Vivo Measurement Values Sequence
    0x300A0629: {0x300A062A: "1"},  # RT Tolerance Set Sequence
    0x300A062D: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Patient Support Position Tolerance Sequence
    0x300A0630: {0x00081155: "1"},  # Referenced RT Radiation Sequence
    0x300A0632: {0x00081155: "1"},  # Referenced RT Patient Setup Sequence
    0x300A0635: {0x00080106: "1C", 0x00080107: "1C"},  # Treatment Machine Special Mode Code Sequence
    0x300A063A: {0x00181000: "2", 0x0018100B: "2", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # Treatment Device Identification Sequence
    0x300A063B: {0x00081155: "1"},  # Referenced RT Physician Intent Sequence
    0x300A063E: {0x00080106: "1C", 0x00080107: "1C"},  # Delivery Rate Unit Sequence
    0x300A0644: {0x00080106: "1C", 0x00080107: "1C"},  # Parallel RT Beam Delimiter Device Orientation Label Code Sequence
    0x300A064D: {0x00181000: "2", 0x300A0611: "2C", 0x300A0615: "2C", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # RT Beam Limiting Device Definition Sequence
    0x300A0651: {0x00181000: "2", 0x300A0611: "2C", 0x300A0615: "2C", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # Wedge Definition Sequence
    0x300A0658: {0x00080106: "1C", 0x00080107: "1C"},  # Radiation Dosimeter Unit Sequence
    0x300A0659: {0x00080106: "1C", 0x00080107: "1C"},  # RT Device Distance Reference Location Code Sequence
    0x300A065A: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Radiation Device Configuration and Commissioning Key Sequence
    0x300A065B: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Patient Support Position Parameter Sequence
    0x300A0662: {0x00181000: "2", 0x300A0611: "2C", 0x300A0615: "2C", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # Compensator Definition Sequence
    0x300A0667: {0x00080106: "1C", 0x00080107: "1C"},  # Compensator Shape Fabrication Code Sequence
    0x300A066A: {0x00181000: "2", 0x300A0611: "2C", 0x300A0615: "2C", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # Block Definition Sequence
    0x300A0671: {0x00181000: "2", 0x300A0611: "2C", 0x300A0615: "2C", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # General Accessory Definition Sequence
    0x300A0673: {0x00181000: "2", 0x300A0611: "2C", 0x300A0615: "2C", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # Bolus Definition Sequence
    0x300A0678: {0x00080106: "1C", 0x00080107: "1C"},  # Equipment Reference Point Code Sequence
    0x300A067B: {0x300A067C: "1", 0x300A067D: "2"},  # Radiation GenerationMode Sequence
    0x300A067E: {0x00080106: "1C", 0x00080107: "1C"},  # Radiation GenerationMode Machine Code Sequence
    0x300A067F: {0x00080106: "1C", 0x00080107: "1C"},  # Radiation Type Code Sequence
    0x300A0683: {0x00080106: "1C", 0x00080107: "1C"},  # Radiation Fluence Modifier Code Sequence
    0x300A0684: {0x00080106: "1C", 0x00080107: "1C"},  # Energy Unit Code Sequence
    0x300A0686: {0x00181000: "2", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # Patient Support Devices Sequence
    0x300C0002: {0x00081155: "1", 0x0020000D: "1"},  # Referenced RT Plan Sequence
    0x300C0040: {0x00081155: "1"},  # Referenced Verification Image Sequence
    0x300C0042: {0x00081155: "1"},  # Referenced Reference Image Sequence
    0x300C0060: {0x00081155: "1"},  # Referenced Structure Set Sequence
    0x300C0080: {0x00081155: "1"},  # Referenced Dose Sequence
    0x30100003: {0x00080106: "1C", 0x00080107: "1C"},  # Effective Dose Calculation Method Category Code Sequence
    0x30100004: {0x00080106: "1C", 0x00080107: "1C"},  # Effective Dose Calculation Method Code Sequence
    0x30100007: {0x00081155: "1"},  # Originating SOP Instance Reference Sequence
    0x30100008: {0x30100013: "1"},  # Conceptual Volume Constituent Sequence
    0x30100009: {0x00081155: "1"},  # Equivalent Conceptual Volume Instance Reference Sequence
    0x3010000A: {0x3010000B: "1"},  # Equivalent Conceptual Volumes Sequence
    0x30100018: {0x30100015: "1"},  # Source Conceptual Volume Sequence
    0x30100019: {0x00080080: "2", 0x00080082: "2", 0x00081010: "2C", 0x00181002: "1C", 0x00401101: "2C", 0x0040A123: "1C"},  # Author Identification Sequence
    0x30100023: {0x30100006: "1", 0x30100031: "1C"},  # Direct Segment Reference Sequence
    0x30100024: {0x30100006: "1", 0x3010000F: "2C"},  # Combination Segment Reference Sequence
    0x30100025: {0x30100006: "1", 0x3010000F: "2C"},  # Conceptual Volume Sequence
    0x30100026: {0x00181000: "2", 0x3010001B: "2", 0x3010002D: "1", 0x30100043: "2"},  # Segmented RT Accessory Device Sequence
    0x30100027: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Segment Characteristics Sequence
    0x3010002A: {0x30100038: "1"},  # RT Segment Annotation Sequence
    0x3010002B: {0x00080106: "1C", 0x00080107: "1C"},  # Segment Annotation Category Code Sequence
    0x3010002C: {0x00080106: "1C", 0x00080107: "1C"},  # Segment Annotation Type Code Sequence
    0x3010002E: {0x00080106: "1C", 0x00080107: "1C"},  # Device Type Code Sequence
    0x3010002F: {0x00080106: "1C", 0x00080107: "1C"},  # Segment Annotation Type Modifier Code Sequence
    0x30100030: {0x00080106: "1C", 0x00080107: "1C"},  # Patient Equipment Relationship Code Sequence
    0x30100044: {0x00081155: "1"},  # Instance-Level Referenced Performed Procedure Step Sequence
    0x3010004A: {0x00081155: "1"},  # Referenced Direct Segment Instance Sequence
    0x3010004B: {0x30100035: "1", 0x3010003B: "2", 0x3010004C: "2", 0x3010004D: "2"},  # Intended RT Treatment Phase Sequence
    0x30100055: {0x00081155: "1", 0x3010005C: "2"},  # RT Physician Intent Predecessor Sequence
    0x30100057: {0x30100056: "2", 0x3010005A: "2", 0x30100077: "1"},  # RT Physician Intent Sequence
    0x3010005B: {0x00080106: "1C", 0x00080107: "1C"},  # RT Protocol Code Sequence
    0x3010005D: {0x00080106: "1C", 0x00080107: "1C"},  # RT Diagnosis Code Sequence
    0x3010005F: {0x00081110: "1"},  # RT Physician Intent Input Instance Sequence
    0x30100060: {0x30100017: "2", 0x30100035: "1"},  # RT Anatomic Prescription Sequence
    0x30100062: {0x00081155: "1"},  # Prior Treatment Reference Sequence
    0x30100064: {0x00080106: "1C", 0x00080107: "1C"},  # Therapeutic Role Category Code Sequence
    0x30100065: {0x00080106: "1C", 0x00080107: "1C"},  # Therapeutic Role Type Code Sequence
    0x30100067: {0x00080106: "1C", 0x00080107: "1C"},  # Conceptual Volume Category Code Sequence
    0x30100069: {0x00080106: "1C", 0x00080107: "1C"},  # Conceptual Volume Type Code Sequence
    0x3010006A: {0x00080106: "1C", 0x00080107: "1C"},  # Conceptual Volume Type Modifier Code Sequence
    0x3010006B: {0x30100054: "1", 0x30100061: "2"},  # RT Prescription Sequence
    0x3010006C: {0x3010000B: "1C", 0x3010006E: "1"},  # Dosimetric Objective Sequence
    0x3010006D: {0x00080106: "1C", 0x00080107: "1C"},  # Dosimetric Objective Type Code Sequence
    0x30100070: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Dosimetric Objective Parameter Sequence
    0x30100071: {0x3010006F: "1"},  # Referenced Dosimetric Objectives Sequence
    0x30100076: {0x00081110: "1"},  # Planning Input Information Sequence
    0x30100078: {0x00080106: "1C", 0x00080107: "1C"},  # Treatment Site Code Sequence
    0x30100080: {0x00080106: "1C", 0x00080107: "1C"},  # RT Treatment Technique Code Sequence
    0x30100081: {0x0040A120: "1C", 0x0040A121: "1C", 0x0040A122: "1C", 0x0040A123: "1C", 0x0040A124: "1C"},  # Prescription Notes Sequence
    0x30100088: {0x00080106: "1C", 0x00080107: "1C"},  # Delivery Time Structure Code Sequence
    0x30100091: {0x00080106: "1C", 0x00080107: "1C"},  # Robotic Path Node Set Code Sequence
    0xFFFAFFFA: {0x04000100: "1", 0x04000105: "1", 0x04000115: "1"},  # Digital Signatures Sequence
}
