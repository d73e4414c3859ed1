"""Parse one article file into an ``Article``: date lead, title, normalised text, stable id.

The stored ``text`` is the normalised body (Unicode NFC, unified line ends, trimmed spaces);
every offset elsewhere in the assistant refers to this text. A first line that starts with
``date YYYY-MM-DD`` gives the date; the rest of that line belongs to the body::

    >>> a = parse_article(" date 2025-08-26 Kalin met Haftar. He stayed.\\n", "a.txt")
    >>> (a.date, a.title, a.text)
    ('2025-08-26', 'Kalin met Haftar.', 'Kalin met Haftar. He stayed.')

A title line is a markdown heading (``# Title``) or a short first line without closing
punctuation followed by more text; otherwise the title is the first sentence.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from .chunking import split_sentences

SUFFIXES = (".txt", ".md")
_DATE_LEAD = re.compile(r"^\s*date[ \t]+(\S+)[ \t]*", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_ZERO_WIDTH = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff]")
_MANY_BLANKS = re.compile(r"\n{3,}")
TITLE_MAX_CHARS = 100


class ArticleError(ValueError):
    """An article cannot be parsed; the message names the file and the reason."""


@dataclass(frozen=True)
class Article:
    doc_id: str
    source: str  # file name, relative to the ingested folder
    title: str
    date: str | None  # ISO YYYY-MM-DD
    text: str  # normalised body; offsets refer to this
    body_start: int = 0  # where the body starts in ``text`` (after a title line)

    @property
    def date_int(self) -> int:
        """The date as YYYYMMDD (0 when unknown), for range filters in the store."""
        return int(self.date.replace("-", "")) if self.date else 0


def normalise(text: str) -> str:
    """NFC, ``\\n`` line ends, no zero-width characters, single spaces, no blank-line runs.

    >>> normalise("Caf\\u0065\\u0301  au\\tlait\\r\\n\\n\\n\\nend ")
    'Café au lait\\n\\nend'
    """
    text = unicodedata.normalize("NFC", text)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = _ZERO_WIDTH.sub("", text)
    lines = [_SPACES.sub(" ", line).strip() for line in text.split("\n")]
    return _MANY_BLANKS.sub("\n\n", "\n".join(lines)).strip()


def document_id(text: str) -> str:
    """Stable id from the content: the first 16 hex digits of its sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def parse_date(value: str, source: str) -> str:
    try:
        return dt.date.fromisoformat(value).isoformat()
    except ValueError:
        raise ArticleError(
            f"{source}: malformed date {value!r} (expected date YYYY-MM-DD)") from None


def parse_article(raw: str, source: str) -> Article:
    """Parse the text of one article file; ``source`` names it in errors and citations."""
    text = normalise(raw)
    doc_id = document_id(text)  # of the whole content, date lead included
    date: str | None = None
    match = _DATE_LEAD.match(text)
    if match and re.fullmatch(r"[\d\-/.]+", match.group(1)):
        date = parse_date(match.group(1), source)
        text = text[match.end():].lstrip()
    if not text:
        raise ArticleError(f"{source}: no article text")
    title, body_start = _title(text, source)
    return Article(doc_id, source, title, date, text, body_start)


def _title(text: str, source: str) -> tuple[str, int]:
    first, sep, rest = text.partition("\n")
    if source.endswith(".md") and first.startswith("#"):
        return first.lstrip("#").strip() or Path(source).stem, len(first) + len(sep)
    if (rest.strip() and len(first) <= TITLE_MAX_CHARS
            and not first.rstrip().endswith((".", "!", "?", ":", ";", '"', "”", "'"))):
        return first.strip(), len(first) + len(sep)
    spans = split_sentences(text)
    start, end = spans[0]
    title = text[start:end]
    if len(title) > TITLE_MAX_CHARS:
        title = title[:TITLE_MAX_CHARS].rsplit(" ", 1)[0] + "…"
    return title, 0


def load_article(path: Path, root: Path) -> Article:
    """Read and parse one file under ``root``; decoding errors name the file."""
    source = path.relative_to(root).as_posix() if path != root else path.name
    data = path.read_bytes()
    if b"\x00" in data[:4096]:
        raise ArticleError(f"{source}: binary file")
    try:
        raw = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{source}: not UTF-8 (byte {exc.start})") from None
    return parse_article(raw, source)


def article_files(root: Path) -> list[Path]:
    """The article files under ``root`` (a folder, searched recursively, or one file)."""
    if root.is_file():
        return [root]
    if not root.is_dir():
        raise ArticleError(f"{root}: no such file or folder")
    return sorted(
        p for p in root.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES
        and not any(part.startswith(".") for part in p.relative_to(root).parts)
    )
