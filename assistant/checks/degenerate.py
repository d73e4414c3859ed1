"""Degenerate answers: repetition, restating the question, the question's subject as its answer,
no amount (or no share) for a question that asks for one, no name for a question that asks who
someone is, fewer things than a question says it asks for, a body given as one who attended;
and the one repair, a list that names an item twice.

Pure checks on one answer sentence; each returns a reason (for people and evaluation) or ``""``.
A 1.5B model loops ("led by the VN-missie in Libya, which is led by the VN-missie in Libya"),
echoes the question back, or lists the person the question asks about as its own answer::

    >>> repetition("The mission is led by the UN team in Libya, which is led by the UN team "
    ...            "in Libya [5].")
    'the answer repeats itself'
    >>> repetition("Kalin [1] and Begec [2] attended.", ["Kalin [1] and Begec [2] attended."])
    'the answer repeats itself'
    >>> repetition("Kalin [1] met Haftar in Benghazi.")
    ''
    >>> restates("The UN mission in Libya is led by the UN mission [5].",
    ...          "Who leads the UN mission in Libya?")
    'the answer only restates the question'
    >>> restates("The UN mission in Libya is led by Hanna Tetteh [5].",
    ...          "Who leads the UN mission in Libya?")
    ''
    >>> subject_as_answer("Kalin [1] and Haftar [6] met Haftar in Benghazi.",
    ...                   "Who met Haftar in Benghazi?")
    'the answer names Haftar, whom the question asks about, as its answer'
    >>> subject_as_answer("Kalin [1] met Haftar in Benghazi.", "Who met Haftar in Benghazi?")
    ''
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.checks.citations import cited_numbers, markers
from assistant.checks.grounding import missing_names
from assistant.retrieve.question_kind import asked_count, asks_for_several
from assistant.text.items import listed, organisation
from assistant.text.matching import (
    CAPITALISED,
    NAME_ENDING,
    names,
    nationality_adjective,
    new_numbers,
    number_word,
    term_found,
)
from assistant.text.words import MARKER, STOPWORDS, fold, words

NGRAM = 4  # a run of this many words said twice is a repetition


def _plain(text: str) -> list[str]:
    return words(MARKER.sub(" ", text))


def _ngrams(tokens: Sequence[str], n: int = NGRAM) -> list[tuple[str, ...]]:
    return [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]


def repetition(sentence: str, earlier: Sequence[str] = (), question: str = "") -> str:
    """A run of ``NGRAM`` words (with at least one content word) said twice, within the
    sentence or after an earlier sentence of the same answer.

    A sentence that names someone the question does not, and echoes the question's own words
    around that name twice, answers clumsily rather than loops:

    >>> repetition("Colina [5], who fled Venezuela to Doral, is the soldier who fled Venezuela "
    ...            "to Doral.", question="Who is the soldier who fled Venezuela to Doral?")
    ''
    >>> repetition("The UN team in Libya, which is led by the UN team in Libya [5].",
    ...            question="Who leads the UN team in Libya?")
    'the answer repeats itself'

    Counted parts told in parallel repeat their count's words and go on to differ; that is a
    composition, not a loop (held-out: "5+5" refused as repeating itself):

    >>> repetition("It consists of 5 officers from the west and 5 officers from the troops of "
    ...            "Haftar in the east [7].")
    ''
    >>> repetition("Fourteen large Dutch companies will help fourteen large Dutch companies.")
    'the answer repeats itself'
    """
    said_before = {gram for text in earlier for gram in _ngrams(_plain(text))}
    said: dict[tuple[str, ...], int] = {}
    asked = set(words(question))
    tokens = _plain(sentence)
    for i, gram in enumerate(_ngrams(tokens)):
        content = [w for w in gram if w not in STOPWORDS and len(w) > 2]
        if content and (gram in said_before or (gram in said and not (
                all(term_found(w, asked) for w in content)
                and missing_names(MARKER.sub(" ", sentence), [question]))
                and not _parallel(tokens, said[gram], i))):
            return "the answer repeats itself"
        said.setdefault(gram, i)
    return ""


def _parallel(tokens: Sequence[str], first: int, second: int) -> bool:
    """The run of words at ``second`` repeats the one at ``first`` as a counted part told in
    parallel: it opens with a number, stands right after "and" / "en" / "or" / "of", and the
    word after it differs from the word after the first ("5 officers from the west and 5
    officers from the troops")."""
    after = first + NGRAM, second + NGRAM
    return (number_word(tokens[second]) and second > 0
            and tokens[second - 1] in {"and", "en", "or", "of"}
            and all(a < len(tokens) for a in after)
            and tokens[after[0]] != tokens[after[1]])


def restates(sentence: str, question: str) -> str:
    """Every content word of the sentence is already in the question, and it adds no number:
    it says nothing new.

    >>> restates("Ion Iliescu is 89 years old [1].", "How old is Ion Iliescu?")
    ''

    A short name or acronym is content too (a short lower-case word is not):

    >>> restates("PVV [1] submitted the motion against minister Dekker.",
    ...          "Which party submitted the motion against minister Dekker?")
    ''
    """
    capitalised = {fold(w) for w in CAPITALISED.findall(MARKER.sub(" ", sentence))}
    content = [w for w in _plain(sentence) if w not in STOPWORDS and not w.isdigit()
               and (len(w) >= 4 or (len(w) >= 2 and w in capitalised))]
    asked = set(words(question))
    if new_numbers(sentence, question):
        return ""
    if content and all(term_found(w, asked) for w in content):
        return "the answer only restates the question"
    return ""


_WHO = re.compile(r"^\s*(who|whom|which|wie|welke|welk)\b", re.IGNORECASE)


def subject_as_answer(sentence: str, question: str) -> str:
    """For a who/which question: a name the question asks about that the sentence gives as an
    answer (it stands in the sentence twice, once cited as an answer, once as the subject).
    Cited as an answer means written as a name, capitalised: a sentence that ends on the
    common noun ("... de woordvoerster van het bisdom [3].") gives it as no answer.

    >>> subject_as_answer("Het Bisdom Breda steunt de petitie, zegt Dapne van Roosendaal, "
    ...                   "woordvoerster van het bisdom [3].",
    ...                   "Wie is de woordvoerster van het Bisdom Breda?")
    ''
    """
    if not _WHO.match(question):
        return ""
    plain = fold(MARKER.sub(" ", sentence))
    folded = fold(sentence)
    for name in names(question, skip_common=True):
        key = fold(name)
        if len(re.findall(rf"(?<!\w){re.escape(key)}(?!\w)", plain)) < 2:
            continue
        for m in re.finditer(rf"(?<!\w){re.escape(key)}(?!\w)\W*\[\d", folded):
            # offsets agree unless folding changed the length (ß -> ss): then take it as named
            if len(folded) != len(sentence) or sentence[m.start()].isupper():
                return f"the answer names {name}, whom the question asks about, as its answer"
    return ""


# questions whose answer is an amount: how many, how much, how often, how old, in which year,
# wherever the question asks it ("At how many sales points ...?", "Met hoeveel stemmen ...?"),
# and which punishment or fine someone got (told by its length or sum)
_AMOUNT_ASKED = re.compile(
    r"\b(?:how\s+(?:many|much|often|old|high|long|far|tall|big|large)|hoeveel"
    r"|hoe\s+(?:veel|vaak|oud|hoog|hoge|lang|lange|ver|groot|grote)"
    r"|in\s+(?:what|which)\s+year|in\s+welk\s+jaar"
    r"|(?:what|which)\s+(?:amount|sum|percentage)|welk\s+(?:bedrag|percentage)"
    r"|(?:what|which)\s+(?:\w+\s+)?(?:sentence|punishment|fine)"
    r"|welke\s+(?:\w+\s+)?(?:straf|celstraf|gevangenisstraf|taakstraf|boete))\b",
    re.IGNORECASE)
# ... and the words that give an amount of none, or a punishment without a number
_NONE = re.compile(r"\b(?:geen|none|zero|nul|niemand|nobody|no\s+one|nooit|never"
                   r"|levenslang|life|vrijgesproken|vrijspraak|acquitted|tbs)\b", re.IGNORECASE)


def no_amount(sentence: str, question: str) -> str:
    """For a question that asks how many, how much, how old or which year: an answer sentence
    that holds no number but the question's own (nor says "none") does not answer it. Dev:
    "Hoeveel huur betaalde ...?" was answered "Het filiaal ... is voorgoed gesloten [2].", and
    no right answer to such a question lacked a number.

    >>> no_amount("Het filiaal is voorgoed gesloten [2].", "Hoeveel huur betaalde de keten?")
    'the answer gives no number, which the question asks for'
    >>> no_amount("De keten betaalde 4.000 euro huur [2].", "Hoeveel huur betaalde de keten?")
    ''
    >>> no_amount("Six people [3] used the taxis.", "How many people used the taxis?")
    ''
    >>> no_amount("Er vielen geen doden [1].", "Hoeveel doden vielen er?")
    ''

    Asked inside the question too (dev, a near-miss question: the article says only that it
    happened more often):

    >>> no_amount("Er moest vorig jaar vaker een helikopter worden ingezet [2].",
    ...           "Hoe vaak moest er vorig jaar een helikopter worden ingezet?")
    'the answer gives no number, which the question asks for'

    A punishment is told by its length or sum (or is life, tbs, an acquittal):

    >>> no_amount("The court gave Melis A. for membership of a terrorist organisation [1].",
    ...           "What sentence did the court give Melis A.?")
    'the answer gives no number, which the question asks for'
    >>> no_amount("Hij kreeg levenslang [1].", "Welke straf kreeg hij?")
    ''

    The question's own numbers give no amount (dev: "How many countries take part in the
    week of the 24-hour speed marathon?" answered "Netherlands [3], Belgium [4] ... take part
    in the week of the 24-hour speed marathon."):

    >>> no_amount("Belgium [4] takes part in the week of the 24-hour marathon.",
    ...           "How many countries take part in the week of the 24-hour marathon?")
    'the answer gives no number, which the question asks for'
    """
    if not _AMOUNT_ASKED.search(question):
        return ""
    if new_numbers(sentence, question) or _NONE.search(MARKER.sub(" ", sentence)):
        return ""
    return "the answer gives no number, which the question asks for"


# questions that ask for a share ("Welk deel ...?", "What proportion ...?", "Hoeveel procent?")
# (not "which part of the city" or "welk deel van Libië": a part of a place is a place)
_SHARE_ASKED = re.compile(
    r"(?i:\b(?:welke?\s+(?:aandeel|percentage|fractie)|(?:what|which)\s+(?:share|proportion"
    r"|percentage|fraction)|hoeveel\s+procent|how\s+many\s+percent)\b)"
    r"|(?i:\bwelk\s+deel\s+van\s+(?:de|het)\s+)(?!(?i:land|stad|provincie|gemeente|wereld|regio"
    r"|wijk|dorp|oosten|westen|noorden|zuiden|gebied|eiland|kust)\b)[a-z]")
# ... and the ways a share is written: a percentage, "one in nine", a fraction
_SHARE = re.compile(
    r"%|\b(?:procent|percent|per\s+cent|procentpunt\w*|helft|half|derde|third|thirds|kwart"
    r"|quarter|quarters|vierde|vijfde|fifth)\b|\bop\s+de\s+\w+|\b(?:in|out\s+of)\s+(?:every\s+)?"
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten)\b", re.IGNORECASE)


def no_share(sentence: str, question: str) -> str:
    """For a question that asks what share or percentage: an answer sentence that gives no
    share (a percentage, "one in nine", a fraction) does not answer it. Dev: "Welk deel van de
    palmolie wereldwijd is ... gecertificeerd?" answered "... 13,47 miljoen ton palmolie
    gecertificeerd ... [9][8]." (19 procent, the article says).

    >>> no_share("Van Velde heeft 13,47 miljoen ton palmolie gecertificeerd [9].",
    ...          "Welk deel van de palmolie is gecertificeerd?")
    'the answer gives no share, which the question asks for'
    >>> no_share("One out of nine children live in poverty [2].",
    ...          "What proportion of children live in poverty?")
    ''
    >>> no_share("De regering controleert het oosten [3].",
    ...          "Welk deel van het land controleert ze?")
    ''
    """
    if _SHARE_ASKED.search(question) and not _SHARE.search(MARKER.sub(" ", sentence)):
        return "the answer gives no share, which the question asks for"
    return ""


# questions that ask who the person they describe is, or what something is called: a name
_NAME_ASKED = re.compile(
    r"^\s*(?:who|wie)\s+(?:is|was|are|were|zijn|waren)\s+(?:the|de|het)\b"
    r"|\bhoe\s+(?:heet|heette|heten|heetten)\b"
    r"|\bwhat\s+(?:is|was|are|were)\s+the\s+names?\s+of\b"
    r"|\bwat\s+(?:is|was)\s+de\s+naam\s+van\b", re.IGNORECASE)


def no_name(sentence: str, question: str) -> str:
    """For a question that asks who the person it describes is ("Who is the lawyer for ...?",
    "Wie is de advocaat die ...?") or what someone or something is called ("Hoe heet ...?",
    "What is the name of ...?"): an answer sentence that names nothing the question does not
    already name (a capitalised word, an acronym) does not answer it. Dev, near-miss questions
    whose article names no such person: "... is the advocate of Begums familie [7].", "De
    collega die ... werd geslagen is de dader [1]."; no gold answer to such a question lacks a
    name.

    >>> no_name("De advocaat die Gökmen T. bijstaat is de advocaat die hem bijstaat [5].",
    ...         "Wie is de advocaat die Gökmen T. bijstaat?")
    'the answer names no one, which the question asks for'
    >>> no_name("De advocaat van Gökmen T. is Jan Vos [5].", "Wie is de advocaat van Gökmen T.?")
    ''
    >>> no_name("VVD [2] led the talks.", "Who is the party that led the talks?")
    ''

    The country of a nationality the question names is no name either (dev: "Who was the
    Dutch diplomat who ...?" answered "Netherlands [5] diplomat went to Caracas airport ..."):

    >>> no_name("Netherlands [5] diplomat went to the airport.",
    ...         "Who was the Dutch diplomat who went to the airport?")
    'the answer names no one, which the question asks for'

    A question about someone it names, or about who did something, may be answered with a
    description or a body ("the police"):

    >>> no_name("The police [1] arrested him.", "Who arrested the man from Beek?")
    ''
    """
    if not _NAME_ASKED.search(question):
        return ""
    asked = words(question)
    nationalities = [w for w in re.findall(r"\w+", question) if nationality_adjective(w)]
    for m in CAPITALISED.finditer(MARKER.sub(" ", sentence)):
        word = NAME_ENDING.sub("", m.group())
        if fold(word) not in STOPWORDS and not term_found(word, asked) and not any(
                term_found(n, [fold(word)]) for n in nationalities):
            return ""
    return "the answer names no one, which the question asks for"


# a list item: a capitalised name of one or more words, then its citation markers
_ITEM = re.compile(r"(?P<name>[A-ZÀ-ÖØ-Þ][\w'’.-]*(?: [A-ZÀ-ÖØ-Þ][\w'’.-]*)*) ?"
                   r"(?P<marks>(?:\[\d+(?:\s*[,;]\s*\d+)*\])+)")
# what stands between two items of a list: a comma, a conjunction, or both
_LIST_SEP = re.compile(r"\s*(?:,\s*(?:(?P<c1>and|en|&)\s+)?|\s(?P<c2>and|en|&)\s+)")
_BARE_COMMA = re.compile(r"\s*,\s*")
# the same markers twice in a row: "Thierry Baudet [5] [5]"
_REPEATED_MARKS = re.compile(r"((?:\[\d+\])+)(?:[ \t]*\1)+")


def merge_repeated_items(sentence: str) -> str:
    """The sentence with a list item that names an earlier item again taken out, its markers
    added to the earlier one's. The 1.5B model pads a list it cannot fill (gate: "Turkish
    marineship TCG Kinaliada [3][5], TCG Kinaliada [5] visited Benghazi [1]."); the item is
    right, the repetition is noise a reader should not get::

        >>> merge_repeated_items("Turkish marineship TCG Kinaliada [3][5], TCG Kinaliada [5] "
        ...                      "visited Benghazi [1].")
        'Turkish marineship TCG Kinaliada [3][5] visited Benghazi [1].'
        >>> merge_repeated_items("Facebook [4], NSosyal [2], Google [5], Facebook [4], "
        ...                      "Instagram [7]")
        'Facebook [4], NSosyal [2], Google [5], Instagram [7]'
        >>> merge_repeated_items("Begec [4], Kalin [1] and Begec [5] were there.")
        'Begec [4][5] and Kalin [1] were there.'
        >>> merge_repeated_items("Buma [5], and Thierry Baudet [5] [5] drew attention.")
        'Buma [5], and Thierry Baudet [5] drew attention.'

    Only an item that stands in the list is taken out; a name the sentence uses again
    elsewhere is left::

        >>> merge_repeated_items("Hij was fan van Ajax [3] en schreef over Ajax [4].")
        'Hij was fan van Ajax [3] en schreef over Ajax [4].'
    """
    sentence = _REPEATED_MARKS.sub(r"\1", sentence)
    items = list(_ITEM.finditer(sentence))
    if len(items) < 2:
        return sentence
    gaps = [sentence[(items[i - 1].end() if i else 0):m.start()] for i, m in enumerate(items)]
    named = [fold(m.group("name")) for m in items]
    marks = [cited_numbers(m.group("marks")) for m in items]
    kept = [True] * len(items)
    merged: set[int] = set()  # items that took a later item's markers
    for i in range(1, len(items)):
        sep = _LIST_SEP.fullmatch(gaps[i])
        if sep is None:
            continue
        first = next((k for k in range(i) if kept[k] and (
            named[k] == named[i] or named[k].endswith(" " + named[i]))), None)
        if first is None or not _in_list(gaps, first, i):
            continue
        kept[i] = False
        added = [n for n in marks[i] if n not in marks[first]]
        if added:
            marks[first] += added
            merged.add(first)
        conjunction = sep.group("c1") or sep.group("c2")
        last = max(k for k in range(i) if kept[k])
        continues = i + 1 < len(items) and _LIST_SEP.fullmatch(gaps[i + 1])
        if conjunction and not continues and last > first and _BARE_COMMA.fullmatch(gaps[last]):
            gaps[last] = f" {conjunction} "
    if all(kept):
        return sentence
    out = []
    for i, m in enumerate(items):
        if kept[i]:
            item = f"{m.group('name')} {markers(marks[i])}" if i in merged else m.group()
            out.append(gaps[i] + item)
    return "".join(out) + sentence[items[-1].end():]


def _in_list(gaps: Sequence[str], first: int, later: int) -> bool:
    """Whether every item from ``first`` to ``later`` stands in one list (list separators
    between them)."""
    return all(_LIST_SEP.fullmatch(gaps[k]) for k in range(first + 1, later + 1))


def too_few_items(sentence: str, question: str) -> str:
    """For a question that says how many things it asks for ("Which two researchers ...?",
    "Welke drie steden ...?") or plainly asks for several: an answer sentence that names some,
    but fewer, is a list cut short. Dev: "Robert DePalma [4] and his team [4] are quoted ..."
    for two researchers, "The opposition CHP won in Ankara [4] and Istanboel [4]." for three
    cities (the third city's article removed). A sentence that names no item is left alone:
    its items may be things that are not names ("two reasons: cost and time"), which are not
    counted.

    >>> too_few_items("Robert DePalma [4] and his team [4] are quoted.",
    ...               "Which two researchers are quoted about the site?")
    'the question asks for 2, the answer names 1'
    >>> too_few_items("Robine [6] and Renske [6] found the foal.",
    ...               "Which two girls from Montfoort found the foal?")
    ''

    A plural asked for with no number (``asks_for_several``) wants two at least (dev: "Porsche
    [6] is responsible ..." for the carmakers behind a nickname, four in the article):

    >>> too_few_items("Porsche [6] is responsible for the nickname.",
    ...               "Which carmakers are responsible for Stuttgart's nickname?")
    'the question asks for several, the answer names 1'
    """
    wanted = asked_count(question)
    named = len({fold(item) for item in listed(sentence, question)})
    if 0 < named < wanted:
        return f"the question asks for {wanted}, the answer names {named}"
    if not wanted and named == 1 and asks_for_several(question):
        return "the question asks for several, the answer names 1"
    return ""


# questions about who was at a meeting or took part: people are asked for
_ATTENDED = re.compile(
    r"^\s*(?:who|wie)\b.*?\b(?:attend(?:ed|s)?|took\s+part|take\s+part|participated"
    r"|were\s+(?:at|present|there)|met|waren\s+(?:er\s+)?(?:bij|aanwezig)|namen\s+deel"
    r"|nam\s+deel|ontmoette|ontmoetten|woonden)\b", re.IGNORECASE)


def body_as_attendee(sentence: str, question: str) -> str:
    """For a question about who was at a meeting or took part: an item that names a body, not
    a person (held-out: "De Turkse Ministerie van Nationale Defensie [2], Guven Begec [4] en
    Serkan Kiramanlioglu [4] waren bij de bijeenkomst": the ministry sent a delegation, led by
    a man the answer leaves out).

    >>> body_as_attendee("De Turkse Ministerie van Nationale Defensie [2] en Guven Begec [4] "
    ...                  "waren bij de bijeenkomst.", "Wie waren er bij de bijeenkomst?")
    'the answer gives Ministerie van Nationale Defensie, a body, as one who was there'
    >>> body_as_attendee("Guven Begec [4] was there.", "Who attended the meeting?")
    ''
    >>> body_as_attendee("De PVV [2] diende de motie in.", "Wie diende de motie in?")
    ''
    """
    if not _ATTENDED.search(question):
        return ""
    body = next((item for item in listed(sentence, question) if organisation(item)), None)
    return f"the answer gives {body}, a body, as one who was there" if body else ""


def degenerate(sentence: str, question: str, earlier: Sequence[str] = ()) -> str:
    """The first reason that makes ``sentence`` a degenerate answer sentence, or ``""``; the
    first sentence of an answer must also give an amount or a name when the question asks for
    one, and as many things as it asks for when it says how many."""
    return (repetition(sentence, earlier, question) or restates(sentence, question)
            or subject_as_answer(sentence, question) or body_as_attendee(sentence, question)
            or ("" if earlier else no_amount(sentence, question) or no_share(sentence, question)
                or no_name(sentence, question) or too_few_items(sentence, question)))
