"""Citation markers: parse ``[n]`` in an answer, check and repair them, build citations. Pure.

The model is asked to put the number of the supporting sentence after each fact. Small models
cite loosely, so ``align_markers`` checks every answer sentence against the evidence:

- markers that point at no evidence sentence are dropped;
- a cited sentence that shares no name (or, without names, no word) with the claim is dropped;
- a name or number that none of the claim's cited sentences contains, but another evidence
  sentence does, gets that sentence's marker;
- a sentence with no marker at all gets the evidence sentence that shares most words with it.

    >>> ev = {1: "Kalin ontmoette Haftar in Benghazi.", 2: "Begec nam ook deel.", 3: "Het regende."}
    >>> align_markers("Kalin [1], Haftar [3] and Begec [1, 2] attended.", ev)
    'Kalin [1], Haftar [1] and Begec [2] attended.'
    >>> align_markers("Begec attended.", ev)
    'Begec attended [2].'
    >>> parse_markers("Kalin [1, 3] and Begec [2][9].")
    [1, 3, 2, 9]
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence

from assistant.text.matching import names, numbers, term_found
from assistant.text.words import MARKER, NOT_ABBREVIATED, STOPWORDS, words


def parse_markers(text: str) -> list[int]:
    """Every number inside ``[...]`` markers, in order of appearance (repeats kept)."""
    return [int(n) for m in MARKER.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1))]


def cited_numbers(text: str) -> list[int]:
    """The distinct marker numbers, in order of first appearance."""
    return list(dict.fromkeys(parse_markers(text)))


def markers(numbers: Iterable[int]) -> str:
    """The markers for ``numbers``, one group each: ``[2][3]``."""
    return "".join(f"[{n}]" for n in numbers)


def _normalise_markers(text: str, valid: set[int]) -> str:
    """``[1, 3]`` becomes ``[1][3]``; numbers outside ``valid`` are removed (a group of only
    unknown numbers becomes ``[0]``, so that it still ends its claim)."""
    def repl(m: re.Match[str]) -> str:
        nums = [int(n) for n in re.split(r"\s*[,;]\s*", m.group(1))]
        kept = [n for n in dict.fromkeys(nums) if n in valid]
        return markers(kept) if kept else "[0]"
    return re.sub(r"[ \t]{2,}", " ", MARKER.sub(repl, text)).strip()


def _tidy(text: str) -> str:
    text = re.sub(r"\s*\[0\]", "", text)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", text)


def align_markers(answer: str, evidence: Mapping[int, str], preferred: Sequence[int] = ()) -> str:
    """Return ``answer`` with its markers checked against ``evidence`` (number -> sentence).

    The answer is read as claims: the text up to each group of markers (or up to a sentence end
    when a sentence has none). Each claim keeps the cited sentences that support it (share a
    name, a number or, without those, a content word), gains the best sentence that holds a name
    or number it mentions, and a claim with no marker gets its best-matching sentence. Ties go
    to the sentences the model listed as its evidence (``preferred``).
    """
    answer = _normalise_markers(answer, set(evidence) - {0})
    tokens = {n: set(words(s)) for n, s in evidence.items()}
    figures = {n: set(numbers(s)) for n, s in evidence.items()}
    out: list[str] = []
    for text, group, continuation in _claims(answer):
        cited = [int(n) for n in re.findall(r"\d+", group) if n != "0"]
        if continuation and not group:  # the rest of a sentence whose claims are marked
            out.append(text)
            continue
        fixed = _align_claim(text, cited, tokens, figures, preferred)
        if fixed == cited or (not fixed and not group):
            out.append(text + group)
            continue
        group_text = markers(fixed)
        if group:
            out.append(text + group_text)
        else:
            body = text.rstrip()
            m = re.search(r"[.!?;:,]+$", body)
            cut = m.start() if m else len(body)
            out.append(f"{body[:cut].rstrip()} {group_text}{body[cut:]}{text[len(body):]}")
    return _tidy("".join(out))


def _claims(answer: str) -> list[tuple[str, str, bool]]:
    """Split into (text, marker group, continues a marked sentence) triples.

    Text before a marker group may hold whole unmarked sentences before the marked claim;
    those are claims of their own.
    """
    pieces: list[tuple[str, str, bool]] = []
    pos = 0
    for m in re.finditer(r"(?:\[\d+\])+", answer):
        pieces.extend(_split(answer[pos:m.start()], m.group(), after_marker=pos > 0))
        pos = m.end()
    if pos < len(answer):
        pieces.extend(_split(answer[pos:], "", after_marker=pos > 0))
    return pieces


# a sentence's end and the space after it; not after an initial ("Gökmen T. bijstaat" is one
# claim: a marker put before its period would cut the name, "Gökmen T [1]. bijstaat")
_SENTENCE_END = re.compile(NOT_ABBREVIATED + r"[.!?]\s+(?=\S)")


def _split(text: str, group: str, after_marker: bool) -> list[tuple[str, str, bool]]:
    cuts = [m.end() for m in _SENTENCE_END.finditer(text)]
    sentences = [text[i:j] for i, j in zip([0, *cuts], [*cuts, len(text)], strict=True)]
    out = [(t, "", after_marker and i == 0) for i, t in enumerate(sentences[:-1])]
    out.append((sentences[-1], group, after_marker and len(sentences) == 1))
    return out


def _align_claim(text: str, cited: list[int], tokens: Mapping[int, set[str]],
                 figures: Mapping[int, set[str]], preferred: Sequence[int]) -> list[int]:
    claim_names = names(text)
    claim_numbers = list(dict.fromkeys(numbers(text)))
    content = {w for w in words(text) if w not in STOPWORDS and len(w) >= 4}

    def named(n: int) -> int:
        return sum(term_found(x, tokens[n]) for x in claim_names)

    def counted(n: int) -> int:
        return sum(x in figures[n] for x in claim_numbers)

    def score(n: int) -> tuple[int, int, int]:
        return (2 * named(n) + 3 * counted(n) + _overlap(content, tokens[n]), n in preferred, -n)

    def supports(n: int) -> bool:
        if claim_names or claim_numbers:
            return named(n) + counted(n) > 0
        return _overlap(content, tokens[n]) > 0

    keep = [n for n in cited if supports(n)]
    order = sorted(tokens, key=score, reverse=True)  # best sentence first
    best = score(order[0])[0] if order else 0
    if not cited and best > 0 and (claim_names or claim_numbers or best >= 2):
        keep.append(order[0])
    for name in claim_names:
        if not any(term_found(name, tokens[n]) for n in keep):
            holder = next((n for n in order if term_found(name, tokens[n])), None)
            if holder is not None:
                keep.append(holder)
    for figure in claim_numbers:
        if not any(figure in figures[n] for n in keep):
            holder = next((n for n in order if figure in figures[n]), None)
            if holder is not None:
                keep.append(holder)
    if cited and not keep:  # nothing better found: keep the model's closest choice
        keep = [max(cited, key=lambda n: _overlap(content, tokens[n]))]
    return list(dict.fromkeys(keep))


def _overlap(content: set[str], sentence_tokens: set[str]) -> int:
    return sum(any(term_found(w, [t]) for t in sentence_tokens) for w in content)
