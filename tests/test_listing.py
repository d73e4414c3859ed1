"""List answers told item by item (answer/listing.py): reading, checking, composing."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from assistant.answer.listing import Item, _content, checked_items, compose, held, parse_items

EVIDENCE = {
    1: "De directeur van de Turkse Nationale Inlichtingendienst (MIT), Ibrahim Kalin, heeft in "
       "de haven van Benghazi een ontmoeting gehad met Haftar.",
    2: "Een delegatie van het Turkse Ministerie van Nationale Defensie, onder leiding van "
       "generaal-majoor Ilkay Altindag, bracht een bezoek aan Haftar.",
    3: "Guven Begec, de Turkse ambassadeur in Libië, en Serkan Kiramanlioglu, de consul-generaal "
       "van Turkije in Benghazi, namen ook deel aan de bijeenkomst.",
}
WORDS = sorted({w.strip(",.()") for s in EVIDENCE.values() for w in s.split()} - {""})


def test_an_organisation_is_no_answer_to_who_but_is_to_which() -> None:
    items = [Item("Turkse Ministerie van Nationale Defensie", (2,)), Item("Ilkay Altindag", (2,))]
    assert [i.text for i in checked_items(items, EVIDENCE, "Wie waren er in Benghazi?")] == [
        "Ilkay Altindag"]
    assert len(checked_items(items, EVIDENCE, "Which Turkish bodies are named?")) == 2


def test_an_item_the_question_names_is_left_out() -> None:
    items = [Item("Ibrahim Kalin", (1,)), Item("Haftar", (1,))]
    assert [i.text for i in checked_items(items, EVIDENCE, "Who met Haftar?")] == ["Ibrahim Kalin"]


def test_an_item_no_sentence_holds_is_left_out_and_a_wrong_marker_is_mended() -> None:
    items = [Item("Russia", (3,)), Item("Serkan Kiramanlioglu", (1,)), Item("Begec", (1, 3))]
    assert checked_items(items, EVIDENCE, "Which diplomats took part?") == [
        Item("Serkan Kiramanlioglu", (3,)), Item("Begec", (3,))]


def test_a_reply_in_prose_is_read_as_a_list() -> None:
    assert [i.text for i in parse_items("Kalin [1], Haftar [1] and Begec [3] took part.")] == [
        "Kalin", "Haftar", "Begec"]
    assert parse_items("NOT FOUND") == [Item("NOT FOUND", ())]
    assert parse_items("") == []


def test_markers_with_semicolons_stay_whole() -> None:
    assert parse_items("Kalin [1; 2]; Begec [3]") == [Item("Kalin", (1, 2)), Item("Begec", (3,))]


def test_compose_reads_back_as_its_items() -> None:
    items = [Item("Ibrahim Kalin", (1,)), Item("Haftar", (1, 2)), Item("Guven Begec", (3,))]
    assert compose(items, "en") == "Ibrahim Kalin [1], Haftar [1][2] and Guven Begec [3]."
    assert parse_items(compose(items, "nl")) == items
    assert compose([], "en") == ""


@given(st.lists(st.tuples(st.lists(st.sampled_from([*WORDS, "Rusland", "Jansen"]), min_size=1,
                                   max_size=3),
                          st.lists(st.sampled_from([1, 2, 3, 4]), max_size=2)), max_size=8),
       st.sampled_from(["Wie waren er?", "Which people took part?", "Who met Haftar?"]))
def test_every_kept_item_stands_in_each_sentence_it_cites_and_is_named_once(
        drawn: list[tuple[list[str], list[int]]], question: str) -> None:
    items = [Item(" ".join(ws), tuple(ns)) for ws, ns in drawn]
    kept = checked_items(items, EVIDENCE, question)
    for item in kept:
        assert item.cited and all(held(item.text, EVIDENCE[n]) for n in item.cited)
    for i, a in enumerate(kept):
        for b in kept[i + 1:]:
            ca, cb = set(_content(a.text)), set(_content(b.text))
            assert not (ca <= cb or cb <= ca)
