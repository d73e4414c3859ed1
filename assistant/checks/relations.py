"""Is the answer's number the one the question asks about? Pure, with the similarity passed in.

Five relations are read: what a number counts (below), whether a count is a span of time
(``time_for_count``) or a share (``share_for_count``), whether a sum asked for is given as
money (``money_without_currency``), and whether a punishment is the one a court gave or the one
the prosecution demanded (``demand_as_sentence``).

The word checks (``grounding``) ask whether an answer's number stands in the sentence it cites;
a sentence often holds several, and the 1.5B model takes the wrong one ("Rauwerdink kwam in
zestien jaar tijd tot 337 interlands" gave "16 international matches"). Each number of the
cited sentences is read with the words that follow it (what it counts: "337 interlands",
"16 jaar tijd"), those phrases are compared with the question by ``similarity`` (EmbeddingGemma,
across languages), and an answer whose numbers are not the best match's, by more than
``MARGIN``, is refused::

    >>> number_phrases("Rauwerdink kwam in zestien jaar tijd tot 337 interlands [2].")
    [('16', '16 jaar tijd tot'), ('337', '337 interlands')]
    >>> def sim(question, phrases):  # a stand-in for the embedding model
    ...     return [0.6 if "interlands" in p else 0.3 for p in phrases]
    >>> misread_number("How many international matches did Rauwerdink play?",
    ...                "Rauwerdink played 16 international matches [2].",
    ...                ["Rauwerdink kwam in zestien jaar tijd tot 337 interlands."], sim)
    'the answer gives 16, but the cited sentence gives 337 for what was asked'
    >>> misread_number("How many international matches did Rauwerdink play?",
    ...                "Rauwerdink played 337 international matches [2].",
    ...                ["Rauwerdink kwam in zestien jaar tijd tot 337 interlands."], sim)
    ''

A sentence with one number, an answer with none of the cited numbers (``grounding`` refuses
that), numbers the question itself names, and bare numbers (no word after them says what they
count) are left alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from assistant.text.matching import new_numbers, number_words_as_digits, numbers
from assistant.text.words import MARKER

# how much better another number's phrase must fit the question before the answer is refused
MARGIN = 0.05
FOLLOWING = 3  # words read after a number: what it counts

# a number in digits (with a multiplier word), a word, or a punctuation mark that ends a phrase
_TOKEN = re.compile(r"\d+(?:[.,]\d+)*(?:\s+(?:duizend|thousand|miljoen|million|miljard|billion)"
                    r"\b)?%?|[^\W\d_][\w'’-]*|[.,;:!?()]")


def number_phrases(sentence: str) -> list[tuple[str, str]]:
    """``(value, phrase)`` for each number of ``sentence`` (markers left out, Dutch number
    words read as digits): the number and up to ``FOLLOWING`` words after it, up to the next
    number, punctuation mark or capitalised word (a name: what a number counts is a common
    noun). A value is given once, with its first phrase.

    >>> number_phrases("De destijds 15-jarige Willeke verdween in 1992 spoorloos.")
    [('15', '15 jarige'), ('1992', '1992 spoorloos')]
    """
    text = number_words_as_digits(MARKER.sub(" ", sentence))
    tokens = [m.group() for m in _TOKEN.finditer(text)]
    out: list[tuple[str, str]] = []
    seen: set[str] = set()
    for i, token in enumerate(tokens):
        if not token[:1].isdigit():
            continue
        values = numbers(token)
        if not values or values[0] in seen:
            continue
        phrase = [token]
        for after in tokens[i + 1:i + 1 + FOLLOWING]:
            if not after[:1].isalpha() or not after[:1].islower():
                break
            phrase.append(after)
        seen.add(values[0])
        out.append((values[0], " ".join(phrase)))
    return out


def _counts_something(phrase: str) -> bool:
    """Whether a number's phrase says what it counts: a word follows the number. A bare number
    ("alleen al in Stuttgart zijn het er 80 duizend.", "115 Dublinclaimanten", whose noun is
    capitalised) tells the similarity nothing, so it is neither judged nor a rival.

    >>> _counts_something("337 interlands"), _counts_something("80 duizend")
    (True, False)
    """
    number = _TOKEN.match(phrase)
    return number is not None and bool(phrase[number.end():].strip())


# a question that asks for a year: only years are candidate answers
_YEAR_ASKED = re.compile(r"\b(?:what|which|welk)\s+(?:year|jaar)\b", re.IGNORECASE)
_YEAR = re.compile(r"1\d{3}|20\d{2}")


def misread_number(question: str, sentence: str, cited: Sequence[str],
                   similarity: Callable[[str, list[str]], list[float]],
                   margin: float = MARGIN) -> str:
    """A reason to refuse ``sentence`` when another number of the ``cited`` sentences fits the
    question better than every number the sentence gives, or ``""``. A question that asks
    which year weighs the years only::

        >>> misread_number("In welk jaar verdween Willeke Dost?", "In 1992 [1].",
        ...                ["De destijds 15-jarige Willeke verdween in 1992 spoorloos."],
        ...                lambda q, ps: [0.9 if "jarige" in p else 0.2 for p in ps])
        ''
    """
    asked = set(numbers(question))
    given = new_numbers(sentence, question)
    phrases = [(v, p) for text in cited for v, p in number_phrases(text)
               if v not in asked and _counts_something(p)]
    if _YEAR_ASKED.search(question):
        phrases = [(v, p) for v, p in phrases if _YEAR.fullmatch(v)]
    values = {v for v, _ in phrases}
    if not given or len(values) < 2 or not given & values:
        return ""
    scores = similarity(question, [p for _, p in phrases])
    best = max(range(len(phrases)), key=lambda i: scores[i])
    if phrases[best][0] in given:
        return ""
    own = max(s for (v, _), s in zip(phrases, scores, strict=True) if v in given)
    if scores[best] - own <= margin:
        return ""
    wrong = ", ".join(sorted(given & values))
    return (f"the answer gives {wrong}, but the cited sentence gives {phrases[best][0]} for "
            "what was asked")


def _holding(cited: Sequence[str], given: set[str]) -> list[str]:
    """The cited sentences that hold one of the answer's numbers ``given``."""
    return [text for text in cited if given & set(numbers(text))]


# a question about the punishment a court gave (not the one the prosecution asked for) ...
_PUNISHMENT = re.compile(
    r"\b(?:sentence[ds]?|sentencing|verdict|convicted|straf|celstraf|gevangenisstraf|taakstraf"
    r"|jeugddetentie|vonnis|veroordeeld|veroordeelde)\b", re.IGNORECASE)
# ... the words of a demand ...
_DEMAND = re.compile(
    r"\b(?:demand(?:s|ed)?|requested|prosecut\w*|eis(?:t|te|ten|en)?|geëist|geeist|vorder\w*"
    r"|gevorderd|openbaar\s+ministerie|officier\s+van\s+justitie|(?-i:OM))\b", re.IGNORECASE)
# ... and of a punishment given
_IMPOSED = re.compile(
    r"\b(?:veroordeeld|veroordeelde|kreeg|kregen|krijgt|opgelegd|legde|sentenced|was\s+given"
    r"|got|vonnis|uitspraak|bepaalde)\b", re.IGNORECASE)


def demand_as_sentence(question: str, sentence: str, cited: Sequence[str]) -> str:
    """A reason to refuse ``sentence`` when the question asks what punishment a court gave and
    the sentence gives, as that, a number that its ``cited`` sentences hold only where they
    tell what the prosecution demanded; or ``""``. Dev, a near-miss question (the verdict was
    still to come): "The court ultimately imposed a sentence of 3 years and 9 months [1]", from
    "Tegen een 22-jarige politieman uit Tiel is gisteren een gevangenisstraf van drie jaar en
    negen maanden geëist".

    >>> cited = ["Tegen de man is gisteren een gevangenisstraf van drie jaar geëist."]
    >>> demand_as_sentence("What sentence did the court impose on the man?",
    ...                    "The court imposed 3 years in prison [1].", cited)
    'the answer gives the punishment demanded as the one imposed'

    A question about the demand, a sentence that says it is the demand, and a number a cited
    sentence gives as imposed are left alone:

    >>> demand_as_sentence("Welke straf eiste het OM?", "Het OM eiste 3 jaar [1].", cited)
    ''
    >>> demand_as_sentence("What sentence did the court impose?",
    ...                    "The prosecution demanded 3 years [1].", cited)
    ''
    >>> demand_as_sentence("What sentence did the court impose?", "The man got 3 years [1].",
    ...                    cited + ["De rechter veroordeelde hem tot drie jaar cel."])
    ''
    """
    plain = MARKER.sub(" ", sentence)
    if not _PUNISHMENT.search(question) or _DEMAND.search(question) or _DEMAND.search(plain):
        return ""
    given = new_numbers(sentence, question)
    if not given:
        return ""
    holding = _holding(cited, given)
    if holding and all(_DEMAND.search(text) and not _IMPOSED.search(text) for text in holding):
        return "the answer gives the punishment demanded as the one imposed"
    return ""


# words that measure time: a number before one counts time, not things
_TIME_UNIT = re.compile(
    r"(?:jaar|jaren|year|years|maand|maanden|month|months|week|weken|weeks|dag|dagen|day|days"
    r"|uur|hour|hours|minuut|minuten|minute|minutes|seconde|seconden|second|seconds|eeuw|eeuwen"
    r"|century|centuries|jarige)", re.IGNORECASE)
# "how many matches", "hoeveel klanten": the thing counted
_COUNT_ASKED = re.compile(r"\b(?:how\s+many|hoeveel)\s+(\w+)", re.IGNORECASE)


def time_for_count(question: str, sentence: str, cited: Sequence[str]) -> str:
    """A reason to refuse ``sentence`` when the question asks how many of some thing that is
    not a span of time, and the sentence's number stands in its ``cited`` sentences only as a
    span of time ("zestien jaar", "8 weken"); or ``""``. The issue's held-out case: "How many
    international matches did Rauwerdink play?" answered "16 [5]" from "Rauwerdink kwam in
    zestien jaar tijd tot 337 interlands".

    >>> cited = ["Rauwerdink kwam in zestien jaar tijd tot 337 interlands."]
    >>> time_for_count("How many international matches did Rauwerdink play?",
    ...                "Rauwerdink played 16 international matches [1].", cited)
    'the answer gives 16, which its sentence gives as a span of time, not a count'
    >>> time_for_count("How many international matches did Rauwerdink play?",
    ...                "Rauwerdink played 337 international matches [1].", cited)
    ''
    >>> time_for_count("How many years did Rauwerdink play?", "For 16 years [1].", cited)
    ''
    """
    asked = _COUNT_ASKED.search(question)
    if asked is None or _TIME_UNIT.fullmatch(asked.group(1)):
        return ""
    given = new_numbers(sentence, question)
    phrases = [(v, p.split()) for text in cited for v, p in number_phrases(text) if v in given]
    if phrases and all(len(p) > 1 and _TIME_UNIT.fullmatch(p[1]) for _, p in phrases):
        value = ", ".join(sorted({v for v, _ in phrases}))
        return f"the answer gives {value}, which its sentence gives as a span of time, not a count"
    return ""


# questions that ask for a sum of money: what something cost, paid, raised, a price or a fine
_MONEY_ASKED = re.compile(
    r"\bhow\s+much\s+money\b|\bhoeveel\s+geld\b"
    r"|\bhoeveel\s+(?:(?:miljoen|miljard|duizend)\s+)?(?:euro|dollar)"
    r"|\bhow\s+many\s+(?:(?:million|billion|thousand)\s+)?(?:euros?|dollars?|pounds)"
    r"|\bhow\s+much\b[^?]*\b(?:cost|costs|pay|paid|pays|earn|earned|earns|raise|raised"
    r"|collect|collected|spend|spent|invest|invested|charge|charged)\b"
    r"|\bhoeveel\s+(?:kost|kostte|kosten|kostten|betaal\w*|verdien\w*|bedraagt|bedroeg)\b"
    r"|\bwat\s+(?:kost|kostte|kosten|kostten)\b|\bwhat\s+did\b[^?]*\bcost\b"
    r"|\b(?:what|which)\s+(?:price|sum\s+of\s+money)\b|\bwelke\s+prijs\b"
    r"|\bhow\s+(?:much|high|big|large)\s+(?:is|was|were|are)\s+the\s+(?:fine|price|cost|costs"
    r"|budget|salary|subsidy|fee|bill)\b"
    r"|\bhoe\s+(?:hoog|groot)\s+(?:is|was|zijn|waren)\s+de\s+(?:boete|prijs|kosten|begroting"
    r"|salaris|subsidie|rekening)\b", re.IGNORECASE)
_CURRENCY = re.compile(r"[€$£]|\b(?:euro|euros|eurocent|dollar|dollars|pond|pound|pounds|cent"
                       r"|lira|roebel|rubles?|yen|frank|francs?|kronen|kroon|gulden)\b",
                       re.IGNORECASE)


# a share: a number written as a percentage
_PERCENT = re.compile(r"(\d+(?:[.,]\d+)?)\s*(?:%|procent\b|percent\b|per\s+cent\b)", re.IGNORECASE)
_PERCENT_ASKED = re.compile(r"\b(?:how\s+many|hoeveel)\s+(?:procent|percent|%)", re.IGNORECASE)


def share_for_count(question: str, sentence: str) -> str:
    """A reason to refuse ``sentence`` when the question asks how many of something and every
    number the sentence adds is a percentage (a share, not a count); or ``""``. Dev: "How many
    women took part in Tess Meuleman's study ...?" answered "... 20% of women who had a
    'miskraam' had less oral sex ...".

    >>> share_for_count("How many women took part in the study?",
    ...                 "In the study, 20% of women had less oral sex [7].")
    'the question asks how many, the answer gives a share (20%)'
    >>> share_for_count("Tot hoeveel mensen groeide het aantal vrijwilligers?",
    ...                 "Het aantal groeide met 6 procent, tot 11.700 mensen [3].")
    ''
    >>> share_for_count("How many percent voted?", "20% voted [1].")
    ''
    """
    if not _COUNT_ASKED.search(question) or _PERCENT_ASKED.search(question):
        return ""
    given = new_numbers(sentence, question)
    shares = set(numbers(" ".join(m.group(1) for m in _PERCENT.finditer(sentence))))
    if given and given <= shares:
        return f"the question asks how many, the answer gives a share ({', '.join(sorted(given))}%)"
    return ""


# a question that asks two things ("How often was it signed, and how high is the fine?"): its
# first sentence may answer the other one
_COMPOUND = re.compile(r"\b(?:and|en)\s+(?:how|hoe|what|wat|which|welke|who|wie|when|wanneer"
                       r"|where|waar)\b", re.IGNORECASE)


def money_without_currency(question: str, sentence: str, cited: Sequence[str]) -> str:
    """A reason to refuse ``sentence`` when the question asks for a sum of money and the
    sentence's number is money neither in the sentence nor in the sentences that hold it; or
    ``""``. Dev: "Hoeveel miljard euro schade veroorzaakten de overstromingen?" answered "Het
    natuurgeweld heeft al aan zeker 70 mensen het leven gekost [5]."

    >>> cited = ["Het natuurgeweld heeft al aan zeker zeventig mensen het leven gekost."]
    >>> money_without_currency("Hoeveel miljard euro schade veroorzaakten de overstromingen?",
    ...                        "Het natuurgeweld heeft 70 mensen het leven gekost [5].", cited)
    'the question asks for a sum of money, the answer gives 70'
    >>> money_without_currency("How much did the yacht cost?", "It cost 30 million [2].",
    ...                        ["Het jacht kostte 30 miljoen euro."])
    ''
    >>> money_without_currency("How much did the water rise?", "It rose 2 metres [1].",
    ...                        ["Het water steeg 2 meter."])
    ''
    """
    if (not _MONEY_ASKED.search(question) or _COMPOUND.search(question)
            or _CURRENCY.search(MARKER.sub(" ", sentence))):
        return ""
    given = new_numbers(sentence, question)
    if not given:
        return ""
    if any(_CURRENCY.search(text) for text in _holding(cited, given)):
        return ""
    return f"the question asks for a sum of money, the answer gives {', '.join(sorted(given))}"
