"""A calibration session's uploaded material: checked by name and by content, stored under
instance/calibration/ with a random name, and read back only through the session's page.

Nothing uploaded is ever served as HTML or run: the type comes from this table, never from
what the browser said, and a file whose first bytes do not match its extension is refused.
"""

from __future__ import annotations

import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask import current_app

FOLDER = "calibration"


def _at(offset: int, *magics: bytes):
    return lambda head: any(head[offset : offset + len(m)] == m for m in magics)


def _riff(kind: bytes):
    return lambda head: head[:4] == b"RIFF" and head[8:12] == kind


# extension -> (content type, what it is, shown inline in the page?, test of the first bytes)
TYPES = {
    ".pdf": ("application/pdf", "document", False, _at(0, b"%PDF-")),
    ".png": ("image/png", "image", True, _at(0, b"\x89PNG\r\n\x1a\n")),
    ".jpg": ("image/jpeg", "image", True, _at(0, b"\xff\xd8\xff")),
    ".jpeg": ("image/jpeg", "image", True, _at(0, b"\xff\xd8\xff")),
    ".gif": ("image/gif", "image", True, _at(0, b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", "image", True, _riff(b"WEBP")),
    ".mp3": ("audio/mpeg", "audio", True, _at(0, b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2")),
    ".wav": ("audio/wav", "audio", True, _riff(b"WAVE")),
    ".ogg": ("audio/ogg", "audio", True, _at(0, b"OggS")),
    ".m4a": ("audio/mp4", "audio", True, _at(4, b"ftyp")),
    ".mp4": ("video/mp4", "video", True, _at(4, b"ftyp")),
    ".webm": ("video/webm", "video", True, _at(0, b"\x1a\x45\xdf\xa3")),
}
ALLOWED_TEXT = "PDF, PNG, JPEG, GIF, WebP, MP3, WAV, OGG, M4A, MP4 or WebM"


class UploadError(ValueError):
    """A file that is refused, with the reason in words for the person who sent it."""


@dataclass(frozen=True)
class Upload:
    """A checked upload, not yet stored."""

    name: str  # cleaned, for people to read
    content_type: str
    data: bytes

    @property
    def kind(self) -> str:
        return TYPES[Path(self.name).suffix.lower()][1]


def limit_mb() -> float:
    """The largest upload accepted, in MB, as set (CALIBRATION_UPLOAD_MAX_MB)."""
    return float(current_app.config["CALIBRATION_UPLOAD_MAX_MB"])


def limit() -> int:
    """The largest upload accepted, in bytes."""
    return int(limit_mb() * 1024 * 1024)


def clean_name(name: str) -> str:
    """A file name fit to show and to offer for download: no folders, no control or
    invisible characters, no quotes, at most 120 characters (its extension kept)."""
    name = unicodedata.normalize("NFC", name or "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(
        ch for ch in name if unicodedata.category(ch)[0] not in "C" and ch not in '"<>:|?*;'
    )
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, suffix = os.path.splitext(name)
    return (stem[: 120 - len(suffix)] + suffix) if stem else f"material{suffix}"


def check(filename: str | None, stream: BinaryIO) -> Upload:
    """The upload if its extension is allowed, its first bytes match it and it is within
    the size limit; UploadError saying which of these failed."""
    name = clean_name(filename or "")
    suffix = Path(name).suffix.lower()
    if suffix not in TYPES:
        raise UploadError(f"Upload a {ALLOWED_TEXT} file; “{name}” is none of these.")
    most = limit()
    data = stream.read(most + 1)
    if not data:
        raise UploadError("The file is empty.")
    if len(data) > most:
        raise UploadError(
            f"The file is larger than the {limit_mb():g} MB allowed. "
            "Shorten the recording or compress it."
        )
    content_type, _, _, matches = TYPES[suffix]
    if not matches(data[:16]):
        raise UploadError(
            f"“{name}” is not really a {suffix[1:].upper()} file (its content does not match "
            "its name), so it was refused."
        )
    return Upload(name, content_type, data)


def folder() -> Path:
    path = Path(current_app.instance_path) / FOLDER
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def store(upload: Upload) -> str:
    """Write the file under a new random name; that name."""
    stored = secrets.token_hex(16)
    fd = os.open(folder() / stored, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(upload.data)
    return stored


def remove(stored: str) -> None:
    """Remove a stored file (its session was not saved after all)."""
    (folder() / stored).unlink(missing_ok=True)


def path_of(stored: str) -> Path:
    """Where a stored file is; the name is ours (hex), never a path a user typed."""
    if not re.fullmatch(r"[0-9a-f]{32}", stored):
        raise FileNotFoundError(stored)
    return folder() / stored


def kind_of(name: str) -> str:
    """document, image, audio or video, by the file's extension."""
    entry = TYPES.get(Path(name).suffix.lower())
    return entry[1] if entry else "document"


def shown_inline(name: str) -> bool:
    """Images, audio and video are shown in the page; anything else is a download."""
    entry = TYPES.get(Path(name).suffix.lower())
    return bool(entry and entry[2])
