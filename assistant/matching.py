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

from .text import STOPWORDS, fold, words

# Capitalised words that are titles or common words rather than names.
NOT_NAMES = frozenset(
    """president minister prime general generaal ambassador ambassadeur consul mr mrs ms dr
    prof sir lord king queen prince koning koningin prins article articles
    according what who whom whose which when where why how did does do is are was were the a an
    and or in on at of for to from with by about after before during de het een en wie wat
    waar wanneer waarom hoe welke wat volgens tijdens na voor door met bij van over news hoeveel
    welk hoelang sinds onder""".split()
)
# English demonyms and country names that Dutch writes differently (the rest match by prefix:
# Turkish ~ Turkse, Russian ~ Russische). Everyday-word filtering never skips these.
DEMONYMS: dict[str, tuple[str, ...]] = {
    "dutch": ("nederland", "holland"), "netherlands": ("nederland",),
    "german": ("duits",), "germany": ("duits",), "french": ("frans",), "france": ("frankrijk",),
    "british": ("brits", "groot-brittannie", "engels"), "english": ("engels", "engeland"),
    "england": ("engeland",), "american": ("amerika",), "spanish": ("spaans", "spanje"),
    "spain": ("spanje",), "greek": ("grieks",), "greece": ("griekenland",),
    "swiss": ("zwitser",), "belgian": ("belg",), "european": ("europ",),
    "chinese": ("chin",), "japanese": ("japan",), "egyptian": ("egypt",),
    "russian": ("rus",), "russia": ("rusland",), "turkey": ("turk",), "italian": ("ital",),
}
_NAME = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’-]*[\w]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                 "seven": "7", "eight": "8", "nine": "9", "ten": "10", "eleven": "11",
                 "twelve": "12", "twenty": "20", "hundred": "100", "thousand": "1000",
                 "een": "1", "twee": "2", "drie": "3", "vier": "4", "vijf": "5", "zes": "6",
                 "zeven": "7", "acht": "8", "negen": "9", "tien": "10", "elf": "11",
                 "twaalf": "12", "twintig": "20", "honderd": "100", "duizend": "1000"}
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
    from .chunking import tiktoken_counter

    return tiktoken_counter(" " + fold(word)) == 1


def term_found(term: str, tokens: Iterable[str]) -> bool:
    """Whether ``term`` (a word) loosely matches one of the folded ``tokens``."""
    t = _key(term)
    tokens = list(tokens)
    stems = DEMONYMS.get(fold(term))
    if stems and any(tok.startswith(stem) for tok in tokens for stem in stems):
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


def names(text: str, *, skip_common: bool = False) -> list[str]:
    """Capitalised words that look like names (titles and function words left out; with
    ``skip_common``, everyday English words too). A possessive ``'s`` is dropped.

    >>> names("Who attended the meeting of Kalin and General Haftar in Benghazi?")
    ['Kalin', 'Haftar', 'Benghazi']
    >>> names("What did Libya's House of Representatives decide?", skip_common=True)
    ['Libya']
    >>> names("Did the UN-backed Dutch government act?", skip_common=True)
    ['Dutch']
    """
    out = []
    for m in _NAME.finditer(text):
        for word in re.sub(r"['’]s$", "", m.group()).split("-"):
            folded = fold(word)
            if len(word) < 4 or folded in NOT_NAMES or folded in STOPWORDS:
                continue
            if skip_common and folded not in DEMONYMS and common_word(word):
                continue
            if word not in out:
                out.append(word)
    return out


def numbers(text: str) -> list[str]:
    """Numbers in ``text`` (digits, or number words), with ``1,5`` and ``1.5`` read alike.

    >>> numbers("Twee schepen en 1,5 miljoen; een boot")
    ['1.5', '2']
    """
    found = [n.replace(",", ".") for n in _NUMBER.findall(text)]
    found += [_NUMBER_WORDS[w] for w in words(text)
              if w in _NUMBER_WORDS and w != _ARTICLE_EEN]
    if "één" in text.lower():
        found.append("1")
    return found
