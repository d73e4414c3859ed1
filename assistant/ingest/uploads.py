"""Uploaded article files: checked (type, size) and copied into the data folder under safe names.

Whatever a browser calls a file, it is stored as ``<data_dir>/uploads/<safe name>``: no folders,
no dot files, no odd characters, only the article types ``documents.SUFFIXES`` names.

    >>> safe_name("../../etc/Report (final).MD")
    'Report_final.md'
    >>> safe_name("nieuws/Één bericht.txt")
    'Één_bericht.txt'
    >>> safe_name("run.exe") is None
    True
"""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from assistant.ingest.documents import SUFFIXES

MAX_NAME = 120


def safe_name(name: str) -> str | None:
    """A file name that is safe to store, or None when the type is not an article's; a stem
    cut to ``MAX_NAME`` does not end in a separator.

    >>> safe_name("../Nieuws: Libië & Turkije.TXT")
    'Nieuws_Libië_Turkije.txt'
    >>> safe_name("a" * (MAX_NAME - 1) + " b.md") == "a" * (MAX_NAME - 1) + ".md"
    True
    """
    base = re.split(r"[\\/]", unicodedata.normalize("NFC", name))[-1]
    stem, dot, suffix = base.rpartition(".")
    if not dot or f".{suffix.lower()}" not in SUFFIXES:
        return None
    stem = re.sub(r"[^\w.-]+", "_", stem, flags=re.UNICODE).strip("._-")[:MAX_NAME].rstrip("._-")
    return f"{stem or 'article'}.{suffix.lower()}"


@dataclass
class SavedUploads:
    saved: list[Path] = field(default_factory=list)
    rejected: list[dict[str, str]] = field(default_factory=list)  # {"source", "reason"}


def save_uploads(files: Sequence[str | Path], folder: Path, max_bytes: int) -> SavedUploads:
    """Copy ``files`` into ``folder``; refuse other types and files over ``max_bytes``."""
    result = SavedUploads()
    folder.mkdir(parents=True, exist_ok=True)
    for file in files:
        path = Path(file)
        name = safe_name(path.name)
        if name is None:
            result.rejected.append({"source": path.name, "reason": "not an article file ("
                                     + ", ".join(SUFFIXES) + ")"})
            continue
        try:
            size = path.stat().st_size
        except OSError as exc:
            result.rejected.append({"source": path.name, "reason": f"unreadable: {exc.strerror}"})
            continue
        if size > max_bytes:
            result.rejected.append({"source": path.name, "reason":
                                    f"{size:,} bytes, over the limit of {max_bytes:,}"})
            continue
        target = folder / name
        tmp = target.with_name(f".{name}.part")
        shutil.copyfile(path, tmp)
        tmp.replace(target)
        result.saved.append(target)
    return result
