"""Dutch titles left untranslated in an English answer: capitalised, yet not names. Pure.

``language.py`` leaves capitalised words alone, since names stay as the source has them. But a
Dutch title is made of everyday words ("the Huis van Afgevaardigden", "the Libische Nationale
Leger", "Stichting Vogelklas"), and an English reader gets it either translated or quoted as the
source's term. What tells a title word from a name is how the archive's language writes it in
running text: "huis" is lower case there but where a title starts, "Enschede" never is.
``assistant/data/title_words_nl.json`` lists such words (``evals/title_words.py`` counts them
over 1,438 Dutch news articles)::

    >>> title_words("The government based in Benghazi is led by the Huis van Afgevaardigden [1].")
    ['Huis']
    >>> title_words("The Libische Nationale Leger [1] sent troops to Tripoli.")
    ['Nationale', 'Leger']
    >>> title_words("La Res [1] is a primary school in Enschede, says Minister Hugo de Jonge.")
    []
    >>> text = "It is led by the Huis van Afgevaardigden in Benghazi [1]."
    >>> [text[start:end] for start, end in title_spans(text)]
    ['Huis van Afgevaardigden']

The first word of a sentence is not judged (any word is capitalised there), and a word after a
name and a name particle ("Hugo de Jonge", "Jan van Koning") is a surname. A title's span runs
over its capitalised words and the Dutch particles between them, so it can be quoted whole.
Only English answers are judged: no list is shipped for English titles in Dutch answers.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from assistant.text.words import MARKER, OWN_FUNCTION_WORDS, QUOTED, STOPWORDS, TERM, fold

DATA = Path(__file__).resolve().parents[1] / "data"
# Dutch words that may stand inside a title or a name, between its capitalised words
PARTICLES = OWN_FUNCTION_WORDS["nl"] | frozenset("van de der den ter te".split())
_OPENING = " \t\n\"'“‘("  # what may stand between a sentence's end and its first word


@lru_cache(maxsize=4)
def _listed(language: str) -> frozenset[str]:
    """The title words of ``language`` (lower case); empty when none are shipped."""
    path = DATA / f"title_words_{language}.json"
    if not path.exists():
        return frozenset()
    return frozenset(json.loads(path.read_text(encoding="utf-8"))["words"])


def _words(text: str) -> list[re.Match[str]]:
    """The words of ``text``, markers and quoted spans blanked out (offsets kept)."""
    blank = MARKER.sub(lambda m: " " * len(m.group()), text)
    blank = QUOTED.sub(lambda m: " " * len(m.group()), blank)
    return list(TERM.finditer(blank))


def _capitalised(word: str) -> bool:
    return word[:1].isupper()


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the word at ``start`` is its sentence's first (after quotes or a bracket)."""
    before = text[:start].rstrip(_OPENING)
    return not before or before[-1] in ".!?:"


def _flags(text: str, language: str) -> list[tuple[re.Match[str], bool]]:
    """Each word of ``text`` with whether it is a title word (see the module)."""
    listed = _listed("nl") if language == "en" else frozenset()
    words = _words(text)
    out: list[tuple[re.Match[str], bool]] = []
    for i, m in enumerate(words):
        word = m.group()
        flagged = (_capitalised(word) and any(part.lower() in listed for part in word.split("-"))
                   and not _opens_sentence(text, m.start()))
        if flagged and i >= 2 and words[i - 1].group() in PARTICLES:
            before = words[i - 2].group()  # "Hugo de Jonge": a surname after a name
            flagged = not (_capitalised(before) and not out[i - 2][1]
                           and fold(before) not in STOPWORDS)
        out.append((m, flagged))
    return out


def title_words(text: str, language: str = "en") -> list[str]:
    """The capitalised words of ``text`` (outside quotes) that belong to a title of the other
    language, in an answer written in ``language``."""
    return [m.group() for m, flagged in _flags(text, language) if flagged]


def title_spans(text: str, language: str = "en") -> list[tuple[int, int]]:
    """``(start, end)`` of each title holding a title word: its capitalised words (not the
    answer language's function words: "The") and the particles between them."""
    flags = _flags(text, language)
    spans: list[tuple[int, int]] = []

    def part_of_title(j: int) -> bool:
        word = flags[j][0].group()
        return _capitalised(word) and fold(word) not in OWN_FUNCTION_WORDS[language]

    def joined(a: int, b: int) -> bool:  # nothing but spaces between words a and b
        return not text[flags[a][0].end():flags[b][0].start()].strip()

    def extends(j: int, step: int) -> bool:
        """Whether word ``j``, beside the span on the side ``step`` (-1 or 1) points to, joins
        the title: a capitalised word, or a particle with one beyond it."""
        if not (0 <= j < len(flags) and joined(min(j, j - step), max(j, j - step))):
            return False
        if part_of_title(j):
            return True
        beyond = j + step
        return (flags[j][0].group() in PARTICLES and 0 <= beyond < len(flags)
                and joined(min(j, beyond), max(j, beyond)) and part_of_title(beyond))

    for i, (m, flagged) in enumerate(flags):
        if not flagged or (spans and m.start() < spans[-1][1]):
            continue
        lo = hi = i
        while extends(lo - 1, -1):
            lo -= 1
        while extends(hi + 1, 1):
            hi += 1
        spans.append((flags[lo][0].start(), flags[hi][0].end()))
    return spans
