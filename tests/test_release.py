"""Sentence-by-sentence release: what is shown is never taken back, and only checked text is
shown (unit and property tests, no models)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.degenerate import degenerate
from assistant.release import SentenceGate, split_complete

EVIDENCE = {1: "Kalin ontmoette Haftar in de haven van Benghazi.",
            2: "Ook Guven Begec en Serkan Kiramanlioglu waren aanwezig.",
            3: "Het Turkse schip Kinaliada lag sinds 24 augustus in de haven."}

PIECES = ["Kalin met Haftar [1].", "Begec attended [2].", "The ship Kinaliada docked [3].",
          "It docked on 24 August [3].", "Kalin brought 40 officers [1].",
          "Erdogan praised the talks [1].", "NOT FOUND", "Kalin met Haftar [1].",
          "Kiramanlioglu was there too.", "Het schip lag in de haven sinds augustus [3].",
          " ", "[2]", "Gen. Haftar", " spoke [1]!", "?"]


def run(text: str, cut: list[int], language: str = "en",
        question: str = "Who met Haftar in Benghazi?") -> tuple[list[str], SentenceGate]:
    gate = SentenceGate(EVIDENCE, question=question, language=language)
    shown: list[str] = []
    last = 0
    for c in [*sorted(set(cut)), len(text)]:
        shown += gate.feed(text[last:c])
        last = c
    shown += gate.finish()
    return shown, gate


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=6), st.lists(st.integers(0, 400), max_size=8))
def test_what_is_shown_is_exactly_the_final_text(pieces: list[str], cut: list[int]) -> None:
    text = " ".join(pieces)
    shown, gate = run(text, [c for c in cut if c <= len(text)])
    assert "".join(shown) == gate.text
    assert gate.released == shown
    for sentence in shown:  # every shown sentence cites evidence and invents no number
        assert "[" in sentence
        assert "40" not in sentence and "Erdogan" not in sentence
    if not shown:
        assert gate.reason


def test_the_same_text_in_any_pieces_releases_the_same_sentences() -> None:
    text = "Kalin met Haftar [1]. Begec attended [2]. Kalin brought 40 officers [1]. Begec [2]."
    whole, _ = run(text, [])
    for cut in ([5], [20, 21, 22], list(range(0, len(text), 3))):
        assert run(text, cut)[0] == whole
    assert whole == ["Kalin met Haftar [1].", " Begec attended [2]."]


def test_a_dutch_sentence_in_an_english_answer_is_refused_without_a_rewrite() -> None:
    shown, gate = run("Het schip lag al sinds augustus in de haven [3].", [])
    assert shown == [] and "language" in gate.reason
    shown, gate = run("Het schip lag al sinds augustus in de haven [3].", [], language="nl",
                      question="Sinds wanneer lag het schip in de haven?")
    assert shown == ["Het schip lag al sinds augustus in de haven [3]."]


def test_an_english_sentence_with_dutch_words_in_a_dutch_answer_is_rewritten() -> None:
    # lingua rates this sentence 0.75 Dutch; its English function words give it away
    evidence = {2: "Een zwaan met zijn kop in een klem werd in Rockanje gevangen."}
    asked: list[tuple[str, str]] = []

    def rewrite(sentence: str, language: str) -> str:
        asked.append((sentence, language))
        return "De zwaan werd in Rockanje gevangen [2]."

    gate = SentenceGate(evidence, question="In welke plaats werd een zwaan gevangen?",
                        language="nl", rewrite=rewrite)
    mixed = "Rockanje [2] was the place where the zwaan was gevangen."
    shown = gate.feed(mixed) + gate.finish()
    assert asked == [(mixed, "nl")]
    assert shown == ["De zwaan werd in Rockanje gevangen [2]."] and gate.rewritten == 1


def test_sentences_end_after_their_markers_not_inside_names_or_numbers() -> None:
    assert split_complete("Kalin [1][2]. Begec") == (["Kalin [1][2]."], " Begec")
    assert split_complete("It cost 1.5 million. Then") == (["It cost 1.5 million."], " Then")
    assert split_complete("Dr. Smit spoke") == ([], "Dr. Smit spoke")


def test_degenerate_answers_are_named() -> None:
    assert degenerate("Haftar met Haftar, who met Haftar in the port [1].",
                      "Who met Haftar in the port?")
    assert degenerate("The meeting in Benghazi [1].", "Where was the meeting in Benghazi?")
    assert not degenerate("Kalin [1] met Haftar in the port.", "Who met Haftar in the port?")
