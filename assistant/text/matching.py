"""Matching words across spellings and languages: names, numbers, loose term matches. Pure.

Names match across spellings and languages loosely: folded, sharing a 3-letter prefix and a
similarity of at least 0.6 (``Libya`` ~ ``Libië``, ``Turkish`` ~ ``Turkse``)::

    >>> term_found("Libya", words("De VN-missie in Libië"))
    True
    >>> names("Who attended the meeting of Kalin and General Haftar in Benghazi?")
    ['Kalin', 'Haftar', 'Benghazi']

Everyday English words (``common_word``) are left out of name checks on request: a Dutch
article translates "Army" or "House of Representatives", it does not contain them.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from decimal import Decimal
from functools import lru_cache

from assistant.text.words import MARKER, STOPWORDS, fold, words

# Capitalised words that are titles or common words rather than names (and the Dutch
# interrogatives made of "waar" and a preposition: "Waarop gedijde ...?").
NOT_NAMES = frozenset(
    """president minister prime general generaal ambassador ambassadeur consul mr mrs ms dr
    prof sir lord king queen prince koning koningin prins article articles
    according what who whom whose which when where why how did does do is are was were the a an
    and or in on at of for to from with by about after before during de het een en wie wat
    waar wanneer waarom hoe welke wat volgens tijdens na voor door met bij van over news hoeveel
    welk hoelang sinds onder""".split()
) | {f"waar{p}" for p in "aan bij door in mee na naar om op over tegen uit van voor".split()}
# English demonyms and country names that Dutch writes differently (the rest match by prefix:
# Turkish ~ Turkse, Russian ~ Russische). Everyday-word filtering never skips these.
DEMONYMS: dict[str, tuple[str, ...]] = {
    "dutch": ("nederland", "holland", "netherlands"), "netherlands": ("nederland",),
    "german": ("duits",), "germany": ("duits",), "french": ("frans",), "france": ("frankrijk",),
    "british": ("brits", "groot-brittannie", "engels"), "english": ("engels", "engeland"),
    "england": ("engeland",), "american": ("amerika",), "spanish": ("spaans", "spanje"),
    "spain": ("spanje",), "greek": ("grieks",), "greece": ("griekenland",),
    "swiss": ("zwitser",), "belgian": ("belg",), "european": ("europ",),
    "chinese": ("chin",), "japanese": ("japan",), "egyptian": ("egypt",),
    "russian": ("rus",), "russia": ("rusland",), "turkey": ("turk",), "italian": ("ital",),
}


@lru_cache(maxsize=1)
def calendar_names() -> dict[str, str]:
    """English day and month names, folded, -> the Dutch ones (Babel's CLDR data). An English
    answer writes "Thursday" where its Dutch sentence says "donderdag".

    >>> calendar_names()["thursday"], calendar_names()["june"]
    ('donderdag', 'juni')
    """
    from babel.dates import get_day_names, get_month_names

    out: dict[str, str] = {}
    for get in (get_day_names, get_month_names):
        dutch = get("wide", locale="nl")
        out.update({fold(name): fold(dutch[key]) for key, name in get("wide", locale="en").items()})
    return out


# the endings of adjectives made from a country or language name: Dutch "Franse", "Turkse",
# "Nederlandse", "Belgische"; English "Turkish", "Libyan", "Italian", "Chinese", "Iraqi"
_ADJECTIVE_END = re.compile(r"(?:sche|se|ish|ese|ian|an|i)$")


@lru_cache(maxsize=1)
def _territory_prefixes() -> frozenset[str]:
    """The first four letters of every country and region name in English and Dutch (Babel's
    CLDR data), folded."""
    from babel import Locale

    return frozenset(fold(name)[:4] for locale in ("en", "nl")
                     for name in Locale.parse(locale).territories.values() if len(name) >= 4)


def nationality_adjective(word: str) -> bool:
    """Whether ``word`` is an adjective of nationality or language ("Nederlandse", "Franse",
    "Turkish", "Dutch"), not a country's own name (``grounding.missing_names`` lets the
    archive's own nationality through: a Dutch article about a Dutch club need not say
    "Nederlandse")::

        >>> [w for w in ["Nederlandse", "Franse", "Turkse", "Libyan", "Dutch", "Nederland",
        ...              "Turkey", "Hassan", "Haftar", "Pakistan", "Japan"]
        ...  if nationality_adjective(w)]
        ['Nederlandse', 'Franse', 'Turkse', 'Libyan', 'Dutch']
    """
    folded = fold(word)
    if folded in DEMONYMS:
        return folded not in _COUNTRIES
    return (len(folded) >= 5 and _ADJECTIVE_END.search(folded) is not None
            and folded[:4] in _territory_prefixes() and folded not in _territories())


@lru_cache(maxsize=1)
def _territories() -> frozenset[str]:
    """Every country and region name in English and Dutch, folded: "Pakistan" and "Japan" end
    like an adjective ("Libyan") and are none."""
    return frozenset(name for pair in _territory_names() for name in pair)


_COUNTRIES = frozenset("netherlands germany france england spain greece russia turkey".split())


# a capitalised word of two characters or more: a name, an acronym, or a sentence's first word
CAPITALISED = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’-]*[\w]")
# numbers up to 3 standing alone, which text2num leaves as words (the larger ones it reads)
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "een": "1", "twee": "2", "drie": "3"}
_ARTICLE_EEN = "een"  # Dutch "a": only "één" counts as a number
# spellings that differ across English and Dutch without changing the name
_CROSS = str.maketrans({"y": "i", "c": "k"})


def _key(word: str) -> str:
    return fold(word).strip("'’-").translate(_CROSS)


def common_word(word: str) -> bool:
    """An everyday English word (one cl100k token in lower case): ``army``, ``government``.

    Such words are translated, not kept, in a Dutch article, so they say nothing about whether
    the article names something. Names are rarer: ``erdogan`` takes 3 tokens, ``haftar`` 2.

    >>> [w for w in ["Army", "Representatives", "Erdogan", "Haftar"] if common_word(w)]
    ['Army', 'Representatives']
    """
    from assistant.text.tokens import tiktoken_counter

    return tiktoken_counter(" " + fold(word)) == 1


@lru_cache(maxsize=1)
def _territory_names() -> tuple[tuple[str, str], ...]:
    """``(English, Dutch)`` name of every country and region (Babel's CLDR data), folded."""
    from babel import Locale

    en, nl = Locale.parse("en").territories, Locale.parse("nl").territories
    return tuple((fold(en[code]), fold(nl[code])) for code in en if code in nl
                 and not str(code).isdigit())


# what English and Dutch add to a country's name (less its last vowel) to name its people or
# make an adjective: Yemeni, Libyan, Ukrainians, Iranian, Belgian, Oekraïners, Turkse
_PEOPLE = re.compile(r"(?:|s|n|i|an|ans|ian|ians|ese|ish|er|ers|se|sche|aan|aanse|ees)")


@lru_cache(maxsize=4096)
def country_stems(term: str) -> tuple[str, ...]:
    """The stems, in English and Dutch, of the country ``term`` names or names the people of
    (its first five letters, or the whole of a shorter name), so that "Yemen" finds "Jemen"
    and "Ukrainians" finds "Oekraïne"; ``()`` for a word that is no country's ("Francis" is
    not France's)::

        >>> country_stems("Yemen"), country_stems("Ukrainians"), country_stems("Francis")
        (('yemen', 'jemen'), ('ukrai', 'oekra'), ())
    """
    t = fold(term)
    out: list[str] = []
    for en, nl in _territory_names():
        if " " in en or " " in nl:
            continue
        for name in (en, nl):
            for root in {name, name.rstrip("aeiou"), name[:-2] if name.endswith("um") else name}:
                if len(root) >= 3 and t.startswith(root) and _PEOPLE.fullmatch(t[len(root):]):
                    out += [stem for stem in (en[:5], nl[:5]) if stem not in out]
    return tuple(out)


def term_found(term: str, tokens: Iterable[str]) -> bool:
    """Whether ``term`` (a word) loosely matches one of the folded ``tokens``; a country's
    name (or a word made from it) matches its name in the other language::

        >>> term_found("Yemen", words("De hulp aan Jemen"))
        True
    """
    t = _key(term)
    tokens = list(tokens)
    stems = DEMONYMS.get(fold(term), ()) + country_stems(term)
    if any(tok.startswith(stem) for tok in tokens for stem in stems):
        return True
    for token in tokens:
        token = token.translate(_CROSS)
        if token == t:
            return True
        if len(t) >= 3 and len(token) >= 3 and token[:3] == t[:3]:
            if token.startswith(t) or (t.startswith(token) and len(token) >= 4):
                return True
            if t[:4] == token[:4] and len(t) >= 5 and len(token) >= 5:
                return True
            if difflib.SequenceMatcher(None, t, token).ratio() >= 0.6:
                return True
    return False


# what a name may end with that is no part of it: a possessive, or the Dutch ending that makes
# a party's member ("Haftar's", "SP'er", "PvdA'ers")
NAME_ENDING = re.compile(r"['’](?:s|ers?)$")


def names(text: str, *, skip_common: bool = False) -> list[str]:
    """Capitalised words that look like names (titles and function words left out; with
    ``skip_common``, everyday English words too). A possessive ``'s`` is dropped, and so is
    the Dutch ending that makes a party's member of its name ("SP'er", "PvdA'ers").

    >>> names("Who attended the meeting of Kalin and General Haftar in Benghazi?")
    ['Kalin', 'Haftar', 'Benghazi']
    >>> names("What did Libya's House of Representatives decide?", skip_common=True)
    ['Libya']
    >>> names("Did the UN-backed Dutch government act?", skip_common=True)
    ['Dutch']
    >>> names("Wat zeiden SP'er Van Dijk en de PvdA'ers?")
    ['Dijk', 'PvdA']
    """
    out = []
    for m in CAPITALISED.finditer(text):
        for word in NAME_ENDING.sub("", m.group()).split("-"):
            folded = fold(word)
            if len(word) < 4 or folded in NOT_NAMES or folded in STOPWORDS:
                continue
            if skip_common and folded not in DEMONYMS and common_word(word):
                continue
            if word not in out:
                out.append(word)
    return out


def numbers(text: str) -> list[str]:
    """The values of the numbers in ``text``, as plain digits: digits, number words (spelled
    out in English or Dutch, read by text2num), thousands separators and "thousand"/"miljoen"
    multipliers resolved, with ``1,5`` and ``1.5`` read alike. The same amount written two ways
    gives the same value, so an answer's "6,000 times" matches the article's "zesduizend keer".

    >>> numbers("Twee schepen en 1,5 miljoen; een boot")
    ['1500000', '2']
    >>> numbers("zesduizend keer, 25 duizend euro, 6,000 signatures, 1.7 million, 1.014 items")
    ['6000', '25000', '6000', '1700000', '1014']
    >>> numbers("op 25.03.2019 om 3,5 uur")
    ['25.03.2019', '3.5']
    >>> numbers("a three-year and nine-month term, twenty-five well-known players")
    ['3', '9', '25']

    "Hundreds of times" and "the one appointed" name no number (text2num reads 100 and 1),
    just as "honderden keren" and "degene" do not:

    >>> numbers("leaking it hundreds of times, led by the one appointed; one of them, one man")
    ['1']
    >>> numbers("the one-year deal")
    ['1']
    """
    return list(_numbers(text))


def new_numbers(sentence: str, question: str) -> set[str]:
    """The values of the numbers in ``sentence`` (citation markers left out) that ``question``
    does not hold: what an answer sentence adds.

    >>> sorted(new_numbers("In 2019 [3] there were 70 victims.", "How many victims in 2019?"))
    ['70']
    """
    return set(numbers(MARKER.sub(" ", sentence))) - set(numbers(question))


@lru_cache(maxsize=8192)
def _numbers(text: str) -> tuple[str, ...]:
    text = _NO_NUMBER.sub(" ", text)
    scaled = _AMOUNT.sub(lambda m: _value(m.group(1), m.group(2)) if m.group(2)
                         else m.group(), text)  # "1,7 miljoen" before text2num reads "miljoen"
    digits = spelled_out(_HYPHENED.sub(_unhyphen, scaled))
    found = [_value(m.group(1), None) for m in _AMOUNT.finditer(digits)]
    found += [_NUMBER_WORDS[w] for w in words(digits)
              if w in _NUMBER_WORDS and w != _ARTICLE_EEN]
    if "één" in text.lower():
        found.append("1")
    return tuple(found)


# number words that give no amount: a plural multiplier, and "one" as a pronoun
_NO_NUMBER = re.compile(r"\b(?:hundreds|thousands|millions|billions|dozens)\b"
                        r"|\b(?:the|this|that|which|any|every|each|no)\s+one\b(?!-)"
                        r"|\bone\s+(?:of|another)\b", re.IGNORECASE)
# "1,7 miljoen", "25 duizend", "6.000", "3,5": digits with an optional multiplier word after
_MULTIPLIERS = {"duizend": 3, "thousand": 3, "miljoen": 6, "million": 6, "mln": 6,
                "miljard": 9, "billion": 9, "mld": 9}
_AMOUNT = re.compile(r"(\d+(?:[.,]\d+)*)(?:\s+(" + "|".join(_MULTIPLIERS) + r")\b)?",
                     re.IGNORECASE)


# two letter-words joined by a hyphen: "nine-month", "twenty-five", "well-known"
_HYPHENED = re.compile(r"(?<![\w-])([^\W\d_]+)-([^\W\d_]+)(?![\w-])")


def _unhyphen(m: re.Match[str]) -> str:
    """A number word hyphened to a word that is not one, apart ("nine-month" -> "nine month",
    which text2num reads); "twenty-five" and "well-known" stay as they are."""
    head, tail = m.group(1), m.group(2)
    return f"{head} {tail}" if number_word(head) and not number_word(tail) else m.group()


@lru_cache(maxsize=4096)
def number_word(word: str) -> bool:
    """A number, in digits or in English or Dutch words ("5", "vijf", "fourteen")."""
    return word.isdigit() or fold(word) in _NUMBER_WORDS or spelled_out(word) != word


def spelled_out(text: str, languages: tuple[str, ...] = ("nl", "en")) -> str:
    """``text`` with numbers written in words (``zesduizend``, ``twenty-five``) as digits;
    numbers up to 3 that stand alone are left to ``_NUMBER_WORDS`` ("een" is also "a").

    >>> spelled_out("three years and nine months, drie jaar en negen maanden")
    '3 years and 9 months, 3 jaar en 9 maanden'
    """
    try:
        from text_to_num import alpha2digit
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError("reading spelled-out numbers needs text2num: pip install text2num") \
            from exc
    for language in languages:
        text = alpha2digit(text, language)
    return text


def _value(digits: str, multiplier: str | None) -> str:
    """One number as plain digits: groups of three after a separator are thousands
    (``6.000``, ``6,000``), one other group is a decimal part (``1,5``); a date-like
    ``25.03.2019`` stays as it is (with ``.``)."""
    head, *groups = re.split(r"[.,]", digits)
    if groups and all(len(g) == 3 for g in groups):
        value = Decimal(head + "".join(groups))
    elif len(groups) == 1:
        value = Decimal(f"{head}.{groups[0]}")
    elif not groups:
        value = Decimal(head)
    else:
        return digits.replace(",", ".")
    if multiplier:
        value = value.scaleb(_MULTIPLIERS[multiplier.lower()])
    return _plain(value)


def _plain(value: Decimal) -> str:
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# multipliers stay words ("3 miljoen", not "3 1000000"); "acht" is also a verb ("in acht
# nemen", "ik acht het"), and "elf" an English word ("an elf")
_KEEP_WORDS = frozenset({"honderd", "duizend", "miljoen", "miljard"})
_NOT_AFTER = {"acht": frozenset({"in", "ik", "men", "waarde"}), "elf": frozenset({"an", "the"})}
_NOT_BEFORE = {"acht": frozenset("het ze hem haar zich dat dit mij me je u ons hen hun".split())}
_LETTERS = re.compile(r"[^\W\d_]+")


def number_words_as_digits(text: str) -> str:
    """``text`` with each Dutch number word (one word: ``elf``, ``vijftig``, ``drieëntwintig``)
    written as digits, for the model to read: the 1.5B model turned "elf mensen" into "13
    people" and "zeker vijftig personen" into "55 personen" (dev), and copies digits well.
    Multipliers stay words, small numbers that text2num keeps as words ("een", "twee") stay,
    ordinals stay, and so does a capitalised number word inside a sentence (part of a name).

    >>> number_words_as_digits("Elf doden. De keten sloot toen dertien van de 26 winkels.")
    '11 doden. De keten sloot toen 13 van de 26 winkels.'
    >>> number_words_as_digits("ruim drie miljoen mensen, een van de twee, de tweede ronde")
    'ruim 3 miljoen mensen, een van de twee, de tweede ronde'
    >>> number_words_as_digits("Zij nemen het in acht; ik acht het goed; acht zetels")
    'Zij nemen het in acht; ik acht het goed; 8 zetels'
    >>> number_words_as_digits("De Zeven Provinciën kreeg vijfentwintig keer, ten noorden")
    'De Zeven Provinciën kreeg 25 keer, ten noorden'
    """
    out: list[str] = []
    pos = 0
    matches = list(_LETTERS.finditer(text))
    for i, m in enumerate(matches):
        word = m.group()
        low = word.lower()
        digits = _word_digits(low)
        if not digits or low in _KEEP_WORDS:
            continue
        previous = matches[i - 1].group().lower() if i else ""
        following = matches[i + 1].group().lower() if i + 1 < len(matches) else ""
        if previous in _NOT_AFTER.get(low, ()) or following in _NOT_BEFORE.get(low, ()):
            continue
        if word != low:  # capitalised: a number only where it opens a sentence
            before = text[:m.start()].rstrip(" \n\"'“‘(")
            if before and before[-1] not in ".!?:":
                continue
        out.append(text[pos:m.start()] + digits)
        pos = m.end()
    return "".join(out) + text[pos:]


@lru_cache(maxsize=4096)
def _word_digits(word: str) -> str:
    """The digits of one Dutch number word, or ``""`` (Dutch only: "ten" is "ten noorden")."""
    value = spelled_out(word, ("nl",))
    return value if value.isdigit() else ""
