"""Ingestion with a fake embedder on a real Chroma store: idempotence, updates, removals,
failures, duplicates."""

from __future__ import annotations

import contextlib
import json
import shutil
from pathlib import Path
from typing import Any

from conftest import SEED_FILE


def test_second_ingest_embeds_nothing(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant()
    first = bot.ingest(seed_dir)
    assert first.added == [SEED_FILE.name] and first.chunks_embedded > 0
    n = bot.store.count()
    calls = len(bot.embedder.calls)
    second = bot.ingest(seed_dir)
    assert second.unchanged == [SEED_FILE.name]
    assert second.chunks_embedded == 0 and len(bot.embedder.calls) == calls
    assert bot.store.count() == n


def test_stored_chunks_keep_metadata_and_exact_offsets(make_assistant: Any,
                                                       seed_dir: Path) -> None:
    from assistant.documents import parse_article

    bot = make_assistant()
    bot.ingest(seed_dir)
    article = parse_article(SEED_FILE.read_text(encoding="utf-8"), SEED_FILE.name)
    records = list(bot.store.iter_records())
    assert records
    for r in records:
        m = r.metadata
        assert m["doc_id"] == article.doc_id and m["source"] == SEED_FILE.name
        assert m["date"] == "2025-08-26" and m["date_int"] == 20250826
        assert m["title"] == article.title
        assert article.text[m["start"]:m["end"]] == r.text
        for s, e in json.loads(m["sentences"]):
            assert m["start"] <= s < e <= m["end"]
    indexes = sorted(r.metadata["chunk_index"] for r in records)
    assert indexes == list(range(len(records)))


def test_changed_file_replaces_its_chunks_and_deleted_file_is_removed(
        make_assistant: Any, tmp_path: Path) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.txt").write_text("date 2024-01-01 Kalin ontmoette Haftar. Het was warm.")
    (folder / "b.txt").write_text("Begec was ambassadeur. Hij woont in Tripoli.")
    bot = make_assistant()
    bot.ingest(folder)
    old_ids = {r.id for r in bot.store.iter_records() if r.metadata["source"] == "a.txt"}

    (folder / "a.txt").write_text("date 2024-01-02 Kalin ontmoette Altindag. Het regende.")
    (folder / "b.txt").unlink()
    report = bot.ingest(folder)
    assert report.updated == ["a.txt"] and report.removed == ["b.txt"]
    records = list(bot.store.iter_records())
    assert {r.metadata["source"] for r in records} == {"a.txt"}
    assert not old_ids & {r.id for r in records}
    assert all("Altindag" in r.text or "regende" in r.text for r in records)
    assert set(bot.store.manifest()) == {"a.txt"}


def test_a_bad_file_is_reported_and_the_rest_goes_on(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant()
    bot.ingest(seed_dir)
    before = bot.store.count()
    (seed_dir / "bad.txt").write_text("date 2025-02-30 Een onmogelijke datum.")
    (seed_dir / "empty.md").write_text("   \n")
    (seed_dir / "good.txt").write_text("Een goed artikel over Benghazi.")
    report = bot.ingest(seed_dir)
    reasons = {f["source"]: f["reason"] for f in report.failed}
    assert reasons == {"bad.txt": "malformed date '2025-02-30' (expected date YYYY-MM-DD)",
                       "empty.md": "no article text"}
    assert report.added == ["good.txt"] and report.unchanged == [SEED_FILE.name]
    assert bot.store.count() > before
    assert "failed: bad.txt" in report.summary()


def test_a_file_that_turns_bad_keeps_its_stored_version(make_assistant: Any,
                                                        seed_dir: Path) -> None:
    bot = make_assistant()
    bot.ingest(seed_dir)
    n = bot.store.count()
    (seed_dir / SEED_FILE.name).write_bytes(b"\x00\x00binary")
    report = bot.ingest(seed_dir)
    assert [f["source"] for f in report.failed] == [SEED_FILE.name]
    assert report.removed == [] and bot.store.count() == n


def test_same_content_under_two_names_is_stored_once(make_assistant: Any,
                                                     seed_dir: Path) -> None:
    shutil.copy(SEED_FILE, seed_dir / "copy.txt")
    bot = make_assistant()
    report = bot.ingest(seed_dir)
    assert sorted(report.added) == sorted([SEED_FILE.name, "copy.txt"])
    ids = [r.id for r in bot.store.iter_records()]
    assert len(ids) == len(set(ids)) == report.chunks_embedded
    manifest = bot.store.manifest()
    assert manifest["copy.txt"].doc_id == manifest[SEED_FILE.name].doc_id
    (seed_dir / "copy.txt").unlink()
    report = bot.ingest(seed_dir)
    assert report.removed == ["copy.txt"] and bot.store.count() == len(ids)


def test_ingesting_another_folder_keeps_the_first(make_assistant: Any, seed_dir: Path,
                                                  tmp_path: Path) -> None:
    other = tmp_path / "other"
    other.mkdir()
    (other / "x.txt").write_text("Een ander artikel over Tripoli.")
    bot = make_assistant()
    bot.ingest(seed_dir)
    report = bot.ingest(other)
    assert report.added == ["x.txt"] and report.removed == []
    assert set(bot.store.manifest()) == {SEED_FILE.name, "x.txt"}


def test_interrupted_ingest_is_completed_without_duplicates(make_assistant: Any,
                                                            seed_dir: Path) -> None:
    from assistant import ingest as ingest_module

    bot = make_assistant()
    original = ingest_module.EMBED_GROUP
    ingest_module.EMBED_GROUP = 2
    try:
        calls = {"n": 0}
        real_upsert = bot.store.upsert

        def failing_upsert(records: Any, vectors: Any) -> None:
            calls["n"] += 1
            if calls["n"] == 2:
                raise KeyboardInterrupt  # killed in the middle
            real_upsert(records, vectors)

        bot.store.upsert = failing_upsert
        with contextlib.suppress(KeyboardInterrupt):
            bot.ingest(seed_dir)
        assert bot.store.manifest() == {}  # not counted as stored yet
        partial = bot.store.count()
        assert partial == 2
        bot.store.upsert = real_upsert
        report = bot.ingest(seed_dir)
    finally:
        ingest_module.EMBED_GROUP = original
    ids = [r.id for r in bot.store.iter_records()]
    assert len(ids) == len(set(ids))
    assert report.added == [SEED_FILE.name]
    assert report.chunks_embedded == len(ids) - partial  # only the missing chunks
