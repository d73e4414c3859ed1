"""Ingestion benchmark over the DpgMedia2019 corpus (written out as files in a temp folder).

    python bench/ingest.py [--limit N] [--store DIR] [--docs DIR]

Prints: articles, chunks, first-ingest time and chunks per second (model loading excluded and
shown apart); the limit: a bare ``SentenceTransformer.encode`` of the very same texts (same
model object, prompt, batch size and threads): the chunk texts, and with sentence vectors
(``ASSISTANT_SENTENCE_VECTORS=1``, the default) each distinct sentence too, all in one call; the
pipeline's ratio to it (target >= 0.9); what the sentences add (the bare encode of the chunk
texts alone, beside); re-ingest time and its ratio to the first ingest (target < 2%); peak memory.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.ingest.chunking import chunk_text
from assistant.ingest.documents import article_files, load_article
from assistant.ingest.indexing import embedding_text
from assistant.serve.api import Assistant
from assistant.settings import Settings
from evals.write_corpus import DEFAULT_SRC, write_corpus


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int)
    parser.add_argument("--store", type=Path, help="keep the store here (default: temporary)")
    parser.add_argument("--docs", type=Path, help="corpus folder (default: written to a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as tmp:
        docs = args.docs or Path(tmp) / "docs"
        if not args.docs:
            write_corpus(DEFAULT_SRC, docs, args.limit)
        store = args.store or Path(tmp) / "store"
        bot = Assistant.from_settings(Settings.from_env(data_dir=store))
        started = time.perf_counter()
        bot.embedder.embed_documents(["warm up"])
        load_s = time.perf_counter() - started
        texts, sentences = chunk_texts(docs, bot)
        model = bot.embedder._load()  # type: ignore[attr-defined]

        def encode(batch: list[str]) -> float:
            started = time.perf_counter()
            model.encode(batch, prompt_name="document", batch_size=bot.settings.embed_batch_size,
                         normalize_embeddings=True, convert_to_numpy=True)
            return time.perf_counter() - started

        # warm up both paths on real texts (kernels for the usual shapes), then the limit first
        encode(texts[:64])
        chunks_s = encode(texts)
        bare_s = encode(texts + sentences) if sentences else chunks_s
        first = bot.ingest(docs, progress=True)
        second = bot.ingest(docs, progress=False)
        peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        pipeline_rate = first.chunks_embedded / first.seconds
        bare_rate = len(texts) / bare_s
        n_docs = len(first.added) + len(first.updated) + len(first.unchanged)
        print(f"articles            {n_docs} ({len(first.failed)} failed)")
        print(f"chunks embedded     {first.chunks_embedded} (store holds {bot.store.count()})")
        print(f"model load          {load_s:.1f} s")
        print(f"first ingest        {first.seconds:.1f} s, "
              f"{first.chunks_embedded / first.seconds:.2f} chunks/s")
        print(f"bare encode (limit) {bare_s:.1f} s for {len(texts)} chunk texts and "
              f"{len(sentences)} sentences, {bare_rate:.2f} chunks/s")
        print(f"pipeline / limit    {pipeline_rate / bare_rate:.3f} (target >= 0.9)")
        print(f"sentence vectors    {first.sentences_embedded} embedded; the chunk texts alone "
              f"encode in {chunks_s:.1f} s: first ingest / that {first.seconds / chunks_s:.2f}")
        print(f"re-ingest           {second.seconds:.2f} s, {second.chunks_embedded} embedded, "
              f"ratio {second.seconds / first.seconds:.4f} (target < 0.02)")
        print(f"peak memory (RSS)   {peak_mb:.0f} MB")


def chunk_texts(docs: Path, bot: Assistant) -> tuple[list[str], list[str]]:
    """What the pipeline hands the embedder: each chunk's embedding text, and (with sentence
    vectors) each distinct sentence."""
    texts: list[str] = []
    sentences: dict[str, None] = {}
    seen = set()
    for file in article_files(docs):
        article = load_article(file, docs)
        if article.doc_id in seen:
            continue
        seen.add(article.doc_id)
        for chunk in chunk_text(article.text, bot.settings.chunk_tokens,
                                bot.settings.chunk_overlap_tokens, bot.count_tokens):
            texts.append(embedding_text(article, chunk))
            if bot.settings.sentence_vectors:
                sentences.update((article.text[s:e], None) for s, e in chunk.sentences)
    return texts, list(sentences)


if __name__ == "__main__":
    main()
