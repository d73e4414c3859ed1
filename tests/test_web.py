"""The chat page's handlers and HTML, with fakes (no browser): streaming, sources, follow-ups,
separate sessions, uploads, friendly errors."""

from __future__ import annotations

import html
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_FILE
from test_pipeline import number_of, reply

from assistant.ingest.documents import parse_article
from assistant.ingest.uploads import safe_name, save_uploads
from assistant.serve.sources import assemble_text, paragraph_around, sources_panel
from assistant.serve.web import ChatPage, Conversation, check_dates

ARTICLE = parse_article(SEED_FILE.read_text(encoding="utf-8"), SEED_FILE.name)


def kalin_reply(prompt: str) -> str:
    if "standalone question" in prompt.lower():  # the condense prompt
        return "Who was the ambassador at the Benghazi meeting?"
    if "ambassador" in prompt:
        n = number_of(prompt, "Guven Begec")
        return reply([n], f"Guven Begec [{n}] was the ambassador.")
    n = number_of(prompt, "Ibrahim Kalin")
    return reply([n], f"Ibrahim Kalin [{n}] met Haftar <b>in</b> Benghazi.")


def run_chat(page: ChatPage, message: str, conv: Conversation,
             date_from: str = "", date_to: str = "") -> list[tuple[Any, ...]]:
    return list(page.chat(message, date_from, date_to, conv))


@pytest.fixture
def page(make_assistant: Any, seed_dir: Path) -> ChatPage:
    bot = make_assistant(kalin_reply)
    bot.ingest(seed_dir)
    return ChatPage(bot)


def test_chat_streams_then_links_markers_and_fills_the_sources_panel(page: ChatPage) -> None:
    steps = run_chat(page, "Who met Haftar in Benghazi?", Conversation())
    assert len(steps) > 3  # "searching", the articles found, checked sentences, the answer
    assert "Reading" in steps[1][1] and ARTICLE.title in steps[1][1]  # before any answer text
    streamed = [s[0][-1]["content"] for s in steps[1:-1] if s[0][-1]["content"] != "…"]
    assert streamed and all(b.startswith(a) for a, b in itertools.pairwise(streamed))
    # nothing shown is withdrawn: the final answer is the last text streamed
    assert streamed[-1] == html.escape(steps[-1][-1].history[-1]["content"], quote=False)
    chat, sources, info, box, conv = steps[-1]
    final = chat[-1]["content"]
    marker = conv.turns[0][1].citations[0].marker
    assert f'<a class="cite" href="#src-0-{marker}">[{marker}]</a>' in final
    assert "&lt;b&gt;in&lt;/b&gt;" in final  # model text is shown, not rendered as HTML
    assert f'id="src-0-{marker}"' in sources and "<mark>" in sources
    quote = conv.turns[0][1].citations[0].quote
    assert f"<mark>{quote}</mark>" in sources
    assert ARTICLE.title in sources and "2025-08-26" in sources and SEED_FILE.name in sources
    assert "answer in" in info and box == ""
    assert conv.history[-1]["content"].startswith("Ibrahim Kalin [1]")


def test_follow_up_is_rewritten_and_shown(page: ChatPage) -> None:
    conv = run_chat(page, "Who met Haftar in Benghazi?", Conversation())[-1][-1]
    chat, sources, info, _, conv = run_chat(page, "And who was the ambassador?", conv)[-1]
    assert "Guven Begec" in chat[-1]["content"] and len(chat) == 4
    assert "Searched for: *Who was the ambassador at the Benghazi meeting" in info
    assert 'id="src-1-' in sources and 'id="src-0-' in sources  # both turns kept
    assert sources.index('id="turn-1"') < sources.index('id="turn-0"')  # latest first


def test_sessions_do_not_share_history(page: ChatPage) -> None:
    first = run_chat(page, "Who met Haftar in Benghazi?", Conversation())[-1][-1]
    other = run_chat(page, "Who met Haftar in Benghazi?", Conversation())[-1][-1]
    assert len(first.history) == len(other.history) == 2
    assert first is not other and first.history is not other.history


def test_new_conversation_starts_empty(page: ChatPage) -> None:
    run_chat(page, "Who met Haftar in Benghazi?", Conversation())
    chat, sources, info, _box, conv = page.new_conversation()
    assert chat == [] and conv.history == [] and "appear here" in sources and info == ""


def test_empty_archive_and_bad_dates_are_sentences_not_traces(make_assistant: Any) -> None:
    page = ChatPage(make_assistant(kalin_reply))
    chat, *_ = run_chat(page, "Who met Haftar?", Conversation())[-1]
    assert "archive is empty" in chat[-1]["content"]
    chat, _, _, box, _ = run_chat(page, "Who met Haftar?", Conversation(), "2025-13-01")[-1]
    assert "From date: malformed date '2025-13-01'" in chat[-1]["content"]
    assert box == "Who met Haftar?"  # the question is kept for another try


def test_model_failure_is_reported_in_the_chat(make_assistant: Any, seed_dir: Path) -> None:
    from assistant.models.weights import ModelError

    def broken(prompt: str) -> str:
        raise ModelError("chat model qwen-1.5b is not installed: run `assistant models pull`")

    bot = make_assistant(broken)
    bot.ingest(seed_dir)
    chat, *_ = run_chat(ChatPage(bot), "Who met Haftar in Benghazi?", Conversation())[-1]
    assert chat[-1]["content"].startswith("⚠️ The model is missing:")
    assert "assistant models pull" in chat[-1]["content"]


def test_date_filter_excluding_the_article_abstains(page: ChatPage) -> None:
    _chat, sources, info, _, conv = run_chat(page, "Who met Haftar in Benghazi?", Conversation(),
                                            "2026-01-01", "")[-1]
    assert conv.turns[0][1].abstained and "No source" in sources
    assert "Not answered" in info


def test_check_dates_refuses_reversed_range() -> None:
    with pytest.raises(ValueError, match="after To date"):
        check_dates("2025-09-01", "2025-08-01")


def test_upload_ingests_into_the_data_folder_and_lists_articles(page: ChatPage,
                                                                tmp_path: Path) -> None:
    upload = tmp_path / "browser" / "Haven nieuws (1).md"
    upload.parent.mkdir()
    upload.write_text("date 2025-09-01\n# Nieuwe terminal\nDe terminal opent in mei.\n",
                      encoding="utf-8")
    bad = tmp_path / "browser" / "payload.exe"
    bad.write_bytes(b"MZ")
    status, archive, cleared = page.upload([str(upload), str(bad)])
    assert "Added: uploads/Haven_nieuws_1.md" in status
    assert "Not added: payload.exe: not an article file (.txt, .md, .html" in status
    assert (page.bot.settings.data_dir / "uploads" / "Haven_nieuws_1.md").is_file()
    assert "Nieuwe terminal" in archive and "2025-09-01" in archive and "2 article(s)" in archive
    assert cleared is None
    assert page.list_articles()[0]["source"] == "uploads/Haven_nieuws_1.md"
    again, _, _ = page.upload([str(upload)])
    assert "Already in the archive: uploads/Haven_nieuws_1.md" in again


def test_upload_over_the_size_limit_is_refused(make_assistant: Any, tmp_path: Path) -> None:
    page = ChatPage(make_assistant(kalin_reply, max_upload_mb=0.001))
    big = tmp_path / "big.txt"
    big.write_text("Een zin. " * 500, encoding="utf-8")
    status, archive, _ = page.upload([str(big)])
    assert "over the limit of 1,000" in status and "archive is empty" in archive


def test_ask_endpoint_returns_the_answer_dict(page: ChatPage) -> None:
    result = page.ask("Who met Haftar in Benghazi?")
    assert json.loads(json.dumps(result))["citations"][0]["quote"].startswith("De directeur")
    assert not result["abstained"]


# --- pure parts ------------------------------------------------------------------------------

def test_assemble_text_gives_back_the_article_from_its_chunks(make_assistant: Any,
                                                              seed_dir: Path) -> None:
    bot = make_assistant(kalin_reply, chunk_tokens=40, chunk_overlap_tokens=10)
    bot.ingest(seed_dir)
    doc_id = bot.articles()[0].doc_id
    assert bot.article_text(doc_id) == ARTICLE.text
    assert bot.article_text("nope") is None
    records = bot.store.get([f"{doc_id}-{i}" for i in range(3)])
    pieces = [(int(r.metadata["start"]), r.text, r.metadata["lead"]) for r in records]
    assert ARTICLE.text.startswith(assemble_text(pieces).rstrip())


def test_paragraph_of_a_one_sentence_per_line_article_is_its_line_and_neighbours() -> None:
    text = ARTICLE.text
    quote = "Haftar bracht eveneens een bezoek aan het Turkse marineschip TCG Kinaliada."
    start = text.index(quote)
    offset, paragraph = paragraph_around(text, start, start + len(quote))
    assert quote in paragraph and text[offset:offset + len(paragraph)] == paragraph
    assert paragraph.count("\n") == 2  # the line before, the quote's line, the line after


def test_sources_panel_escapes_article_html() -> None:
    from assistant.answer.result import Answer, Citation

    text = "Kop\n\nHij zei <script>alert(1)</script> dit. Toen niet."
    quote = "Hij zei <script>alert(1)</script> dit."
    start = text.index(quote)
    cite = Citation(1, "a.txt", "<i>Kop</i>", None, quote, start, start + len(quote), "d")
    answer = Answer("x [1]", [cite], False, "q", "q", "en")
    panel = sources_panel([(0, answer, {"d": text})])
    assert "<script>" not in panel and "&lt;script&gt;" in panel and "&lt;i&gt;Kop" in panel


@pytest.mark.parametrize("name,expected", [
    ("../../x.txt", "x.txt"), ("C:\\Users\\me\\a b.MD", "a_b.md"), (".hidden.txt", "hidden.txt"),
    ("...txt", "article.txt"), ("a.txt.exe", None), ("noext", None), ("<img>.md", "img.md")])
def test_safe_name(name: str, expected: str | None) -> None:
    assert safe_name(name) == expected


def test_save_uploads_stays_inside_the_folder(tmp_path: Path) -> None:
    src = tmp_path / "in.txt"
    src.write_text("Een zin.", encoding="utf-8")
    folder = tmp_path / "data" / "uploads"
    result = save_uploads([src], folder, 1000)
    assert [p.parent for p in result.saved] == [folder] and result.rejected == []


def test_warm_up_loads_the_models_with_the_answer_system_prompt(make_assistant: Any) -> None:
    from assistant.answer import prompts

    bot = make_assistant(lambda prompt: "OK")
    bot.warm_up()
    assert bot._chat_model.prompts[0].startswith(prompts.render("answer_system"))
    assert bot._chat_model.calls_kwargs[0]["max_tokens"] == 1


def test_upload_takes_an_html_page_a_pdf_and_an_export(page: ChatPage, tmp_path: Path) -> None:
    from test_formats import PAGE, PDF_LINES, ROWS, make_pdf, write_jsonl

    folder = tmp_path / "browser"
    folder.mkdir()
    (folder / "brug.html").write_text(PAGE, encoding="utf-8")
    files = [folder / "brug.html", make_pdf(folder / "haven.pdf", PDF_LINES),
             write_jsonl(folder / "dump.jsonl", ROWS)]
    status, archive, _ = page.upload([str(f) for f in files])
    for source in ("uploads/brug.html", "uploads/haven.pdf", "uploads/dump.jsonl#501",
                   "uploads/dump.jsonl#502"):
        assert source in status, status
    assert "Rotterdam opent nieuwe Maasbrug" in archive and "2024-03-14" in archive
    assert "5 article(s)" in archive
