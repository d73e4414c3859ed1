"""Hybrid retrieval: dense search in the store, BM25 keyword search, language-aware fusion.

``Retriever.retrieve`` embeds the question (with the model's query prompt), takes the store's
nearest chunks and the BM25 best chunks, and fuses the two rankings with ``weighted_rrf`` using
weights chosen from the question's language (see ``fusion.py`` for why not plain RRF). The BM25
index is built once from the store and rebuilt only when the store's generation changes.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import numpy as np

from .embeddings import Embedder
from .fusion import fusion_weights, weighted_rrf
from .language import detect_language
from .store import ChunkRecord, Store, date_filter
from .text import STOPWORDS, words


@dataclass(frozen=True)
class Retrieved:
    record: ChunkRecord
    score: float  # fused score
    dense: float | None  # cosine similarity, when the dense search found it
    bm25: float | None


def keyword_tokens(text: str) -> list[str]:
    """BM25 tokens: folded words without function words.

    >>> keyword_tokens("Who attended the meeting in Benghazi?")
    ['attended', 'meeting', 'benghazi']
    """
    return [w for w in words(text) if w not in STOPWORDS]


class BM25Index:
    """A bm25s index over every chunk of the store (title + text)."""

    def __init__(self, records: list[ChunkRecord]) -> None:
        import bm25s

        self.records = records
        self.dates = np.array([int(r.metadata.get("date_int", 0)) for r in records],
                              dtype=np.int64)
        self.doc_ids = np.array([str(r.metadata.get("doc_id", "")) for r in records])
        self._bm25: Any = None
        if records:
            corpus = [keyword_tokens(f"{r.metadata.get('title', '')}\n{r.text}") for r in records]
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def search(self, question: str, n: int, date_from: str | None = None,
               date_to: str | None = None,
               exclude: frozenset[str] = frozenset()) -> list[tuple[int, float]]:
        """The ``n`` best chunks as ``(record index, score)``; a date range and excluded
        document ids mask the scores (vector operations), so no query walks the whole corpus
        in Python."""
        tokens = keyword_tokens(question)
        if self._bm25 is None or not tokens:
            return []
        mask = None
        if date_from or date_to:
            lo = int(date_from.replace("-", "")) if date_from else 0
            hi = int(date_to.replace("-", "")) if date_to else 99_999_999
            mask = ((self.dates >= lo) & (self.dates <= hi)).astype(np.float32)
        if exclude:
            keep = ~np.isin(self.doc_ids, list(exclude))
            mask = keep.astype(np.float32) if mask is None else mask * keep
        k = min(n, len(self.records) if mask is None else int(mask.sum()))
        if k == 0:
            return []
        docs, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, n_threads=1,
                                           weight_mask=mask)
        return [(int(i), float(s)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0]


class Retriever:
    def __init__(self, store: Store, embedder: Embedder, *, candidates: int = 30,
                 archive_language: str = "nl") -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.archive_language = archive_language
        self._bm25: BM25Index | None = None
        self._bm25_generation: int | None = None
        self._lock = threading.Lock()
        self._vectors: dict[str, np.ndarray] = {}  # question -> query embedding

    def query_vector(self, question: str) -> np.ndarray:
        """The question's embedding (query prompt), cached: a repeated question and the
        answer checks do not embed it again."""
        vector = self._vectors.get(question)
        if vector is None:
            vector = np.asarray(self.embedder.embed_query(question), dtype=np.float32)
            if len(self._vectors) >= 512:
                self._vectors.clear()
            self._vectors[question] = vector
        return vector

    def bm25(self) -> BM25Index:
        generation = self.store.generation()
        with self._lock:
            if self._bm25 is None or generation != self._bm25_generation:
                self._bm25 = BM25Index(list(self.store.iter_records()))
                self._bm25_generation = generation
            return self._bm25

    def retrieve(self, question: str, k: int, *, date_from: str | None = None,
                 date_to: str | None = None, language: str | None = None,
                 exclude: frozenset[str] = frozenset()) -> list[Retrieved]:
        """The ``k`` best chunks; ``exclude`` leaves documents (ids) out, as if removed."""
        language = language or detect_language(question)
        vector = self.query_vector(question)
        where = date_filter(date_from, date_to)
        if exclude:
            leave_out = {"doc_id": {"$nin": sorted(exclude)}}
            where = {"$and": [where, leave_out]} if where else leave_out
        dense_hits = self.store.query(vector, self.candidates, where)
        index = self.bm25()
        bm25_hits = index.search(question, self.candidates, date_from, date_to, exclude)
        records = {h.record.id: h.record for h in dense_hits}
        dense = {h.record.id: h.score for h in dense_hits}
        keyword = {}
        for i, score in bm25_hits:
            record = index.records[i]
            records.setdefault(record.id, record)
            keyword[record.id] = score
        fused = weighted_rrf({"dense": list(dense), "bm25": list(keyword)},
                             fusion_weights(language, self.archive_language))
        return [Retrieved(records[i], s, dense.get(i), keyword.get(i)) for i, s in fused[:k]]
