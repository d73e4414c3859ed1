"""Does a question ask for several items (a list) or for one fact? Pure, English and Dutch.

A list question gets evidence made for lists: the passages that tell the list, read whole
(``pipeline.ChainConfig.list_*``). The cues are grammatical, not topical: a number of things
asked for ("which two parties", "welke drie steden"), a plural noun after "which" / "welke",
"who were" / "wie waren", or two things joined in one question ("which city and which
district")::

    >>> [asks_for_list(q) for q in ["Which two Turkish diplomats took part?",
    ...                             "Welke partijen stemden tegen?",
    ...                             "Who attended the meeting in Benghazi?",
    ...                             "Who led the Turkish delegation?",
    ...                             "Which government controls the west?",
    ...                             "Wie leidde de delegatie?"]]
    [True, True, True, False, False, False]
"""

from __future__ import annotations

import re

# the number words a question counts with ("which two parties", "welke drie steden")
_COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
           "nine": 9, "ten": 10, "both": 2, "twee": 2, "drie": 3, "vier": 4, "vijf": 5, "zes": 6,
           "zeven": 7, "acht": 8, "negen": 9, "tien": 10, "beide": 2}
_NUMBER = rf"(?:{'|'.join(_COUNTS)}|\d+)"
# words ending in -s that are verbs, not plural nouns ("which government controls")
_VERB = (r"(?:is|was|does|has|says|wants|controls|lets|gets|makes|goes|plays|holds|leads|runs|"
         r"comes|lies|uses|takes|gives|works|sells|lives|needs|means|shows|seems|costs)")
_EN_PLURAL = rf"(?!{_VERB}\b)[a-z]+(?<![su'])s\b|people|men|women|children"
_NL_PLURAL = r"[a-z]+(?:en|s)\b"
# Dutch nouns in -en or -s that are one thing ("welke plaats", "welk wapen")
_NL_SINGULAR = (r"(?:wapen|teken|keuken|wagen|regen|zegen|vermogen|examen|verleden|bestaan|"
                r"plaats|prijs|reis|kans|eis|mens|keus|koers|huis|baas|les|bus)\b")
_LIST = re.compile(
    rf"\b(?:which|what)\s+(?:{_NUMBER}\s+)?(?:[\w-]+\s+){{0,2}}?(?:{_EN_PLURAL})"
    rf"|\bwelke\s+(?:{_NUMBER}\s+)?(?:[\w-]+e\s+){{0,2}}(?!{_NL_SINGULAR}){_NL_PLURAL}"
    rf"|\b(?:which|what|welke|wie|wat|who)\s+(?:\w+\s+)?{_NUMBER}\b(?!\s+(?:years?|jaar))"
    rf"|\btop\s+{_NUMBER}\b"
    r"|\bwho\s+(?:were|are|attended|took part|participated)\b"
    r"|\bwie\s+(?:waren|zijn|spelen|worden)\b"
    r"|\b(?:which|welke|what|wat|who|wie)\b[^?]*\b(?:and|en)\s+(?:which|welke|what|wat|who|wie)"
    r"\b",
    re.IGNORECASE)


def asks_for_list(question: str) -> bool:
    """Whether ``question`` asks for several items (see the module's examples)."""
    return _LIST.search(question) is not None


# auxiliaries that stand between "which" and a noun that is no plural ("which band were ...")
_AUX = r"(?:is|are|was|were|do|does|did|has|have|had|will|would|can|could)"
# the stricter cue of ``asks_for_several``: a plural written in lower case right after "which"
# / "welke" (one word between at most: "which football figures"), or "who were" / "wie waren"
_SEVERAL = re.compile(
    rf"\b(?i:which|what)\s+(?:(?!{_AUX}\b)[a-z-]+\s+)?(?!{_VERB}\b)"
    r"(?:[a-z]+(?<![su'])s|people|men|women|children)\b"
    rf"|\b(?i:welke)\s+(?:[a-z-]+e\s+)?(?!{_NL_SINGULAR})"
    r"(?:[a-z]+en|[a-z]+(?:er|el|em|je|ie|ier|eur|or|ant|ent|ist)s|[a-z]+'s)\b"
    r"|\b(?i:who)\s+(?:were|are|attended|took part|participated)\b"
    r"|\b(?i:wie)\s+(?:waren|zijn|worden|spelen|namen deel)\b")


def asks_for_several(question: str) -> bool:
    """Whether ``question`` plainly asks for more than one thing: stricter than
    ``asks_for_list`` (whose evidence path costs little when it is wrong), for a check that
    refuses an answer naming one. An acronym ("Which TBS clinic"), a noun in -s that is one
    thing ("welke gevangenis") or a plural farther on ("which band were trilobites named
    after", "what percentage of cases") is no such cue.

    >>> [asks_for_several(q) for q in ["Which carmakers gave Stuttgart its nickname?",
    ...                                "Welke kraamverzorgsters hielpen haar?",
    ...                                "Which band were trilobites named after?",
    ...                                "In welke Nederlandse gevangenis zit hij?",
    ...                                "Which TBS clinic lets patients walk alone?"]]
    [True, True, False, False, False]
    """
    return _SEVERAL.search(question) is not None


# "which two parties", "wie waren de drie ...": the question says how many things it asks for
# (not "which two years" or "welke drie dagen": a span of time)
_COUNTED = re.compile(
    r"\b(?:which|what|who|welke|wat|wie)\s+(?:(?:are|were|zijn|waren|the|de|het)\s+)*"
    rf"({'|'.join(_COUNTS)})\b"
    r"(?!\s+(?:years?|jaar|jaren|days?|dagen|weeks?|weken|months?|maanden))", re.IGNORECASE)


def asked_count(question: str) -> int:
    """How many things the question asks for, where it says so; 0 where it does not.

    >>> [asked_count(q) for q in ["Which two parties voted against?",
    ...                           "Wie waren de drie winnaars?",
    ...                           "In which two years did she win?",
    ...                           "Who attended the meeting?"]]
    [2, 3, 0, 0]
    """
    m = _COUNTED.search(question)
    return _COUNTS[m.group(1).lower()] if m else 0
