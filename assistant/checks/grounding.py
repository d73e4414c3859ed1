"""Abstention signals outside the model: is an answer (or a question) grounded in the evidence?

We measured that the 1.5B model cannot be trusted to abstain by itself (it abstained on 0 of 3
unanswerable questions when asked for cited JSON), so the assistant also checks:

- names the question asks about that no evidence sentence mentions (checked before generation);
- for a question in the archive's language, too few of its content words in the evidence
  (``coverage``; checked before generation);
- numbers in the answer that its cited sentences do not hold, and names in the answer that no
  evidence sentence holds (checked after, sentence by sentence);
- an ordinal the question asks about ("the second stage") that the answer's cited sentences
  do not say (``missing_ordinals``, checked on the first sentence).

The word matching itself lives in ``matching.py``::

    >>> missing_names("What did President Erdogan say about the meeting in Benghazi?",
    ...               ["Kalin had in de haven van Benghazi een ontmoeting met Haftar."])
    ['Erdogan']
    >>> ev = ["Kalin ontmoette Haftar in Benghazi.", "In 2022 kwam er een regering."]
    >>> unsupported_terms("Kalin met Haftar and 12 generals in Benghazi [1].", ev[:1], ev)
    ['12']
    >>> unsupported_terms("The elections are in 2022 [1].", ev[:1], ev)
    ['2022']
    >>> unsupported_terms("They met on Thursday [1].", ev[:1], ["Ze spraken donderdag af."])
    []
    >>> unsupported_terms("They met on Thursday [1].", ev[:1], ["Ze spraken vrijdag af."])
    ['Thursday']
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from assistant.text.matching import (
    calendar_names,
    names,
    nationality_adjective,
    numbers,
    term_found,
)
from assistant.text.words import MARKER, STOPWORDS, fold, words

# adjectives of the archive's own country: its articles need not name it ("Welke Nederlandse
# club …?" over Dutch news)
HOME = {"nl": ("nederland", "holland", "dutch"), "en": ("english", "british", "engels", "brits")}


def missing_names(question: str, evidence: Sequence[str], archive_language: str = "nl",
                  ) -> list[str]:
    """Names in the question that no evidence sentence mentions. An adjective of the archive's
    own nationality is no such name (``HOME``); another country's adjective is (a question
    about "the Norwegian coast" over articles that never mention Norway is about something
    else)::

        >>> missing_names("Welke Nederlandse club won de beker?", ["Ajax won de beker."])
        []
        >>> missing_names("Which French club won the cup?", ["Ajax won de beker."])
        ['French']
    """
    tokens = set(words(" ".join(evidence)))
    home = HOME.get(archive_language, ())
    return [n for n in names(question, skip_common=True)
            if not (nationality_adjective(n) and fold(n).startswith(home))
            and not term_found(n, tokens)]


MIN_COVERAGE = 0.55  # below this, a same-language question is about something else


def coverage(question: str, evidence: Sequence[str]) -> float:
    """Share of the question's content words that the evidence mentions (same language).

    >>> coverage("Welke afspraken over wapenleveranties maakten Turkije en Haftar?",
    ...          ["Turkije stuurde een schip naar Haftar."])
    0.5
    """
    return share_found(content_words(question), set(words(" ".join(evidence))))


def content_words(text: str) -> list[str]:
    """The distinct folded words of ``text`` that carry its topic (no function or question
    words, at least 4 letters).

    >>> content_words("Welke afspraken maakten Turkije en Haftar?")
    ['afspraken', 'turkije', 'haftar']
    """
    return [w for w in dict.fromkeys(words(text))
            if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) >= 4]


def share_found(needles: Sequence[str], tokens: set[str]) -> float:
    """The share of ``needles`` that loosely match one of ``tokens`` (1.0 for none)."""
    if not needles:
        return 1.0
    return sum(term_found(w, tokens) for w in needles) / len(needles)


# Words of a question that carry no topic (beyond the function words in ``text.STOPWORDS``).
QUESTION_WORDS = frozenset(
    """heet heten noemt genoemd gebeurde gebeurt jaar jaren welk hoeveel hoelang waren wordt
    worden kwam komen maakte maakten zegt zeggen vindt vinden staat stond name named called
    happen happened year years many much does according""".split()
)


def unsupported_terms(answer: str, cited: Sequence[str], evidence: Sequence[str],
                      question: str = "") -> list[str]:
    """Numbers in ``answer`` that its cited sentences do not hold, and names that no evidence
    sentence holds (the question counts as a source for both). An English day or month name
    is held by its Dutch name.

    A number is the easiest thing to get wrong and the easiest for a reader to check, so it must
    stand in a sentence the answer cites.
    """
    have = set(numbers(" ".join(cited) + " " + question))
    out = [n for n in dict.fromkeys(numbers(_strip_markers(answer))) if n not in have]
    tokens = set(words(" ".join(evidence) + " " + question))
    calendar = calendar_names()
    out += [n for n in names(answer, skip_common=True) if not term_found(n, tokens)
            and not (fold(n) in calendar and term_found(calendar[fold(n)], tokens))]
    return out


def _strip_markers(text: str) -> str:
    return MARKER.sub(" ", text)


# ordinals 2 to 10 in English and Dutch (words and digits): "the second stage", "de 3e ronde"
_ORDINALS = {n: (en, nl, f"{n}{suffix}", f"{n}e", f"{n}de")
             for n, en, nl, suffix in (
                 (2, "second", "tweede", "nd"), (3, "third", "derde", "rd"),
                 (4, "fourth", "vierde", "th"), (5, "fifth", "vijfde", "th"),
                 (6, "sixth", "zesde", "th"), (7, "seventh", "zevende", "th"),
                 (8, "eighth", "achtste", "th"), (9, "ninth", "negende", "th"),
                 (10, "tenth", "tiende", "th"))}


def _ordinals(text: str, lower_only: bool) -> set[int]:
    """The ordinals ``text`` says; with ``lower_only``, not those written capitalised, as part
    of a name ("de Tweede Kamer")."""
    found: set[int] = set()
    for token in re.findall(r"\w+", text):
        if lower_only and token[:1].isupper():
            continue
        folded = token.lower()
        found.update(n for n, forms in _ORDINALS.items() if folded in forms)
    return found


def missing_ordinals(question: str, cited: Sequence[str]) -> str:
    """A reason to refuse an answer whose cited sentences do not say the ordinal the question
    asks about ("Who won the second stage?" answered from "... heeft de derde etappe
    gewonnen"), or ``""``. Dev: a near-miss question about a "tweede ontmoeting" the article
    never mentions, and a removal ask answered with another stage's winner.

    >>> missing_ordinals("Who won the second stage?", ["Yates won de derde etappe."])
    'the cited sentences do not say the second one the question asks about'
    >>> missing_ordinals("Who won the second stage?", ["Matthews won de tweede etappe."])
    ''
    >>> missing_ordinals("Welke partijen in de Tweede Kamer steunden het?", ["De SP steunde het."])
    ''
    """
    text = " ".join(cited)
    missing = _ordinals(question, lower_only=True) - _ordinals(text, lower_only=False)
    if not missing:
        return ""
    return (f"the cited sentences do not say the {_ORDINALS[min(missing)][0]} one the question "
            "asks about")
