"""Hybrid retrieval: dense search, BM25 keyword search, language-aware fusion.

``Retriever.retrieve`` embeds the question (with the model's query prompt), takes the nearest
chunks and the BM25 best chunks, and fuses the two rankings with ``weighted_rrf`` using weights
chosen from the question's language (see ``fusion.py`` for why not plain RRF).

The nearest chunks are found *exactly* (``DenseIndex``: every chunk vector in memory, one
matrix product) while the store holds at most ``exact_max`` chunks, and by the store's own
approximate (HNSW) search beyond that. Chroma's HNSW search is approximate and depends on when
its index was last written to disk: on the gate archive (1,478 chunks) it returned 27 of the
exact 30 nearest chunks for one question, and the same question went from not retrieved to rank
1 between two runs of the same store. Both indexes are built once from the store and rebuilt
only when the store's generation changes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from assistant.ingest.store import ChunkRecord, Hit, Store, date_filter
from assistant.models.embeddings import Embedder
from assistant.retrieve.fusion import fusion_weights, weighted_rrf
from assistant.text.language import detect_language
from assistant.text.words import STOPWORDS, words

# the most chunks searched exactly (ASSISTANT_EXACT_SEARCH_MAX): 50,000 vectors of 768 floats
# are 154 MB, and one question's matrix product over them takes milliseconds
EXACT_MAX = 50_000


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


class RowFilter:
    """A date range and excluded documents as a 0/1 mask over a list of chunk records
    (vector operations, so no query walks the whole archive in Python).

    >>> rows = RowFilter([ChunkRecord("a-0", "", {"date_int": 20250826, "doc_id": "a"}),
    ...                   ChunkRecord("b-0", "", {"date_int": 20190101, "doc_id": "b"})])
    >>> rows.mask(None, None, frozenset()) is None
    True
    >>> rows.mask("2025-01-01", None, frozenset()).tolist(), rows.mask(None, None, {"a"}).tolist()
    ([1.0, 0.0], [0.0, 1.0])
    """

    def __init__(self, records: list[ChunkRecord]) -> None:
        self.dates = np.array([int(r.metadata.get("date_int", 0)) for r in records],
                              dtype=np.int64)
        self.doc_ids = np.array([str(r.metadata.get("doc_id", "")) for r in records])

    def mask(self, date_from: str | None, date_to: str | None,
             exclude: frozenset[str] | set[str]) -> np.ndarray | None:
        """1.0 for each record in the range and not excluded; ``None`` when nothing is left
        out."""
        mask = None
        if date_from or date_to:
            lo = int(date_from.replace("-", "")) if date_from else 0
            hi = int(date_to.replace("-", "")) if date_to else 99_999_999
            mask = ((self.dates >= lo) & (self.dates <= hi)).astype(np.float32)
        if exclude:
            keep = ~np.isin(self.doc_ids, list(exclude))
            mask = keep.astype(np.float32) if mask is None else mask * keep
        return mask


class DenseIndex:
    """Exact cosine nearest neighbours over chunk vectors held in memory: the same question
    always gets the same chunks (ties in record order), whatever state an approximate index
    is in.

    >>> records = [ChunkRecord(f"d{i}-0", "", {"doc_id": f"d{i}"}) for i in range(3)]
    >>> index = DenseIndex(records, np.array([[1.0, 0.0], [0.6, 0.8], [0.0, 2.0]]))
    >>> index.search(np.array([0.0, 1.0]), 2)
    [(2, 1.0), (1, 0.8)]
    >>> index.search(np.array([0.0, 1.0]), 2, exclude=frozenset({"d2"}))
    [(1, 0.8), (0, 0.0)]
    """

    def __init__(self, records: list[ChunkRecord], vectors: np.ndarray) -> None:
        matrix = np.asarray(vectors, dtype=np.float32).reshape(len(records), -1)
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        self.matrix = matrix / np.where(norms > 0, norms, 1.0)
        self.rows = RowFilter(records)

    def search(self, vector: np.ndarray, n: int, date_from: str | None = None,
               date_to: str | None = None,
               exclude: frozenset[str] = frozenset()) -> list[tuple[int, float]]:
        """The ``n`` nearest records as ``(record index, cosine)``, best first."""
        if not len(self.matrix) or n <= 0:
            return []
        query = np.asarray(vector, dtype=np.float32).ravel()
        query = query / (float(np.linalg.norm(query)) or 1.0)
        scores = self.matrix @ query
        mask = self.rows.mask(date_from, date_to, exclude)
        keep = np.arange(len(scores)) if mask is None else np.flatnonzero(mask)
        order = keep[np.argsort(-scores[keep], kind="stable")[:n]]
        return [(int(i), round(float(scores[i]), 6)) for i in order]


class BM25Index:
    """A bm25s index over every chunk of the store (title + text)."""

    def __init__(self, records: list[ChunkRecord]) -> None:
        import bm25s

        self.records = records
        self.by_id = {r.id: r for r in records}
        self.rows = RowFilter(records)
        self._bm25: Any = None
        if records:
            corpus = [keyword_tokens(f"{r.metadata.get('title', '')}\n{r.text}") for r in records]
            self._bm25 = bm25s.BM25()
            self._bm25.index(corpus, show_progress=False)

    def search(self, question: str, n: int, date_from: str | None = None,
               date_to: str | None = None,
               exclude: frozenset[str] = frozenset()) -> list[tuple[int, float]]:
        """The ``n`` best chunks as ``(record index, score)``; a date range and excluded
        document ids mask the scores (``RowFilter``)."""
        tokens = keyword_tokens(question)
        if self._bm25 is None or not tokens:
            return []
        mask = self.rows.mask(date_from, date_to, exclude)
        k = min(n, len(self.records) if mask is None else int(mask.sum()))
        if k == 0:
            return []
        docs, scores = self._bm25.retrieve([tokens], k=k, show_progress=False, n_threads=1,
                                           weight_mask=mask)
        return [(int(i), float(s)) for i, s in zip(docs[0], scores[0], strict=True) if s > 0]


class Retriever:
    """``exact_max``: the most chunks searched exactly in memory (0: always the store's own
    approximate search)."""

    def __init__(self, store: Store, embedder: Embedder, *, candidates: int = 30,
                 archive_language: str = "nl", exact_max: int = EXACT_MAX) -> None:
        self.store = store
        self.embedder = embedder
        self.candidates = candidates
        self.archive_language = archive_language
        self.exact_max = exact_max
        self._bm25: BM25Index | None = None
        self._dense: DenseIndex | None = None
        self._generation: int | None = None
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
        return self._indexes()[0]

    def dense(self) -> DenseIndex | None:
        """The exact index, or ``None`` when the store holds more than ``exact_max`` chunks."""
        return self._indexes()[1]

    def chunks(self, ids: Sequence[str]) -> list[ChunkRecord]:
        """The chunk records ``ids`` that the store holds, in that order, read from the
        records kept in memory for its current generation (the store is asked only for its
        generation, not for the chunks)."""
        by_id = self._indexes()[0].by_id
        return [by_id[i] for i in ids if i in by_id]

    def _indexes(self) -> tuple[BM25Index, DenseIndex | None]:
        generation = self.store.generation()
        with self._lock:
            if self._bm25 is None or generation != self._generation:
                records = list(self.store.iter_records())
                self._bm25 = BM25Index(records)
                self._dense = None
                if 0 < len(records) <= self.exact_max:
                    vectors = self.store.vectors([r.id for r in records])
                    self._dense = DenseIndex(records, vectors)
                self._generation = generation
            return self._bm25, self._dense

    def retrieve(self, question: str, k: int, *, date_from: str | None = None,
                 date_to: str | None = None, language: str | None = None,
                 exclude: frozenset[str] = frozenset()) -> list[Retrieved]:
        """The ``k`` best chunks; ``exclude`` leaves documents (ids) out, as if removed."""
        language = language or detect_language(question)
        vector = self.query_vector(question)
        index, exact = self._indexes()
        if exact is not None:
            dense_hits = [Hit(index.records[i], score) for i, score in
                          exact.search(vector, self.candidates, date_from, date_to, exclude)]
        else:
            where = date_filter(date_from, date_to)
            if exclude:
                leave_out = {"doc_id": {"$nin": sorted(exclude)}}
                where = {"$and": [where, leave_out]} if where else leave_out
            dense_hits = self.store.query(vector, self.candidates, where)
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
