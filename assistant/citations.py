"""Citation markers: parse ``[n]`` in an answer, check and repair them, build citations. Pure.

The model is asked to put the number of the supporting sentence after each fact. Small models
cite loosely, so ``align_markers`` checks every answer sentence against the evidence:

- markers that point at no evidence sentence are dropped;
- a name in a sentence that none of its cited sentences contains, but another evidence sentence
  does, gets that sentence's marker added;
- a sentence with no marker at all gets the evidence sentence that shares most words with it.

    >>> ev = {1: "Kalin ontmoette Haftar in Benghazi.", 2: "Begec nam ook deel.", 3: "Het regende."}
    >>> align_markers("Kalin and Haftar met [1]. Begec also attended [1].", ev)
    'Kalin and Haftar met [1]. Begec also attended [1][2].'
    >>> align_markers("Begec attended.", ev)
    'Begec attended [2].'
    >>> parse_markers("Kalin [1, 3] and Begec [2][9].")
    [1, 3, 2, 9]
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from .grounding import names, term_found
from .text import STOPWORDS, words

MARKER = re.compile(r"\[(\d+(?:\s*[,;]\s*\d+)*)\]")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)(?:\s*\[\d+(?:\s*[,;]\s*\d+)*\])*")


def parse_markers(text: str) -> list[int]:
    """Every number inside ``[...]`` markers, in order of appearance (repeats kept)."""
    return [int(n) for m in MARKER.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1))]


def cited_numbers(text: str) -> list[int]:
    """The distinct marker numbers, in order of first appearance."""
    return list(dict.fromkeys(parse_markers(text)))


def _normalise_markers(text: str, valid: set[int]) -> str:
    """``[1, 3]`` becomes ``[1][3]``; numbers outside ``valid`` are removed."""
    def repl(m: re.Match[str]) -> str:
        nums = [int(n) for n in re.split(r"\s*[,;]\s*", m.group(1))]
        return "".join(f"[{n}]" for n in dict.fromkeys(nums) if n in valid)
    text = MARKER.sub(repl, text)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", text)).strip()


def align_markers(answer: str, evidence: Mapping[int, str]) -> str:
    """Return ``answer`` with its markers checked against ``evidence`` (number -> sentence)."""
    answer = _normalise_markers(answer, set(evidence))
    tokens = {n: set(words(s)) for n, s in evidence.items()}
    out = []
    last = 0
    for m in _SENTENCE.finditer(answer):
        sentence = m.group()
        if not sentence.strip():
            continue
        out.append(answer[last:m.start()])
        out.append(_align_sentence(sentence, tokens))
        last = m.end()
    out.append(answer[last:])
    return "".join(out)


def _align_sentence(sentence: str, tokens: Mapping[int, set[str]]) -> str:
    cited = cited_numbers(sentence)
    add: list[int] = []
    for name in names(MARKER.sub(" ", sentence)):
        if any(term_found(name, tokens[n]) for n in cited + add):
            continue
        holder = next((n for n in tokens if term_found(name, tokens[n])), None)
        if holder is not None:
            add.append(holder)
    if not cited and not add:
        content = {w for w in words(MARKER.sub(" ", sentence)) if w not in STOPWORDS}
        best = max(tokens, key=lambda n: _overlap(content, tokens[n]), default=None)
        if best is not None and _overlap(content, tokens[best]) > 0:
            add.append(best)
    if not add:
        return sentence
    markers = "".join(f"[{n}]" for n in add)
    body = sentence.rstrip()
    trail = sentence[len(body):]
    match = re.search(r"([.!?]+)$", body)
    if match and not cited:
        return f"{body[:match.start()]} {markers}{match.group()}{trail}"
    if match:  # markers already follow the punctuation or precede it
        end_markers = re.search(r"(\[\d+\])+$", body[:match.start()])
        if end_markers:
            cut = match.start()
            return f"{body[:cut]}{markers}{body[cut:]}{trail}"
    return f"{body}{markers}{trail}" if body.endswith("]") else f"{body} {markers}{trail}"


def _overlap(content: set[str], sentence_tokens: set[str]) -> int:
    return sum(any(term_found(w, [t]) for t in sentence_tokens) for w in content)
