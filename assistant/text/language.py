"""Which language a text is written in (English or Dutch), with lingua, offline.

``detect_language`` names a question's language; ``answer_language`` names the language of an
answer's own words, leaving out what a reader expects to stay untranslated: names and titles
(capitalised words past the first), quoted spans, numbers and citation markers::

    >>> detect_language("Who attended the meeting in Benghazi?")
    'en'
    >>> detect_language("Wie waren er bij de bijeenkomst in Benghazi?")
    'nl'
    >>> detect_language("Which festival did Jett Rebel open in Eindhoven?")  # names say nothing
    'en'
    >>> own_words("Generaal-majoor Ilkay Altindag [3] led the 'Turkse Marine' delegation.")
    'led the delegation.'
    >>> answer_language("The ene, benoemd door het Huis, controls the oosten [2].")
    'nl'
    >>> answer_language("Kalin [1] and Haftar [2] attended the meeting in Benghazi.")
    'en'
    >>> answer_language("Amsterdam has more than 35,000 scooters [2].")
    'en'
    >>> answer_language("Kalin [1].") is None   # too few words of its own to tell
    True

lingua weighs a whole sentence, so an English sentence with Dutch words in it can still come out
Dutch ("Rockanje was the place where the zwaan was gevangen": 0.75 Dutch). ``foreign_words``
finds the function words of the other language in it; ``consistent`` requires both::

    >>> foreign_words("Rockanje [2] was the place where the zwaan was gevangen.", "nl")
    ['the', 'where', 'the']
    >>> foreign_words("Marc van der Burgt [4] and Anne van Dam spoke at the 'Dag van de Zorg'.",
    ...               "en")
    []
    >>> foreign_words("Begec [4] en Kiramanlioglu [4] were at the bijeenkomst.", "nl")
    ['were', 'at', 'the']

Content words copied untranslated pass both of those ("The veren of the owl were transplanted"
reads as English). ``foreign_content_words`` finds them by their frequency in each language
(wordfreq's word lists, shipped in its wheel): a lower-case word common in the other language
and rare in this one. Capitalised words are left alone here, since names stay as the source has
them; a Dutch title in an English answer ("the Huis van Afgevaardigden") is ``titles.py``'s::

    >>> foreign_content_words("The veren of the owl came from De Wulp in Den Haag [9].", "en")
    ['veren']
    >>> foreign_content_words("Begec [5] and the consul-generaal took part on donderdag.", "en")
    ['generaal', 'donderdag']
    >>> foreign_content_words("Stichting Vogelklas Karel Schot cared for the swan [7].", "en")
    []

lingua's models ship inside its wheel, so nothing is downloaded; the detector is built on first
use and shared.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from assistant.text.titles import title_spans, title_words
from assistant.text.words import MARKER, OWN_FUNCTION_WORDS, QUOTED, STOPWORDS, TERM, fold, words

SUPPORTED = ("en", "nl")
LANGUAGE_NAMES = {"en": "English", "nl": "Dutch"}
MIN_OWN_WORDS = 3  # fewer words of its own and an answer's language is not judged
MARGIN = 0.5  # and it is judged only when lingua prefers one language by this much

_NUMBER = re.compile(r"\b\d[\d.,:/-]*\b")


@lru_cache(maxsize=1)
def _detector() -> Any:
    try:
        from lingua import Language, LanguageDetectorBuilder
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError("language detection needs lingua: pip install "
                          "lingua-language-detector") from exc
    return LanguageDetectorBuilder.from_languages(Language.ENGLISH, Language.DUTCH).build()


def confidences(text: str) -> dict[str, float]:
    """``{"en": p, "nl": 1 - p}`` for ``text`` (lingua's relative confidence)."""
    out = {"en": 0.0, "nl": 0.0}
    for value in _detector().compute_language_confidence_values(text):
        out[value.language.iso_code_639_1.name.lower()] = float(value.value)
    return out


def detect_language(text: str, default: str = "en", margin: float = 0.1) -> str:
    """``'en'`` or ``'nl'``; ``default`` when the two are within ``margin`` of each other
    (a bare name, "Haftar?", says nothing about the language). Judged on the text's own words
    (``own_words``) when it has enough of them: Dutch place names in an English question must
    not make it Dutch."""
    words = re.findall(r"\w+", MARKER.sub(" ", text))
    if not words:
        return default
    rest = own_words(text)
    if _enough_words(rest):
        text = rest
    conf = confidences(text)
    en, nl = conf["en"], conf["nl"]
    if abs(en - nl) < margin:
        return default
    return "en" if en > nl else "nl"


def own_words(text: str) -> str:
    """``text`` without markers, quoted spans, numbers and names (capitalised words that do
    not start a sentence, or that hold a second capital, like ``VN-missie``)."""
    text = MARKER.sub(" ", text)
    text = QUOTED.sub(" ", text)
    text = _NUMBER.sub(" ", text)
    kept = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        tokens = sentence.split()
        for i, token in enumerate(tokens):
            core = token.strip("\"'“”‘’()[],.;:!?")
            if not core:
                continue
            if i > 0 and core[:1].isupper():
                continue
            if i == 0 and core[:1].isupper() and _looks_like_name(core):
                continue
            kept.append(token)
    joined = " ".join(kept)
    return re.sub(r"\s+([.,;:!?])", r"\1", joined).strip(" ,;:")


def _looks_like_name(word: str) -> bool:
    """A sentence's capitalised first word is left out unless it is a function word ("The",
    "Het", "Hij"): it may be a name (``Begec``, ``Amsterdam``), a title (``Generaal-majoor``)
    or an everyday word, and a name must not decide the language ("Amsterdam has more than
    35,000 scooters" reads as Dutch with its first word)."""
    return fold(word) not in STOPWORDS


def _enough_words(text: str) -> bool:
    """Whether ``text`` has ``MIN_OWN_WORDS`` words (of two letters or more) to judge by."""
    return len(re.findall(r"[^\W\d_]{2,}", text)) >= MIN_OWN_WORDS


def answer_language(text: str) -> str | None:
    """The language of an answer's own words, or ``None`` when it has too few to tell (or
    lingua cannot tell them apart)."""
    rest = own_words(text)
    if not _enough_words(rest):
        return None
    conf = confidences(rest)
    if abs(conf["en"] - conf["nl"]) < MARGIN:
        return None
    return "en" if conf["en"] > conf["nl"] else "nl"


def foreign_words(text: str, language: str) -> list[str]:
    """The other language's own function words in ``text`` (lower case), leaving out quoted
    spans and the function words inside names, between capitalised words ("Anne van Dam",
    "Marc van der Burgt", "Forum voor Democratie", "Bank of England")."""
    other = OWN_FUNCTION_WORDS["nl" if language == "en" else "en"]
    text = QUOTED.sub(" ", MARKER.sub(" ", text))
    tokens = [t.strip("\"'“”‘’()[],.;:!?#") for t in text.split()]
    found = []
    for i, token in enumerate(tokens):
        if not token.islower() or token not in other:
            continue
        before = next((t for t in reversed(tokens[:i]) if t.lower() not in _LINKS), "")
        after = next((t for t in tokens[i + 1:] if t.lower() not in _LINKS), "")
        if before[:1].isupper() and after[:1].isupper():
            continue
        found.append(token)
    return found


# what may stand between the capitalised words of one name
_LINKS = STOPWORDS | frozenset("der den ter ten te von la le du da di del".split())


# a lower-case word is the other language's when its Zipf frequency there is at least OTHER_ZIPF
# and here below OWN_ZIPF (1 = once per 100 million words, 4 = "house"). Dev reports (calibration
# off, f2cedd4 and b641f9d): 13 of 148 English answers hold such a word ("donderdag", "veren",
# "filiaal", "miljoen"), none of them a word a reader would keep; 0 of 97 Dutch answers and 0 of
# the 206 gold questions do
OTHER_ZIPF = 2.5
OWN_ZIPF = 2.0


@lru_cache(maxsize=1)
def _zipf() -> Any:
    try:
        from wordfreq import zipf_frequency
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise ImportError("spotting untranslated words needs wordfreq: pip install wordfreq"
                          ) from exc
    return lru_cache(maxsize=65536)(zipf_frequency)




# a Dutch word this rare in wordfreq's list (Zipf scale) is no word a Dutch writer uses, unless
# the source or the question holds it, or it joins two common words (a compound)
NONWORD_ZIPF = 1.5
COMPOUND_PART_ZIPF = 2.5
_LINKING = ("", "s", "e", "en")


def non_words(text: str, sources: Sequence[str] = (), language: str = "nl") -> list[str]:
    """The lower-case words of ``text`` (outside quotes and markers) that are not words of
    ``language``: rarer than ``NONWORD_ZIPF`` in wordfreq's list, held by none of ``sources``
    (the cited sentences, the question), and not two common words joined (a compound). The
    1.5B model's own Dutch coins such words ("hielde", "planen" for "plannen")::

        >>> non_words("VVD en CDA hielde de samenwerking af [3].")
        ['hielde']
        >>> non_words("Het marineschip meerde aan in de haven [1].")
        []
        >>> non_words("De wulpenopvang nam de vogel op [2].", ["De wulpenopvang in Den Haag"])
        []
    """
    zipf = _zipf()
    held = {w for s in sources for w in words(s)}
    out = []
    for m in TERM.finditer(QUOTED.sub(" ", MARKER.sub(" ", text))):
        word = m.group()
        if not word.islower() or any(ch.isdigit() for ch in word):
            continue
        for part in word.split("-"):
            if (len(part) < 3 or fold(part) in held or zipf(part, language) >= NONWORD_ZIPF
                    or _compound(part, language)):
                continue
            out.append(part)
    return out


def _compound(word: str, language: str) -> bool:
    """Whether ``word`` is two words, of at least 3 and 4 letters, common in ``language``,
    joined (with a Dutch linking ``s``, ``e`` or ``en``)."""
    zipf = _zipf()
    for cut in range(3, len(word) - 3):
        head, tail = word[:cut], word[cut:]
        if zipf(tail, language) < COMPOUND_PART_ZIPF:
            continue
        for link in _LINKING:
            if head.endswith(link) and len(head) - len(link) >= 3 and zipf(
                    head[:len(head) - len(link)], language) >= COMPOUND_PART_ZIPF:
                return True
    return False


def _foreign_parts(word: str, language: str) -> list[str]:
    """The parts of a lower-case ``word`` (split at hyphens) that are the other language's
    everyday words rather than ``language``'s (``OTHER_ZIPF``, ``OWN_ZIPF``)."""
    if not word.islower():
        return []
    other = "nl" if language == "en" else "en"
    zipf = _zipf()
    return [part for part in word.split("-")
            if len(part) >= 3 and zipf(part, other) >= OTHER_ZIPF
            and zipf(part, language) < OWN_ZIPF]


def foreign_content_words(text: str, language: str) -> list[str]:
    """The lower-case words (parts of hyphenated ones too) of ``text``, outside quoted spans,
    that belong to the other language rather than to ``language`` (``OTHER_ZIPF``,
    ``OWN_ZIPF``)."""
    text = QUOTED.sub(" ", MARKER.sub(" ", text))
    return [part for m in TERM.finditer(text) for part in _foreign_parts(m.group(), language)]


def _foreign_matches(text: str, language: str) -> list[re.Match[str]]:
    """The words of ``text`` that hold a foreign part (``_foreign_parts``), quoted or not."""
    return [m for m in TERM.finditer(text) if _foreign_parts(m.group(), language)]


def foreign_share(text: str, language: str) -> float:
    """The share of the words of ``text`` that ``quote_foreign`` would quote, a title
    (``titles.title_spans``) counting as one word, as a name does.

    >>> foreign_share("Duizenden [3] are on the vlucht geslagen [4].", "en")
    0.3333333333333333
    >>> foreign_share("It is led by the Huis van Afgevaardigden [1].", "en")  # 1 in 6
    0.16666666666666666
    """
    words = TERM.findall(text)
    spans = title_spans(text, language)
    inside = sum(len(TERM.findall(text[a:b])) for a, b in spans)
    plain = [m for m in _foreign_matches(text, language)
             if not any(a <= m.start() < b for a, b in spans)]
    count = len(words) - inside + len(spans)
    return (len(plain) + len(spans)) / count if count else 0.0


def quote_foreign(text: str, language: str) -> str:
    """``text`` with each run of words that hold ``foreign_content_words``, and each title of
    the other language (``titles.title_spans``), put in single quotes: a term of the source
    left as the source has it, marked as such (the fallback when a translation fails or
    changes a number).

    >>> quote_foreign("Customs seized 1,7 miljoen losse sigaretten in Rotterdam [3].", "en")
    "Customs seized 1,7 'miljoen losse sigaretten' in Rotterdam [3]."
    >>> quote_foreign("Begec [5] is the consul-generaal.", "en")
    "Begec [5] is the 'consul-generaal'."
    >>> quote_foreign("The ministerie of Binnenlandse Zaken said so [2].", "en")
    "The 'ministerie' of 'Binnenlandse Zaken' said so [2]."
    >>> quote_foreign("It went to Stichting Vogelklas, the 'opvangcentrum' [2].", "en")
    "It went to 'Stichting Vogelklas', the 'opvangcentrum' [2]."
    """
    # quoting a title can make a word after it read as one ("Huis Enschede de Huis": the second
    # "Huis" follows a name until that is quoted), so the search goes on with each found span
    # blanked out (as quotes blank it for the checks) until it finds nothing new
    blank, found = text, []
    while spans := _foreign_spans(blank, language):
        found += spans
        for start, end in spans:
            blank = blank[:start] + " " * (end - start) + blank[end:]
    runs: list[list[int]] = []  # [start, end] of each run of foreign words
    for start, end in sorted(found):
        if runs and (start < runs[-1][1] or not text[runs[-1][1]:start].strip()):
            runs[-1][1] = max(runs[-1][1], end)
        else:
            runs.append([start, end])
    for start, end in reversed(runs):
        text = f"{text[:start]}'{text[start:end]}'{text[end:]}"
    return text


def _foreign_spans(text: str, language: str) -> list[tuple[int, int]]:
    """Spans of the foreign words and titles outside quotes (``quote_foreign``)."""
    quoted = [m.span() for m in QUOTED.finditer(text)]  # already marked: left as they are
    found = {m.span() for m in _foreign_matches(text, language)
             if not any(a <= m.start() < b for a, b in quoted)}
    return sorted(found | set(title_spans(text, language)))


def consistent(text: str, language: str) -> bool:
    """Whether an answer is written in ``language`` (or has too few words of its own to say),
    with none of the other language's function words, everyday words or titles
    (``titles.title_words``) outside quotes in it.

    >>> consistent("It is led by the Huis van Afgevaardigden [1].", "en")
    False
    >>> consistent("It is led by the 'Huis van Afgevaardigden' [1].", "en")
    True
    """
    found = answer_language(text)
    return ((found is None or found == language) and not foreign_words(text, language)
            and not foreign_content_words(text, language) and not title_words(text, language))
