"""The evidence bundle (佐证材料汇编): every evidence file of a plan in one ZIP, with an index.

- layout: what goes where and under what name, the manifest's format and the shared limits.
- writing: building the ZIP from the evidence store, whole or not at all.
- verifying: checking a bundle against its own manifest, within bounds.
"""

from reports.bundle.layout import BundleError, safe_component
from reports.bundle.verifying import BundleCheck, BundleInvalid, verify_bundle
from reports.bundle.writing import BundleSummary, build_bundle, default_bundle_name

__all__ = [
    "BundleCheck",
    "BundleError",
    "BundleInvalid",
    "BundleSummary",
    "build_bundle",
    "default_bundle_name",
    "safe_component",
    "verify_bundle",
]
