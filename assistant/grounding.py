"""Signals outside the model that an answer is (not) grounded in the evidence. Pure functions.

We measured that the 1.5B model cannot be trusted to abstain by itself (it abstained on 0 of 3
unanswerable questions when asked for cited JSON), so the assistant also checks:

- names the question asks about that no evidence sentence mentions (checked before generation);
- for a question in the archive's language, too few of its content words in the evidence
  (``coverage``; checked before generation);
- numbers in the answer that its cited sentences do not hold, and names in the answer that no
  evidence sentence holds (checked after).

Everyday English words (``common_word``) are left out of the name checks: a Dutch article
translates "Army" or "House of Representatives", it does not contain them.

Names match across spellings and languages loosely: folded, sharing a 3-letter prefix and a
similarity of at least 0.6 (``Libya`` ~ ``Libië``, ``Turkish`` ~ ``Turkse``)::

    >>> term_found("Libya", words("De VN-missie in Libië"))
    True
    >>> missing_names("What did President Erdogan say about the meeting in Benghazi?",
    ...               ["Kalin had in de haven van Benghazi een ontmoeting met Haftar."])
    ['Erdogan']
    >>> ev = ["Kalin ontmoette Haftar in Benghazi.", "In 2022 kwam er een regering."]
    >>> unsupported_terms("Kalin met Haftar and 12 generals in Benghazi [1].", ev[:1], ev)
    ['12']
    >>> unsupported_terms("The elections are in 2022 [1].", ev[:1], ev)
    ['2022']
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence

from .text import MARKER, STOPWORDS, fold, words

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


def missing_names(question: str, evidence: Sequence[str]) -> list[str]:
    """Names in the question that no evidence sentence mentions."""
    tokens = set(words(" ".join(evidence)))
    return [n for n in names(question, skip_common=True) if not term_found(n, tokens)]


MIN_COVERAGE = 0.55  # below this, a same-language question is about something else


def coverage(question: str, evidence: Sequence[str]) -> float:
    """Share of the question's content words that the evidence mentions (same language).

    >>> coverage("Welke afspraken over wapenleveranties maakten Turkije en Haftar?",
    ...          ["Turkije stuurde een schip naar Haftar."])
    0.5
    """
    content = [w for w in dict.fromkeys(words(question))
               if w not in STOPWORDS and w not in QUESTION_WORDS and len(w) >= 4]
    if not content:
        return 1.0
    tokens = set(words(" ".join(evidence)))
    return sum(term_found(w, tokens) for w in content) / len(content)


# Words of a question that carry no topic (beyond the function words in ``text.STOPWORDS``).
QUESTION_WORDS = frozenset(
    """heet heten noemt genoemd gebeurde gebeurt jaar jaren welk hoeveel hoelang waren wordt
    worden kwam komen maakte maakten zegt zeggen vindt vinden staat stond name named called
    happen happened year years many much does according""".split()
)


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


def unsupported_terms(answer: str, cited: Sequence[str], evidence: Sequence[str],
                      question: str = "") -> list[str]:
    """Numbers in ``answer`` that its cited sentences do not hold, and names that no evidence
    sentence holds (the question counts as a source for both).

    A number is the easiest thing to get wrong and the easiest for a reader to check, so it must
    stand in a sentence the answer cites.
    """
    have = set(numbers(" ".join(cited) + " " + question))
    out = [n for n in dict.fromkeys(numbers(_strip_markers(answer))) if n not in have]
    tokens = set(words(" ".join(evidence) + " " + question))
    out += [n for n in names(answer, skip_common=True) if not term_found(n, tokens)]
    return out


def _strip_markers(text: str) -> str:
    return MARKER.sub(" ", text)
