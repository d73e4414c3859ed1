"""Fuzzing with arbitrary Unicode and bytes: the loader, the citation and reply parsers and the
gold-file parser either work or raise their own, named error; never anything else."""

from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assistant.checks.citations import align_markers, cited_numbers
from assistant.evaluate.evaluation import GoldError, load_gold
from assistant.ingest.documents import (
    SUFFIXES,
    ArticleError,
    load_article,
    normalise,
    parse_article,
)
from assistant.ingest.uploads import safe_name
from assistant.models.structured import AnswerStream, parse_reply
from assistant.serve.sources import link_markers, paragraph_around

ANY_TEXT = st.text(st.characters(codec="utf-8"), max_size=400)
ARTICLE_TEXT = st.one_of(
    ANY_TEXT,
    st.builds(lambda d, t: f"date {d} {t}", st.text("0123456789-/.", max_size=12), ANY_TEXT),
    st.builds(lambda t, b: f"# {t}\n{b}", ANY_TEXT, ANY_TEXT))
FUZZ = settings(max_examples=150, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])


@FUZZ
@given(ARTICLE_TEXT)
def test_parse_article_accepts_or_names_the_problem(raw: str) -> None:
    try:
        article = parse_article(raw, "f.txt")
    except ArticleError as exc:
        assert str(exc).startswith("f.txt: ")
        return
    assert article.text and article.text == normalise(article.text)
    assert article.title and 0 <= article.body_start <= len(article.text)
    assert article.date is None or len(article.date) == 10


@FUZZ
@given(st.binary(max_size=600))
def test_load_article_on_arbitrary_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "x.txt"
    path.write_bytes(data)
    try:
        article = load_article(path, tmp_path, max_bytes=500)
    except ArticleError as exc:
        assert str(exc).startswith("x.txt: ")
        return
    assert article.encoding in ("utf-8", "utf-16", "cp1252", "latin-1")


@FUZZ
@given(ANY_TEXT, st.dictionaries(st.integers(1, 12), ANY_TEXT, max_size=6),
       st.lists(st.integers(-3, 20), max_size=5))
def test_citation_alignment_on_arbitrary_text(answer: str, evidence: dict[int, str],
                                              preferred: list[int]) -> None:
    aligned = align_markers(answer, evidence, preferred)
    assert set(cited_numbers(aligned)) <= set(evidence) | set(cited_numbers(answer))
    html = link_markers(aligned, 0, set(evidence))
    assert "<script" not in html.lower().replace("&lt;script", "")


@FUZZ
@given(ANY_TEXT)
def test_reply_parser_and_stream_reader_on_arbitrary_text(raw: str) -> None:
    numbers, text = parse_reply(raw)
    assert all(isinstance(n, int) for n in numbers) and isinstance(text, str)
    reader = AnswerStream()
    for i in range(0, len(raw), 5):
        reader.feed(raw[i:i + 5])
    assert reader.raw == raw


@FUZZ
@given(st.text(max_size=300), st.integers(0, 320), st.integers(0, 320))
def test_paragraph_around_gives_a_slice_of_the_text(text: str, start: int, end: int) -> None:
    offset, paragraph = paragraph_around(text, start, end)
    assert text[offset:offset + len(paragraph)] == paragraph


@FUZZ
@given(st.text(max_size=200))
def test_safe_upload_names(name: str) -> None:
    safe = safe_name(name)
    if safe is not None:
        assert "/" not in safe and "\\" not in safe and not safe.startswith(".")
        # every article type the archive reads (.html, .pdf, .jsonl ... since uploads took
        # them: the old ".txt"/".md" check failed when hypothesis drew ".JSONL")
        assert safe.endswith(tuple(SUFFIXES)) and len(safe) <= 130
        stem = safe.rpartition(".")[0]
        assert stem and stem[0] not in "._-" and stem[-1] not in "._-"  # a cut stem too


GOLD_LINE = st.one_of(
    ANY_TEXT,
    st.dictionaries(st.sampled_from(["id", "question", "answers", "match", "sources", "history",
                                     "lang", "other"]),
                    st.one_of(st.none(), st.booleans(), st.integers(), ANY_TEXT,
                              st.lists(ANY_TEXT, max_size=3),
                              st.lists(st.dictionaries(ANY_TEXT, ANY_TEXT, max_size=2),
                                       max_size=2)),
                    max_size=8).map(json.dumps))


@FUZZ
@given(st.lists(GOLD_LINE, min_size=1, max_size=5))
def test_gold_parser_raises_only_gold_errors(tmp_path: Path, lines: list[str]) -> None:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines), encoding="utf-8", errors="surrogatepass")
    try:
        load_gold(path)
    except GoldError as exc:
        assert str(exc).startswith(str(path))
