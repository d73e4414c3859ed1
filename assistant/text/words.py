"""Small text helpers shared by retrieval and answering: folding, word tokens, function words.

Pure functions (language detection is ``language.py``'s)::

    >>> fold("Kiramanlıoğlu İstanbul Café")
    'kiramanlioglu istanbul cafe'
    >>> words("Haftar's 5+5 commissie")
    ['haftar', 's', '5', '5', 'commissie']
"""

from __future__ import annotations

import re
import unicodedata

_WORD = re.compile(r"\w+", re.UNICODE)
# a citation marker: [3] or [1, 3]
MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
# what a sentence's closing . ! or ? may not follow: an initial or a short capitalised word, an
# abbreviated title ("Gökmen T. bijstaat", "'Dr. Bones'", "Gen. Haftar"); a lookbehind to put
# before the punctuation
NOT_ABBREVIATED = r"(?<!\b[A-Z])(?<!\b[A-Z][a-z])(?<!\b[A-Z][a-z]{2})"
# a word as the untranslated-word and title checks read it: letters first, then letters, digits,
# apostrophes and hyphens ("consul-generaal", "tbs-patiënten")
TERM = re.compile(r"[^\W\d_][\w'’-]*")
# a quoted span (up to 120 characters): a name, title or term left as the source has it
QUOTED = re.compile(r"[\"“”„‘’«»][^\"“”„‘’«»]{1,120}[\"“”„‘’«»]|(?<!\w)'[^']{1,120}'(?!\w)")

_EN = frozenset("""the a an of and to in is was were are who what which when where why how did does
do with for on at by from that this these those it its he she they his her their has have had
be been about said say says not or as but there than many much after before""".split())
_NL = frozenset("""de het een van en in is was waren zijn wie wat welke wanneer waar waarom hoe
deed doet met voor op aan bij uit dat dit deze die er hij zij ze hun haar heeft hebben had
worden werd wordt over zei zegt niet of als maar dan veel na voor ook nog om tot door""".split())

_FOLD_EXTRA = str.maketrans({"ı": "i", "ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "ł": "l",
                             "đ": "d", "ð": "d", "þ": "th"})


def fold(text: str) -> str:
    """Lower case without accents, for matching names across spellings."""
    text = unicodedata.normalize("NFKD", text.lower().translate(_FOLD_EXTRA))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).translate(_FOLD_EXTRA)


def words(text: str) -> list[str]:
    """Folded word tokens."""
    return _WORD.findall(fold(text))


# function words, left out of keyword search and of the word-overlap checks
STOPWORDS = _EN | _NL
# each language's own function words, which give away a sentence that slipped into the other
# language: not those the other language shares, nor those that are everyday words there too
# (English "met", "die", "over", "door", "deed"; Dutch "as")
_BOTH = frozenset("met die over door deed er as".split())
OWN_FUNCTION_WORDS = {"en": _EN - _NL - _BOTH, "nl": _NL - _EN - _BOTH}
