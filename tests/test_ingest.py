"""Ingestion with a fake embedder on a real Chroma store: idempotence, updates, removals,
failures, duplicates."""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import SEED_FILE

from assistant.ingest.indexing import _titled


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
    from assistant.ingest.documents import parse_article

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


def test_a_new_sentence_splitter_chunks_stored_articles_again(
        make_assistant: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import assistant.ingest.chunking
    from assistant.ingest.chunking import split_sentences

    folder = tmp_path / "arts"
    folder.mkdir()
    # a long article: chunks end on sentence ends that both splitters see, so the chunk texts
    # stay as they were and only the sentences within them change
    text = ("Uitslag: 1. Matthews, 2. Valverde. Het was The Go Wild! in Eindhoven.\n\n"
            + " ".join(f"Zin {i} over de etappe van vandaag." for i in range(60)))
    (folder / "a.txt").write_text(text)
    bot = make_assistant()
    with monkeypatch.context() as m:  # an older splitter: every period ends a sentence
        m.setattr(assistant.ingest.chunking, "SPLITTER_VERSION", 1)
        m.setattr(assistant.ingest.chunking, "split_sentences", lambda t: [
            x.span() for x in re.finditer(r"\S.*?[.!](?=\s|$)", t)])
        bot.ingest(folder)
    old_ids = {r.id for r in bot.store.iter_records()}
    assert "Uitslag: 1." in _sentences(bot)

    report = bot.ingest(folder)
    assert report.updated == report.rechunked == ["a.txt"]
    # no chunk is embedded again: each keeps its stored vector, which is what embedding it again
    # would give; only the sentences the new splitter made are embedded
    assert report.chunks_embedded == 0 and report.chunks_reused == len(old_ids) > 1
    assert report.sentences_embedded == 2
    assert "chunked again for the new sentence splitter" in report.summary()
    assert f"{report.chunks_reused} unchanged chunks kept their vectors" in report.summary()
    records = list(bot.store.iter_records())
    assert not old_ids & {r.id for r in records}
    fresh = bot.embedder.embed_documents([_titled(r.metadata["title"], r.text)
                                          for r in records])
    assert np.allclose(bot.store.vectors([r.id for r in records]), fresh)
    assert sorted({tuple(x) for r in records for x in json.loads(r.metadata["sentences"])}) == \
        split_sentences(text)
    assert "Uitslag: 1." not in bot.store.sentence_vectors(["Uitslag: 1."])
    assert bot.ingest(folder).unchanged == ["a.txt"]


def test_an_edited_article_embeds_only_the_chunks_whose_text_changed(
        make_assistant: Any, tmp_path: Path) -> None:

    folder = tmp_path / "arts"
    folder.mkdir()
    body = [f"Zin {i} over de etappe van vandaag." for i in range(60)]
    (folder / "a.txt").write_text("De etappe\n\n" + " ".join(body))
    bot = make_assistant()
    bot.ingest(folder)
    before = {r.text for r in bot.store.iter_records()}
    body[-1] = "De laatste zin is herschreven."
    (folder / "a.txt").write_text("De etappe\n\n" + " ".join(body))

    report = bot.ingest(folder)
    records = list(bot.store.iter_records())
    changed = [r for r in records if r.text not in before]
    assert report.updated == ["a.txt"] and report.rechunked == []
    assert report.chunks_embedded == len(changed) >= 1
    assert report.chunks_reused == len(records) - len(changed) > 0
    fresh = bot.embedder.embed_documents([_titled(r.metadata["title"], r.text)
                                          for r in records])
    assert np.allclose(bot.store.vectors([r.id for r in records]), fresh)


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
                       "empty.md": "empty file"}
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
    from assistant.ingest import indexing as ingest_module

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


def test_every_kind_of_bad_file_is_reported_and_nothing_stored_is_lost(
        make_assistant: Any, seed_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    bot = make_assistant(max_article_mb=0.01)  # 10,000 bytes
    bot.ingest(seed_dir)
    before = {r.id for r in bot.store.iter_records()}
    files = {
        "empty.txt": b"",
        "blank.md": b"  \n\t\n",
        "image.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
        "controls.txt": bytes(range(1, 9)) * 50,
        "mixed.txt": b"Caf\xe9 \x81 dicht.",
        "cp1252.txt": "De “haven” van Zwolle – open.".encode("cp1252"),
        "bad-date.txt": b"date 2025-13-45 Een zin.",
        "big.txt": ("Een zin over Benghazi. " * 500).encode(),
        "odd\nname \u202e\x1b[31m.txt": b"Een artikel met een rare naam.",
        "unreadable.txt": b"Geheim.",
        "leeg\x1b[2J.txt": b"",
    }
    for name, data in files.items():
        (seed_dir / name).write_bytes(data)
    (tmp_path / "outside.txt").write_text("Buiten de map.", encoding="utf-8")
    (seed_dir / "link.txt").symlink_to(tmp_path / "outside.txt")
    (seed_dir / "inner-link.txt").symlink_to(seed_dir / "cp1252.txt")
    shutil.copy(SEED_FILE, seed_dir / "same as seed.txt")
    real_open = Path.open

    def guarded_open(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "unreadable.txt":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", guarded_open)
    report = bot.ingest(seed_dir)
    reasons = {f["source"]: f["reason"] for f in report.failed}
    assert reasons == {
        "empty.txt": "empty file",
        "blank.md": "empty file",
        "image.txt": "binary file, not text",
        "controls.txt": "binary file, not text",
        "mixed.txt": "not UTF-8 (byte 0xe9 at 3), and not unambiguous cp1252/latin-1 either",
        "bad-date.txt": "malformed date '2025-13-45' (expected date YYYY-MM-DD)",
        "big.txt": "larger than the limit of 10,000 bytes (ASSISTANT_MAX_ARTICLE_MB)",
        "unreadable.txt": "unreadable: Permission denied",
        "link.txt": "a link to a file outside the folder",
        "leeg\x1b[2J.txt": "empty file",
    }
    assert sorted(report.added) == ["cp1252.txt", "inner-link.txt", "odd\nname \u202e\x1b[31m.txt",
                                    "same as seed.txt"]
    assert report.notes == [{"source": "cp1252.txt", "note": "not UTF-8: read as cp1252"},
                            {"source": "inner-link.txt", "note": "not UTF-8: read as cp1252"}]
    manifest = bot.store.manifest()
    assert manifest["same as seed.txt"].doc_id == manifest[SEED_FILE.name].doc_id  # stored once
    assert before <= {r.id for r in bot.store.iter_records()}
    summary = report.summary()
    assert "\x1b" not in summary and "failed: leeg\\x1b[2J.txt: empty file" in summary
    assert json.loads(json.dumps(report.to_dict()))["counts"]["failed"] == 10


def _sentences(bot: Any) -> list[str]:
    """The texts of every stored chunk's sentences."""
    return [text for r in bot.store.iter_records() for _, _, text in r.sentence_texts()]


def test_each_sentence_is_stored_with_its_vector_and_goes_with_its_document(
        make_assistant: Any, tmp_path: Path) -> None:
    import numpy as np

    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "a.txt").write_text("Kalin ontmoette Haftar. Het was warm. Ze aten vis. "
                                  "De delegatie bleef twee dagen. Daarna vlogen ze terug.")
    (folder / "b.txt").write_text("Begec was ambassadeur. Hij woont in Tripoli.")
    bot = make_assistant(chunk_tokens=20, chunk_overlap_tokens=10)
    report = bot.ingest(folder)
    sentences = _sentences(bot)
    assert len(sentences) > len(set(sentences))  # overlapping chunks share sentences ...
    assert report.sentences_embedded == len(set(sentences))  # ... embedded once
    stored = bot.store.sentence_vectors([*sentences, "Never stored."])
    assert set(stored) == set(sentences)
    for text, vector in stored.items():
        assert np.allclose(vector, bot.embedder.embed_documents([text])[0], atol=1e-6)

    (folder / "b.txt").unlink()
    bot.ingest(folder)
    assert set(bot.store.sentence_vectors(sentences)) == set(_sentences(bot))
    assert "Begec was ambassadeur." not in bot.store.sentence_vectors(sentences)


def test_questions_read_stored_sentence_vectors_and_embed_only_what_is_missing(
        make_assistant: Any, seed_dir: Path, tmp_path: Path) -> None:
    bot = make_assistant()
    bot.ingest(seed_dir)
    sentences = sorted(set(_sentences(bot)))
    calls = len(bot.embedder.calls)
    cosines = bot.similarity("Who met Haftar in Benghazi?", sentences)
    assert len(bot.embedder.calls) == calls  # every vector came from the store

    # a store without them (ASSISTANT_SENTENCE_VECTORS=0) gives the same cosines, embedding
    # the sentences once, at the first question that needs them
    lazy = make_assistant(data_dir=tmp_path / "lazy", sentence_vectors=0)
    assert lazy.ingest(seed_dir).sentences_embedded == 0
    calls = len(lazy.embedder.calls)
    assert lazy.similarity("Who met Haftar in Benghazi?", sentences) == cosines
    assert lazy.embedder.calls[calls:] == [len(sentences)]
    lazy.similarity("Who met Haftar in Benghazi?", [*sentences, "A new sentence."])
    assert lazy.embedder.calls[calls + 1:] == [1]


def test_a_store_from_before_sentence_vectors_gets_them_at_the_next_ingest(
        make_assistant: Any, seed_dir: Path) -> None:
    old = make_assistant(sentence_vectors=0)
    old.ingest(seed_dir)
    sentences = set(_sentences(old))
    assert not old.store.sentence_vectors(list(sentences))

    bot = make_assistant()  # the same data folder, sentence vectors on
    report = bot.ingest(seed_dir)
    assert report.unchanged == [SEED_FILE.name] and report.chunks_embedded == 0
    assert report.sentences_embedded == len(sentences)
    assert set(bot.store.sentence_vectors(list(sentences))) == sentences
    assert all(e.extra["sentences"] for e in bot.store.manifest().values())
    assert bot.ingest(seed_dir).sentences_embedded == 0
