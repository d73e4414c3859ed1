"""The lazy reply constraint's recogniser: every reply of REPLY_SCHEMA's shape is accepted at
every cut (a token may end anywhere, even inside a character), and a reply that leaves the
shape is refused at the byte where it does."""

from __future__ import annotations

import json

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.models.llm import LazyReplyConstraint
from assistant.models.reply_prefix import START, can_end, feed
from assistant.models.structured import parse_reply

REPLIES = st.builds(
    lambda ids, answer, ascii_only, sep: json.dumps(
        {"evidence": ids, "answer": answer}, ensure_ascii=ascii_only, separators=sep),
    st.lists(st.integers(-999, 999_999), max_size=6), st.text(max_size=80), st.booleans(),
    st.sampled_from([(", ", ": "), (",", ":")]))


@settings(max_examples=300, deadline=None)
@given(REPLIES, st.integers(0, 400))
def test_every_reply_of_the_shape_is_accepted_at_every_cut(reply: str, cut: int) -> None:
    data = reply.encode("utf-8")
    head = feed(START, data[:cut])
    assert head is not None
    whole = feed(head, data[cut:])
    assert can_end(whole) and (cut >= len(data) or not can_end(head))
    assert parse_reply(reply)[1] == json.loads(reply)["answer"].strip()


@settings(max_examples=200, deadline=None)
@given(REPLIES, st.sampled_from(["Sure! ", "```json\n", '{"answer": "', "{\"evidence\": [1,,"]))
def test_a_reply_that_leaves_the_shape_is_refused(reply: str, junk: str) -> None:
    assert feed(START, (junk + reply).encode("utf-8")) is None
    assert feed(START, (reply + " more").encode("utf-8")) is None  # nothing after the brace


def test_the_constraint_writes_the_best_reply_that_fits() -> None:
    """A fake model that would rather chat or stop: greedy decoding under the constraint still
    writes the reply, taking at each step the best token that fits, and ends after the brace."""
    vocab = [b'{"evidence": [', b"Sure", b"2", b"]", b', "answer": "', b"Kalin", b" [2].",
             b'"}', b""]
    end = len(vocab) - 1
    steps = [[1, end, 0], [1, end, 5, 2], [1, end, 3], [1, end, 4], [end, 5],
             [end, 6], [end, 7], [1, end]]  # each step's tokens, the model's favourite first
    lazy = LazyReplyConstraint(vocab.__getitem__, lambda token: token == end)
    written: list[int] = []
    for likes in steps:
        scores = np.zeros(len(vocab))
        scores[likes] = np.arange(len(likes), 0, -1, dtype=float)
        written.append(int(np.argmax(lazy([99, *written], scores))))
    assert b"".join(vocab[t] for t in written) == b'{"evidence": [2], "answer": "Kalin [2]."}'
    assert written[-1] == end


def test_a_constraint_told_the_opening_continues_after_it() -> None:
    """With the reply's opening read alongside the prompt (``begin``), the constraint refuses a
    second opening and lets the list go on."""
    vocab = [b'{"evidence": [', b"2", b"]", b""]
    lazy = LazyReplyConstraint(vocab.__getitem__, lambda token: token == 3)
    lazy.begin(b'{"evidence": [')
    scores = np.array([3.0, 2.0, 1.0, 0.5])
    assert int(np.argmax(lazy([99, 0], scores))) == 1
