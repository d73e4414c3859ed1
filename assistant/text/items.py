"""The items a list answer names, read from its wording. Pure.

An answer is cut into its items at commas, semicolons and "and" / "en"; an item is the first name
of its piece (capitalised words, acronyms such as "VVD" or "D66", with "van", "de" or "/"
inside), leaving out the question's own names, sentence openers ("The", "De") and nationality
adjectives::

    >>> listed("Kalin [1], Guven Begec [4] en De Turkse Ministerie van Defensie [2] waren er.",
    ...        "Wie waren er in Benghazi?")
    ['Kalin', 'Guven Begec', 'Ministerie van Defensie']

``organisation`` tells a body from a person by its name's head ("Ministerie van Defensie",
"the Turkish government"): asked who was there, a reader wants people.

Things that are not names ("two reasons: cost and time") are not read: a list of them names no
item here.
"""

from __future__ import annotations

import re

from assistant.text.matching import nationality_adjective
from assistant.text.words import MARKER, STOPWORDS, fold, words

# where a list is cut into its items
_SEPARATOR = re.compile(r"\s*(?:[,;]|\band\b|\ben\b)\s*", re.IGNORECASE)
# a name: capitalised words or acronyms, joined by particles, hyphens or a slash
_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*\w|[A-ZÀ-ÖØ-Þ]|\d+[A-Za-z][\w-]*|[A-Z]{1,}\d+\w*)"
_JOIN = r"(?:(?:\s+(?:van|de|der|den|ter|te|von|al|el|bin))*\s+|\s*/\s*)"
_NAME = re.compile(rf"{_WORD}(?:{_JOIN}{_WORD})*")
# words that open a sentence, not a list item ("Volgens het artikel: ...", "According to ...")
_OPENERS = frozenset({"volgens", "according", "also", "ook"})


def _is_item(word: str, asked: set[str]) -> bool:
    folded = fold(word)
    return not (folded in STOPWORDS or folded in _OPENERS or folded in asked
                or nationality_adjective(word))


def listed(answer: str, question: str) -> list[str]:
    """The items an answer names, in order (see the module's example)."""
    asked = {fold(w) for w in re.findall(r"\w+", question)}
    items = []
    for piece in _SEPARATOR.split(MARKER.sub(" ", answer)):
        for match in _NAME.finditer(piece):
            parts = match.group().split()
            while parts and not _is_item(parts[0], asked):  # "De Turkse Ministerie" → its name
                parts = parts[1:]
            if parts and any(_is_item(w, asked) for w in parts):
                items.append(" ".join(parts))
                break
    return items


# heads of an organisation's name
_ORGANISATION = re.compile(
    r"(?:ministerie|ministry|department|departement|dienst|agency|leger|army|regering|"
    r"government|kabinet|cabinet|commissie|committee|organisatie|organi[sz]ation|bedrijf|"
    r"company|bank|partij|party|gemeente|municipality|politie|police)$")


def organisation(item: str) -> bool:
    """Whether ``item`` names a body, not a person.

    >>> organisation("De Turkse Ministerie van Nationale Defensie"), organisation("Guven Begec")
    (True, False)
    """
    return any(_ORGANISATION.search(t) for t in words(item))
