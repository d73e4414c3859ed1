"""Crash safety: a real ingest process killed with SIGKILL at many points leaves a store that
answers, and the next ingest completes the work without duplicates (tests/kill_ingest.py)."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEED_FILE, HashEmbedder, ScriptedChat
from test_pipeline import number_of, reply

from assistant.ingest.store import ChromaStore
from assistant.serve.api import Assistant
from assistant.settings import Settings

HELPER = ROOT / "tests" / "kill_ingest.py"
TOWNS = ["Zwolle", "Deventer", "Leiden", "Tilburg", "Assen"]


def run(folder: Path, data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(HELPER), str(folder), str(data), *args],
                          capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crash") / "articles"
    folder.mkdir()
    for i, town in enumerate(TOWNS):
        sentences = [f"Burgemeester Jansen{i} opende maandag de nieuwe brug in {town}."] + [
            f"De brug in {town} kostte {n + i} miljoen euro en heeft {n} rijstroken."
            for n in range(2, 8)]
        (folder / f"{town.lower()}.txt").write_text(
            f"date 2025-0{i + 1}-15\n" + "\n".join(sentences) + "\n", encoding="utf-8")
    (folder / SEED_FILE.name).write_text(SEED_FILE.read_text(encoding="utf-8"),
                                         encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def clean_run(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[int, int]:
    """Writes and chunks of an ingest that is not killed."""
    done = run(corpus, tmp_path_factory.mktemp("clean") / "data")
    assert done.returncode == 0, done.stderr
    fields = dict(part.split("=") for part in done.stdout.split())
    return int(fields["writes"]), int(fields["embedded"])


def open_bot(data: Path) -> Any:
    """A fresh client on ``data``, as a new process would open it (Chroma caches open stores
    per process, and another process wrote to this one)."""
    from chromadb.api.client import SharedSystemClient

    SharedSystemClient.clear_system_cache()
    settings = Settings.from_env({}, data_dir=data, chunk_tokens=24, chunk_overlap_tokens=0)
    embedder = HashEmbedder()
    store = ChromaStore.persistent(data / "chroma", settings.collection, embedder.name)

    def script(prompt: str) -> str:
        n = number_of(prompt, "opende maandag de nieuwe brug in Zwolle")
        return reply([n], f"Burgemeester Jansen0 [{n}] opende de brug.")

    return Assistant(settings, store, embedder,
                     ScriptedChat(script=script, prompts=[], calls_kwargs=[]))


KILL_POINTS = [1, 2, 3, 0.25, 0.5, 0.75, -2, -1]  # write number; share of all; from the end


@pytest.mark.parametrize("point", KILL_POINTS)
def test_sigkill_during_ingest_then_resume(point: float, corpus: Path, tmp_path: Path,
                                          clean_run: tuple[int, int]) -> None:
    writes, chunks = clean_run
    kill_at = int(point) if point >= 1 else (writes + int(point) + 1 if point < 0
                                             else max(1, int(writes * point)))
    data = tmp_path / "data"
    killed = run(corpus, data, "--kill-at", str(kill_at))
    assert killed.returncode == -signal.SIGKILL, (killed.stdout, killed.stderr)

    bot = open_bot(data)  # the store opens and answers (or abstains cleanly) after the crash
    answer = bot.ask("Wie opende de nieuwe brug in Zwolle?")
    assert answer.abstained or "Jansen0" in answer.citations[0].quote
    manifest = bot.store.manifest()
    for entry in manifest.values():  # a file listed in the manifest has all of its chunks
        ids = [f"{entry.doc_id}-{i}" for i in range(entry.n_chunks)]
        assert len(bot.store.get(ids)) == entry.n_chunks
    del bot

    resumed = run(corpus, data)
    assert resumed.returncode == 0, resumed.stderr
    bot = open_bot(data)
    assert bot.store.count() == chunks  # every chunk once: no duplicates, none missing
    assert set(bot.store.manifest()) == {p.name for p in corpus.iterdir()}
    assert not bot.ask("Wie opende de nieuwe brug in Zwolle?").abstained
    again = run(corpus, data)
    assert "embedded=0" in again.stdout


@pytest.mark.parametrize("delay_ms", [50, 200, 600])
def test_sigkill_at_arbitrary_moments_then_resume(delay_ms: int, corpus: Path, tmp_path: Path,
                                                  clean_run: tuple[int, int]) -> None:
    data = tmp_path / "data"
    killed = run(corpus, data, "--kill-after-ms", str(delay_ms))
    assert killed.returncode in (0, -signal.SIGKILL)
    resumed = run(corpus, data)
    assert resumed.returncode == 0, resumed.stderr
    bot = open_bot(data)
    assert bot.store.count() == clean_run[1]
    assert set(bot.store.manifest()) == {p.name for p in corpus.iterdir()}
