"""What an uploaded file is, recognised from its bytes alone (never its name or the type the browser sent).

Accepted: PDF, ODT, DOCX, PNG, JPEG, WebP. Everything else is refused, whatever it is called: HTML,
SVG (an image that can carry scripts), scripts, archives, documents with macros. ODT and DOCX are ZIP
files; they are told from other ZIPs (and from each other) by their structure: ODT's first entry is
an uncompressed `mimetype` naming the text document type (ODF 1.2 §3.3), DOCX has
`[Content_Types].xml` declaring a (macro-free) main document and `word/document.xml`. No entry
is decompressed except those two small ones, so a ZIP bomb costs nothing.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass


@dataclass(frozen=True)
class FileType:
    media_type: str
    extension: str       # what a download's name ends with
    extensions: tuple[str, ...]  # the endings a name may already have for this type


PDF = FileType("application/pdf", "pdf", ("pdf",))
ODT = FileType("application/vnd.oasis.opendocument.text", "odt", ("odt",))
DOCX = FileType("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx", ("docx",))
PNG = FileType("image/png", "png", ("png",))
JPEG = FileType("image/jpeg", "jpg", ("jpg", "jpeg"))
WEBP = FileType("image/webp", "webp", ("webp",))
TYPES = (PDF, ODT, DOCX, PNG, JPEG, WEBP)
NAMES = "PDF, ODT, DOCX, PNG, JPEG, WebP"  # for messages

_PDF_HEADER = re.compile(rb"%PDF-[12]\.\d")
_DOCX_MAIN = b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
_SMALL_ENTRY = 1_000_000  # the most of [Content_Types].xml (or mimetype) ever read


def recognise(data: bytes) -> FileType | None:
    """The accepted type these bytes are, or None."""
    if _PDF_HEADER.match(data) and b"%%EOF" in data[-2048:]:
        return PDF  # a PDF starts with its header and ends with its trailer marker (ISO 32000 §7.5)
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        return PNG
    if data.startswith(b"\xff\xd8\xff") and len(data) > 4:
        return JPEG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP" and data[12:15] == b"VP8":
        return WEBP
    if data.startswith(b"PK\x03\x04"):
        return _office(data)
    return None


def _office(data: bytes) -> FileType | None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
        if not entries:
            return None
        first = entries[0]
        if (first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
                and first.file_size < 200 and archive.read(first) == ODT.media_type.encode()
                and _has(archive, "content.xml") and _has(archive, "META-INF/manifest.xml")):
            # a document with Basic macros or scripts in it is not taken (they would run on opening)
            scripted = any(e.filename.startswith(("Basic/", "Scripts/")) for e in entries)
            return None if scripted else ODT
        types = _entry(archive, "[Content_Types].xml")
        if types is not None and _has(archive, "word/document.xml") and _DOCX_MAIN in types:
            return DOCX
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, ValueError, OSError, EOFError):
        return None  # broken, encrypted or an unknown compression: not a document we take
    return None


def _has(archive: zipfile.ZipFile, name: str) -> bool:
    try:
        archive.getinfo(name)
    except KeyError:
        return False
    return True


def _entry(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    return archive.read(info) if info.file_size <= _SMALL_ENTRY else None
