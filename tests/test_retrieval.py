"""Exact dense search: the same chunks as a brute-force cosine ranking, the same masks as BM25,
and the store's approximate search above the limit."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import HashEmbedder
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.store import ChromaStore, ChunkRecord
from assistant.retrieve.retrieval import DenseIndex, Retriever


def brute_force(matrix: np.ndarray, query: np.ndarray, n: int) -> list[int]:
    unit = matrix / np.linalg.norm(matrix, axis=1, keepdims=True)
    scores = unit @ (query / np.linalg.norm(query))
    return sorted(range(len(matrix)), key=lambda i: (-scores[i], i))[:n]


@settings(max_examples=60, deadline=None)
@given(st.integers(1, 40), st.integers(1, 12), st.integers(0, 10_000))
def test_dense_index_ranks_as_brute_force_cosine(rows: int, n: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    matrix = rng.normal(size=(rows, 8)).astype(np.float32) + 0.01
    query = rng.normal(size=8).astype(np.float32)
    records = [ChunkRecord(f"d{i % 5}-{i}", "", {"doc_id": f"d{i % 5}", "date_int": 20250000 + i})
               for i in range(rows)]
    index = DenseIndex(records, matrix)
    hits = index.search(query, n)
    assert [i for i, _ in hits] == brute_force(matrix, query, n)
    assert all(a >= b for (_, a), (_, b) in itertools.pairwise(hits))
    # a left-out document and a date range are never returned
    kept = index.search(query, rows, exclude=frozenset({"d0"}), date_from="2025-00-03")
    assert all(i % 5 != 0 and i >= 3 for i, _ in kept)
    assert len(kept) == sum(1 for i in range(rows) if i % 5 != 0 and i >= 3)


def store_with(tmp_path: Path, texts: list[str]) -> tuple[ChromaStore, HashEmbedder]:
    embedder = HashEmbedder()
    store = ChromaStore.persistent(tmp_path / "chroma", "test", embedder.name)
    records = [ChunkRecord(f"doc{i}-0", t, {"doc_id": f"doc{i}", "source": f"{i}.txt",
                                            "date_int": 20250101})
               for i, t in enumerate(texts)]
    store.upsert(records, embedder.embed_documents(texts))
    store.bump_generation()
    return store, embedder


TEXTS = ["het marineschip TCG Kinaliada in de haven van Benghazi",
         "Haftar bezocht het marineschip", "de verkiezingen in Libie",
         "een gemeente in Brabant", "de haven van Rotterdam"]


def test_exact_search_gives_the_cosines_chroma_gives(tmp_path: Path) -> None:
    store, embedder = store_with(tmp_path, TEXTS)
    exact = Retriever(store, embedder, candidates=5)
    approximate = Retriever(store, embedder, candidates=5, exact_max=0)
    assert exact.dense() is not None and approximate.dense() is None
    question = "Welk marineschip lag in de haven van Benghazi?"
    a = exact.retrieve(question, 3)
    b = approximate.retrieve(question, 3)
    assert [r.record.id for r in a] == [r.record.id for r in b]
    assert np.allclose([r.dense for r in a], [r.dense for r in b], atol=1e-5)
    assert a[0].record.text == TEXTS[0]


def test_exact_index_follows_the_store_and_honours_exclusions(tmp_path: Path) -> None:
    store, embedder = store_with(tmp_path, TEXTS)
    retriever = Retriever(store, embedder, candidates=5)
    question = "marineschip in de haven van Benghazi"
    assert retriever.retrieve(question, 1)[0].record.id == "doc0-0"
    assert retriever.retrieve(question, 1, exclude=frozenset({"doc0"}))[0].record.id != "doc0-0"
    # a new chunk after the index was built: the next generation's index holds it
    text = "Benghazi marineschip haven Benghazi marineschip haven"
    store.upsert([ChunkRecord("doc9-0", text, {"doc_id": "doc9", "date_int": 20250101})],
                 embedder.embed_documents([text]))
    store.bump_generation()
    assert retriever.retrieve(question, 1)[0].record.id == "doc9-0"


def test_chunks_are_read_from_the_current_generations_records(tmp_path: Path) -> None:
    store, embedder = store_with(tmp_path, TEXTS)
    retriever = Retriever(store, embedder, candidates=5)
    assert [r.id for r in retriever.chunks(["doc1-0", "nope-3", "doc0-0"])] == [
        "doc1-0", "doc0-0"]
    assert retriever.chunks(["doc0-0"])[0].text == store.get(["doc0-0"])[0].text
    store.upsert([ChunkRecord("doc9-0", "Nieuw.", {"doc_id": "doc9"})],
                 embedder.embed_documents(["Nieuw."]))
    store.bump_generation()
    assert [r.text for r in retriever.chunks(["doc9-0"])] == ["Nieuw."]


def test_vectors_are_returned_in_the_order_asked(tmp_path: Path) -> None:
    store, embedder = store_with(tmp_path, TEXTS)
    got = store.vectors(["doc3-0", "doc0-0"])
    expected: Any = embedder.embed_documents([TEXTS[3], TEXTS[0]])
    assert np.allclose(got, expected, atol=1e-6)


def test_chunks_and_vectors_are_fetched_in_batches_in_the_order_asked(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.ingest.store

    store, embedder = store_with(tmp_path, TEXTS)
    asked: list[int] = []
    real_get = store._chunks.get

    def get(**kwargs: Any) -> Any:
        asked.append(len(kwargs.get("ids") or []))
        return real_get(**kwargs)

    monkeypatch.setattr(assistant.ingest.store, "GET_BATCH", 2)
    monkeypatch.setattr(store._chunks, "get", get)
    ids = [f"doc{i}-0" for i in reversed(range(len(TEXTS)))]
    assert [r.id for r in store.get([*ids, "nope-0"])] == ids
    assert max(asked) == 2
    asked.clear()
    assert np.allclose(store.vectors(ids), embedder.embed_documents(TEXTS[::-1]), atol=1e-6)
    assert asked and max(asked) == 2


def test_a_store_made_before_gets_the_wider_hnsw_search(tmp_path: Path) -> None:
    import chromadb

    from assistant.ingest.store import EF_SEARCH, _chroma_settings, _embedding_function_class

    client = chromadb.PersistentClient(path=str(tmp_path / "old"), settings=_chroma_settings())
    client.get_or_create_collection("articles", configuration={"hnsw": {"space": "cosine"}},
                                    embedding_function=_embedding_function_class()("hash-64"))
    assert client.get_collection("articles").configuration["hnsw"]["ef_search"] == 100
    ChromaStore(client, "articles", "hash-64")
    assert client.get_collection("articles").configuration["hnsw"]["ef_search"] == EF_SEARCH
    new = ChromaStore.persistent(tmp_path / "new", "articles", "hash-64")
    assert new._chunks.configuration["hnsw"]["ef_search"] == EF_SEARCH
