"""Fusion weights, language detection and keyword tokens."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.retrieve.fusion import fusion_weights, weighted_rrf
from assistant.retrieve.retrieval import keyword_tokens
from assistant.text.language import detect_language
from assistant.text.matching import numbers


def test_equal_weights_is_plain_rrf() -> None:
    fused = dict(weighted_rrf({"dense": ["a", "b"], "bm25": ["b", "c"]},
                              {"dense": 1.0, "bm25": 1.0}))
    assert fused["b"] == 1 / 62 + 1 / 61
    assert fused["a"] == 1 / 61 and fused["c"] == 1 / 62


def test_cross_lingual_weights_keep_the_dense_order_but_break_near_ties() -> None:
    dense = ["d1", "d2", "d3", "d4", "d5", "d6"]
    bm25 = ["d6", "x"]
    order = [d for d, _ in weighted_rrf({"dense": dense, "bm25": bm25}, fusion_weights("en"))]
    assert order[:5] == ["d1", "d2", "d3", "d4", "d6"] or order[0] == "d1"
    assert order[0] == "d1"  # a BM25 first place cannot beat the dense first place
    same = [d for d, _ in weighted_rrf({"dense": dense, "bm25": bm25}, fusion_weights("nl"))]
    assert same[0] == "d6"  # same language: BM25 has an equal say


def test_zero_weight_ignores_a_list() -> None:
    assert weighted_rrf({"dense": ["a"], "bm25": ["b"]}, {"dense": 1.0, "bm25": 0.0}) == [
        ("a", 1 / 61)]


@given(st.lists(st.text(min_size=1, max_size=3), max_size=15, unique=True),
       st.lists(st.text(min_size=1, max_size=3), max_size=15, unique=True))
def test_fusion_returns_each_document_once_best_first(a: list[str], b: list[str]) -> None:
    fused = weighted_rrf({"dense": a, "bm25": b}, {"dense": 1.0, "bm25": 0.3})
    assert sorted(d for d, _ in fused) == sorted(set(a) | set(b))
    scores = [s for _, s in fused]
    assert scores == sorted(scores, reverse=True)


def test_language_detection() -> None:
    assert detect_language("Who attended the meeting in Benghazi?") == "en"
    assert detect_language("Wie namen er deel aan de bijeenkomst?") == "nl"
    assert detect_language("What did President Erdogan say about the meeting?") == "en"
    assert detect_language("Welk schip lag in de haven?") == "nl"


def test_keyword_tokens_fold_and_drop_function_words() -> None:
    assert keyword_tokens("Wie was de consul-generaal in Benghazi?") == [
        "consul", "generaal", "benghazi"]


def test_bm25_date_range_masks_scores() -> None:
    from assistant.ingest.store import ChunkRecord
    from assistant.retrieve.retrieval import BM25Index

    records = [ChunkRecord(f"c{i}", f"haven Benghazi schip {i}", {"date_int": d})
               for i, d in enumerate([20250101, 20250826, 20251231, 0])]
    index = BM25Index(records)
    assert {i for i, _ in index.search("haven Benghazi", 10)} == {0, 1, 2, 3}
    assert [i for i, _ in index.search("haven Benghazi", 10, "2025-06-01", "2025-12-01")] == [1]
    assert {i for i, _ in index.search("haven", 10, date_from="2025-08-26")} == {1, 2}
    assert [i for i, _ in index.search("haven", 10, date_to="2024-01-01")] == [3]  # undated
    assert index.search("haven", 10, "2030-01-01", "2030-12-31") == []


@given(st.integers(1_000, 10**9))
def test_an_amount_has_one_value_however_it_is_grouped(n: int) -> None:
    english, dutch = f"{n:,}", f"{n:,}".replace(",", ".")
    assert numbers(english) == numbers(dutch) == numbers(str(n)) == [str(n)]


def test_spelled_out_amounts_read_as_digits() -> None:
    assert numbers("zesduizend keer") == numbers("six thousand times") == ["6000"]
    assert numbers("1,7 miljoen sigaretten") == numbers("1.7 million cigarettes") == ["1700000"]
    assert numbers("vijfentwintig") == numbers("twenty-five") == ["25"]
    assert numbers("een man en een vrouw") == []  # "een" is "a"; only "één" is one
