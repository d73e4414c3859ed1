"""Exact against approximate dense search on the gate's archive (no LLM).

    python bench/dense_search.py [--split dev] [--ef 100 400]

For every history-free answerable gold question of the split (both sets, over the gate's store
that ``evals/gate.py`` caches, built by the gate or ``assistant ingest``), the nearest
``ASSISTANT_CANDIDATES`` chunks by exact cosine (``retrieval.DenseIndex``) against Chroma's
HNSW ``query`` at each ``ef_search``: how many of the exact neighbours come back, how many
questions get another top 5, and the retrieval recall@k and MRR of the fused ranking either
way; then the time of one exact search. Each ``ef_search`` is set on a copy of the store and
read by a fresh process (Chroma reads it when a collection is opened). A figure for retrieval
changes, not a test: the HNSW result can change with the state of its index on disk.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))


def measure(data: Path, split: str, exact_max: int | None, ef: int) -> dict[str, Any]:
    """Each question's dense neighbour ids and the fused ranking's recall@k and MRR."""
    from assistant.evaluate.evaluation import load_gold, select_split
    from assistant.ingest.store import ChromaStore
    from assistant.retrieve.retrieval import EXACT_MAX, Retriever
    from assistant.serve.api import make_embedder
    from assistant.settings import Settings
    from assistant.text.language import detect_language

    settings = Settings.from_env(data_dir=data)
    store = ChromaStore.persistent(data / "chroma", settings.collection,
                                   settings.embedding_model, ef_search=ef)
    retriever = Retriever(store, make_embedder(settings), candidates=settings.candidates,
                          archive_language=settings.archive_language,
                          exact_max=EXACT_MAX if exact_max is None else exact_max)
    items = [i for name in ("seeds", "dpg")
             for i in select_split(load_gold(ROOT / "evals" / f"{name}.jsonl"), split)
             if not i.history and i.answerable]
    neighbours, hits, rr = [], 0, 0.0
    index = retriever.dense()
    records = retriever.bm25().records
    for item in items:
        vector = retriever.query_vector(item.question)
        if index is not None:
            neighbours.append([records[i].id for i, _ in index.search(vector,
                                                                      settings.candidates)])
        else:
            neighbours.append([h.record.id for h in store.query(vector, settings.candidates)])
        got = retriever.retrieve(item.question, settings.top_k,
                                 language=detect_language(item.question))
        sources = [str(r.record.metadata.get("source", "")) for r in got]
        rank = next((i for i, s in enumerate(sources, 1) if s in item.sources), None)
        hits += rank is not None
        rr += 1 / rank if rank else 0.0
    out: dict[str, Any] = {"neighbours": neighbours, "recall": hits / len(items),
                           "mrr": rr / len(items), "chunks": len(records), "n": len(items),
                           "candidates": settings.candidates, "k": settings.top_k}
    if index is not None:
        vector = retriever.query_vector(items[0].question)
        started = time.perf_counter()
        for _ in range(100):
            index.search(vector, settings.candidates)
        out["ms"] = (time.perf_counter() - started) * 10
    return out


def main() -> None:
    from gate import gate_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--ef", type=int, nargs="+", default=[100, 400])
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)  # ef of one HNSW run
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(measure(args.data, args.split, 0, args.worker)))
        return

    exact = measure(gate_dir() / "data", args.split, None, 400)
    n = exact["candidates"]
    print(f"{exact['n']} {args.split} questions, {exact['chunks']} chunks, the {n} nearest, "
          f"k = {exact['k']}")
    print(f"| search | exact neighbours found (mean / min of {n}) | questions with another "
          "top 5 | recall@k | MRR |")
    print("|---|---|---|---|---|")
    print(f"| exact | {n} / {n} | 0 | {exact['recall']:.3f} | {exact['mrr']:.3f} |")
    for ef in args.ef:
        copy = Path(tempfile.mkdtemp(prefix="dense-search-")) / "data"
        shutil.copytree(gate_dir() / "data", copy)
        worker = [sys.executable, __file__, "--split", args.split, "--worker", str(ef),
                  "--data", str(copy)]
        subprocess.run(worker, check=True, capture_output=True)  # sets ef_search on the copy
        run = json.loads(subprocess.run(worker, check=True, capture_output=True,
                                        text=True).stdout.strip().splitlines()[-1])
        shutil.rmtree(copy.parent)
        found = [len(set(a) & set(b)) for a, b in
                 zip(exact["neighbours"], run["neighbours"], strict=True)]
        moved = sum(a[:5] != b[:5] for a, b in
                    zip(exact["neighbours"], run["neighbours"], strict=True))
        print(f"| HNSW, ef_search {ef} | {statistics.mean(found):.2f} / {min(found)} | "
              f"{moved} | {run['recall']:.3f} | {run['mrr']:.3f} |", flush=True)
    print(f"exact search: {exact['ms']:.2f} ms per question over {exact['chunks']} chunks")


if __name__ == "__main__":
    main()
