"""Evidence numbering and sentence selection (pure; unit and property tests, no models)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from assistant.ingest.store import ChunkRecord
from assistant.retrieve.evidence import (
    EvidenceSentence,
    candidate_sentences,
    gap_chunk_ids,
    number_evidence,
    select_sentences,
)

WORDS = ["Kalin", "Haftar", "Begec", "haven", "schip", "Hij", "Ook", "They", "met", "left"]


def article(doc: str, sentences: list[str]) -> ChunkRecord:
    text, spans, pos = "", [], 0
    for s in sentences:
        spans.append([pos, pos + len(s)])
        text += s + " "
        pos += len(s) + 1
    meta = {"doc_id": doc, "source": f"{doc}.txt", "title": doc, "start": 0,
            "sentences": json.dumps(spans)}
    return ChunkRecord(f"{doc}-0", text.rstrip(), meta)


def words(s: str) -> int:
    return len(s.split())


sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=6).map(
    lambda ws: " ".join(ws) + ".")
articles = st.lists(st.lists(sentence, min_size=1, max_size=6), min_size=1, max_size=3)


@given(articles, st.data(), st.integers(min_value=1, max_value=40),
       st.integers(min_value=0, max_value=10))
def test_selection_keeps_the_best_within_budget_in_reading_order(
        docs: list[list[str]], data: st.DataObject, budget: int, overflow: int) -> None:
    records = [article(f"d{i}", sents) for i, sents in enumerate(docs)]
    candidates = number_evidence(records, 1 << 30, words)
    scores = data.draw(st.lists(st.floats(0, 1), min_size=len(candidates),
                                max_size=len(candidates)))
    chosen = select_sentences(candidates, scores, budget, words, gap_overflow=overflow)
    # numbered 1..n again, in the candidates' reading order, each one a candidate
    assert [s.number for s in chosen] == list(range(1, len(chosen) + 1))
    keys = [(c.doc_id, c.start) for c in candidates]
    picked = [keys.index((s.doc_id, s.start)) for s in chosen]
    assert picked == sorted(picked)
    # the best sentence is always there; beyond it the budget holds (a passage's hole may go
    # past it by the overflow)
    best = max(range(len(candidates)), key=lambda i: scores[i])
    assert best in picked
    if len(chosen) > 2:
        assert sum(words(s.text) for s in chosen) <= budget + overflow


def test_a_sentence_that_points_back_brings_the_one_before() -> None:
    records = [article("d0", ["Kalin met Haftar in Benghazi.", "The weather was fine.",
                              "Hij sprak over de haven."])]
    candidates = number_evidence(records, 1 << 30, words)
    chosen = select_sentences(candidates, [0.1, 0.2, 0.9], 9, words)
    assert [s.text for s in chosen] == ["The weather was fine.", "Hij sprak over de haven."]
    # the best sentence comes with the one it points back to even past the budget
    assert [s.text for s in select_sentences(candidates, [0.1, 0.2, 0.9], 3, words)] == [
        "The weather was fine.", "Hij sprak over de haven."]


def test_scores_must_match_the_sentences() -> None:
    candidates = number_evidence([article("d0", ["A.", "B."])], 100, words)
    try:
        select_sentences(candidates, [1.0], 10, words)
    except ValueError as exc:
        assert "1 scores for 2 sentences" in str(exc)
    else:
        raise AssertionError("expected a ValueError")


def test_evidence_sentence_offsets_point_into_the_article() -> None:
    record = article("d0", ["Kalin met Haftar.", "Begec was there."])
    ev: list[EvidenceSentence] = number_evidence([record], 100, words)
    assert [record.text[s.start:s.end] for s in ev] == [s.text for s in ev]


def test_the_sentences_between_two_chosen_ones_are_read_when_they_fit() -> None:
    records = [article("d0", ["Kalin met Haftar.", "Altindag led the delegation.",
                              "The motto was one army.", "Begec also took part.",
                              "Rain fell."]),
               article("d1", ["Elsewhere a ship docked."])]
    candidates = number_evidence(records, 1 << 30, words)
    scores = [0.9, 0.2, 0.1, 0.8, 0.3, 0.25]
    texts = lambda chosen: [s.text for s in chosen]  # noqa: E731
    # 3 + 4 words chosen first; the 9 words between them come next, before the better "Rain"
    assert texts(select_sentences(candidates, scores, 16, words, max_gap=2)) == [
        "Kalin met Haftar.", "Altindag led the delegation.", "The motto was one army.",
        "Begec also took part."]
    # when the passage does not fit, the next best sentences take the room
    assert texts(select_sentences(candidates, scores, 12, words, max_gap=2)) == [
        "Kalin met Haftar.", "Begec also took part.", "Rain fell."]
    # unless its hole may go past the budget: 16 words against 12 + 4, and nothing else after
    assert texts(select_sentences(candidates, scores, 12, words, max_gap=2, gap_overflow=4)) == [
        "Kalin met Haftar.", "Altindag led the delegation.", "The motto was one army.",
        "Begec also took part."]
    assert texts(select_sentences(candidates, scores, 12, words, max_gap=2, gap_overflow=3)) == [
        "Kalin met Haftar.", "Begec also took part.", "Rain fell."]
    # max_gap 1: two sentences between is too far apart to read the passage whole
    assert texts(select_sentences(candidates, scores, 16, words, max_gap=1)) == [
        "Kalin met Haftar.", "Begec also took part.", "Rain fell.", "Elsewhere a ship docked."]


def test_a_gap_is_never_filled_across_articles() -> None:
    records = [article("d0", ["Kalin met Haftar."]), article("d1", ["A ship docked.", "Rain."])]
    candidates = number_evidence(records, 1 << 30, words)
    # d0's sentence is number 1 and d1's first is 2: neighbours by number, not by article
    chosen = select_sentences(candidates, [0.9, 0.1, 0.8], 5, words)
    assert [s.text for s in chosen] == ["Kalin met Haftar.", "Rain."]


def chunk(doc: str, index: int, text: str, start: int) -> ChunkRecord:
    meta = {"doc_id": doc, "source": f"{doc}.txt", "title": doc, "start": start,
            "chunk_index": index, "sentences": json.dumps([[start, start + len(text)]])}
    return ChunkRecord(f"{doc}-{index}", text, meta)


def test_chunks_between_retrieved_ones_become_candidates() -> None:
    stored = {c.id: c for c in [chunk("d0", i, f"Sentence {i}.", 20 * i) for i in range(5)]
              + [chunk("d1", i, f"Other {i}.", 20 * i) for i in range(3)]}
    assert gap_chunk_ids([stored["d0-3"], stored["d1-0"], stored["d0-1"], stored["d1-2"]]) == [
        "d0-2", "d1-1"]
    assert gap_chunk_ids([stored["d0-0"], stored["d0-3"]]) == []
    assert gap_chunk_ids([stored["d0-0"], stored["d0-3"]], max_gap=2) == ["d0-1", "d0-2"]
    asked: list[list[str]] = []

    def fetch(ids: list[str]) -> list[ChunkRecord]:
        asked.append(ids)
        return [stored[i] for i in ids]

    found = candidate_sentences([stored["d0-3"], stored["d0-1"]], fetch, words)
    assert [s.text for s in found] == ["Sentence 1.", "Sentence 2.", "Sentence 3."]
    assert asked == [["d0-2"]]
    assert [s.text for s in candidate_sentences([stored["d0-1"]], fetch, words)] == [
        "Sentence 1."]
    assert asked == [["d0-2"]]  # nothing to fetch: the store is not asked
