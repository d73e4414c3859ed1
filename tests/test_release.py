"""Sentence-by-sentence release: what is shown is never taken back, and only checked text is
shown (unit and property tests, no models)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.checks.citations import cited_numbers
from assistant.checks.degenerate import degenerate, merge_repeated_items
from assistant.checks.release import SentenceGate, split_complete

EVIDENCE = {1: "Kalin ontmoette Haftar in de haven van Benghazi.",
            2: "Ook Guven Begec en Serkan Kiramanlioglu waren aanwezig.",
            3: "Het Turkse schip Kinaliada lag sinds 24 augustus in de haven."}

PIECES = ["Kalin met Haftar [1].", "Begec attended [2].", "The ship Kinaliada docked [3].",
          "It docked on 24 August [3].", "Kalin brought 40 officers [1].",
          "Erdogan praised the talks [1].", "NOT FOUND", "Kalin met Haftar [1].",
          "Kiramanlioglu was there too.", "Het schip lag in de haven sinds augustus [3].",
          " ", "[2]", "Gen. Haftar", " spoke [1]!", "?"]


def run(text: str, cut: list[int], language: str = "en",
        question: str = "Who met Haftar in Benghazi?",
        evidence: dict[int, str] | None = None) -> tuple[list[str], SentenceGate]:
    gate = SentenceGate(evidence or EVIDENCE, question=question, language=language)
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


def test_an_empty_rewrite_is_refused_not_shown_as_its_markers() -> None:
    # a translation reply that was not one sentence is cleaned to "" (clean_translation)
    evidence = {2: "Een zwaan met zijn kop in een klem werd in Rockanje gevangen."}
    gate = SentenceGate(evidence, question="In welke plaats werd een zwaan gevangen?",
                        language="nl", declared=[2], rewrite=lambda sentence, language: "")
    shown = gate.feed("Rockanje [2] was the place where the zwaan was gevangen.") + gate.finish()
    assert shown == [] and gate.text == "" and "language" in gate.reason


def test_a_translation_that_writes_hundreds_or_the_one_keeps_the_numbers() -> None:
    # dev: "A gevangenisstraf van 3 jaar en 9 maanden was geëist voor het honderden keren
    # lekken ..." was translated well, then refused: "hundreds" read as 100, "the one" as 1
    evidence = {2: "Tegen de agent is 3 jaar en 9 maanden geëist voor het honderden keren "
                   "lekken van informatie naar criminelen."}
    english = ("A prison sentence of 3 years and 9 months was demanded against the one who "
               "leaked information to criminals hundreds of times [2].")
    gate = SentenceGate(evidence, question="What prison sentence was demanded?", language="en",
                        rewrite=lambda sentence, language: english)
    shown = gate.feed("A gevangenisstraf van 3 jaar en 9 maanden was geëist voor het honderden "
                      "keren lekken van informatie naar criminelen [2].") + gate.finish()
    assert shown == [english], gate.reason
    # a number the translation changes is still refused
    gate = SentenceGate(evidence, question="What prison sentence was demanded?", language="en",
                        rewrite=lambda sentence, language: english.replace("9 months", "8 months"))
    assert gate.feed("A gevangenisstraf van 3 jaar en 9 maanden was geëist [2].") \
        + gate.finish() == []


def test_an_answer_without_a_number_to_a_how_many_question_is_refused() -> None:
    evidence = {2: "Het filiaal in de Vughterstraat is voorgoed gesloten.",
                3: "De keten sloot 13 van de 26 winkels."}
    question = "Hoeveel winkels sloot de keten?"
    shown, gate = run("Het filiaal in de Vughterstraat is voorgoed gesloten [2].", [],
                      evidence=evidence, question=question, language="nl")
    assert shown == [] and "no number" in gate.reason
    shown, gate = run("De keten sloot 13 winkels [3]. Het filiaal is voorgoed gesloten [2].", [],
                      evidence=evidence, question=question, language="nl")
    assert shown == ["De keten sloot 13 winkels [3].", " Het filiaal is voorgoed gesloten [2]."]


def test_an_amount_asked_inside_the_question_is_asked_too() -> None:
    evidence = {2: "Er moest vorig jaar vaker een helikopter worden ingezet.",
                4: "De helikopter vloog 42 keer uit."}
    for question in ("Hoe vaak moest er vorig jaar een helikopter worden ingezet?",
                     "At how many places did the helicopter land last year?",
                     "Met hoeveel vluchten werden wandelaars gered?"):
        shown, gate = run("Er moest vorig jaar vaker een helikopter worden ingezet [2].", [],
                          evidence=evidence, question=question, language="nl")
        assert shown == [] and "no number" in gate.reason, question
    shown, _ = run("De helikopter vloog 42 keer uit [4].", [], evidence=evidence,
                   question="Hoe vaak vloog de helikopter uit?", language="nl")
    assert shown == ["De helikopter vloog 42 keer uit [4]."]
    # the question's own number is no answer to it
    shown, gate = run("De helikopter vloog in 2018 vaker uit [2].", [], evidence=evidence,
                      question="Hoe lange vluchten maakte de helikopter in 2018?", language="nl")
    assert shown == [] and "no number" in gate.reason


def test_a_punishment_asked_for_is_given_by_its_length_or_not_at_all() -> None:
    evidence = {1: "Melis A. verschijnt vandaag voor de rechter.",
                2: "De rechter veroordeelde haar tot twee jaar cel."}
    question = "What sentence did the court give Melis A.?"
    answers = {"The court gave Melis A. for membership of a terrorist group [1].": [],
               "The court gave Melis A. two years in prison [2].":
                   ["The court gave Melis A. two years in prison [2][1]."]}
    for text, shown_as in answers.items():
        shown, gate = run(text, [], evidence=evidence, question=question, language="en")
        assert shown == shown_as and ("no number" in gate.reason) == (not shown_as)


def test_an_answer_naming_no_one_to_a_question_asking_who_someone_is_is_refused() -> None:
    evidence = {1: "Gökmen T. staat terecht voor verkrachting.",
                5: "Zijn advocaat, Marco Verweij, zweeg.", 6: "De politie hield hem aan."}
    question = "Wie is de advocaat die Gökmen T. bijstaat?"
    shown, gate = run("De advocaat die Gökmen T. bijstaat is zijn advocaat in deze zaak [5].",
                      [], evidence=evidence, question=question, language="nl")
    assert shown == [] and "names no one" in gate.reason
    shown, _ = run("De advocaat van Gökmen T. is Marco Verweij [5].", [], evidence=evidence,
                   question=question, language="nl")
    assert shown == ["De advocaat van Gökmen T. is Marco Verweij [5][1]."]
    # who did something may be answered by a body, named or not
    shown, _ = run("De politie [6] hield Gökmen T. aan.", [], evidence=evidence,
                   question="Wie hield Gökmen T. aan?", language="nl")
    assert shown == ["De politie [6] hield Gökmen T. aan."]


def test_a_thousands_separator_written_with_a_space_is_joined_not_refused() -> None:
    evidence = {2: "Amsterdam telt volgens de brief meer dan 35.000 scooters.",
                3: "Op 5 mei kwamen 300 mensen naar het Museumplein."}
    shown, gate = run("Amsterdam has more than 35, 000 scooters [2].", [5, 28], evidence=evidence,
                      question="How many scooters does Amsterdam have?")
    assert shown == ["Amsterdam has more than 35,000 scooters [2]."] and gate.reason == ""
    # two numbers the sentence holds apart stay apart, and an amount it does not hold is refused
    shown, _ = run("On 5 May, 300 people came [3].", [], evidence=evidence,
                   question="How many people came?")
    assert shown == ["On 5 May, 300 people came [3]."]
    shown, gate = run("Amsterdam has more than 36, 000 scooters [2].", [], evidence=evidence,
                      question="How many scooters does Amsterdam have?")
    assert shown == [] and "36" in gate.reason


def test_sentences_end_after_their_markers_not_inside_names_or_numbers() -> None:
    assert split_complete("Kalin [1][2]. Begec") == (["Kalin [1][2]."], " Begec")
    assert split_complete("It cost 1.5 million. Then") == (["It cost 1.5 million."], " Then")
    assert split_complete("Dr. Smit spoke") == ([], "Dr. Smit spoke")


def test_degenerate_answers_are_named() -> None:
    assert degenerate("Haftar met Haftar, who met Haftar in the port [1].",
                      "Who met Haftar in the port?")
    assert degenerate("The meeting in Benghazi [1].", "Where was the meeting in Benghazi?")
    assert not degenerate("Kalin [1] met Haftar in the port.", "Who met Haftar in the port?")


def test_a_list_that_names_an_item_twice_is_shown_with_it_once() -> None:
    evidence = {1: EVIDENCE[1], 2: EVIDENCE[2], 3: "Kalin en Begec spraken met Haftar."}
    shown, gate = run("Begec [2], Kalin [1], and Begec [3] were at the meeting.", [],
                      evidence=evidence, question="Who was at the meeting?")
    assert shown == ["Begec [2][3] and Kalin [1] were at the meeting."], gate.reason
    assert gate.cited == [2, 3, 1]


_ITEMS = ["Begec", "Kalin", "Haftar", "TCG Kinaliada", "de VN", "Serkan Kiramanlioglu"]
_SEPS = [", ", " and ", ", and ", " en ", " met ", " & "]


@given(st.lists(st.tuples(st.sampled_from(_SEPS), st.sampled_from(_ITEMS),
                          st.lists(st.integers(1, 9), min_size=1, max_size=2)),
                min_size=1, max_size=6))
def test_merging_repeated_list_items_keeps_every_citation_and_is_stable(
        parts: list[tuple[str, str, list[int]]]) -> None:
    sentence = "".join(f"{sep if i else ''}{name} {''.join(f'[{n}]' for n in ns)}"
                       for i, (sep, name, ns) in enumerate(parts)) + " were there."
    merged = merge_repeated_items(sentence)
    assert set(cited_numbers(merged)) == set(cited_numbers(sentence))
    assert merge_repeated_items(merged) == merged
    assert len(merged) <= len(sentence)
    assert {name for _, name, _ in parts} <= {n for n in _ITEMS if n in merged}


def test_an_answer_naming_a_short_acronym_is_not_a_restatement() -> None:
    # dev: "PVV", "CHP", "BDO" are the answers; three letters once counted as no content
    question = "Which party submitted the motion of no confidence against minister Dekker?"
    evidence = {1: "De PVV diende een motie van wantrouwen in tegen minister Dekker."}
    sentence = "PVV [1] submitted the motion of no confidence against minister Dekker."
    shown, gate = run(sentence, [], evidence=evidence, question=question)
    assert shown == [sentence], gate.reason
    shown, gate = run("The motion of no confidence against minister Dekker was submitted [1].",
                      [], evidence=evidence, question=question)
    assert shown == [] and gate.reason == "the answer only restates the question"


def test_an_amount_is_checked_by_its_value_however_it_is_written() -> None:
    evidence = {1: "De petitie voor Club Rodenburg is al zesduizend keer getekend.",
                2: "De boete bedraagt 25 duizend euro."}
    question = "How often was the petition signed, and how high is the fine?"
    for right in ("The petition was signed 6,000 times [1].",
                  "The fine is 25,000 euros [2].", "The fine is 25 thousand euros [2]."):
        shown, gate = run(right, [], evidence=evidence, question=question)
        assert shown == [right], gate.reason
    shown, gate = run("The petition was signed 7,000 times [1].", [], evidence=evidence,
                      question=question)
    assert shown == [] and "7000" in gate.reason


def test_a_place_name_first_does_not_decide_the_language() -> None:
    # lingua reads "Amsterdam has more than scooters" as Dutch; without the name it is English
    sentence = "Amsterdam has more than 35,000 scooters [2]."
    shown, gate = run(sentence, [], evidence={2: "Amsterdam telt er meer dan 35.000 scooters."},
                      question="How many scooters does Amsterdam have?")
    assert shown == [sentence], gate.reason


def test_an_untranslated_dutch_word_in_an_english_sentence_is_rewritten_first() -> None:
    # dev: "... on donderdag 6 June [4].", "The veren of the owl ..." passed every check before
    evidence = {4: "Slaughter signeert donderdag 6 juni in Barendrecht, Dordrecht en Schiedam."}
    question = "When will Karin Slaughter sign books?"
    asked: list[str] = []

    def rewrite(sentence: str, language: str) -> str:
        asked.append(sentence)
        return "She signs books in Barendrecht on Thursday 6 June [4]."

    gate = SentenceGate(evidence, question=question, language="en", rewrite=rewrite)
    mixed = "She signs books in Barendrecht on donderdag 6 June [4]."
    shown = gate.feed(mixed) + gate.finish()
    assert asked == [mixed]
    assert shown == ["She signs books in Barendrecht on Thursday 6 June [4]."]
    # without a rewrite step, or when the rewrite keeps the word or changes a number, the
    # word is shown in quotes, as the source has it
    quoted = "She signs books in Barendrecht on 'donderdag' 6 June [4]."
    shown, gate = run(mixed, [], evidence=evidence, question=question)
    assert shown == [quoted], gate.reason
    for reply in (mixed, "She signs books in Barendrecht on Thursday, June 4th [4]."):
        gate = SentenceGate(evidence, question=question, language="en",
                            rewrite=lambda sentence, language, reply=reply: reply)
        assert gate.feed(mixed) + gate.finish() == [quoted]
    # quotes are for a term, not for a sentence left mostly in the source's words
    shown, gate = run("Duizenden [4] zijn op de vlucht geslagen.", [], evidence=evidence,
                      question=question)
    assert shown == []
    shown, gate = run("Many people [4] were vlucht geslagen.", [], evidence=evidence,
                      question=question)
    assert shown == [] and "language" in gate.reason
    # Dutch function words are not quoted away: that sentence is still refused
    shown, gate = run("She signs books in Barendrecht op donderdag 6 June [4].", [],
                      evidence=evidence, question=question)
    assert shown == [] and "language" in gate.reason


def test_names_titles_and_loanwords_are_not_untranslated_words() -> None:
    from assistant.text.language import consistent, foreign_content_words

    for sentence in ("Vogelklas Karel Schot in Rotterdam cared for the swan [7].",
                     "Matthijs van Nieuwkerk [4] will host College Tour.",
                     "The 'Dag van de Zorg' was held in Enschede [2]."):
        assert foreign_content_words(sentence, "en") == [], sentence
        assert consistent(sentence, "en"), sentence
    # Dutch answers keep the English words Dutch has taken in, but not English ones
    assert foreign_content_words("De meeting van het team ging over de deal [3].", "nl") == []
    assert foreign_content_words("Begec [5] attended de bijeenkomst.", "nl") == ["attended"]
    assert not consistent("The customs seized 1,7 miljoen losse sigaretten [3].", "en")


def test_a_translation_keeps_numbers_written_in_hyphened_words() -> None:
    # dev: "drie jaar en negen maanden" came back as "a three-year and nine-month prison term";
    # "nine-month" was read as no number, so the translation seemed to drop the 9
    evidence = {1: "Tegen een politieman is een celstraf van drie jaar en negen maanden geëist."}
    question = "What prison sentence was demanded against the police officer?"
    dutch = "Tegen de politieman is een celstraf van drie jaar en negen maanden geëist [1]."
    english = "A three-year and nine-month prison term was demanded against the officer [1]."
    assert translated(dutch, english, evidence, question) == [english]
    eight = english.replace("nine-month", "eight-month")  # a changed number is still caught
    assert translated(dutch, eight, evidence, question) == []


def translated(sentence: str, reply: str | None, evidence: dict[int, str],
               question: str) -> list[str]:
    """What an English answer ``sentence`` shows when the translation step replies ``reply``
    (``None``: no translation step)."""
    rewrite = None if reply is None else (lambda text, language: reply)
    gate = SentenceGate(evidence, question=question, language="en", rewrite=rewrite)
    return gate.feed(sentence) + gate.finish()


def test_a_dutch_title_in_an_english_answer_is_translated_or_quoted() -> None:
    # issue 11: "benoemd door het Huis van Afgevaardigden"; dev: "the Libische Nationale Leger"
    evidence = {1: "De regering in Benghazi is benoemd door het Huis van Afgevaardigden."}
    question = "Who appointed the government based in Benghazi?"
    dutch_title = "The government in Benghazi was named by the Huis van Afgevaardigden [1]."
    english = "The government in Benghazi was named by the House of Representatives [1]."
    assert translated(dutch_title, english, evidence, question) == [english]
    # a translation that keeps the title (or no rewrite step) shows it quoted, as one term
    quoted = "The government in Benghazi was named by the 'Huis van Afgevaardigden' [1]."
    for reply in (dutch_title, None):
        assert translated(dutch_title, reply, evidence, question) == [quoted], reply


def test_names_that_are_dutch_words_are_not_titles() -> None:
    from assistant.text.titles import title_words

    for sentence in ("Minister Hugo de Jonge [3] argued for less competition in healthcare.",
                     "Karel Schot [2] cared for the swan in Enschede.",
                     "Kalin said so [1]. Huis is not judged where a sentence starts."):
        assert title_words(sentence) == [], sentence
    assert title_words("Kalin said so [1]. Then the Koning spoke.") == ["Koning"]
    # Dutch answers are not judged for titles (no English list is shipped)
    assert title_words("Het Huis van Afgevaardigden koos hem [1].", "nl") == []


def test_quoting_ends_and_leaves_no_title_behind_one_it_quoted() -> None:
    from assistant.text.language import quote_foreign
    from assistant.text.titles import title_words

    # a title with an apostrophe inside: quoted once, not again on every pass
    assert quote_foreign("It began with the Libische Nationale Leger's advance [5].", "en") == (
        "It began with the 'Libische Nationale Leger's' advance [5].")
    # the second "Huis" reads as a surname after "Enschede de" until the title is quoted
    quoted = quote_foreign("It was Huis Enschede de [1] Huis.", "en")
    assert quoted == "It was 'Huis Enschede' de [1] 'Huis'." and title_words(quoted) == []


_TITLE_VOCAB = ["the", "Huis", "van", "Afgevaardigden", "Libische", "Nationale", "Leger",
                "Hugo", "de", "Jonge", "Enschede", "led", "in", "Stichting", "[1]", "Akkoord",
                "ministerie", "of", "Zaken", "and"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(_TITLE_VOCAB), min_size=1, max_size=7))  # quotes: <= 120 chars
def test_quoting_leaves_no_title_and_no_foreign_word_outside_quotes(tokens: list[str]) -> None:
    from assistant.text.language import foreign_content_words, quote_foreign
    from assistant.text.titles import title_spans, title_words

    sentence = "It was " + " ".join(tokens) + "."
    quoted = quote_foreign(sentence, "en")
    assert title_words(quoted) == [] and foreign_content_words(quoted, "en") == []
    assert quoted.replace("'", "") == sentence
    for start, end in title_spans(sentence):  # a span holds whole words
        assert sentence[start - 1] == " " and not sentence[end].isalnum()


def test_a_name_no_article_holds_is_refused_even_among_many_that_they_do() -> None:
    """The 1.5B model pads a list with the names of the prompt's own example (dev: "Minister
    Sander Dekker [5] en Minister Jansen [6]"); one such name among many is one too many."""
    gate = SentenceGate(EVIDENCE, question="Who was there?", language="en")
    gate.feed("Kalin [1], Haftar [1], Guven Begec [2], Serkan Kiramanlioglu [2] and minister "
              "Jansen [2] were there.")
    gate.finish()
    assert not gate.released
    assert gate.reason == "the answer uses Jansen, which the articles do not hold"
