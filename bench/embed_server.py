"""Ingestion through an embeddings server against in-process, on this machine.

    python bench/embed_server.py [--limit 60]

The first ``--limit`` articles of the DpgMedia2019 export (``articles.jsonl``, ingested as an
export: one article a row) are ingested twice into fresh stores: with the in-process
EmbeddingGemma, and through ``assistant embed-serve`` started here on a free port (the same
model in its own process). Printed: chunks, seconds and chunks per second of each, their ratio,
and the cosine of the two ways' vectors for a few chunks. On one 2-core machine the server can
only add HTTP and serialisation; the point of it is a faster machine (or several) elsewhere.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.serve.api import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from evals.write_corpus import DEFAULT_SRC  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def ingest(settings: Settings, docs: Path) -> tuple[Assistant, int, float]:
    bot = Assistant.from_settings(settings)
    bot.embedder.embed_query("warm-up")  # model loading is not ingestion
    started = time.perf_counter()
    report = bot.ingest(docs)
    return bot, report.chunks_embedded, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-embed-") as tmp:
        docs = Path(tmp) / "docs"
        docs.mkdir()
        lines = Path(DEFAULT_SRC).read_text(encoding="utf-8").splitlines()[:args.limit]
        (docs / "articles.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        local, n_local, s_local = ingest(Settings.from_env(data_dir=Path(tmp) / "a",
                                                           export_date_field="published_at"), docs)

        port = free_port()
        proc = subprocess.Popen([str(Path(sys.executable).parent / "assistant"), "embed-serve",
                                 "--port", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            for _ in range(600):
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/v1/models", timeout=2)
                    break
                except OSError:
                    time.sleep(0.5)
            remote, n_remote, s_remote = ingest(Settings.from_env(
                data_dir=Path(tmp) / "b", embed_base_url=f"http://127.0.0.1:{port}/v1",
                export_date_field="published_at"), docs)
            texts = [r.text for r in local.store.get(
                [f"{e.doc_id}-0" for e in list(local.store.manifest().values())[:8]])]
            a = local.embedder.embed_documents(texts)
            b = remote.embedder.embed_documents(texts)
            cosines = [float(x @ y) for x, y in zip(a, b, strict=True)]
        finally:
            proc.terminate()
            proc.wait(30)
    result = {"articles": args.limit, "in_process": {"chunks": n_local, "s": round(s_local, 1),
                                                     "chunks_per_s": round(n_local / s_local, 2)},
              "server": {"chunks": n_remote, "s": round(s_remote, 1),
                         "chunks_per_s": round(n_remote / s_remote, 2)},
              "server_to_in_process": round((n_remote / s_remote) / (n_local / s_local), 3),
              "min_cosine": round(min(cosines), 5)}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
