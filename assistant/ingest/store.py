"""Chunk storage behind a small interface, with a Chroma implementation.

``Store`` is what ingestion and retrieval need: upsert chunk records with their vectors, delete a
document's chunks, nearest-neighbour search with an optional metadata filter, fetch or page
through records, and a *manifest* (which source file holds which document). ``ChromaStore``
implements it over a ``chromadb`` client: ``PersistentClient`` on disk by default,
``HttpClient`` for a server; nothing else in the assistant knows which.

Chroma metadata can only hold scalars, so a chunk's sentence spans are stored as JSON text.
The manifest is a second collection with one record per source file; a document counts as
stored only once its manifest record is written, after all its chunks. A third collection keeps
each sentence's vector (``put_sentences``), keyed by a hash of the sentence text, so that
choosing evidence sentences at question time reads vectors instead of computing them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

# HNSW's search breadth for archives too large to search exactly (retrieval.EXACT_MAX):
# Chroma's default, 100, lost 3 of the 30 nearest chunks of one question on the gate archive
# (1,478 chunks); 400 found all 30 (bench/dense_search.py)
EF_SEARCH = 400
# ids per get request: a request naming a whole archive's ids is more than a server takes
GET_BATCH = 1000


class StoreError(RuntimeError):
    """The store cannot be used as configured (wrong embedding model, server unreachable)."""


def chunk_id(doc_id: str, index: int) -> str:
    """The id of an article's chunk: ``chunk_id("d1", 3) == "d1-3"``."""
    return f"{doc_id}-{index}"


@dataclass(frozen=True)
class ChunkRecord:
    """One stored chunk: its id, text and metadata (see ``chunk_metadata`` in ingest)."""

    id: str
    text: str
    metadata: dict[str, Any]

    @property
    def sentences(self) -> list[tuple[int, int]]:
        return [(int(s), int(e)) for s, e in json.loads(self.metadata.get("sentences", "[]"))]

    def sentence_texts(self) -> list[tuple[int, int, str]]:
        """``(start, end, text)`` of each sentence, offsets in the article's text."""
        base = int(self.metadata.get("start", 0))
        return [(s, e, self.text[s - base:e - base]) for s, e in self.sentences]


@dataclass(frozen=True)
class Hit:
    record: ChunkRecord
    score: float  # cosine similarity


@dataclass(frozen=True)
class ManifestEntry:
    source: str
    doc_id: str
    title: str
    date: str | None
    n_chunks: int
    extra: dict[str, Any] = field(default_factory=dict)


class Store(Protocol):
    def upsert(self, records: Sequence[ChunkRecord], vectors: np.ndarray) -> None: ...

    def delete_document(self, doc_id: str) -> None: ...

    def query(self, vector: np.ndarray, n: int,
              where: dict[str, Any] | None = None) -> list[Hit]: ...

    def get(self, ids: Sequence[str]) -> list[ChunkRecord]:
        """The chunks ``ids`` that the store holds, in that order; any number of ids (the store
        splits the request)."""
        ...

    def iter_records(self, batch: int = 2000) -> Iterator[ChunkRecord]: ...

    def vectors(self, ids: Sequence[str]) -> np.ndarray: ...

    def count(self) -> int: ...

    def generation(self) -> int: ...

    def manifest(self) -> dict[str, ManifestEntry]: ...

    def put_manifest(self, entry: ManifestEntry) -> None: ...

    def remove_manifest(self, source: str) -> None: ...

    def put_sentences(self, texts: Sequence[str], vectors: np.ndarray,
                      doc_ids: Sequence[str]) -> None: ...

    def sentence_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]: ...


def date_filter(date_from: str | None, date_to: str | None) -> dict[str, Any] | None:
    """A Chroma ``where`` filter on the article date (inclusive ISO dates).

    >>> date_filter("2025-01-01", None)
    {'date_int': {'$gte': 20250101}}
    >>> date_filter("2025-01-01", "2025-12-31")
    {'$and': [{'date_int': {'$gte': 20250101}}, {'date_int': {'$lte': 20251231}}]}
    """
    parts: list[dict[str, Any]] = []
    if date_from:
        parts.append({"date_int": {"$gte": int(date_from.replace("-", ""))}})
    if date_to:
        parts.append({"date_int": {"$lte": int(date_to.replace("-", ""))}})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {"$and": parts}


def _embedding_function_class() -> Any:
    """Our own Chroma embedding function: a guard so Chroma never falls back to its default
    (which downloads a model). Vectors are always passed in explicitly."""
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings
    from chromadb.utils.embedding_functions import (
        known_embedding_functions,
        register_embedding_function,
    )

    if "assistant" in known_embedding_functions:
        return known_embedding_functions["assistant"]

    class AssistantEmbeddingFunction(EmbeddingFunction[Documents]):
        def __init__(self, model: str = "") -> None:
            self.model = model

        def __call__(self, input: Documents) -> Embeddings:
            raise StoreError("the assistant passes its own vectors; Chroma must not embed")

        @staticmethod
        def name() -> str:
            return "assistant"

        def get_config(self) -> dict[str, Any]:
            return {"model": self.model}

        @staticmethod
        def build_from_config(config: dict[str, Any]) -> AssistantEmbeddingFunction:
            return AssistantEmbeddingFunction(config.get("model", ""))

        def default_space(self) -> Any:
            return "cosine"

    register_embedding_function(AssistantEmbeddingFunction)
    return AssistantEmbeddingFunction


class ChromaStore:
    """``Store`` over a Chroma client; ``embedding_model`` guards against mixing models."""

    def __init__(self, client: Any, collection: str, embedding_model: str,
                 ef_search: int = EF_SEARCH) -> None:
        self.client = client
        ef = _embedding_function_class()(embedding_model)
        self._chunks = client.get_or_create_collection(
            collection, metadata={"embedding_model": embedding_model, "generation": 0},
            configuration={"hnsw": {"space": "cosine", "ef_search": ef_search}},
            embedding_function=ef)
        hnsw = (getattr(self._chunks, "configuration", None) or {}).get("hnsw") or {}
        if int(hnsw.get("ef_search") or ef_search) != ef_search:  # e.g. a store made before
            # (Chroma reads the new breadth when the collection is next opened)
            self._chunks.modify(configuration={"hnsw": {"ef_search": ef_search}})
        stored = (self._chunks.metadata or {}).get("embedding_model")
        if stored and stored != embedding_model:
            raise StoreError(
                f"collection {collection!r} was built with embedding model {stored!r}, not "
                f"{embedding_model!r}: set ASSISTANT_EMBEDDING_MODEL={stored} or use another "
                "ASSISTANT_DATA_DIR / ASSISTANT_COLLECTION"
            )
        self._manifest = client.get_or_create_collection(
            f"{collection}-sources", configuration={"hnsw": {"space": "cosine"}},
            embedding_function=ef)
        self._sentences = client.get_or_create_collection(
            f"{collection}-sentences", configuration={"hnsw": {"space": "cosine"}},
            embedding_function=ef)

    @classmethod
    def persistent(cls, path: Path, collection: str, embedding_model: str,
                   ef_search: int = EF_SEARCH) -> ChromaStore:
        import chromadb

        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=_chroma_settings())
        return cls(client, collection, embedding_model, ef_search)

    @classmethod
    def http(cls, url: str, collection: str, embedding_model: str,
             token: str | None = None) -> ChromaStore:
        from urllib.parse import urlparse

        import chromadb

        parsed = urlparse(url)
        if not parsed.hostname:
            raise StoreError(f"ASSISTANT_CHROMA_URL: cannot parse {url!r} (use http://host:port)")
        headers = {"Authorization": f"Bearer {token}"} if token else None
        try:
            client = chromadb.HttpClient(
                host=parsed.hostname, port=parsed.port or (443 if parsed.scheme == "https" else 80),
                ssl=parsed.scheme == "https", headers=headers, settings=_chroma_settings())
        except Exception as exc:
            raise StoreError(f"cannot reach the Chroma server at {url}: {exc}") from exc
        return cls(client, collection, embedding_model)

    # chunks ---------------------------------------------------------------------------------
    def upsert(self, records: Sequence[ChunkRecord], vectors: np.ndarray) -> None:
        if not records:
            return
        self._chunks.upsert(ids=[r.id for r in records], documents=[r.text for r in records],
                            metadatas=[r.metadata for r in records],
                            embeddings=np.asarray(vectors, dtype=np.float32))

    def delete_document(self, doc_id: str) -> None:
        self._chunks.delete(where={"doc_id": doc_id})
        self._sentences.delete(where={"doc_id": doc_id})

    def query(self, vector: np.ndarray, n: int,
              where: dict[str, Any] | None = None) -> list[Hit]:
        total = self.count()
        if total == 0:
            return []
        result = self._chunks.query(query_embeddings=[np.asarray(vector, dtype=np.float32)],
                                    n_results=min(n, total), where=where,
                                    include=["documents", "metadatas", "distances"])
        ids = result["ids"][0]
        docs = (result.get("documents") or [[]])[0] or []
        metas = (result.get("metadatas") or [[]])[0] or []
        dists = (result.get("distances") or [[]])[0] or []
        return [Hit(ChunkRecord(i, d or "", dict(m or {})), 1.0 - float(dist))
                for i, d, m, dist in zip(ids, docs, metas, dists, strict=True)]

    def get(self, ids: Sequence[str]) -> list[ChunkRecord]:
        """The chunks ``ids`` the store holds, in that order, ``GET_BATCH`` per request."""
        by_id: dict[str, ChunkRecord] = {}
        for i in range(0, len(ids), GET_BATCH):
            result = self._chunks.get(ids=list(ids[i:i + GET_BATCH]),
                                      include=["documents", "metadatas"])
            by_id.update((cid, ChunkRecord(cid, d or "", dict(m or {}))) for cid, d, m in
                         zip(result["ids"], result["documents"] or [],
                             result["metadatas"] or [], strict=True))
        return [by_id[i] for i in ids if i in by_id]

    def iter_records(self, batch: int = 2000) -> Iterator[ChunkRecord]:
        offset = 0
        while True:
            result = self._chunks.get(limit=batch, offset=offset,
                                      include=["documents", "metadatas"])
            ids = result["ids"]
            if not ids:
                return
            for i, d, m in zip(ids, result["documents"] or [], result["metadatas"] or [],
                               strict=True):
                yield ChunkRecord(i, d or "", dict(m or {}))
            offset += len(ids)

    def vectors(self, ids: Sequence[str]) -> np.ndarray:
        """The stored vectors of chunks ``ids``, one row each in that order (for exact search
        in memory); an id the store does not hold is an error."""
        rows: dict[str, np.ndarray] = {}
        for i in range(0, len(ids), GET_BATCH):
            result = self._chunks.get(ids=list(ids[i:i + GET_BATCH]), include=["embeddings"])
            embeddings = result.get("embeddings")
            for id_, vector in zip(result["ids"], [] if embeddings is None else embeddings,
                                   strict=True):
                rows[id_] = np.asarray(vector, dtype=np.float32)
        missing = [i for i in ids if i not in rows]
        if missing:
            raise StoreError(f"chunk {missing[0]!r} has no stored vector "
                             f"({len(missing)} missing)")
        return np.stack([rows[i] for i in ids]) if ids else np.zeros((0, 0), np.float32)

    def count(self) -> int:
        return int(self._chunks.count())

    def generation(self) -> int:
        """A number that changes whenever the chunks change (for caches such as BM25)."""
        meta = self.client.get_collection(self._chunks.name).metadata or {}
        return int(meta.get("generation", 0))

    def bump_generation(self) -> None:
        meta = dict(self._chunks.metadata or {})
        meta["generation"] = self.generation() + 1
        meta.pop("hnsw:space", None)
        self._chunks.modify(metadata=meta)

    # sentence vectors -----------------------------------------------------------------------
    def put_sentences(self, texts: Sequence[str], vectors: np.ndarray,
                      doc_ids: Sequence[str]) -> None:
        """Keep each sentence's vector under a hash of its text. A sentence that two documents
        share is kept once, under the last one written; when that document is deleted the
        other one's copy goes too, and the sentence is embedded again when it is needed."""
        if not texts:
            return
        self._sentences.upsert(ids=[_key(t) for t in texts],
                               metadatas=[{"doc_id": d} for d in doc_ids],
                               embeddings=np.asarray(vectors, dtype=np.float32))

    def sentence_vectors(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of those ``texts`` that have one."""
        by_id = {_key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        ids = list(by_id)
        for i in range(0, len(ids), GET_BATCH):
            result = self._sentences.get(ids=ids[i:i + GET_BATCH], include=["embeddings"])
            vectors = result.get("embeddings")
            if vectors is None:
                continue
            for id_, vector in zip(result["ids"], vectors, strict=True):
                found[by_id[id_]] = np.asarray(vector, dtype=np.float32)
        return found

    # manifest -------------------------------------------------------------------------------
    def manifest(self) -> dict[str, ManifestEntry]:
        result = self._manifest.get(include=["metadatas"])
        out = {}
        for m in result["metadatas"] or []:
            m = dict(m or {})
            out[m["source"]] = ManifestEntry(
                source=m["source"], doc_id=m["doc_id"], title=m.get("title", ""),
                date=m.get("date") or None, n_chunks=int(m.get("n_chunks", 0)),
                extra=json.loads(m.get("extra", "{}")))
        return out

    def put_manifest(self, entry: ManifestEntry) -> None:
        self._manifest.upsert(
            ids=[_key(entry.source)], embeddings=np.zeros((1, 1), dtype=np.float32),
            metadatas=[{"source": entry.source, "doc_id": entry.doc_id, "title": entry.title,
                        "date": entry.date or "", "n_chunks": entry.n_chunks,
                        "extra": json.dumps(entry.extra)}])

    def remove_manifest(self, source: str) -> None:
        self._manifest.delete(ids=[_key(source)])


def _key(text: str) -> str:
    """A record id for a source name or a sentence: a hash of the text."""
    import hashlib

    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _chroma_settings() -> Any:
    import chromadb

    return chromadb.Settings(anonymized_telemetry=False, allow_reset=False)
