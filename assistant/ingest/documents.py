"""Parse one article file into an ``Article``: date lead, title, normalised text, stable id.

The stored ``text`` is the normalised body (Unicode NFC, unified line ends, trimmed spaces);
every offset elsewhere in the assistant refers to this text. A first line that starts with
``date YYYY-MM-DD`` gives the date; the rest of that line belongs to the body::

    >>> a = parse_article(" date 2025-08-26 Kalin met Haftar. He stayed.\\n", "a.txt")
    >>> (a.date, a.title, a.text)
    ('2025-08-26', 'Kalin met Haftar.', 'Kalin met Haftar. He stayed.')

A title line is a markdown heading (``# Title``) or a short first line without closing
punctuation followed by more text; otherwise the title is the first sentence.

HTML pages, PDFs and JSON Lines / CSV exports are read by ``formats``; ``load_articles`` gives
the articles of any supported file (an export holds many).
"""

from __future__ import annotations

import codecs
import dataclasses
import datetime as dt
import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from assistant.ingest import chunking
from assistant.ingest.chunking import split_sentences
from assistant.ingest.formats import (
    EXPORT_SUFFIXES,
    PAGE_SUFFIXES,
    PDF_SUFFIXES,
    ExportFields,
    Extracted,
    FormatError,
    export_rows,
    html_page,
    pdf_document,
)

TEXT_SUFFIXES = (".txt", ".md")
SUFFIXES = TEXT_SUFFIXES + PAGE_SUFFIXES + PDF_SUFFIXES + EXPORT_SUFFIXES
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
    encoding: str = "utf-8"  # how the file was decoded

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
    """Stable id from the content and the sentence splitter's version: the first 16 hex digits
    of their sha256. A new splitter gives every article a new id, so the next ingest stores it
    again, chunked by the new splitter (as an edited article is), and drops the old chunks."""
    return hashlib.sha256(f"{chunking.SPLITTER_VERSION}\0{text}".encode()).hexdigest()[:16]


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


def decode(data: bytes) -> tuple[str, str]:
    """Text and encoding of an article file: UTF-8 (or UTF-16 with its BOM); else cp1252 /
    latin-1 when that reading is unambiguous; else ``UnicodeDecodeError``.

    Bytes 0x80-0x9f are typographic characters in cp1252 and unused controls in latin-1, so a
    file without the five bytes cp1252 leaves undefined reads the same way in practice.

    >>> decode("café".encode("utf-8"))
    ('café', 'utf-8')
    >>> decode("café “quote”".encode("cp1252"))
    ('café “quote”', 'cp1252')
    >>> decode(bytes([0x63, 0x61, 0x66, 0xe9, 0x20, 0x81]))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    UnicodeDecodeError: 'utf-8' codec can't decode byte 0xe9 in position 3: ...
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16"), "utf-16"
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        if any(b in data for b in (b"\x81", b"\x8d", b"\x8f", b"\x90", b"\x9d")):
            raise
        text = data.decode("cp1252")
        return text, ("cp1252" if re.search(r"[\x80-\x9f]", data.decode("latin-1"))
                      else "latin-1")


def _read(path: Path, root: Path, max_bytes: int | None) -> tuple[str, bytes]:
    """The file's name under ``root`` and its bytes (at most ``max_bytes``, read bounded)."""
    source = path.relative_to(root).as_posix() if path != root else path.name
    if path.is_symlink():
        try:
            path.resolve(strict=True).relative_to(root.resolve())
        except (OSError, ValueError):
            raise ArticleError(f"{source}: a link to a file outside the folder") from None
    with path.open("rb") as fh:
        data = fh.read(max_bytes + 1) if max_bytes is not None else fh.read()
    if max_bytes is not None and len(data) > max_bytes:
        raise ArticleError(f"{source}: larger than the limit of {max_bytes:,} bytes "
                           "(ASSISTANT_MAX_ARTICLE_MB)")
    if not data.strip():
        raise ArticleError(f"{source}: empty file")
    return source, data


def load_article(path: Path, root: Path, max_bytes: int | None = None) -> Article:
    """Read and parse one text file under ``root``; every refusal names the file and the reason.

    Refused: links that lead out of ``root``, files over ``max_bytes`` (read in a bounded way,
    never whole), empty and binary files, text that is neither UTF-8 nor unambiguous
    cp1252/latin-1. The encoding used is kept in ``Article.encoding``.
    """
    source, data = _read(path, root, max_bytes)
    head = data[:4096]
    utf16 = head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
    if not utf16 and (b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20):
        raise ArticleError(f"{source}: binary file, not text")
    try:
        raw, encoding = decode(data)
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{source}: not UTF-8 (byte 0x{data[exc.start]:02x} at {exc.start}), "
                           "and not unambiguous cp1252/latin-1 either") from None
    article = parse_article(raw, source)
    return dataclasses.replace(article, encoding=encoding) if encoding != "utf-8" else article


def load_articles(path: Path, root: Path, max_bytes: int | None = None,
                  fields: ExportFields | None = None,
                  skipped: list[str] | None = None) -> list[Article]:
    """The articles of one file of any supported type (``SUFFIXES``): one, or one a row of an
    export. An export as a whole has no size limit; each of its rows has ``max_bytes``.
    A bad row refuses the whole export, naming the row; a row without text is left out and
    named in ``skipped``."""
    suffix = path.suffix.lower()
    if suffix in TEXT_SUFFIXES:
        return [load_article(path, root, max_bytes)]
    source, data = _read(path, root, None if suffix in EXPORT_SUFFIXES else max_bytes)
    try:
        if suffix in PAGE_SUFFIXES:
            return [extracted_article(html_page(data, source))]
        if suffix in PDF_SUFFIXES:
            return [extracted_article(pdf_document(data, source))]
        if suffix in EXPORT_SUFFIXES:
            rows = export_rows(data, source, fields or ExportFields(), skipped)
            too_long = [r.source for r in rows
                        if max_bytes is not None and len(r.body.encode("utf-8")) > max_bytes]
            if too_long:
                raise ArticleError(f"{too_long[0]}: text larger than the limit of "
                                   f"{max_bytes:,} bytes (ASSISTANT_MAX_ARTICLE_MB)")
            return [extracted_article(r) for r in rows]
    except FormatError as exc:
        raise ArticleError(str(exc)) from None
    except UnicodeDecodeError as exc:
        raise ArticleError(f"{source}: not UTF-8 (byte 0x{data[exc.start]:02x} at "
                           f"{exc.start})") from None
    raise ArticleError(f"{source}: unsupported file type {suffix!r} "
                       f"(supported: {', '.join(SUFFIXES)})")


def extracted_article(e: Extracted) -> Article:
    """The stored ``Article`` of extracted text: the title as its first line, then the body.

    >>> a = extracted_article(Extracted("p.html", "Brug open", "2025-08-26", "De brug is open."))
    >>> (a.title, a.date, a.text, a.text[a.body_start:])
    ('Brug open', '2025-08-26', 'Brug open\\n\\nDe brug is open.', 'De brug is open.')
    """
    title = normalise(e.title).replace("\n", " ")
    body = normalise(e.body)
    if not body:
        raise ArticleError(f"{e.source}: no article text")
    text = f"{title}\n\n{body}" if title else body
    doc_id = document_id(f"date {e.date}\n{text}" if e.date else text)
    if not title:
        title, start = _title(text, e.source)
        return Article(doc_id, e.source, title, e.date, text, start)
    return Article(doc_id, e.source, title, e.date, text, len(title) + 2)


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
