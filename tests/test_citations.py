"""Citation markers, reply parsing and streaming, grounding signals, follow-up helpers."""

from __future__ import annotations

import json

from hypothesis import given
from hypothesis import strategies as st

from assistant.checks.citations import align_markers, cited_numbers, parse_markers
from assistant.checks.grounding import missing_names, unsupported_terms
from assistant.models.structured import AnswerStream, parse_reply
from assistant.retrieve.followup import clean_rewrite, needs_rewrite, validate_history

EVIDENCE = {
    1: "De directeur van de MIT, Ibrahim Kalin, had in Benghazi een ontmoeting met Haftar.",
    3: "Een delegatie onder leiding van generaal-majoor Ilkay Altindag bezocht Haftar.",
    5: "Guven Begec en Serkan Kiramanlioglu namen ook deel aan de bijeenkomst.",
    6: "Haftar bezocht het Turkse marineschip TCG Kinaliada.",
}


def test_markers_are_parsed_in_order_with_groups() -> None:
    assert parse_markers("a [1] b [2, 3] c [3][10]") == [1, 2, 3, 3, 10]
    assert cited_numbers("a [1] b [2, 3] c [3][1]") == [1, 2, 3]
    assert parse_markers("no markers, [x] or [ ] here") == []


def test_unknown_markers_are_dropped_and_names_get_their_sentence() -> None:
    out = align_markers("Kalin [1], Altindag [9] and Begec [1] attended.", EVIDENCE)
    assert out == "Kalin [1], Altindag [3] and Begec [5] attended."


def test_a_claim_without_marker_gets_the_sentence_holding_its_name() -> None:
    assert align_markers("Kiramanlioglu was there.", EVIDENCE) == "Kiramanlioglu was there [5]."


def test_citations_that_support_nothing_in_the_claim_are_dropped() -> None:
    out = align_markers("Kalin met Haftar in Benghazi [1, 5, 6].", EVIDENCE)
    assert cited_numbers(out) == [1, 6]  # 5 names neither Kalin, Haftar nor Benghazi


def test_numbers_get_the_sentence_that_holds_them() -> None:
    evidence = {1: "Goes trekt geld uit voor eenzame inwoners.",
                2: "Daar is 50.000 euro per jaar voor beschikbaar.",
                3: "Het college antwoordt op vragen van Nieuw Goes."}
    assert align_markers("Goes has 50.000 euro a year.", evidence) == (
        "Goes has 50.000 euro a year [2][1].")
    assert align_markers("Goes has 50.000 euro a year [3].", evidence, preferred=[2]) == (
        "Goes has 50.000 euro a year [3][2].")


def test_a_marker_never_cuts_a_name_at_its_initial() -> None:
    # dev and the gate showed "Gökmen T [1]. bijstaat" and "Charlotte van L [3]. four months":
    # the period of an initial was read as a claim's end and the marker put before it
    evidence = {1: "Gökmen T. staat terecht in Utrecht.", 5: "Zijn advocaat zweeg."}
    out = align_markers("De advocaat die Gökmen T. bijstaat in Utrecht [1] zweeg [5].", evidence)
    assert out == "De advocaat die Gökmen T. bijstaat in Utrecht [1] zweeg [5]."
    out = align_markers("De advocaat die Gökmen T. bijstaat [5] staat in Utrecht terecht.",
                        evidence)
    assert "T. bijstaat" in out and "T [" not in out
    # a real sentence end still ends a claim: the first sentence gets its own marker
    assert align_markers("Gökmen T. stond terecht. Zijn advocaat zweeg [5].", evidence) == (
        "Gökmen T. stond terecht [1]. Zijn advocaat zweeg [5].")


def test_claims_without_any_support_stay_unmarked() -> None:
    assert align_markers("The weather was fine.", EVIDENCE) == "The weather was fine."


@given(st.text(max_size=120))
def test_align_never_invents_marker_numbers(answer: str) -> None:
    assert set(cited_numbers(align_markers(answer, EVIDENCE))) <= set(EVIDENCE)


def test_reply_parsing_tolerates_truncation_and_plain_text() -> None:
    assert parse_reply('{"evidence": [1], "answer": "Kalin [1]."}') == ([1], "Kalin [1].")
    assert parse_reply('{"evidence": [1, 5], "answer": "Kalin [1] en Beg') == (
        [1, 5], "Kalin [1] en Beg")
    assert parse_reply("Kalin [1].") == ([], "Kalin [1].")
    assert parse_reply('{"evidence": []') == ([], "")


@given(st.text(max_size=80), st.lists(st.integers(1, 30), max_size=5), st.data())
def test_streamed_answer_equals_the_parsed_answer(text: str, evidence: list[int],
                                                  data: st.DataObject) -> None:
    raw = json.dumps({"evidence": evidence, "answer": text}, ensure_ascii=data.draw(st.booleans()))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(raw)), max_size=8)))
    stream = AnswerStream()
    pieces = [raw[a:b] for a, b in zip([0, *cuts], [*cuts, len(raw)], strict=True)]
    assert "".join(stream.feed(p) for p in pieces) == text
    assert parse_reply(raw) == (evidence, text.strip())


def test_question_names_missing_from_the_evidence() -> None:
    evidence = list(EVIDENCE.values())
    assert missing_names("What did President Erdogan say about the meeting?", evidence) == [
        "Erdogan"]
    assert missing_names("Who attended the meeting in Benghazi?", evidence) == []
    assert missing_names("Wat deed Haftar op de Kinaliada?", evidence) == []
    # a Dutch interrogative is no name, even where no sentence uses it
    assert missing_names("Waarop wachtte de Kinaliada in Benghazi?", evidence) == []


def test_unsupported_numbers_and_names_in_an_answer() -> None:
    evidence = list(EVIDENCE.values())
    cited = [EVIDENCE[1]]
    assert unsupported_terms("Kalin met Haftar [1].", cited, evidence) == []
    assert unsupported_terms("Kalin met 40 officers [1].", cited, evidence) == ["40"]
    assert unsupported_terms("Kalin met two officers [1].", cited, evidence) == ["2"]
    assert unsupported_terms("Kalin met Dbeibah [1].", cited, evidence) == ["Dbeibah"]
    assert unsupported_terms("The Army and the House of Representatives [1].", cited,
                             evidence) == []


def test_follow_up_detection_and_history_validation() -> None:
    history = [{"role": "user", "content": "Who met Haftar?"},
               {"role": "assistant", "content": "Kalin [1]."}]
    assert needs_rewrite("What ship had docked there the day before?", history)
    assert needs_rewrite("And the ambassador?", history)
    assert not needs_rewrite("Who led the Turkish defence delegation?", history)
    assert validate_history(history) == history
    import pytest

    with pytest.raises(ValueError, match=r"history\[0\]\.role"):
        validate_history([{"role": "bot", "content": "x"}])
    assert clean_rewrite("", "Original?") == "Original?"
