"""Numbered evidence: the sentences of the retrieved chunks, one number each. Pure functions.

The model sees sentences, not chunks, so that a citation points at the exact sentence that holds
a fact. Sentences repeated by overlapping chunks are numbered once; chunks are taken in rank order
until the token budget is spent::

    >>> from assistant.store import ChunkRecord
    >>> meta = {"doc_id": "d1", "source": "a.txt", "title": "T", "date": "2025-08-26",
    ...         "start": 0, "sentences": "[[0, 17], [18, 34]]"}
    >>> ev = number_evidence([ChunkRecord("d1-0", "Kalin met Haftar. Begec was there.", meta)],
    ...                      max_tokens=100, count_tokens=lambda s: len(s.split()))
    >>> [(s.number, s.text, s.start) for s in ev]
    [(1, 'Kalin met Haftar.', 0), (2, 'Begec was there.', 18)]
    >>> print(format_evidence(ev))
    Article "T" (2025-08-26, a.txt):
    [1] Kalin met Haftar.
    [2] Begec was there.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .store import ChunkRecord


@dataclass(frozen=True)
class EvidenceSentence:
    number: int
    text: str
    doc_id: str
    source: str
    title: str
    date: str | None
    start: int  # offsets in the stored article text
    end: int
    chunk_id: str


def number_evidence(records: Sequence[ChunkRecord], max_tokens: int,
                    count_tokens: Callable[[str], int]) -> list[EvidenceSentence]:
    """Number the sentences of ``records`` (best first) within ``max_tokens``.

    The best chunk is always kept. Sentences are grouped by article (articles in the order of
    their best chunk) and numbered in reading order.
    """
    picked: list[tuple[int, int, int, str, ChunkRecord]] = []  # (article rank, start, end, ...)
    seen: set[tuple[str, int]] = set()
    article_rank: dict[str, int] = {}
    used = 0
    for rank, record in enumerate(records):
        meta = record.metadata
        doc_id = str(meta.get("doc_id", ""))
        base = int(meta.get("start", 0))
        fresh = [(s, e, record.text[s - base:e - base]) for s, e in record.sentences
                 if (doc_id, s) not in seen]
        cost = sum(count_tokens(t) for _, _, t in fresh)
        if rank > 0 and used + cost > max_tokens:
            continue
        used += cost
        article_rank.setdefault(doc_id, len(article_rank))
        for s, e, text in fresh:
            seen.add((doc_id, s))
            picked.append((article_rank[doc_id], s, e, text, record))
    picked.sort(key=lambda p: (p[0], p[1]))
    return [
        EvidenceSentence(
            number=n, text=text, doc_id=str(r.metadata.get("doc_id", "")),
            source=str(r.metadata.get("source", "")), title=str(r.metadata.get("title", "")),
            date=str(r.metadata.get("date") or "") or None, start=s, end=e, chunk_id=r.id)
        for n, (_, s, e, text, r) in enumerate(picked, start=1)
    ]


def format_evidence(sentences: Sequence[EvidenceSentence]) -> str:
    """The evidence block of the prompt: sentences under their article, in number order."""
    lines: list[str] = []
    current: str | None = None
    for s in sentences:
        if s.doc_id != current:
            if lines:
                lines.append("")
            meta = ", ".join(x for x in (s.date, s.source) if x)
            lines.append(f'Article "{s.title}" ({meta}):')
            current = s.doc_id
        lines.append(f"[{s.number}] {s.text}")
    return "\n".join(lines)
