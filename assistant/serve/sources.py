"""What the chat page shows around an answer, as escaped HTML: linked markers, the sources panel
with each quote highlighted inside its paragraph, and the article list. Pure functions.

All article and answer text is escaped here, so text from an article (``<script>`` included)
is shown as text, never run. Element ids are ``src-<turn>-<marker>``; the page's script opens
the source of a clicked marker.

    >>> paragraph_around("One.\\n\\nTwo <b>. Three.\\n\\nFour.", 6, 13)
    (6, 'Two <b>. Three.')
    >>> link_markers("Kalin [1] & Haftar [2].", turn=0, known={1})
    'Kalin <a class="cite" href="#src-0-1">[1]</a> &amp; Haftar [2].'
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from assistant.answer.result import Answer, Citation, Found
from assistant.ingest.store import ManifestEntry
from assistant.text.words import MARKER

LONG_PARAGRAPH = 900  # characters; longer blocks are cut to the quote's lines and their neighbours


def assemble_text(pieces: Iterable[tuple[int, str, str]]) -> str:
    """Rebuild an article's text from its chunks: ``(start offset, text, whitespace before)``.

    The chunks overlap or are apart by whitespace only; the whitespace kept with each chunk
    fills the gap (spaces where it was not kept).

    >>> assemble_text([(0, "Kalin met", ""), (6, "met Haftar.", " "), (19, "Later.", "\\n\\n")])
    'Kalin met Haftar.\\n\\nLater.'
    """
    out: list[str] = []
    end = 0
    for start, text, lead in sorted(pieces):
        if start + len(text) <= end:
            continue
        if start > end:
            gap = start - end
            out.append(lead[-gap:] if len(lead) >= gap else " " * gap)
            end = start
        out.append(text[end - start:])
        end = start + len(text)
    return "".join(out)


def paragraph_around(text: str, start: int, end: int) -> tuple[int, str]:
    """The paragraph (between blank lines) holding ``text[start:end]``, and where it starts.

    A paragraph longer than ``LONG_PARAGRAPH`` is cut to the quote's lines plus one line on
    either side (articles written one sentence per line have no blank lines at all).
    """
    start = max(0, min(start, len(text)))
    end = max(start, min(end, len(text)))
    lo = text.rfind("\n\n", 0, start)
    lo = 0 if lo < 0 else lo + 2
    hi = text.find("\n\n", end)
    hi = len(text) if hi < 0 else hi
    if hi - lo > LONG_PARAGRAPH:
        lo = max(lo, _line_start(text, _line_start(text, start) - 1))
        hi = min(hi, _line_end(text, _line_end(text, end) + 1))
    while lo < hi and text[lo] == "\n":
        lo += 1
    while hi > lo and text[hi - 1] == "\n":
        hi -= 1
    return lo, text[lo:hi]


def _line_start(text: str, i: int) -> int:
    return 0 if i <= 0 else text.rfind("\n", 0, i) + 1


def _line_end(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j


def highlight(paragraph: str, offset: int, start: int, end: int) -> str:
    """Escaped ``paragraph`` with ``[start, end)`` (article offsets) in ``<mark>``.

    >>> highlight("He met <Haftar>. Then left.", 10, 10, 26)
    '<mark>He met &lt;Haftar&gt;.</mark> Then left.'
    """
    a = max(0, start - offset)
    b = max(a, min(len(paragraph), end - offset))
    e = html.escape
    return f"{e(paragraph[:a])}<mark>{e(paragraph[a:b])}</mark>{e(paragraph[b:])}"


def link_markers(text: str, turn: int, known: set[int]) -> str:
    """Escape ``text`` and turn each known ``[n]`` (or ``[1, 2]``) into links to its source."""
    def link(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.findall(r"\d+", match.group(0))]
        if not numbers or not all(n in known for n in numbers):
            return match.group(0)
        return "".join(f'<a class="cite" href="#src-{turn}-{n}">[{n}]</a>' for n in numbers)

    return MARKER.sub(link, html.escape(text, quote=False))


def source_card(citation: Citation, turn: int, article_text: str | None) -> str:
    """One source: title, date and file, then the quote highlighted in its paragraph."""
    e = html.escape
    c = citation
    if article_text is not None and article_text[c.start:c.end] == c.quote:
        offset, paragraph = paragraph_around(article_text, c.start, c.end)
        body = highlight(paragraph, offset, c.start, c.end)
    else:  # the article changed since: show the stored quote on its own
        body = f"<mark>{e(c.quote)}</mark>"
    date = f" · {e(c.date)}" if c.date else ""
    return (f'<div class="source" id="src-{turn}-{c.marker}">'
            f'<div class="source-head"><span class="marker">[{c.marker}]</span> '
            f'<strong>{e(c.title or c.source)}</strong>{date} · <code>{e(c.source)}</code>'
            f"</div><p>{body}</p></div>")


def found_section(question: str, found: Found) -> str:
    """While the answer is written: the articles retrieval found for ``question``.

    >>> from assistant.retrieve.evidence import EvidenceSentence
    >>> ev = EvidenceSentence(1, "Kalin met Haftar.", "d", "a.txt", "Kalin & Haftar",
    ...                       "2025-08-26", 0, 17, "d-0")
    >>> section = found_section("Who?", Found("Who?", (ev,)))
    >>> "Reading 1 passage(s) from:" in section
    True
    >>> "<li>Kalin &amp; Haftar (2025-08-26, a.txt)</li>" in section
    True
    """
    articles = dict.fromkeys((s.title or s.source, s.date, s.source) for s in found.evidence)
    items = "".join(
        f"<li>{html.escape(t)} ({html.escape(', '.join(x for x in (d, f) if x))})</li>"
        for t, d, f in articles)
    return (f'<details class="turn pending" open><summary>{html.escape(question)}</summary>'
            f'<p class="found">Reading {len(found.evidence)} passage(s) from:</p>'
            f'<ul class="found">{items}</ul></details>')


def sources_panel(turns: Sequence[tuple[int, Answer, dict[str, str]]], pending: str = "") -> str:
    """The panel: the latest answer's sources open, earlier answers' sources folded.

    ``turns``: ``(turn, answer, {doc_id: article text})``, oldest first; ``pending``: the
    section of a question still being answered (``found_section``), shown first.
    """
    if not turns and not pending:
        return '<div class="sources-empty">Sources of the answers appear here.</div>'
    parts = [pending] if pending else []
    for i, (turn, answer, texts) in enumerate(reversed(turns)):
        if answer.citations:
            cards = "".join(source_card(c, turn, texts.get(c.doc_id)) for c in answer.citations)
        else:
            reason = f" ({html.escape(answer.reason)})" if answer.reason else ""
            cards = f'<p class="no-sources">No source: the articles do not answer this{reason}.</p>'
        label = html.escape(answer.question)
        opened = " open" if i == 0 and not pending else ""
        parts.append(f'<details class="turn" id="turn-{turn}"{opened}><summary>{label}</summary>'
                     f"{cards}</details>")
    return f'<div class="sources-scroll">{"".join(parts)}</div>'


def articles_table(entries: Sequence[ManifestEntry]) -> str:
    """The archive as an HTML table: date, title, file (newest first, as given).

    >>> table = articles_table([ManifestEntry("a.txt", "d", "Kalin & Haftar", "2025-08-26", 3)])
    >>> table.endswith("<tr><td>2025-08-26</td><td>Kalin &amp; Haftar</td><td>a.txt</td></tr>"
    ...                "</tbody></table>")
    True
    """
    if not entries:
        return "<p>The archive is empty: upload articles (.txt, .md) to start.</p>"
    e = html.escape
    rows = "".join(f"<tr><td>{e(x.date or '')}</td><td>{e(x.title)}</td><td>{e(x.source)}</td>"
                   f"</tr>" for x in entries)
    return ('<table class="articles"><thead><tr><th>Date</th><th>Title</th><th>File</th></tr>'
            f"</thead><tbody>{rows}</tbody></table>")
