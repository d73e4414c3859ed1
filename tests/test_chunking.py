"""Chunking: sentence spans, token bounds, overlap, and exact offsets (property tests)."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.ingest.chunking import chunk_text, split_sentences
from assistant.text.tokens import tiktoken_counter


def words(text: str) -> int:
    return len(text.split())


def test_seed_sentences_are_split_at_sentence_ends() -> None:
    from conftest import SEED_FILE

    from assistant.ingest.documents import parse_article

    article = parse_article(SEED_FILE.read_text(encoding="utf-8"), SEED_FILE.name)
    spans = split_sentences(article.text)
    sentences = [article.text[s:e] for s, e in spans]
    assert len(sentences) == 9
    assert sentences[4].startswith("Guven Begec") and sentences[4].endswith("bijeenkomst.")


def test_abbreviations_initials_and_decimals_do_not_split() -> None:
    text = "Gen. A. Haftar kwam o.a. met dhr. Kalin. Het kostte 2.5 miljoen. Klaar?"
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Gen. A. Haftar kwam o.a. met dhr. Kalin.", "Het kostte 2.5 miljoen.", "Klaar?"]


def test_chunks_respect_the_token_bound_with_tiktoken() -> None:
    text = " ".join(f"Zin nummer {i} gaat over Benghazi en Haftar." for i in range(200))
    chunks = chunk_text(text, 50, 10, tiktoken_counter)
    assert len(chunks) > 10
    assert all(tiktoken_counter(c.text) <= 50 for c in chunks)
    assert all(c.n_tokens <= 50 for c in chunks)


def test_consecutive_chunks_overlap_by_whole_sentences() -> None:
    text = "One two three. Four five six. Seven eight nine. Ten eleven twelve."
    chunks = chunk_text(text, 6, 3, words)
    assert [c.text for c in chunks] == ["One two three. Four five six.",
                                        "Four five six. Seven eight nine.",
                                        "Seven eight nine. Ten eleven twelve."]


def test_a_sentence_longer_than_a_chunk_is_cut_at_spaces() -> None:
    text = "a b c d e f g h i j k."
    chunks = chunk_text(text, 4, 0, words)
    assert [c.text for c in chunks] == ["a b c d", "e f g h", "i j k."]


def test_a_word_longer_than_a_chunk_is_cut_by_characters() -> None:
    text = "x" * 500
    chunks = chunk_text(text, 20, 0, tiktoken_counter)
    assert "".join(c.text for c in chunks) == text
    assert all(tiktoken_counter(c.text) <= 20 for c in chunks)


def test_empty_and_blank_text_give_no_chunks() -> None:
    assert chunk_text("", 10, 2, words) == []
    assert chunk_text(" \n\n ", 10, 2, words) == []


text_strategy = st.lists(
    st.one_of(
        st.text(min_size=1, max_size=40),
        st.sampled_from([". ", "! ", "? ", "\n", "\n\n", " Dr. ", " A. ", "…", "2.5", " "]),
    ),
    max_size=40,
).map("".join)


@settings(max_examples=150, deadline=None)
@given(text=text_strategy, max_tokens=st.integers(1, 30), overlap=st.integers(0, 29))
def test_chunks_cover_the_text_and_offsets_give_it_back(text: str, max_tokens: int,
                                                        overlap: int) -> None:
    overlap = min(overlap, max_tokens - 1)
    chunks = chunk_text(text, max_tokens, overlap, words)
    covered = set()
    for c in chunks:
        assert text[c.start:c.end] == c.text
        assert c.n_tokens == words(c.text) <= max_tokens
        for s, e in c.sentences:
            assert c.start <= s < e <= c.end
            covered.update(range(s, e))
    # every non-space character of the text lies in some chunk
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
    # chunks move forward
    assert all(a.start < b.start for a, b in itertools.pairwise(chunks))


@settings(max_examples=60, deadline=None)
@given(text=text_strategy, max_tokens=st.integers(1, 40))
def test_tiktoken_bound_holds_on_arbitrary_unicode(text: str, max_tokens: int) -> None:
    for c in chunk_text(text, max_tokens, max_tokens // 3, tiktoken_counter):
        assert c.n_tokens == tiktoken_counter(c.text)
        # over the bound only when the chunk is one character that alone is over it
        assert tiktoken_counter(c.text) <= max_tokens or len(c.text) == 1
        assert text[c.start:c.end] == c.text


@settings(max_examples=150, deadline=None)
@given(text=text_strategy)
def test_sentence_spans_are_trimmed_ordered_and_disjoint(text: str) -> None:
    spans = split_sentences(text)
    for s, e in spans:
        assert text[s:e] == text[s:e].strip() and e > s
    assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans))


def test_list_numbers_and_lower_case_words_keep_a_sentence_whole() -> None:
    text = ("Tweede etappe (166,7 km): 1. Matthews (Aus/Sun) 4.09.34, 2. Valverde (Spa/Mov) z.t. "
            "Festival The Go Wild! in popcentrum PopEi. De schade was 3 mln. euro. "
            "'s Avonds won PSV met 2:1. Het cijfer was een 8,8. Vijf weetjes: 1. Teken bijten.")
    assert [text[s:e] for s, e in split_sentences(text)] == [
        "Tweede etappe (166,7 km): 1. Matthews (Aus/Sun) 4.09.34, 2. Valverde (Spa/Mov) z.t.",
        "Festival The Go Wild! in popcentrum PopEi.", "De schade was 3 mln. euro.",
        "'s Avonds won PSV met 2:1.", "Het cijfer was een 8,8.", "Vijf weetjes: 1. Teken bijten."]
