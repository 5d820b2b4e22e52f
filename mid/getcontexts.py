"""The storage presentation contexts a C-GET proposes (for pacs.get).

A PACS accepts one transfer syntax per presentation context, and one that does not transcode can
send an image only on a context accepted in the syntax it stored; an association carries at most
MAX_CONTEXTS contexts. So the classes a series most likely holds, by its Modality, get a context
per compressed transfer syntax, and the other common classes share one (docs/ARCHITECTURE.md,
"C-GET's presentation contexts"). Imports nothing of ours but the DIMSE words.
"""
from __future__ import annotations

from typing import Iterable

from pynetdicom import StoragePresentationContexts
from pynetdicom.sop_class import (
    BreastTomosynthesisImageStorage,
    ComputedRadiographyImageStorage,
    CTImageStorage,
    DigitalIntraOralXRayImageStorageForPresentation,
    DigitalIntraOralXRayImageStorageForProcessing,
    DigitalMammographyXRayImageStorageForPresentation,
    DigitalMammographyXRayImageStorageForProcessing,
    DigitalXRayImageStorageForPresentation,
    DigitalXRayImageStorageForProcessing,
    EnhancedCTImageStorage,
    EnhancedMRImageStorage,
    EnhancedPETImageStorage,
    EnhancedXAImageStorage,
    EnhancedXRFImageStorage,
    MRImageStorage,
    MultiFrameTrueColorSecondaryCaptureImageStorage,
    NuclearMedicineImageStorage,
    OphthalmicPhotography8BitImageStorage,
    PositronEmissionTomographyImageStorage,
    RTImageStorage,
    SecondaryCaptureImageStorage,
    UltrasoundImageStorage,
    UltrasoundMultiFrameImageStorage,
    VideoEndoscopicImageStorage,
    VLEndoscopicImageStorage,
    VLPhotographicImageStorage,
    VLWholeSlideMicroscopyImageStorage,
    XRayAngiographicImageStorage,
    XRayRadiofluoroscopicImageStorage,
)

from mid.dimse import COMPRESSED_SYNTAXES, STORE_TRANSFER_SYNTAXES, UNCOMPRESSED_SYNTAXES

MAX_CONTEXTS = 128                # PS3.8: presentation context IDs are odd numbers 1..255


def storage_contexts_for_get(sop_classes: Iterable[str] = ()) -> list[str]:
    """Storage SOP classes proposed for C-GET: the given ones first, then pynetdicom's common set.

    One context is kept for the C-GET model itself, so at most 127 storage classes fit.
    """
    chosen: list[str] = []
    for uid in list(sop_classes) + [cx.abstract_syntax for cx in StoragePresentationContexts]:
        if uid not in chosen:
            chosen.append(uid)
    return chosen[:MAX_CONTEXTS - 1]


# The image storage SOP classes a series most likely holds, by its Modality (0008,0060). C-GET gives
# each of them a presentation context per compressed transfer syntax (see get_storage_contexts), so a
# PACS that does not transcode can send an image in the syntax it stored. A small table of protocol
# facts (PS3.3's modality terms, PS3.4's storage classes), not a site's choice; docs/ARCHITECTURE.md.
MODALITY_STORAGE_CLASSES: dict[str, tuple[str, ...]] = {
    "CT": (CTImageStorage, EnhancedCTImageStorage),
    "MR": (MRImageStorage, EnhancedMRImageStorage),
    "US": (UltrasoundImageStorage, UltrasoundMultiFrameImageStorage),
    "CR": (ComputedRadiographyImageStorage,),
    "DX": (DigitalXRayImageStorageForPresentation, DigitalXRayImageStorageForProcessing),
    "MG": (DigitalMammographyXRayImageStorageForPresentation, DigitalMammographyXRayImageStorageForProcessing,
           BreastTomosynthesisImageStorage),
    "IO": (DigitalIntraOralXRayImageStorageForPresentation, DigitalIntraOralXRayImageStorageForProcessing),
    "XA": (XRayAngiographicImageStorage, EnhancedXAImageStorage),
    "RF": (XRayRadiofluoroscopicImageStorage, EnhancedXRFImageStorage),
    "NM": (NuclearMedicineImageStorage,),
    "PT": (PositronEmissionTomographyImageStorage, EnhancedPETImageStorage),
    "RTIMAGE": (RTImageStorage,),
    "ES": (VLEndoscopicImageStorage, VideoEndoscopicImageStorage),
    "XC": (VLPhotographicImageStorage,),
    "OP": (OphthalmicPhotography8BitImageStorage,),
    "SM": (VLWholeSlideMicroscopyImageStorage,),
    "OT": (MultiFrameTrueColorSecondaryCaptureImageStorage,),
    "SC": (MultiFrameTrueColorSecondaryCaptureImageStorage,),
}
#: proposed with every known modality: screen captures come in series of any modality
ALWAYS_LIKELY_CLASSES = (SecondaryCaptureImageStorage,)
#: at most this many classes get a context per compressed syntax: about half the contexts, so the
#: common classes keep the other half
MAX_EXPANDED_CLASSES = (MAX_CONTEXTS - 1) // 2 // (1 + len(COMPRESSED_SYNTAXES))


def likely_storage_classes(modalities: Iterable[str]) -> list[str]:
    """The storage classes series of these modalities most likely hold; [] when none is in the table."""
    known = [str(m or "").strip().upper() for m in modalities]
    known = [m for m in known if m in MODALITY_STORAGE_CLASSES]
    if not known:
        return []
    chosen: list[str] = []
    for uid in [u for m in known for u in MODALITY_STORAGE_CLASSES[m]] + list(ALWAYS_LIKELY_CLASSES):
        if uid not in chosen:
            chosen.append(uid)
    return chosen


def get_storage_contexts(sop_classes: Iterable[str] = (), *,
                         modalities: Iterable[str] = ()) -> list[tuple[str, list[str]]]:
    """The storage presentation contexts a C-GET proposes, (SOP class, transfer syntaxes) each.

    A PACS accepts one transfer syntax per context, and one that does not transcode can then send
    only images stored in it. So the classes the series most likely hold (likely_storage_classes of
    their modalities, at most MAX_EXPANDED_CLASSES) get a context with the uncompressed syntaxes and
    one per compressed syntax; the given sop_classes and the rest of pynetdicom's common classes get
    one context with every syntax: first those no modality of the table names, then those of other
    modalities, retired ones last, as many as fit. With no known modality: storage_contexts_for_get,
    one shared context each. At most MAX_CONTEXTS - 1 (one is the C-GET model's).
    """
    sop_classes = list(sop_classes)
    likely = likely_storage_classes(modalities)
    if not likely:
        return [(uid, list(STORE_TRANSFER_SYNTAXES)) for uid in storage_contexts_for_get(sop_classes)]
    expanded = likely[:MAX_EXPANDED_CLASSES]
    contexts: list[tuple[str, list[str]]] = []
    for uid in expanded:
        contexts.append((uid, list(UNCOMPRESSED_SYNTAXES)))
        contexts.extend((uid, [ts]) for ts in COMPRESSED_SYNTAXES)
    mapped = {u for classes in MODALITY_STORAGE_CLASSES.values() for u in classes}
    common = [cx.abstract_syntax for cx in StoragePresentationContexts]
    rest = (sop_classes + likely[MAX_EXPANDED_CLASSES:]
            + [u for u in common if u not in mapped and not u.is_retired]
            + [u for u in common if u in mapped and not u.is_retired]
            + [u for u in common if u.is_retired])
    shared: list[str] = []
    for uid in rest:
        if uid not in shared and uid not in expanded:
            shared.append(uid)
    room = MAX_CONTEXTS - 1 - len(contexts)
    contexts.extend((uid, list(STORE_TRANSFER_SYNTAXES)) for uid in shared[:room])
    return contexts
