"""Evidence files (佐证材料): the store of blobs, what a file is, and what it is called.

- blobs: the content-addressed, streaming store (put, verify, sweep).
- filetypes: the type of a file from its content (one magic table, bounded container checks).
- filenames: the one cleaner for file and folder names, and the policy of stored names.
- zipdirectory: a ZIP's central directory read within bounds (used here and by the bundle).
"""

from workflow.evidence.blobs import (
    DEFAULT_MAX_BYTES,
    EvidenceRefused,
    EvidenceStore,
    StoredBlob,
    VerifyReport,
)
from workflow.evidence.filenames import safe_component, sanitise_filename, stored_name
from workflow.evidence.filetypes import MEDIA_LABELS, detect_type

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MEDIA_LABELS",
    "EvidenceRefused",
    "EvidenceStore",
    "StoredBlob",
    "VerifyReport",
    "detect_type",
    "safe_component",
    "sanitise_filename",
    "stored_name",
]
