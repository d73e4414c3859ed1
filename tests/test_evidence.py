"""Evidence numbering and sentence selection (pure; unit and property tests, no models)."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from assistant.evidence import EvidenceSentence, number_evidence, select_sentences
from assistant.store import ChunkRecord

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


@given(articles, st.data(), st.integers(min_value=1, max_value=40))
def test_selection_keeps_the_best_within_budget_in_reading_order(
        docs: list[list[str]], data: st.DataObject, budget: int) -> None:
    records = [article(f"d{i}", sents) for i, sents in enumerate(docs)]
    candidates = number_evidence(records, 1 << 30, words)
    scores = data.draw(st.lists(st.floats(0, 1), min_size=len(candidates),
                                max_size=len(candidates)))
    chosen = select_sentences(candidates, scores, budget, words)
    # numbered 1..n again, in the candidates' reading order, each one a candidate
    assert [s.number for s in chosen] == list(range(1, len(chosen) + 1))
    keys = [(c.doc_id, c.start) for c in candidates]
    picked = [keys.index((s.doc_id, s.start)) for s in chosen]
    assert picked == sorted(picked)
    # the best sentence is always there; beyond it the budget holds
    best = max(range(len(candidates)), key=lambda i: scores[i])
    assert best in picked
    if len(chosen) > 2:
        assert sum(words(s.text) for s in chosen) <= budget


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
