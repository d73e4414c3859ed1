"""The answering chain with fakes: citations, abstention, streaming, follow-ups, date filter."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_FILE

from assistant.answer.result import Answer, Found
from assistant.ingest.chunking import split_sentences
from assistant.ingest.documents import parse_article
from assistant.retrieve.evidence import number_evidence

ARTICLE = parse_article(SEED_FILE.read_text(encoding="utf-8"), SEED_FILE.name)


def reply(evidence: list[int], answer: str) -> str:
    return json.dumps({"evidence": evidence, "answer": answer})


def numbered(prompt: str) -> dict[str, int]:
    """Sentence text -> its number in the prompt."""
    out = {}
    for line in prompt.splitlines():
        if line.startswith("[") and "] " in line:
            n, text = line[1:].split("] ", 1)
            if n.isdigit():
                out[text] = int(n)
    return out


def number_of(prompt: str, needle: str) -> int:
    return next(n for text, n in numbered(prompt).items() if needle in text)


def test_answer_cites_the_exact_sentences_with_offsets(make_assistant: Any,
                                                       seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        k, b = number_of(prompt, "Ibrahim Kalin"), number_of(prompt, "Guven Begec")
        return reply([k, b], f"Kalin [{k}] and Begec [{b}] attended the meeting.")

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    answer = bot.ask("Who attended the meeting in Benghazi?")
    assert not answer.abstained
    assert [("Kalin" in c.quote, "Begec" in c.quote) for c in answer.citations] == [
        (True, False), (False, True)]
    for c in answer.citations:
        assert ARTICLE.text[c.start:c.end] == c.quote
        assert c.source == SEED_FILE.name and c.date == "2025-08-26" and c.title == ARTICLE.title
        assert f"[{c.marker}]" in answer.text
    assert answer.language == "en"
    prompt = bot._chat_model.prompts[-1]
    assert "Write the answer in English." in prompt
    assert bot._chat_model.calls_kwargs[-1]["response_format"]["type"] == "json_object"


def test_json_grammar_setting_constrains_the_reply(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "Kalin [1]."), json_grammar=0)
    bot.ingest(seed_dir)
    bot.ask("Wie ontmoette Haftar?")
    assert "response_format" not in bot._chat_model.calls_kwargs[-1]


def test_text_after_the_answer_string_is_not_read(make_assistant: Any, seed_dir: Path) -> None:
    """Without a grammar the model may go on after the JSON; the stream stops reading."""
    bot = make_assistant(lambda p: reply([1], "Kalin [1] ontmoette Haftar.") +
                         ' En verder: "Begec [2]." ' * 20)
    bot.ingest(seed_dir)
    answer = bot.ask("Wie ontmoette Haftar?")
    assert answer.text == "Kalin [1] ontmoette Haftar."
    read = "".join(bot._chat_model.streamed)
    assert read.endswith('"}') or len(read) < len(reply([1], "Kalin [1] ontmoette Haftar.")) + 7


def test_dutch_question_asks_for_a_dutch_answer(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "Kalin [1]."))
    bot.ingest(seed_dir)
    answer = bot.ask("Wie waren er bij de bijeenkomst in Benghazi?")
    assert answer.language == "nl"
    assert "Write the answer in Dutch." in bot._chat_model.prompts[-1]


def test_model_not_found_reply_abstains_and_cites_nothing(make_assistant: Any,
                                                          seed_dir: Path) -> None:
    bot = make_assistant([reply([], "NOT FOUND")])
    bot.ingest(seed_dir)
    answer = bot.ask("How many soldiers were on the ship?")
    assert answer.abstained and answer.citations == []
    assert answer.text == "The articles I have do not answer this question."


@pytest.mark.parametrize("refusal", ["I don't have enough information to answer this [1].",
                                     "The articles do not mention the number of soldiers [2]."])
def test_a_refusal_in_the_models_own_words_abstains(make_assistant: Any, seed_dir: Path,
                                                    refusal: str) -> None:
    bot = make_assistant([reply([1, 2], refusal)])
    bot.ingest(seed_dir)
    answer = bot.ask("How many soldiers were on the ship?")
    assert answer.abstained and answer.citations == [], answer.text
    assert answer.reason == "the model found no answer in the evidence"


def test_a_refused_first_sentence_is_asked_again_on_the_declared_sentences(
        make_assistant: Any, seed_dir: Path) -> None:
    """The checks refuse the first answer (an invented number); the model is asked once more
    with only the sentences it declared (each with the one before it), numbers kept, and that
    answer, checked the same way, is shown; its markers point into the evidence first found."""
    first: list[int] = []

    def script(prompt: str) -> str:
        k = number_of(prompt, "Ibrahim Kalin")
        if not first:
            first.append(k)
            return reply([k], f"Kalin came with 40 officers [{k}].")
        return reply([k], f"Kalin met Haftar in Benghazi [{k}].")

    bot = make_assistant(script, retry_narrow=1)
    bot.ingest(seed_dir)
    items = list(bot.stream("Who met Haftar in the port of Benghazi?"))
    found, answer = items[0], items[-1]
    assert isinstance(found, Found) and isinstance(answer, Answer)
    assert items[1:-1] == [answer.text]  # nothing shown from the refused first answer
    assert answer.text == f"Kalin met Haftar in Benghazi [{first[0]}]." and not answer.abstained
    assert [c.marker for c in answer.citations] == first
    assert "Ibrahim Kalin" in answer.citations[0].quote
    # the evidence block only (the system prompt's example has numbered sentences too)
    before, retry = (numbered(p.rsplit("Sentences:", 1)[1]) for p in bot._chat_model.prompts)
    assert set(retry.values()) <= {first[0] - 1, first[0]} and first[0] in retry.values()
    assert len(before) > len(retry)
    assert "retry" in answer.timings


def test_a_second_refusal_abstains_and_the_second_look_is_off_by_default(
        make_assistant: Any, seed_dir: Path) -> None:
    invented = lambda p: reply([number_of(p, "Kalin")], "Kalin brought 40 officers [1].")  # noqa: E731
    bot = make_assistant(invented, retry_narrow=1)
    bot.ingest(seed_dir)
    answer = bot.ask("How many officers came with Kalin?")
    assert answer.abstained and "40" in answer.reason
    assert len(bot._chat_model.prompts) == 2  # asked once more, then refused again
    off = make_assistant(invented)
    off.ingest(seed_dir)
    assert off.ask("How many officers came with Kalin?").abstained
    assert len(off._chat_model.prompts) == 1


def test_question_about_an_absent_name_abstains_without_the_model(make_assistant: Any,
                                                                  seed_dir: Path) -> None:
    bot = make_assistant([])  # any model call would fail the test
    bot.ingest(seed_dir)
    answer = bot.ask("What did President Erdogan say about the meeting?")
    assert answer.abstained and "Erdogan" in answer.reason
    assert bot._chat_model.prompts == []


def test_invented_numbers_make_it_abstain(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "Kalin brought 40 officers [1]."))
    bot.ingest(seed_dir)
    answer = bot.ask("How many officers came with Kalin?")
    assert answer.abstained and "40" in answer.reason
    # what was refused is kept for the evaluation report, and never in what a reader gets
    assert answer.withheld == "Kalin brought 40 officers [1]."
    assert "40" not in answer.text and "40 officers" not in str(answer.to_dict())


def test_answer_without_markers_gets_the_declared_evidence(make_assistant: Any,
                                                           seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        return reply([number_of(prompt, "Kinaliada aan de haven")], "A Turkish navy ship.")

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    answer = bot.ask("Which ship visited the port of Benghazi?")
    assert len(answer.citations) == 1 and "Kinaliada" in answer.citations[0].quote
    assert answer.text == f"A Turkish navy ship [{answer.citations[0].marker}]."


def test_empty_archive_abstains(make_assistant: Any) -> None:
    answer = make_assistant([]).ask("Who attended the meeting?")
    assert answer.abstained and "nothing" in answer.reason


def test_stream_yields_found_then_checked_sentences_then_the_answer(make_assistant: Any,
                                                                    seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        k, s = number_of(prompt, "Ibrahim Kalin"), number_of(prompt, "Kinaliada aan de haven")
        return reply([k, s], f"Ibrahim Kalin met \"Haftar\" [{k}]. The TCG Kinaliada had "
                             f"docked there [{s}].")

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    items = list(bot.stream("Who met Haftar in Benghazi?"))
    found, final = items[0], items[-1]
    assert isinstance(found, Found) and found.evidence
    assert isinstance(final, Answer) and all(isinstance(i, str) for i in items[1:-1])
    assert len(items) == 4  # Found, two checked sentences, Answer
    assert "".join(items[1:-1]) == final.text
    assert items[1].startswith("Ibrahim Kalin met")
    assert "total" in final.timings and "first_token" in final.timings


def test_a_refused_sentence_ends_the_answer_and_nothing_shown_is_withdrawn(
        make_assistant: Any, seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        k = number_of(prompt, "Ibrahim Kalin")
        return reply([k], f"Ibrahim Kalin met Haftar [{k}]. He brought 40 officers [{k}].")

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    items = list(bot.stream("Who met Haftar in Benghazi?"))
    shown = "".join(i for i in items if isinstance(i, str))
    final = items[-1]
    assert isinstance(final, Answer) and not final.abstained
    assert shown == final.text and "40" not in shown and shown.startswith("Ibrahim Kalin")
    assert "40" in final.reason


def test_streamed_not_found_is_never_shown(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant([reply([], "NOT FOUND")])
    bot.ingest(seed_dir)
    items = list(bot.stream("Hoeveel soldaten waren er op het schip?"))
    assert [type(i) for i in items] == [Found, Answer]
    assert items[-1].abstained
    assert items[-1].text == "De artikelen die ik heb geven geen antwoord op deze vraag."


def test_a_sentence_in_the_wrong_language_is_translated_before_it_is_shown(
        make_assistant: Any, seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        if prompt.startswith("Translate this sentence into English"):
            assert "[" in prompt
            n = prompt.split("[", 1)[1].split("]", 1)[0]
            return f"The Turkish navy ship Kinaliada docked in the port of Benghazi [{n}]."
        n = number_of(prompt, "Kinaliada aan de haven")
        return reply([n], f"Het Turkse marineschip Kinaliada heeft aangemeerd in de haven van "
                          f"Benghazi [{n}].")

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    items = list(bot.stream("Which ship docked in the port of Benghazi?"))
    shown = [i for i in items if isinstance(i, str)]
    assert shown == [items[-1].text]
    assert shown[0].startswith("The Turkish navy ship Kinaliada docked")


def test_a_rewrite_waits_for_the_stream_to_end_and_the_order_is_kept(
        make_assistant: Any, seed_dir: Path) -> None:
    """The translation step calls the same model: never while the answer is still streaming
    (the fake refuses, as the in-process model would deadlock)."""
    def script(prompt: str) -> str:
        if prompt.startswith("Translate this sentence into English"):
            n = prompt.split("[", 1)[1].split("]", 1)[0]
            return f"The Turkish navy ship Kinaliada docked in the port of Benghazi [{n}]."
        n = number_of(prompt, "Kinaliada aan de haven")
        m = number_of(prompt, "Haftar bracht eveneens")
        return reply([n, m], f"Het Turkse marineschip Kinaliada heeft aangemeerd in de haven van "
                             f"Benghazi [{n}]. Haftar also visited the ship Kinaliada [{m}]. "
                             "It was a long and friendly visit to the Turkish navy ship.")

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    items = list(bot.stream("Which ship docked in the port of Benghazi?"))
    shown = [i for i in items if isinstance(i, str)]
    assert "".join(shown) == items[-1].text
    assert shown[0].startswith("The Turkish navy ship Kinaliada docked")
    assert shown[1].startswith(" Haftar also visited")


def test_left_out_articles_are_not_searched(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant([])  # the model is never asked: nothing is left to read
    bot.ingest(seed_dir)
    answer = bot.ask("Who met Haftar in Benghazi?", exclude=[SEED_FILE.name])
    assert answer.abstained and answer.retrieved == []


SHIP_HISTORY = [{"role": "user", "content": "Who met Haftar in Benghazi?"},
                {"role": "assistant", "content": "Ibrahim Kalin [1]."}]


def ship_reply(prompt: str) -> str:
    """The answer to the ship follow-up, citing the sentence that names the Kinaliada."""
    n = number_of(prompt, "Kinaliada aan de haven")
    return reply([n], f"The TCG Kinaliada [{n}].")


def test_follow_up_is_rewritten_with_history_before_retrieval(make_assistant: Any,
                                                              seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        if "Standalone question:" in prompt:
            assert "User: Who met Haftar in Benghazi?" in prompt
            return "Which ship had docked in Benghazi the day before Kalin met Haftar?"
        return ship_reply(prompt)

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    answer = bot.ask("What ship had docked there the day before?", SHIP_HISTORY)
    assert answer.standalone_question.startswith("Which ship had docked in Benghazi")
    assert not answer.abstained and "Kinaliada" in answer.citations[0].quote


def test_a_rewrite_that_keeps_there_is_searched_with_the_earlier_question(
        make_assistant: Any, seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        if "Standalone question:" in prompt:
            return "What ship docked there the day before?"  # "there" left unresolved
        assert "Question: What ship docked there the day before?" in prompt  # asked as is
        return ship_reply(prompt)

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    searched: list[str] = []
    retrieve = bot.retriever.retrieve

    def spy(query: str, *args: Any, **kwargs: Any) -> Any:
        searched.append(query)
        return retrieve(query, *args, **kwargs)

    bot.retriever.retrieve = spy
    history = [{"role": "user", "content": "Who met Haftar in Benghazi [1]?"},
               {"role": "assistant", "content": "Ibrahim Kalin [1]."}]
    answer = bot.ask("What ship had docked there the day before?", history)
    assert searched == ["What ship docked there the day before? (Who met Haftar in Benghazi?)"]
    assert answer.standalone_question == "What ship docked there the day before?"
    assert not answer.abstained and "Kinaliada" in answer.citations[0].quote


@pytest.mark.parametrize("rewrite", [
    "The TCG Kinaliada had docked there the day before.",  # an answer, not a question
    "What ship had docked in Zwolle the day before?",  # a name the conversation never held
    "Who met Haftar in Benghazi?",  # the earlier question asked again
])
def test_a_rewrite_that_is_not_the_question_made_standalone_is_not_taken(
        make_assistant: Any, seed_dir: Path, rewrite: str) -> None:
    asked = "What ship had docked there the day before? (Who met Haftar in Benghazi?)"

    def script(prompt: str) -> str:
        if "Standalone question:" in prompt:
            return rewrite
        assert f"Question: {asked}" in prompt  # the follow-up, beside what "there" was
        return ship_reply(prompt)

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    answer = bot.ask("What ship had docked there the day before?", SHIP_HISTORY)
    assert answer.standalone_question == asked
    assert not answer.abstained and "Kinaliada" in answer.citations[0].quote


def test_standalone_question_with_history_is_not_rewritten(make_assistant: Any,
                                                           seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "Kalin [1]."))
    bot.ingest(seed_dir)
    history = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]
    answer = bot.ask("Who led the Turkish defence delegation in Benghazi?", history)
    assert answer.standalone_question == answer.question
    assert len(bot._chat_model.prompts) == 1


def test_date_filter_limits_the_evidence(make_assistant: Any, tmp_path: Path) -> None:
    folder = tmp_path / "arts"
    folder.mkdir()
    (folder / "old.txt").write_text("date 2019-03-01 Haftar sprak in Benghazi over olie.")
    (folder / "new.txt").write_text("date 2025-08-26 Haftar sprak in Benghazi over vrede.")
    bot = make_assistant(lambda p: reply([1], "Haftar [1]."))
    bot.ingest(folder)
    answer = bot.ask("Waar sprak Haftar in Benghazi over?", date_from="2025-01-01")
    assert {r["source"] for r in answer.retrieved} == {"new.txt"}
    answer = bot.ask("Waar sprak Haftar in Benghazi over?", date_to="2020-01-01")
    assert {r["source"] for r in answer.retrieved} == {"old.txt"}


def test_bad_input_names_the_field(make_assistant: Any) -> None:
    bot = make_assistant([])
    with pytest.raises(ValueError, match="question: empty"):
        bot.ask("  ")
    with pytest.raises(ValueError, match=r"history\[0\]\.content"):
        bot.ask("Who?", [{"role": "user", "content": 3}])


def test_answer_json_shape(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "Kalin [1]."))
    bot.ingest(seed_dir)
    data = bot.ask("Who met Haftar in Benghazi?").to_dict()
    assert {"answer", "abstained", "citations"} <= set(data)
    assert set(data["citations"][0]) >= {"source", "title", "date", "quote", "start", "end"}


def test_a_repeated_question_is_replayed_until_the_archive_changes(make_assistant: Any,
                                                                   seed_dir: Path,
                                                                   tmp_path: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "Ibrahim Kalin [1] met Haftar."))
    bot.ingest(seed_dir)
    first = list(bot.stream("Who met Haftar in Benghazi?"))
    calls = len(bot._chat_model.prompts)
    again = list(bot.stream("Who met Haftar in Benghazi?"))
    assert len(bot._chat_model.prompts) == calls  # the model was not asked again
    assert [type(i) for i in again] == [type(i) for i in first]
    assert again[-1].text == first[-1].text and again[-1].timings["cached"] == 1.0
    assert "cached" not in bot.ask("Who met Haftar in Benghazi?", exclude=["x.txt"]).timings
    (seed_dir / "more.txt").write_text("Haftar sprak in Benghazi met de pers.", encoding="utf-8")
    bot.ingest(seed_dir)  # a new article: the archive changed, so the question is answered anew
    assert "cached" not in bot.ask("Who met Haftar in Benghazi?").timings


def test_a_small_budget_shows_the_model_only_the_closest_sentences(make_assistant: Any,
                                                                   seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "NOT FOUND"), evidence_tokens=80)
    bot.ingest(seed_dir)
    found = next(i for i in list(bot.stream("Welk Turkse marineschip bezocht Haftar?"))
                 if isinstance(i, Found))
    chosen = [s.text for s in found.evidence]
    assert 1 <= len(chosen) < len(split_sentences(ARTICLE.text)) // 2
    # the best sentence by the (bag-of-words) embedding is among them, renumbered from 1
    assert any("Kinaliada" in s for s in chosen)
    assert [s.number for s in found.evidence] == list(range(1, len(chosen) + 1))
    user_part = bot._chat_model.prompts[-1].rsplit("Sentences:\n", 1)[1]
    assert set(numbered(user_part)) == set(chosen)
    # whole chunks in rank order when asked for
    whole = make_assistant(lambda p: reply([1], "NOT FOUND"), evidence_tokens=80,
                           evidence_selection="chunks")
    found = next(i for i in whole.stream("Welk Turkse marineschip bezocht Haftar?")
                 if isinstance(i, Found))
    records = [r.record for r in whole.retriever.retrieve(
        "Welk Turkse marineschip bezocht Haftar?", whole.settings.top_k)]
    assert list(found.evidence) == number_evidence(records, 80, whole.count_tokens)


def test_number_words_reach_the_model_as_digits_and_are_cited_as_written(
        make_assistant: Any, seed_dir: Path) -> None:
    def script(prompt: str) -> str:
        n = number_of(prompt, "Gemengde Militaire Commissie")
        assert "bestaat uit 5 officieren uit het westen en 5 uit" in prompt
        return reply([n], f"The commission has 5 officers from the west [{n}].")

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    answer = bot.ask("How many officers from the west sit on the commission?")
    assert not answer.abstained and "5 officers" in answer.text
    assert "vijf officieren" in answer.citations[0].quote  # the article's own words


def test_a_list_question_reads_its_own_evidence_budget(make_assistant: Any,
                                                        seed_dir: Path) -> None:
    def evidence(question: str, **settings: Any) -> list[str]:
        bot = make_assistant(lambda p: reply([1], "NOT FOUND"), evidence_tokens=80, **settings)
        bot.ingest(seed_dir)
        found = next(i for i in bot.stream(question) if isinstance(i, Found))
        return [s.text for s in found.evidence]

    listing, single = "Welke Turkse diplomaten waren in Benghazi?", "Wie leidde de delegatie?"
    assert len(evidence(listing, list_evidence_tokens=240)) > len(evidence(listing))
    assert evidence(single, list_evidence_tokens=240) == evidence(single)


def test_a_list_is_told_item_by_item_and_composed_from_the_held_items(make_assistant: Any,
                                                                     seed_dir: Path) -> None:
    """Each item shown stands in the sentence it cites: an item whose marker is off is cited
    where it stands, one named twice is shown once, one no sentence holds is left out."""
    def script(prompt: str) -> str:
        assert "separated by semicolons" in prompt  # the list request, not the answer one
        k, b = number_of(prompt, "Ibrahim Kalin"), number_of(prompt, "Guven Begec")
        return reply([k, b], f"Ibrahim Kalin [{k}]; Haftar [{k}]; Guven Begec [{k}]; "
                             f"Kalin [{k}]; Recep Erdogan [{b}]")

    bot = make_assistant(script, list_answers=1)
    bot.ingest(seed_dir)
    answer = bot.ask("Who attended the meeting in Benghazi?")
    k = next(c.marker for c in answer.citations if "Ibrahim Kalin" in c.quote)
    b = next(c.marker for c in answer.citations if "Guven Begec" in c.quote)
    assert answer.text == f"Ibrahim Kalin [{k}], Haftar [{k}] and Guven Begec [{b}]."


def test_a_list_with_no_held_item_is_checked_as_written(make_assistant: Any,
                                                       seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([], "NOT FOUND"), list_answers=1)
    bot.ingest(seed_dir)
    answer = bot.ask("Who attended the meeting in Benghazi?")
    assert answer.abstained and answer.reason == "the model found no answer in the evidence"


def test_list_answers_are_off_unless_set(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant(lambda p: reply([1], "NOT FOUND"))
    bot.ingest(seed_dir)
    bot.ask("Who attended the meeting in Benghazi?")
    assert "separated by semicolons" not in bot._chat_model.prompts[-1]
