"""Which byte strings can begin the model's reply ``{"evidence": [ints], "answer": "text"}``. Pure.

A recogniser for the one reply shape of ``structured.REPLY_SCHEMA``, fed byte by byte, so the
chat adapter can constrain decoding lazily: check only the token the model wants most, and look
further down its list only when that token would break the shape (``llm.LazyReplyConstraint``).
llama.cpp's grammar sampler instead checks every one of the vocabulary's 151,936 tokens at every
step. The language is the one llama.cpp's converter makes of ``REPLY_SCHEMA``: the keys in that
order, integers of at most 6 digits, JSON strings (escapes included), runs of at most 20
whitespace characters. Bytes from 0x80 up are accepted inside the string (UTF-8 of any
character), since a token may end halfway through a character::

    >>> state = feed(START, b'{"evidence": [3, 12], "ans')
    >>> state is not None, feed(state, b'wer": "Kalin [3]."}') is not None
    (True, True)
    >>> feed(START, b'Sure! Here is') is None, feed(START, b'{"answer"') is None
    (True, True)
    >>> can_end(feed(START, b'{"evidence": [], "answer": "x"}')), can_end(state)
    (True, False)
"""

from __future__ import annotations

from typing import Any

# the reply, item by item: whitespace, literals, the list of integers, the string, the end
_WS, _INTS, _STRING, _END = "ws", "ints", "string", "end"
_PLAN: tuple[Any, ...] = (
    _WS, b"{", _WS, b'"evidence"', _WS, b":", _WS, b"[", _WS, _INTS, b"]", _WS, b",", _WS,
    b'"answer"', _WS, b":", _WS, b'"', _STRING, _WS, b"}", _WS, _END)
_SPACE = frozenset(b" \t\n\r")
_DIGITS = frozenset(b"0123456789")
_HEX = frozenset(b"0123456789abcdefABCDEF")
_SIMPLE_ESCAPES = frozenset(b'"\\/bfnrt')
MAX_SPACE = 20
MAX_DIGITS = 6

State = tuple[int, Any]  # (index into the plan, the item's own progress)
START: State = (0, 0)


def feed(state: State | None, data: bytes) -> State | None:
    """The state after ``data``, or ``None`` when no reply can begin with what was fed."""
    for byte in data:
        if state is None:
            return None
        state = _step(state, byte)
    return state


def can_end(state: State | None) -> bool:
    """Whether the reply may stop here (the closing brace was written)."""
    if state is None:
        return False
    index = state[0]
    return _PLAN[index] is _END or (_PLAN[index] is _WS and _PLAN[index + 1] is _END)


def _step(state: State, byte: int) -> State | None:
    index, progress = state
    item = _PLAN[index]
    if item is _END:
        return None
    if isinstance(item, bytes):
        if byte != item[progress]:
            return None
        return (index + 1, 0) if progress + 1 == len(item) else (index, progress + 1)
    if item is _WS:
        if byte in _SPACE and progress < MAX_SPACE:
            return (index, progress + 1)
        return _step((index + 1, 0), byte)
    if item is _STRING:
        return _string(index, progress, byte)
    return _integers(index, progress, byte)


def _string(index: int, progress: Any, byte: int) -> State | None:
    """Inside the answer string: 0 plain, "esc" after a backslash, n>0 hex digits of \\u left."""
    if progress == 0:
        if byte == 0x22:  # the closing quote
            return (index + 1, 0)
        if byte == 0x5C:
            return (index, "esc")
        return None if byte < 0x20 else (index, 0)
    if progress == "esc":
        if byte in _SIMPLE_ESCAPES:
            return (index, 0)
        return (index, 4) if byte == ord("u") else None
    if byte not in _HEX:
        return None
    return (index, progress - 1 if progress > 1 else 0)


def _integers(index: int, progress: Any, byte: int) -> State | None:
    """The list's inside: (what came last, how many digits or spaces in a row)."""
    kind, count = progress if progress else ("open", 0)
    if kind in ("open", "comma", "after") and byte in _SPACE:
        return (index, (kind, count + 1)) if count < MAX_SPACE else None
    if kind in ("open", "comma", "minus") and byte in _DIGITS:
        return (index, ("digits", 1))
    if kind in ("open", "comma") and byte == ord("-"):
        return (index, ("minus", 0))
    if kind == "digits":
        if byte in _DIGITS:
            return (index, ("digits", count + 1)) if count < MAX_DIGITS else None
        if byte in _SPACE:
            return (index, ("after", 1))
    if kind in ("digits", "after") and byte == ord(","):
        return (index, ("comma", 0))
    if kind in ("open", "digits", "after"):
        return _step((index + 1, 0), byte)  # the list ends: the plan's "]" must come
    return None
