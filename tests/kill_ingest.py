"""Helper for test_crash.py: ingest FOLDER into DATA_DIR in this process, with the fake
embedder, and SIGKILL this very process at a chosen point.

    python tests/kill_ingest.py FOLDER DATA_DIR [--kill-at N] [--kill-after-ms T]

``--kill-at N``: die just before the N-th write to the store (chunk upserts, manifest records,
deletions, generation bumps); ``--kill-after-ms T``: die T ms after the ingest starts, wherever
it is (inside Chroma's own writes included). Without either it finishes and prints the number
of writes it made.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from conftest import HashEmbedder

from assistant.ingest import indexing as ingest
from assistant.ingest.store import ChromaStore
from assistant.settings import Settings
from assistant.text.tokens import tiktoken_counter

WRITES = ("upsert", "put_sentences", "put_manifest", "remove_manifest", "delete_document",
          "bump_generation")


class KillingStore:
    """Passes every call to the real store; counts writes and dies before write ``kill_at``."""

    def __init__(self, store: Any, kill_at: int) -> None:
        self._store = store
        self.kill_at = kill_at
        self.writes = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._store, name)
        if name not in WRITES:
            return attr

        def write(*args: Any, **kwargs: Any) -> Any:
            self.writes += 1
            if self.writes == self.kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return attr(*args, **kwargs)

        return write


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("folder", type=Path)
    parser.add_argument("data_dir", type=Path)
    parser.add_argument("--kill-at", type=int, default=0)
    parser.add_argument("--kill-after-ms", type=int, default=0)
    args = parser.parse_args()
    settings = Settings.from_env({}, data_dir=args.data_dir, chunk_tokens=24,
                                 chunk_overlap_tokens=0)
    ingest.EMBED_GROUP = 3  # many small writes, so that there are many points to die at
    embedder = HashEmbedder()
    store = KillingStore(ChromaStore.persistent(settings.data_dir / "chroma",
                                                settings.collection, embedder.name),
                         args.kill_at)
    if args.kill_after_ms:
        timer = threading.Timer(args.kill_after_ms / 1000,
                                lambda: os.kill(os.getpid(), signal.SIGKILL))
        timer.daemon = True
        timer.start()
    report = ingest.ingest_path(args.folder, store, embedder,  # type: ignore[arg-type]
                                chunk_tokens=settings.chunk_tokens,
                                overlap_tokens=settings.chunk_overlap_tokens,
                                count_tokens=tiktoken_counter, progress=False)
    print(f"writes={store.writes} embedded={report.chunks_embedded} added={len(report.added)}")


if __name__ == "__main__":
    main()
