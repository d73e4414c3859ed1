"""Scoring a list answer: which items it names, and how many of them are the gold ones. Pure.

A list question's gold item holds every item the article names (``"match": "all"``). An
answer is cut into its items at commas, semicolons and "and" / "en"; an item is the first name
of its piece (capitalised words, acronyms such as "VVD" or "D66", with "van", "de" or "/"
inside), leaving out the question's own names, sentence openers ("The", "De") and nationality
adjectives. An item is right when it holds a gold item or lies inside one, and only the first
time it is named::

    >>> listed("Kalin [1], Guven Begec [4] en De Turkse Ministerie van Defensie [2] waren er.",
    ...        "Wie waren er in Benghazi?")
    ['Kalin', 'Guven Begec', 'Ministerie van Defensie']
    >>> score_list("Nederland [1], Australië [1] en Rusland [2] are in the team [2].",
    ...            ["Nederland", "Australië", "België"], "Which countries are in the team?")
    ListScore(found=2, total=3, named=3, wrong=['Rusland'])
    >>> score_list("VVD [5], D66 [5], D66 [7] and CDA [7].", ["VVD", "D66"], "Which parties?")
    ListScore(found=2, total=2, named=4, wrong=['D66', 'CDA'])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from assistant.text.matching import nationality_adjective
from assistant.text.words import MARKER, STOPWORDS, fold

# where a list is cut into its items
_SEPARATOR = re.compile(r"\s*(?:[,;]|\band\b|\ben\b)\s*", re.IGNORECASE)
# a name: capitalised words or acronyms, joined by particles, hyphens or a slash
_WORD = r"(?:[A-ZÀ-ÖØ-Þ][\w'’.-]*\w|[A-ZÀ-ÖØ-Þ]|\d+[A-Za-z][\w-]*|[A-Z]{1,}\d+\w*)"
_JOIN = r"(?:(?:\s+(?:van|de|der|den|ter|te|von|al|el|bin))*\s+|\s*/\s*)"
_NAME = re.compile(rf"{_WORD}(?:{_JOIN}{_WORD})*")


@dataclass(frozen=True)
class ListScore:
    """``found`` of the ``total`` gold items named; ``named`` items in the answer, of which
    ``wrong`` are no gold item or name one a second time."""

    found: int
    total: int
    named: int
    wrong: list[str] = field(default_factory=list)


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
            words = match.group().split()
            while words and not _is_item(words[0], asked):  # "De Turkse Ministerie" → its name
                words = words[1:]
            if words and any(_is_item(w, asked) for w in words):
                items.append(" ".join(words))
                break
    return items


def _holds(item: str, gold: str) -> bool:
    a, b = fold(item), fold(gold)
    return re.search(rf"(?<!\w){re.escape(b)}(?!\w)", a) is not None or (
        len(a) >= 3 and re.search(rf"(?<!\w){re.escape(a)}(?!\w)", b) is not None)


def score_list(answer: str, gold: Sequence[str], question: str,
               found: Sequence[bool] | None = None) -> ListScore:
    """How much of the ``gold`` list ``answer`` names, and what else it names. ``found``: which
    gold items the answer holds, when the caller has judged that already (``is_correct``'s
    matching, numbers and spellings included); else an item is found when a named one holds
    it."""
    items = listed(answer, question)
    used: set[int] = set()
    wrong = []
    for item in items:
        hit = next((i for i, g in enumerate(gold) if i not in used and _holds(item, g)), None)
        if hit is None:
            wrong.append(item)
        else:
            used.add(hit)
    n_found = sum(found) if found is not None else len(used)
    return ListScore(found=n_found, total=len(gold), named=len(items), wrong=wrong)
