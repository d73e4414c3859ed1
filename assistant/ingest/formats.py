"""Article text out of other file types: HTML pages, PDFs, and JSON Lines / CSV exports.

Each reader turns a file's bytes into ``Extracted`` parts (title, date, body); ``documents``
makes the stored ``Article`` of each, so citation offsets point into the text extracted here.
A page or a PDF is one article; an export holds one article a row, named ``<file>#<row id>``.
The libraries (trafilatura, pypdf) are imported when a file of their kind is read::

    >>> rows = export_rows(b'{"id": 7, "title": "Brug open", "date": "2025-08-26T09:00",'
    ...                    b' "text": "De brug is open."}\\n', "dump.jsonl", ExportFields())
    >>> [(r.source, r.title, r.date, r.body) for r in rows]
    [('dump.jsonl#7', 'Brug open', '2025-08-26', 'De brug is open.')]

Every refusal names the file (and the row and field of an export).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

PAGE_SUFFIXES = (".html", ".htm")
PDF_SUFFIXES = (".pdf",)
EXPORT_SUFFIXES = (".jsonl", ".csv")
_ISO_DAY = re.compile(r"^\s*(\d{4}-\d{2}-\d{2})(?:[T ]|$)")


class FormatError(ValueError):
    """A file (or one row of an export) cannot be read; the message names it and why."""


@dataclass(frozen=True)
class Extracted:
    source: str  # the file's name, or ``<file>#<row id>`` for a row of an export
    title: str
    date: str | None  # YYYY-MM-DD
    body: str


@dataclass(frozen=True)
class ExportFields:
    """Which fields of an export's rows hold what (``assistant ingest --text-field ...``)."""

    text: str = "text"
    title: str = "title"
    date: str = "date"
    id: str = "id"  # a row without it is named by its line (JSON Lines) or row number (CSV)


def _need(module: str, package: str) -> Any:
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise FormatError(f"reading this file needs {package}: pip install {package}") from None


def day(value: Any, where: str) -> str | None:
    """A date field as YYYY-MM-DD (a time after it is dropped); empty is ``None``.

    >>> day("2019-05-03 10:12:00", "x"), day("", "x")
    ('2019-05-03', None)
    >>> day("3 mei", "dump.csv#4, field 'date'")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assistant.ingest.formats.FormatError: dump.csv#4, field 'date': malformed date '3 mei' ...
    """
    import datetime as dt

    text = "" if value is None else str(value).strip()
    if not text:
        return None
    m = _ISO_DAY.match(text)
    try:
        return dt.date.fromisoformat(m.group(1)).isoformat() if m else _bad_date(text, where)
    except ValueError:
        return _bad_date(text, where)


def _bad_date(text: str, where: str) -> str:
    raise FormatError(f"{where}: malformed date {text!r} (expected YYYY-MM-DD)")


def html_page(data: bytes, source: str) -> Extracted:
    """The main text of a web page (trafilatura): no menus, banners, ads or footers; the title
    and date from the page's metadata."""
    trafilatura = _need("trafilatura", "trafilatura")
    doc = trafilatura.bare_extraction(data, with_metadata=True, include_comments=False,
                                      include_tables=False, favor_precision=True)
    body = (doc.text or "").strip() if doc is not None else ""
    if not body:
        raise FormatError(f"{source}: no article text found in the page")
    title = (doc.title or "").strip()
    if title and body.startswith(title):  # the page's heading opens the extracted text
        body = body[len(title):].lstrip()
    return Extracted(source, title, day(doc.date, source), body or title)


def pdf_document(data: bytes, source: str) -> Extracted:
    """The text layer of a PDF (pypdf), pages in order; its metadata's title."""
    pypdf = _need("pypdf", "pypdf")
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            raise FormatError(f"{source}: the PDF is encrypted")
        pages = [page.extract_text() or "" for page in reader.pages]
        title = str((reader.metadata or {}).get("/Title") or "").strip()
    except FormatError:
        raise
    except Exception as exc:  # pypdf raises many kinds on a broken file
        raise FormatError(f"{source}: not a readable PDF ({type(exc).__name__}: {exc})") from None
    body = "\n\n".join(p.strip() for p in pages if p.strip())
    if not body:
        raise FormatError(f"{source}: the PDF has no text layer (a scanned document?); "
                          "run OCR on it first")
    return Extracted(source, title, None, body)


def export_rows(data: bytes, source: str, fields: ExportFields,
                skipped: list[str] | None = None) -> list[Extracted]:
    """One ``Extracted`` per row of a JSON Lines or CSV export. A row whose text field is
    empty is no article: it is left out, and its name added to ``skipped``."""
    text = data.decode("utf-8-sig", errors="strict")
    out: list[Extracted] = []
    seen: set[str] = set()
    for number, row in _rows(text, source):
        if not isinstance(row, dict):
            raise FormatError(f"{source}:{number}: expected an object per line")
        ident = str(row.get(fields.id) or "").strip() or str(number)
        name = f"{source}#{ident}"
        if name in seen:
            raise FormatError(f"{source}:{number}: duplicate {fields.id} {ident!r}")
        seen.add(name)
        if fields.text not in row:
            raise FormatError(f"{name}: no field {fields.text!r} (set it with --text-field); "
                              f"the row has {', '.join(map(repr, row)) or 'no fields'}")
        body = str(row.get(fields.text) or "").strip()
        if not body:
            if skipped is not None:
                skipped.append(name)
            continue
        title = str(row.get(fields.title) or "").strip()
        out.append(Extracted(name, title, day(row.get(fields.date),
                                              f"{name}, field {fields.date!r}"), body))
    if not out:
        raise FormatError(f"{source}: no rows with text in field {fields.text!r}")
    return out


def _rows(text: str, source: str) -> Iterator[tuple[int, Any]]:
    if source.lower().endswith(".csv"):
        for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
            yield number, row
        return
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except json.JSONDecodeError as exc:
            raise FormatError(f"{source}:{number}: not JSON ({exc.msg})") from None
