"""The model's JSON reply: its schema, a tolerant parser, and a streaming reader. Pure.

The model answers ``{"evidence": [sentence numbers], "answer": "text with [n] markers"}``;
llama.cpp constrains it to ``REPLY_SCHEMA`` (evidence first, so the model picks its sentences
before it writes). ``AnswerStream`` pulls the text of ``answer`` out of the reply while it is
being written, so the answer streams as plain text::

    >>> s = AnswerStream()
    >>> pieces = ['{"evidence": [1], "ans', 'wer": "Kalin', ' met \\\\"Haftar\\\\"', ' [1]."}']
    >>> [s.feed(p) for p in pieces]
    ['', 'Kalin', ' met "Haftar"', ' [1].']
    >>> parse_reply('{"evidence": [1, 3], "answer": "Kalin [1]."}')
    ([1, 3], 'Kalin [1].')
    >>> parse_reply('{"evidence": [2], "answer": "Begec [2] and')  # cut off by the token limit
    ([2], 'Begec [2] and')
"""

from __future__ import annotations

import json
import re
from typing import Any

REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "evidence": {"type": "array", "items": {"type": "integer"}},
        "answer": {"type": "string"},
    },
    "required": ["evidence", "answer"],
}
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_ANSWER_START = re.compile(r'"answer"\s*:\s*"')


class AnswerStream:
    """Feed raw reply text; get back the newly decoded characters of the ``answer`` string."""

    def __init__(self) -> None:
        self.raw = ""
        self._pos: int | None = None  # index in raw of the next undecoded answer character
        self.done = False

    def feed(self, piece: str) -> str:
        self.raw += piece
        if self.done:
            return ""
        if self._pos is None:
            m = _ANSWER_START.search(self.raw)
            if not m:
                return ""
            self._pos = m.end()
        out = []
        i = self._pos
        raw = self.raw
        while i < len(raw):
            ch = raw[i]
            if ch == '"':
                self.done = True
                i += 1
                break
            if ch == "\\":
                if i + 1 >= len(raw):
                    break  # wait for the rest of the escape
                code = raw[i + 1]
                if code == "u":
                    decoded, used = _unicode_escape(raw, i)
                    if used == 0:
                        break  # wait for the rest of the escape
                    out.append(decoded)
                    i += used
                    continue
                out.append(_ESCAPES.get(code, code))
                i += 2
                continue
            out.append(ch)
            i += 1
        self._pos = i
        return "".join(out)


def _unicode_escape(raw: str, i: int) -> tuple[str, int]:
    """Decode ``\\uXXXX`` (or a surrogate pair of two) at ``raw[i]``; ``("", 0)`` if incomplete."""
    if i + 6 > len(raw):
        return "", 0
    try:
        code = int(raw[i + 2:i + 6], 16)
    except ValueError:
        return "", 6
    if 0xD800 <= code < 0xDC00:  # high surrogate: needs its low half
        if i + 12 > len(raw):
            return "", 0
        if raw[i + 6:i + 8] == "\\u":
            try:
                low = int(raw[i + 8:i + 12], 16)
            except ValueError:
                low = 0
            if 0xDC00 <= low < 0xE000:
                return chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)), 12
        return "\ufffd", 6
    if 0xDC00 <= code < 0xE000:
        return "\ufffd", 6
    return chr(code), 6


def parse_reply(raw: str) -> tuple[list[int], str]:
    """``(evidence numbers, answer text)`` from a reply, even a truncated or sloppy one."""
    try:
        data = json.loads(raw)
        if isinstance(data, dict):
            evidence = [int(n) for n in data.get("evidence", []) if _is_int(n)]
            return evidence, str(data.get("answer", "")).strip()
    except (json.JSONDecodeError, TypeError, ValueError):
        pass
    m = re.search(r'"evidence"\s*:\s*\[([^\]]*)', raw)
    evidence = [int(n) for n in re.findall(r"\d+", m.group(1))] if m else []
    stream = AnswerStream()
    text = stream.feed(raw)
    if stream._pos is None and not raw.lstrip().startswith("{"):
        text = raw  # not JSON at all: take the text as the answer
    return evidence, text.strip()


def _is_int(value: Any) -> bool:
    try:
        int(value)
        return True
    except (TypeError, ValueError):
        return False
