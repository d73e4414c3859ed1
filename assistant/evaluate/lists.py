"""Scoring a list answer: which items it names, and how many of them are the gold ones. Pure.

A list question's gold item holds every item the article names (``"match": "all"``). The
items an answer names are read by ``text.items.listed``; an item is right when it holds a gold
item or lies inside one, and only the first time it is named::

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

from assistant.text.items import listed
from assistant.text.words import fold


@dataclass(frozen=True)
class ListScore:
    """``found`` of the ``total`` gold items named; ``named`` items in the answer, of which
    ``wrong`` are no gold item or name one a second time."""

    found: int
    total: int
    named: int
    wrong: list[str] = field(default_factory=list)


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
