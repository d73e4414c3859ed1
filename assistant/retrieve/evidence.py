"""Numbered evidence: the sentences of the retrieved chunks, one number each. Pure functions.

The model sees sentences, not chunks, so that a citation points at the exact sentence that holds
a fact. Sentences repeated by overlapping chunks are numbered once; chunks are taken in rank order
until the token budget is spent::

    >>> from assistant.ingest.store import ChunkRecord
    >>> meta = {"doc_id": "d1", "source": "a.txt", "title": "T", "date": "2025-08-26",
    ...         "start": 0, "sentences": "[[0, 17], [18, 34]]"}
    >>> ev = number_evidence([ChunkRecord("d1-0", "Kalin met Haftar. Begec was there.", meta)],
    ...                      max_tokens=100, count_tokens=lambda s: len(s.split()))
    >>> [(s.number, s.text, s.start) for s in ev]
    [(1, 'Kalin met Haftar.', 0), (2, 'Begec was there.', 18)]
    >>> print(format_evidence(ev))
    Article of 2025-08-26:
    [1] Kalin met Haftar.
    [2] Begec was there.

``select_sentences`` keeps only the sentences that score best against the question (issue 12:
fewer prompt tokens), each with the sentence before it when it opens with a word that points
back ("Hij", "They", "Also"), and numbers them again in reading order::

    >>> three = number_evidence([ChunkRecord("d1-0", "Kalin met Haftar. He left. Rain fell.",
    ...     dict(meta, sentences="[[0, 17], [18, 26], [27, 37]]"))], 100, lambda s: 1)
    >>> [(s.number, s.text) for s in select_sentences(three, [0.1, 0.9, 0.2], 2, lambda s: 1)]
    [(1, 'Kalin met Haftar.'), (2, 'He left.')]
"""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from assistant.ingest.store import ChunkRecord, chunk_id
from assistant.text.matching import number_words_as_digits


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
        fresh = [(s, e, text) for s, e, text in record.sentence_texts()
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


# a sentence opening with one of these leans on the sentence before it
_POINTS_BACK = re.compile(
    r"^\W*(hij|zij|ze|dit|deze|daar|daarom|daarnaast|daarbij|ook|hun|zijn|haar|volgens hem|"
    r"he|she|they|this|these|there|also|his|her|their|its|it)\b", re.IGNORECASE)


# the most sentences read between two chosen ones of an article (select_sentences). Dev
# subset with the LLM, 0 -> 1: accuracy 0.792 -> 0.875, citation precision 0.848 -> 0.882;
# 2 scored the same on dev but cost the seed-only Dutch Benghazi answer two of its attendees
MAX_GAP = 1
RANK_WEIGHT = 0.1  # dev: answer in evidence at 200 tokens 0.937 (cosine alone) -> 0.961


def blend_scores(sentences: Sequence[EvidenceSentence], cosines: Sequence[float],
                 chunk_order: Sequence[str], rank_weight: float = RANK_WEIGHT) -> list[float]:
    """A sentence's score: its cosine to the question plus ``rank_weight / (1 + r)``, r the
    retrieval rank of its chunk (0 = best), so the best chunk's sentences win close calls.

    >>> s = EvidenceSentence(1, "x", "d", "a.txt", "T", None, 0, 1, "d-1")
    >>> blend_scores([s], [0.5], ["d-0", "d-1"])
    [0.55]
    """
    rank = {chunk: r for r, chunk in enumerate(chunk_order)}
    return [round(c + rank_weight / (1 + rank.get(s.chunk_id, len(rank))), 6)
            for s, c in zip(sentences, cosines, strict=True)]


def select_sentences(sentences: Sequence[EvidenceSentence], scores: Sequence[float],
                     max_tokens: int, count_tokens: Callable[[str], int],
                     max_gap: int = MAX_GAP, gap_overflow: int = 0) -> list[EvidenceSentence]:
    """The best-scoring ``sentences`` within ``max_tokens``, renumbered in reading order.

    The best sentence is always kept. A sentence that points back (``_POINTS_BACK``) comes with
    the one before it in the same article, or is skipped when the pair does not fit. Once two
    chosen sentences of one article lie at most ``max_gap`` sentences apart, the sentences
    between them are taken next (as one group, when they fit): a passage read whole, not with
    holes, so that a list told over several sentences reaches the model entire. Such a hole may
    take the evidence up to ``gap_overflow`` tokens past ``max_tokens`` (nothing else may)::

        >>> five = [EvidenceSentence(n, t, "d", "a.txt", "T", None, 0, 1, "d-0")
        ...         for n, t in enumerate(["A.", "B.", "C.", "D.", "E."], start=1)]
        >>> [s.text for s in select_sentences(five, [0.9, 0.1, 0.8, 0.2, 0.3], 3, lambda s: 1)]
        ['A.', 'B.', 'C.']
        >>> [s.text for s in select_sentences(five, [0.9, 0.1, 0.8, 0.2, 0.3], 2, lambda s: 1)]
        ['A.', 'C.']
        >>> [s.text for s in select_sentences(five, [0.9, 0.1, 0.8, 0.2, 0.3], 2, lambda s: 1,
        ...                                   gap_overflow=1)]
        ['A.', 'B.', 'C.']
    """
    if len(scores) != len(sentences):
        raise ValueError(f"{len(scores)} scores for {len(sentences)} sentences")
    index = {(s.doc_id, s.number): i for i, s in enumerate(sentences)}
    chosen: set[int] = set()
    used = 0
    order = iter(sorted(range(len(sentences)), key=lambda i: -scores[i]))
    gaps: list[list[int]] = []  # passages between chosen sentences, taken before the next best
    while True:
        if gaps:  # a passage's hole, which may go past the budget by gap_overflow
            group, limit = gaps.pop(0), max_tokens + gap_overflow
        else:
            limit = max_tokens
            i = next(order, None)
            if i is None:
                break
            group = [i]
            before = index.get((sentences[i].doc_id, sentences[i].number - 1))
            if before is not None and _POINTS_BACK.match(sentences[i].text):
                group.append(before)
        group = [j for j in group if j not in chosen]
        cost = sum(count_tokens(sentences[j].text) for j in group)
        if not group or (chosen and used + cost > limit):
            continue
        used += cost
        chosen.update(group)
        for j in group:
            gaps.extend(_gaps_around(j, sentences, index, chosen, max_gap))
    return [dataclasses.replace(sentences[i], number=n)
            for n, i in enumerate(sorted(chosen), start=1)]


def _gaps_around(i: int, sentences: Sequence[EvidenceSentence], index: dict[tuple[str, int], int],
                 chosen: set[int], max_gap: int) -> list[list[int]]:
    """The unchosen sentences between ``i`` and the nearest chosen sentence of its article on
    each side, when there are 1 to ``max_gap`` of them."""
    doc, number = sentences[i].doc_id, sentences[i].number
    out: list[list[int]] = []
    for step in (-1, 1):
        between: list[int] = []
        for distance in range(1, max_gap + 2):
            j = index.get((doc, number + step * distance))
            if j is None:
                break
            if j in chosen:
                if between:
                    out.append(between)
                break
            between.append(j)
    return out


def candidate_sentences(records: Sequence[ChunkRecord],
                        fetch: Callable[[list[str]], list[ChunkRecord]],
                        count_tokens: Callable[[str], int],
                        max_gap: int = 1) -> list[EvidenceSentence]:
    """Every sentence of the retrieved ``records`` (best first) and of the chunks lying between
    two of them (``gap_chunk_ids``, read with ``fetch``), numbered: what evidence is chosen
    from."""
    gaps = gap_chunk_ids(records, max_gap)
    return number_evidence(list(records) + (fetch(gaps) if gaps else []), 1 << 30, count_tokens)


def gap_chunk_ids(records: Sequence[ChunkRecord], max_gap: int = 1) -> list[str]:
    """Ids of the chunks that lie between two of ``records`` of one article, at most
    ``max_gap`` chunks apart, and are not among them: the rest of a passage retrieval found
    in parts (they are evidence candidates, chosen like the others)::

        >>> meta = lambda i: {"doc_id": "d1", "chunk_index": i}
        >>> gap_chunk_ids([ChunkRecord(f"d1-{i}", "", meta(i)) for i in (0, 2, 5)])
        ['d1-1']
    """
    by_doc: dict[str, set[int]] = {}
    for r in records:
        if "chunk_index" in r.metadata:
            by_doc.setdefault(str(r.metadata.get("doc_id", "")), set()).add(
                int(r.metadata["chunk_index"]))
    out: list[str] = []
    for doc, have in by_doc.items():
        for a, b in itertools.pairwise(sorted(have)):
            if b - a - 1 <= max_gap:
                out.extend(chunk_id(doc, k) for k in range(a + 1, b))
    return out


def narrow_evidence(evidence: Sequence[EvidenceSentence],
                    declared: Sequence[int]) -> list[EvidenceSentence]:
    """The evidence sentences numbered in ``declared``, each with the evidence sentence before
    it when that is of the same article, numbers kept (a second, narrower look at the evidence).

    >>> ev = [EvidenceSentence(n, t, d, "s", "", None, 0, 0, "c")
    ...       for n, t, d in [(1, "A.", "a"), (2, "B.", "a"), (3, "C.", "b"), (4, "D.", "b")]]
    >>> [s.number for s in narrow_evidence(ev, [2, 3, 9])]
    [1, 2, 3]
    """
    by_number = {s.number: s for s in evidence}
    keep: set[int] = set()
    for n in declared:
        if n not in by_number:
            continue
        keep.add(n)
        before = by_number.get(n - 1)
        if before is not None and before.doc_id == by_number[n].doc_id:
            keep.add(n - 1)
    return [s for s in evidence if s.number in keep]


def format_evidence(sentences: Sequence[EvidenceSentence]) -> str:
    """The evidence block of the prompt: sentences under their article's date, in number order.

    The title is left out: it is often the article's first sentence, and a fact the model read
    there it could only cite to some other sentence (and its tokens are the cost). Dutch number
    words are written as digits (``matching.number_words_as_digits``): the model misread them
    when it translated; the checks and the citations keep the sentence as the article has it.

    >>> print(format_evidence([EvidenceSentence(1, "Er vielen elf doden.", "d1", "a.txt", "T",
    ...                                          "2019-04-08", 0, 20, "d1-0")]))
    Article of 2019-04-08:
    [1] Er vielen 11 doden.
    """
    lines: list[str] = []
    current: str | None = None
    for s in sentences:
        if s.doc_id != current:
            if lines:
                lines.append("")
            lines.append(f"Article of {s.date}:" if s.date else "Article (undated):")
            current = s.doc_id
        lines.append(f"[{s.number}] {number_words_as_digits(s.text)}")
    return "\n".join(lines)
