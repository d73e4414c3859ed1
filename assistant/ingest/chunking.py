"""Sentence splitting and token-bounded, sentence-aware chunking. Pure functions.

``split_sentences`` returns ``(start, end)`` character spans; ``chunk_text`` packs whole
sentences into chunks of at most ``max_tokens`` tokens, repeating up to ``overlap_tokens`` of
trailing sentences at the start of the next chunk. A sentence longer than a chunk is cut at
word boundaries, a word longer than a chunk by characters (a chunk exceeds the bound only when
one character alone does: cl100k needs up to 4 tokens for some characters). Offsets always
index the text given::

    >>> text = "Kalin met Haftar. Begec was there. It rained."
    >>> split_sentences(text)
    [(0, 17), (18, 34), (35, 45)]
    >>> words = lambda s: len(s.split())
    >>> [(c.start, c.end, c.sentences) for c in chunk_text(text, 6, 3, words)]
    [(0, 34, ((0, 17), (18, 34))), (18, 45, ((18, 34), (35, 45)))]
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

TokenCounter = Callable[[str], int]

# Words after which a period does not end a sentence (lower case, without the period).
ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof st jr sr vs etc e.g i.e no nr dhr mevr mw ir ing drs mr bijv
    o.a e.d m.a.w d.w.z i.p.v t.o.v z.g.a.n jan feb mrt apr aug sep sept okt oct nov dec
    gen lt col kol maj sgt capt kapt blz pag p pp ca resp vgl incl excl""".split()
)
_BOUNDARY = re.compile(r"""[.!?…]+["'”’»)\]]*(?=\s+["'“‘«(\[]?[\w¿¡])|\n+""")
_WORD_BEFORE = re.compile(r"([\w.]+)$")
# what follows a sentence end: a word in lower case continues the sentence ("Go Wild! in",
# "3 mln. euro", "'Wat kost dat?' is de vraag"), except Dutch "'s" / "'t" / "'n", which open one
_NEXT_WORD = re.compile(r"""\s+["'“‘«(\[]?(\w+)""")
_DUTCH_ELISION = re.compile(r"""\s+['’][stn][\s-]""")
# a list number ending a span: "(166,7 km): 1. Matthews", "radio, 3. inhoud", or a bare "4."
# (not "een 8,8." nor "won met 2:1.")
_LIST_NUMBER = re.compile(r"(?:^|[:;,]\s+|\()\d{1,2}$")
# Bump when the spans ``split_sentences`` gives change: stored articles are chunked again at
# their next ingest (``documents.document_id`` hashes it with the text).
SPLITTER_VERSION = 2


@dataclass(frozen=True)
class Chunk:
    index: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # absolute spans of the sentences in the chunk
    n_tokens: int


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Spans of the sentences of ``text``, each trimmed of surrounding whitespace.

    >>> t = "Dr. Kalin kwam o.a. naar Benghazi. Hij bleef 2.5 dagen!\\nEinde"
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['Dr. Kalin kwam o.a. naar Benghazi.', 'Hij bleef 2.5 dagen!', 'Einde']
    """
    spans: list[tuple[int, int]] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        end = match.end() if match.group().strip() else match.start()
        if match.group().strip() and _continues(text, start, match):
            continue
        _add_span(text, start, end, spans)
        start = match.end()
    _add_span(text, start, len(text), spans)
    return spans


def _continues(text: str, start: int, match: re.Match[str]) -> bool:
    """Whether the punctuation ``match`` (not a line break) leaves the sentence begun at
    ``start`` open: after an abbreviation or a list number, or before a word in lower case.

    >>> t = "Uitslag (166,7 km): 1. Matthews 4.09.34, 2. Valverde. Hij won."
    >>> [t[s:e] for s, e in split_sentences(t)]
    ['Uitslag (166,7 km): 1. Matthews 4.09.34, 2. Valverde.', 'Hij won.']
    >>> t = "Het was The Go Wild! in popcentrum. 't Is voorbij. Ze won met 2:1. Een 8,8. Ja."
    >>> [t[s:e] for s, e in split_sentences(t)]  # doctest: +NORMALIZE_WHITESPACE
    ['Het was The Go Wild! in popcentrum.', "'t Is voorbij.", 'Ze won met 2:1.', 'Een 8,8.',
     'Ja.']
    """
    before = text[start:match.start()]
    if match.group().startswith(".") and (_is_abbreviation(before)
                                          or _LIST_NUMBER.search(before.strip())):
        return True
    after = text[match.end():]
    word = _NEXT_WORD.match(after)
    return (word is not None and word.group(1)[0].islower()
            and not word.group(1)[1:2].isupper() and not _DUTCH_ELISION.match(after))


def _is_abbreviation(before: str) -> bool:
    m = _WORD_BEFORE.search(before)
    if not m:
        return False
    word = m.group(1).lower().strip(".")
    # a single letter (an initial, "A.") or a known abbreviation
    return (len(word) == 1 and word.isalpha()) or word in ABBREVIATIONS


def _add_span(text: str, start: int, end: int, spans: list[tuple[int, int]]) -> None:
    segment = text[start:end]
    stripped = segment.strip()
    if stripped:
        lead = len(segment) - len(segment.lstrip())
        spans.append((start + lead, start + lead + len(stripped)))


def chunk_text(text: str, max_tokens: int, overlap_tokens: int,
               count_tokens: TokenCounter) -> list[Chunk]:
    """Pack the sentences of ``text`` into chunks; see the module docstring."""
    if max_tokens <= 0 or not 0 <= overlap_tokens < max_tokens:
        raise ValueError("need max_tokens > 0 and 0 <= overlap_tokens < max_tokens")
    pieces: list[tuple[int, int, int]] = []  # (start, end, tokens), each <= max_tokens
    for start, end in split_sentences(text):
        pieces.extend(_fit(text, start, end, max_tokens, count_tokens))
    chunks: list[Chunk] = []
    i = 0
    while i < len(pieces):
        j, total = i, 0
        while j < len(pieces) and total + pieces[j][2] <= max_tokens:
            total += pieces[j][2]
            j += 1
        j = max(j, i + 1)  # one piece over the bound is a single character of several tokens
        # the text between pieces (spaces, line breaks) can add tokens: check the real count
        total = count_tokens(text[pieces[i][0]:pieces[j - 1][1]])
        while j > i + 1 and total > max_tokens:
            j -= 1
            total = count_tokens(text[pieces[i][0]:pieces[j - 1][1]])
        group = pieces[i:j]
        start, end = group[0][0], group[-1][1]
        chunks.append(Chunk(len(chunks), start, end, text[start:end],
                            tuple((s, e) for s, e, _ in group), total))
        if j >= len(pieces):
            break
        # step back over trailing pieces that fit in the overlap, but always move forward
        back, kept = j, 0
        while back - 1 > i and kept + pieces[back - 1][2] <= overlap_tokens:
            back -= 1
            kept += pieces[back][2]
        i = back
    return chunks


def _fit(text: str, start: int, end: int, max_tokens: int,
         count_tokens: TokenCounter) -> list[tuple[int, int, int]]:
    """Cut one sentence into pieces of at most ``max_tokens`` tokens (at spaces if it can)."""
    n = count_tokens(text[start:end])
    if n <= max_tokens:
        return [(start, end, n)]
    words = [(m.start() + start, m.end() + start) for m in re.finditer(r"\S+", text[start:end])]
    out: list[tuple[int, int, int]] = []
    piece_start: int | None = None
    piece_end = start
    for ws, we in words:
        if count_tokens(text[ws:we]) > max_tokens:  # one huge "word": cut it by characters
            if piece_start is not None:
                out.append((piece_start, piece_end, count_tokens(text[piece_start:piece_end])))
                piece_start = None
            out.extend(_cut_chars(text, ws, we, max_tokens, count_tokens))
            continue
        candidate = ws if piece_start is None else piece_start
        if count_tokens(text[candidate:we]) <= max_tokens:
            piece_start, piece_end = candidate, we
        else:
            assert piece_start is not None
            out.append((piece_start, piece_end, count_tokens(text[piece_start:piece_end])))
            piece_start, piece_end = ws, we
    if piece_start is not None:
        out.append((piece_start, piece_end, count_tokens(text[piece_start:piece_end])))
    return out


def _cut_chars(text: str, start: int, end: int, max_tokens: int,
               count_tokens: TokenCounter) -> list[tuple[int, int, int]]:
    """Cut ``text[start:end]`` into the longest pieces that fit (binary search per piece)."""
    out = []
    pos = start
    while pos < end:
        lo, hi = 1, end - pos
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if count_tokens(text[pos:pos + mid]) <= max_tokens:
                lo = mid
            else:
                hi = mid - 1
        out.append((pos, pos + lo, count_tokens(text[pos:pos + lo])))
        pos += lo
    return out
