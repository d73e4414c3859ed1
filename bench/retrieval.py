"""Retrieval latency at about 1k, 10k and 100k chunks, against a bare Chroma query.

    python bench/retrieval.py [--sizes 1000 10000 100000] [--base 1000] [--queries 70]

The chunks are the DpgMedia2019 articles' real chunks (8,141 at the default chunk size), repeated
under new ids beyond that. Only the first ``--base`` chunks are embedded with EmbeddingGemma
(cached in ``--cache``); every further chunk gets a synthetic vector, a perturbed mix of two real
ones (latency depends on the number and size of the vectors, not on their values). BM25 runs on
the real chunk texts. The queries are the questions of ``evals/dpg.jsonl``.

For each size it prints p50/p95 of: the whole retrieval step (query embedding + dense + BM25 +
fusion, what the assistant runs), the query embedding alone, the step without the embedding,
and a bare ``collection.query`` for the same number of candidates; the ratio of the step
(without the embedding) to the bare query; and the one-off BM25 index build, which runs only
when the store changes, never per query.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.ingest.chunking import chunk_text
from assistant.ingest.documents import article_files, load_article
from assistant.ingest.indexing import chunk_metadata, embedding_text
from assistant.ingest.store import ChromaStore, ChunkRecord
from assistant.retrieve.retrieval import Retriever
from assistant.serve.api import make_embedder
from assistant.settings import Settings
from assistant.text.tokens import tiktoken_counter
from evals.write_corpus import DEFAULT_SRC, write_corpus

ROOT = Path(__file__).resolve().parent.parent


def percentiles(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values) * 1000
    return float(np.percentile(a, 50)), float(np.percentile(a, 95))


def real_chunks(settings: Settings, tmp: Path) -> list[tuple[ChunkRecord, str]]:
    docs = tmp / "docs"
    write_corpus(DEFAULT_SRC, docs)
    out = []
    seen: set[str] = set()
    for file in article_files(docs):
        article = load_article(file, docs)
        if article.doc_id in seen:  # the corpus holds a few articles twice
            continue
        seen.add(article.doc_id)
        for chunk in chunk_text(article.text, settings.chunk_tokens,
                                settings.chunk_overlap_tokens, tiktoken_counter):
            record = ChunkRecord(f"{article.doc_id}-{chunk.index}", chunk.text,
                                 chunk_metadata(article, chunk))
            out.append((record, embedding_text(article, chunk)))
    return out


def base_vectors(embedder: object, texts: list[str], cache: Path) -> np.ndarray:
    cache.mkdir(parents=True, exist_ok=True)
    import hashlib

    key = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:12]
    path = cache / f"base-{len(texts)}-{key}.npy"
    if path.exists():
        return np.load(path)
    print(f"embedding {len(texts)} base chunks (cached in {path}) ...", flush=True)
    vectors = embedder.embed_documents(texts)  # type: ignore[attr-defined]
    np.save(path, vectors)
    return vectors


def synthetic(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    if n <= len(base):
        return base[:n]
    extra = n - len(base)
    a = base[rng.integers(0, len(base), extra)]
    b = base[rng.integers(0, len(base), extra)]
    v = 0.7 * a + 0.3 * b + rng.normal(0, 0.02, a.shape).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    return np.concatenate([base, v.astype(np.float32)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--base", type=int, default=1000, help="chunks embedded for real")
    parser.add_argument("--queries", type=int, default=70)
    parser.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) /
                        "assistant-bench-retrieval")
    args = parser.parse_args()
    settings = Settings.from_env()
    embedder = make_embedder(settings)
    questions = [json.loads(line)["question"] for line in
                 (ROOT / "evals" / "dpg.jsonl").read_text(encoding="utf-8").splitlines()
                 if line.strip()][:args.queries]
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory(prefix="bench-retrieval-") as tmp_name:
        tmp = Path(tmp_name)
        chunks = real_chunks(settings, tmp)
        print(f"real chunks: {len(chunks)}; base embedded: {args.base}; "
              f"queries: {len(questions)}", flush=True)
        base = base_vectors(embedder, [t for _, t in chunks[:args.base]], args.cache)
        embedder.embed_query("warm-up")
        print("| chunks | retrieve p50 / p95 | embed query p50 / p95 | retrieve without "
              "embedding p50 / p95 | bare Chroma query p50 / p95 | ratio (p95) | BM25 build "
              "(once) | store build |")
        print("|---|---|---|---|---|---|---|---|")
        for size in args.sizes:
            vectors = synthetic(base, size, rng)
            store = ChromaStore.persistent(tmp / f"store-{size}", "bench", embedder.name)
            started = time.perf_counter()
            batch: list[ChunkRecord] = []
            for i in range(size):
                record, _ = chunks[i % len(chunks)]
                copy = i // len(chunks)
                batch.append(record if copy == 0 else ChunkRecord(
                    f"{record.id}-copy{copy}", record.text,
                    {**record.metadata, "doc_id": f"{record.metadata['doc_id']}-copy{copy}"}))
                if len(batch) == 4000 or i == size - 1:
                    store.upsert(batch, vectors[i + 1 - len(batch):i + 1])
                    batch = []
            store.bump_generation()
            build_s = time.perf_counter() - started
            retriever = Retriever(store, embedder, candidates=settings.candidates)
            started = time.perf_counter()
            retriever.bm25()
            bm25_s = time.perf_counter() - started
            retriever.retrieve(questions[0], settings.top_k)  # warm caches
            full, embed, bare = [], [], []
            for q in questions:
                t0 = time.perf_counter()
                retriever.retrieve(q, settings.top_k)
                full.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                v = embedder.embed_query(q)
                embed.append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                store._chunks.query(query_embeddings=[v], n_results=settings.candidates,
                                    include=["documents", "metadatas", "distances"])
                bare.append(time.perf_counter() - t0)
            f50, f95 = percentiles(full)
            e50, e95 = percentiles(embed)
            r50, r95 = percentiles([a - b for a, b in zip(full, embed, strict=True)])
            b50, b95 = percentiles(bare)
            print(f"| {size:,} | {f50:.1f} / {f95:.1f} ms | {e50:.1f} / {e95:.1f} ms | "
                  f"{r50:.1f} / {r95:.1f} ms | {b50:.1f} / {b95:.1f} ms | {r95 / b95:.2f} | "
                  f"{bm25_s:.1f} s | {build_s:.0f} s |", flush=True)
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory (RSS): {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
