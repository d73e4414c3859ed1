"""Signals outside the model that an answer is (not) grounded in the evidence. Pure functions.

We measured that the 1.5B model cannot be trusted to abstain by itself (it abstained on 0 of 3
unanswerable questions when asked for cited JSON), so the assistant also checks:

- names the question asks about that no evidence sentence mentions (checked before generation);
- numbers and names in the answer that appear in no evidence sentence (checked after).

Names match across spellings and languages loosely: folded, sharing a 3-letter prefix and a
similarity of at least 0.6 (``Libya`` ~ ``Libië``, ``Turkish`` ~ ``Turkse``)::

    >>> term_found("Libya", words("De VN-missie in Libië"))
    True
    >>> missing_names("What did President Erdogan say about the meeting in Benghazi?",
    ...               ["Kalin had in de haven van Benghazi een ontmoeting met Haftar."])
    ['Erdogan']
    >>> unsupported_terms("Kalin met Haftar and 12 generals in Benghazi.",
    ...                   ["Kalin ontmoette Haftar in Benghazi."])
    ['12']
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from .text import STOPWORDS, fold, words

# Capitalised words that are titles or common words rather than names.
NOT_NAMES = frozenset(
    """president minister prime general generaal ambassador ambassadeur consul mr mrs ms dr
    prof sir lord king queen prince koning koningin prins turkish dutch english article articles
    according what who whom whose which when where why how did does do is are was were the a an
    and or in on at of for to from with by about after before during de het een en wie wat
    waar wanneer waarom hoe welke wat volgens tijdens na voor door met bij van over news""".split()
)
_NAME = re.compile(r"\b[A-ZÀ-ÖØ-Þ][\w'’-]*[\w]")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_NUMBER_WORDS = {"one": "1", "two": "2", "three": "3", "four": "4", "five": "5", "six": "6",
                 "seven": "7", "eight": "8", "nine": "9", "ten": "10", "een": "1", "twee": "2",
                 "drie": "3", "vier": "4", "vijf": "5", "zes": "6", "zeven": "7", "acht": "8",
                 "negen": "9", "tien": "10"}


def term_found(term: str, tokens: Iterable[str]) -> bool:
    """Whether ``term`` (a word) loosely matches one of the folded ``tokens``."""
    t = fold(term).strip("'’-")
    for token in tokens:
        if token == t:
            return True
        if len(t) >= 3 and len(token) >= 3 and token[:3] == t[:3]:
            if token.startswith(t) or (t.startswith(token) and len(token) >= 4):
                return True
            if difflib.SequenceMatcher(None, t, token).ratio() >= 0.6:
                return True
    return False


def names(text: str) -> list[str]:
    """Capitalised words that look like names (titles and function words left out).

    >>> names("Who attended the meeting of Kalin and General Haftar in Benghazi?")
    ['Kalin', 'Haftar', 'Benghazi']
    """
    out = []
    for m in _NAME.finditer(text):
        word = m.group()
        if len(word) < 4 or fold(word) in NOT_NAMES or fold(word) in STOPWORDS:
            continue
        if word not in out:
            out.append(word)
    return out


def missing_names(question: str, evidence: Sequence[str]) -> list[str]:
    """Names in the question that no evidence sentence mentions."""
    tokens = set(words(" ".join(evidence)))
    return [n for n in names(question) if not term_found(n, tokens)]


def numbers(text: str) -> list[str]:
    """Numbers in ``text``, with ``1,5`` and ``1.5`` read alike."""
    return [n.replace(",", ".") for n in _NUMBER.findall(text)]


def unsupported_terms(answer: str, evidence: Sequence[str], question: str = "") -> list[str]:
    """Numbers and names in ``answer`` found in neither the evidence nor the question."""
    source = " ".join(evidence) + " " + question
    tokens = set(words(source))
    have = set(numbers(source)) | {v for k, v in _NUMBER_WORDS.items() if k in tokens}
    out = [n for n in numbers(_strip_markers(answer)) if n not in have]
    out += [n for n in names(answer) if not term_found(n, tokens)]
    return out


def _strip_markers(text: str) -> str:
    return re.sub(r"\[\d+(?:\s*[,;]\s*\d+)*\]", " ", text)
