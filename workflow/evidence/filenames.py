"""File and folder names: one cleaner for every name zonecheck stores, shows or puts in a ZIP.

Platform rules (characters Windows, macOS or Linux refuse in a name, and Windows' reserved
device names such as CON, NUL, COM1 and COM¹) come from pathvalidate, which keeps those tables
current; it fits that part exactly. It does not cover the rest, which is done here: taking the
last component of a path, Unicode normalisation (NFC), control and invisible format characters
(a right-to-left override can disguise `报告\u202egpj.exe` as `报告exe.jpg`), leading dots
(hidden files, `..`), cutting a long name to a number of characters and bytes while keeping
its extension (pathvalidate cuts bytes off the end, extension included), and the policy of
stored names: no executable extension, and the detected type's extension (`stored_name`).
"""

from __future__ import annotations

import re
import unicodedata

import pathvalidate
from pathvalidate.error import ErrorReason, ValidationError
from pathvalidate.handler import ReservedNameHandler

from workflow.evidence.filetypes import EXTENSIONS

__all__ = [
    "EXECUTABLE_EXTENSIONS",
    "MAX_COMPONENT_BYTES",
    "MAX_NAME_CHARS",
    "UNNAMED",
    "fit_bytes",
    "safe_component",
    "sanitise_filename",
    "split_extension",
    "stored_name",
]

UNNAMED = "未命名文件"
MAX_NAME_CHARS = 120
# 255 bytes is NAME_MAX on ext4/XFS/APFS and the component limit of most ZIP tools; Windows
# counts 255 UTF-16 units, which a name of at most 255 UTF-8 bytes never exceeds.
MAX_COMPONENT_BYTES = 255
MAX_EXTENSION_CHARS = 16

# Extensions that make a double-click run, install or open something active, on Windows,
# macOS or Linux: never kept on a stored name, whatever the content (`a.pdf.exe` → `a.pdf`).
# Web pages and SVG are here too: opened from a download folder they run their scripts.
EXECUTABLE_EXTENSIONS = frozenset(
    {
        ".exe", ".com", ".scr", ".pif", ".cpl", ".dll", ".ocx", ".sys", ".drv", ".msi", ".msp",
        ".mst", ".msc", ".bat", ".cmd", ".ps1", ".psm1", ".psd1", ".ps1xml", ".psc1", ".vb", ".vbs",
        ".vbe", ".js", ".jse", ".ws", ".wsf", ".wsc", ".wsh", ".hta", ".lnk", ".url", ".scf",
        ".reg", ".inf", ".chm", ".hlp", ".gadget", ".application", ".appref-ms",
        ".settingcontent-ms", ".library-ms", ".xbap", ".jar", ".jnlp", ".py", ".pyw", ".pl", ".rb", ".php", ".sh",
        ".bash", ".zsh", ".csh", ".ksh", ".command", ".desktop", ".run", ".bin", ".app", ".dmg",
        ".pkg", ".deb", ".rpm", ".apk", ".iso", ".img", ".vhd", ".vhdx", ".svg", ".svgz", ".html",
        ".htm", ".xhtml", ".shtml", ".mht", ".mhtml", ".xht",
    }
)
# Extensions of other formats: a name ending in one has its extension replaced by the
# detected type's (`核查报告.html` holding a PDF → `核查报告.pdf`); any other ending is taken
# to be part of the name and the extension is added (`方案第3.5版` → `方案第3.5版.pdf`).
_OTHER_EXTENSIONS = frozenset(
    {
        ".txt", ".text", ".md", ".log", ".csv", ".tsv", ".xml", ".json", ".yaml", ".yml", ".rtf",
        ".odt", ".ods", ".odp", ".odg", ".ppt", ".pptx", ".pps", ".ppsx", ".pptm", ".docm", ".dotx",
        ".dotm", ".dot", ".xlsm", ".xlsb", ".xltx", ".xltm", ".xlt", ".dps", ".wpt", ".ett", ".dpt",
        ".gif", ".bmp", ".tif", ".tiff", ".webp", ".heic", ".heif", ".ico", ".rar", ".7z", ".gz",
        ".tgz", ".bz2", ".xz", ".tar", ".cab", ".eml", ".msg", ".epub", ".caj", ".kdh", ".nh",
        ".uof", ".uot", ".uos", ".ceb", ".sep", ".pdg",
    }
)
_KNOWN_EXTENSIONS = (
    EXECUTABLE_EXTENSIONS
    | _OTHER_EXTENSIONS
    | {ext for exts in EXTENSIONS.values() for ext in exts}
)

_WHITESPACE_RUN = re.compile(r"\s+")
_LAYOUT_CONTROLS = str.maketrans(dict.fromkeys("\t\n\r\v\f", " "))
_EXTENSION = re.compile(rf"\.[^.\s]{{1,{MAX_EXTENSION_CHARS}}}$")
_PATH_SEPARATORS = re.compile(r"[/\\]")
# Cc control, Cf format (bidi overrides, zero-width characters), Cs lone surrogates.
_DROPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs"})


def split_extension(name: str) -> tuple[str, str]:
    """`("通报", ".pdf")` for `通报.pdf`; `(name, "")` when it has no plausible extension."""
    match = _EXTENSION.search(name)
    return (name[: match.start()], match.group(0)) if match else (name, "")


def fit_bytes(text: str, limit: int) -> str:
    """`text` cut (never inside a character) to at most `limit` bytes of UTF-8."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:limit].decode("utf-8", "ignore")


def _prepare(text: str) -> str:
    """NFC; tabs and line breaks as spaces; no control or format characters; one space for
    each run of white space."""
    text = unicodedata.normalize("NFC", text).translate(_LAYOUT_CONTROLS)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in _DROPPED_CATEGORIES)
    return _WHITESPACE_RUN.sub(" ", text)


def _platform_safe(text: str, replacement: str) -> str:
    """Every character some platform refuses in a name replaced by `replacement`.

    Called on a name already cut to MAX_COMPONENT_BYTES, since pathvalidate cuts at that
    length itself (extension included); replacing only keeps or shortens the name.
    """
    text = pathvalidate.sanitize_filename(
        text,
        replacement_text=replacement,
        platform="universal",
        reserved_name_handler=ReservedNameHandler.as_is,  # checked on the final name
    )
    return _WHITESPACE_RUN.sub(" ", text)


def _unreserved(name: str) -> str:
    """`_CON.pdf` for `CON.pdf`: a Windows device name, with any extension, cannot be a file."""
    try:
        pathvalidate.validate_filename(name, platform="universal")
    except ValidationError as exc:
        if exc.reason is ErrorReason.RESERVED_NAME:
            return "_" + name
    return name


def sanitise_filename(name: str) -> str:
    """A display/export name safe on Windows and Linux, keeping Chinese text and the extension:
    the last path component, at most MAX_NAME_CHARS characters and MAX_COMPONENT_BYTES bytes."""
    base = next((p for p in reversed(_PATH_SEPARATORS.split(name)) if p), "")
    stem, ext = split_extension(_prepare(base))
    stem = fit_bytes(stem[: MAX_NAME_CHARS - len(ext)], MAX_COMPONENT_BYTES - len(ext.encode()))
    stem, ext = split_extension(_platform_safe(stem + ext, ""))
    stem = stem.strip(" .")
    return _unreserved(stem + ext) if stem else UNNAMED + ext


def safe_component(text: str, *, max_chars: int = 60, fallback: str = "_") -> str:
    """One path component that every ZIP tool and file system takes: no separators (replaced
    by `_`), no control or invisible characters, no leading dot (so no `..`), no trailing dot
    or space (Windows drops them), not a reserved Windows device name, at most `max_chars`
    characters (cut with "…") and MAX_COMPONENT_BYTES bytes. Chinese text is kept as it is."""
    text = _prepare(text).strip()
    if len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    if len(text.encode("utf-8")) > MAX_COMPONENT_BYTES:
        text = fit_bytes(text, MAX_COMPONENT_BYTES - len("…".encode())) + "…"
    text = _platform_safe(text, "_").strip().lstrip(". ").rstrip(". ")
    return _unreserved(text) if text else fallback


def stored_name(name: str, media_type: str) -> str:
    """The name a file of `media_type` is kept under: cleaned, with no executable extension
    (`a.pdf.exe` → `a.pdf`) and with an extension of its type (`核查报告.html` holding a PDF
    → `核查报告.pdf`; `年度总结` → `年度总结.pdf`). Case is kept when the extension fits."""
    fitting = EXTENSIONS[media_type]
    stem, ext = split_extension(sanitise_filename(name))
    while ext.casefold() in EXECUTABLE_EXTENSIONS:
        stem, ext = split_extension(stem)
    if ext.casefold() not in fitting:
        if ext.casefold() not in _KNOWN_EXTENSIONS:
            stem += ext  # not an extension at all, but part of the name
        ext = fitting[0]
    # Cleaned again: the new extension may push the name past the limits, or leave it empty.
    return sanitise_filename((stem or UNNAMED) + ext)
