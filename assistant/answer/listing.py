"""A list answer told item by item: the model's items read, each kept only where a sentence it
cites holds it, merged, and the answer sentence composed by the code. Pure core.

For a question that asks for several things (``question_kind.asks_for_list``) the model is
asked for the items alone, each as its sentence writes it and with that sentence's number
(``prompts/answer_list_user.txt``): ``"Kalin [1]; Haftar [1]; Altindag [3]"``. The code then

- reads the items (``parse_items``), by semicolons, or a list's commas and "and" / "en";
- keeps an item only where a sentence it cites holds its words (``held``); an item whose
  marker is off is looked for in the other evidence sentences, and cited there;
- drops an item that is the question's own subject ("Who met Haftar?": not Haftar), and, for
  "who" / "wie", an organisation ("het Turkse Ministerie van Defensie" attended nothing);
- names each thing once: "Haftar" and "Khalifa Haftar" are one item, the longer kept, their
  markers joined;
- and writes the sentence (``compose``)::

    >>> ev = {1: "Ibrahim Kalin ontmoette Haftar in Benghazi.",
    ...       2: "Een delegatie van het Ministerie van Defensie, onder leiding van Ilkay "
    ...          "Altindag, bezocht Haftar.", 3: "Guven Begec nam ook deel."}
    >>> items = parse_items("Ibrahim Kalin [1]; Haftar [1]; Ministerie van Defensie [2]; "
    ...                     "Ilkay Altindag [2]; Guven Begec [2]; Kalin [1]")
    >>> compose(checked_items(items, ev, "Who attended the meeting?"), "en")
    'Ibrahim Kalin [1], Haftar [1], Ilkay Altindag [2] and Guven Begec [3].'
    >>> compose(checked_items(items, ev, "Wie ontmoetten Haftar?"), "nl")
    'Ibrahim Kalin [1], Ilkay Altindag [2] en Guven Begec [3].'

What is composed then goes through every check an answer sentence gets (``release``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from assistant.checks.citations import cited_numbers, markers
from assistant.text.items import organisation
from assistant.text.matching import names
from assistant.text.words import MARKER, STOPWORDS, fold, words


@dataclass(frozen=True)
class Item:
    text: str  # as the model wrote it, markers taken out
    cited: tuple[int, ...]  # the sentence numbers it carries


_SEMICOLON = re.compile(r"\s*(?:;(?![^\[\]]*\])|\n)\s*")
# a list's own separators, for a reply that wrote a sentence instead of "a [1]; b [2]"
_COMMA_AND = re.compile(r"\s*,\s*(?:(?:and|en|&)\s+)?|\s+(?:and|en|&)\s+")
_ENUMERATION = re.compile(r"^\s*(?:\d+[.)]|[-•*])\s+")  # "1. VVD", "- VVD"
MAX_ITEM_WORDS = 6  # a comma-separated piece longer than this is prose, not a list item
_EDGES = re.compile(r"^[\s\-–•*,.:\"'“”‘’]+|[\s,.:;\"'“”‘’]+$")


def parse_items(answer: str) -> list[Item]:
    """The items of a list reply, each with the numbers of its markers.

    >>> parse_items("Kalin [1]; Haftar [1][2];")
    [Item(text='Kalin', cited=(1,)), Item(text='Haftar', cited=(1, 2))]
    >>> [i.text for i in parse_items("Ede [3], Wageningen [3] en Hoenderloo [3].")]
    ['Ede', 'Wageningen', 'Hoenderloo']
    >>> parse_items("Begec [4]; Kiramanlioglu [5] took part in the meeting.")[1]
    Item(text='Kiramanlioglu', cited=(5,))
    >>> parse_items("1. VVD [3]\\n2. CDA [3]")
    [Item(text='VVD', cited=(3,)), Item(text='CDA', cited=(3,))]

    A sentence that is no list gives no items (it is then checked as it stands)::

    >>> parse_items("Rammstein zingt al twintig jaar over misbruik, sadisme en onderwerping en "
    ...             "maakt theatrale metal die bij de eerste maten al subtiliteiten afvoert [2].")
    []
    """
    pieces = [p for p in _SEMICOLON.split(answer) if p.strip()]
    if len(pieces) == 1:
        pieces = [p for p in _COMMA_AND.split(pieces[0]) if p.strip()]
        if any(len(_content(MARKER.sub(" ", p))) > MAX_ITEM_WORDS for p in pieces):
            return []  # a sentence, not a list: read as the model wrote it
    out = []
    for piece in pieces:
        piece = _ENUMERATION.sub("", piece)
        first = MARKER.search(piece)  # words after an item's marker are no part of it
        head = piece[:first.start()] if first and piece[:first.start()].strip() else piece
        text = _EDGES.sub("", re.sub(r"\s+", " ", MARKER.sub(" ", head)))
        if text:
            out.append(Item(text, tuple(cited_numbers(piece))))
    return out


def _content(text: str) -> list[str]:
    tokens = words(text)
    return [t for t in tokens if t not in STOPWORDS] or tokens


def held(item: str, sentence: str) -> bool:
    """Whether every content word of ``item`` stands in ``sentence`` (folded; a Dutch
    inflection or plural, "Turkse" for "Turks", counts).

    >>> held("Ilkay Altindag", "onder leiding van generaal-majoor Ilkay Altindag")
    True
    >>> held("De Wulp", "Vogelopvang de Wulp in Den Haag")
    True
    >>> held("Minister of Defence Altindag", "onder leiding van Ilkay Altindag")
    False
    """
    have = set(words(sentence))
    for token in _content(item):
        if token in have:
            continue
        if len(token) < 4 or not any(h.startswith(token) or (token.startswith(h) and len(h) >= 4
                                                             and len(token) - len(h) <= 2)
                                     for h in have):
            return False
    return True


_WHO = re.compile(r"^\s*(?:who|whom|wie)\b", re.IGNORECASE)


def checked_items(items: Sequence[Item], evidence: Mapping[int, str], question: str) -> list[Item]:
    """The items a sentence holds, each once, cited by the sentences that hold it; the
    question's own subject, and for "who" an organisation, left out.

    >>> ev = {1: "Porsche en Daimler zitten in Stuttgart.", 2: "Ook Bosch zit er."}
    >>> checked_items([Item("Daimler", (2,)), Item("Porsche", (1,)), Item("BMW", (1,))], ev,
    ...               "Which carmakers sit in Stuttgart?")
    [Item(text='Daimler', cited=(1,)), Item(text='Porsche', cited=(1,))]
    """
    asked = {fold(n) for n in names(question)}
    asked_words = set(words(question))
    who = bool(_WHO.match(question))
    kept: list[Item] = []
    for item in items:
        cited = tuple(n for n in item.cited if n in evidence and held(item.text, evidence[n]))
        if not cited:  # the marker is off (or missing): the first sentence that holds it
            cited = next(((n,) for n in evidence if held(item.text, evidence[n])), ())
        if not cited:
            continue
        content = _content(item.text)
        item_names = {fold(n) for n in names(item.text)}
        if item_names and item_names <= asked:
            continue  # the question's subject given as its answer
        if not item_names and all(t in asked_words for t in content):
            continue  # the question's own words
        if who and organisation(item.text):
            continue
        kept = _merge(kept, Item(item.text, cited), evidence)
    return kept


def _merge(kept: list[Item], new: Item, evidence: Mapping[int, str]) -> list[Item]:
    """``kept`` with ``new`` added, or joined to the item it names again (the longer name
    kept, cited by each sentence that holds it)."""
    tokens = set(_content(new.text))
    same = [i for i, old in enumerate(kept)
            if tokens <= set(_content(old.text)) or set(_content(old.text)) <= tokens]
    if not same:
        return [*kept, new]
    group = [kept[i] for i in same] + [new]
    text = max(group, key=lambda item: len(set(_content(item.text)))).text
    cited = tuple(n for n in dict.fromkeys(c for item in group for c in item.cited)
                  if held(text, evidence[n]))
    merged = Item(text, cited)
    return [merged if i == same[0] else old for i, old in enumerate(kept) if i not in same[1:]]


_AND = {"en": "and", "nl": "en"}


def compose(items: Sequence[Item], language: str) -> str:
    """The answer sentence: each item with its markers, joined as a list is written.

    >>> compose([Item("Ede", (3,))], "nl")
    'Ede [3].'
    >>> compose([Item("Ede", (3,)), Item("Wageningen", (3, 4))], "nl")
    'Ede [3] en Wageningen [3][4].'
    """
    parts = [f"{i.text} {markers(i.cited)}" for i in items]
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0] + "."
    return f"{', '.join(parts[:-1])} {_AND.get(language, 'and')} {parts[-1]}."
