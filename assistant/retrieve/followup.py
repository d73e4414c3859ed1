"""Follow-up questions: when to rewrite one into a standalone question, and how to show history.

Pure functions; the rewrite itself is a model call made by the pipeline with
``prompts/condense.txt``. A question is only rewritten when there is history and it leans on it
(a pronoun or pointing word, a leading "and", or very few words), so standalone questions cost
nothing extra::

    >>> needs_rewrite("And who was the ambassador?", [{"role": "user", "content": "x"}])
    True
    >>> needs_rewrite("Who attended the meeting in Benghazi?", [{"role": "user", "content": "x"}])
    False
    >>> needs_rewrite("Wat zei hij daar?", [])
    False

The small model's rewrite sometimes keeps the pointing word ("What ship docked there the day
before?"). Then the text searched with is the rewrite plus the last question asked before it
(``search_text``), so retrieval and the answer checks know what "there" was; the model is still
asked the rewrite::

    >>> search_text("What ship docked there?", "What ship had docked there?",
    ...             [{"role": "user", "content": "Who met Haftar in Benghazi?"}])
    'What ship docked there? (Who met Haftar in Benghazi?)'
    >>> search_text("What ship docked in Benghazi?", "What ship had docked there?",
    ...             [{"role": "user", "content": "Who met Haftar in Benghazi?"}])
    'What ship docked in Benghazi?'
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from assistant.text.matching import names, numbers
from assistant.text.words import MARKER, fold, words

Message = Mapping[str, str]

ANAPHORA = frozenset(
    """he she it they them him her his hers its their theirs there that this these those then
    former latter same other else hij zij ze het hem haar hun hen daar daarna dat die deze dit
    diens zijn toen ook""".split()
)
# the words that point back to the conversation for sure (no articles or relative pronouns)
POINTING = frozenset("""he she they him her them his their there hij zij ze hem haar hen hun daar
    daarheen""".split())
LEADING = frozenset("and but so what about en maar dus wat over".split())
MAX_HISTORY_TURNS = 6
MAX_TURN_CHARS = 400


def validate_history(history: Sequence[Message] | None) -> list[dict[str, str]]:
    """Check the ``[{"role": "user"|"assistant", "content": str}]`` shape; name the bad item."""
    out: list[dict[str, str]] = []
    for i, turn in enumerate(history or []):
        if not isinstance(turn, Mapping):
            raise ValueError(f"history[{i}]: expected an object with role and content")
        role, content = turn.get("role"), turn.get("content")
        if role not in ("user", "assistant"):
            raise ValueError(f"history[{i}].role: expected 'user' or 'assistant', got {role!r}")
        if not isinstance(content, str):
            raise ValueError(f"history[{i}].content: expected a string")
        out.append({"role": role, "content": content})
    return out


def needs_rewrite(question: str, history: Sequence[Message]) -> bool:
    if not any(t.get("role") == "user" for t in history):
        return False
    tokens = words(question)
    if not tokens:
        return False
    return tokens[0] in LEADING or len(tokens) <= 3 or any(t in ANAPHORA for t in tokens)


def search_text(rewrite: str, question: str, history: Sequence[Message]) -> str:
    """The text to search with: the rewrite, and the last earlier question when the rewrite
    kept a pointing word of the question."""
    kept = POINTING.intersection(words(rewrite)).intersection(words(question))
    earlier = next((t.get("content", "") for t in reversed(history) if t.get("role") == "user"),
                   "")
    if not kept or not earlier.strip():
        return rewrite
    return f"{rewrite} ({_unmarked(earlier)})"


def format_history(history: Sequence[Message]) -> str:
    """The last turns as ``User: ...`` / ``Assistant: ...`` lines, each cut to a few hundred
    characters and stripped of citation markers.

    >>> format_history([{"role": "user", "content": "Who met Haftar?"},
    ...                 {"role": "assistant", "content": "Kalin met Haftar [1]."}])
    'User: Who met Haftar?\\nAssistant: Kalin met Haftar.'
    """
    lines = []
    for turn in list(history)[-MAX_HISTORY_TURNS:]:
        text = _unmarked(turn.get("content", ""))
        if len(text) > MAX_TURN_CHARS:
            text = text[:MAX_TURN_CHARS].rsplit(" ", 1)[0] + " …"
        who = "User" if turn.get("role") == "user" else "Assistant"
        lines.append(f"{who}: {text}")
    return "\n".join(lines)


def _unmarked(text: str) -> str:
    """``text`` without its citation markers (and the space before each)."""
    return re.sub(r"\s*" + MARKER.pattern, "", text).strip()


def clean_rewrite(rewritten: str, question: str, history: Sequence[Message] = ()) -> str:
    """The model's rewrite, or the question itself when the rewrite is unusable: empty, far
    too long, or not a rewrite of the question (``adds_nothing``).

    >>> hist = [{"role": "user", "content": "Who led the Turkish delegation?"}]
    >>> clean_rewrite('Standalone question: "Who was the Turkish ambassador?"\\nMore',
    ...               "And the ambassador?", hist)
    'Who was the Turkish ambassador?'
    >>> clean_rewrite("Hugo de Jonge sprak in het ziekenhuis.", "Met wie sprak hij daar?")
    'Met wie sprak hij daar?'
    """
    line = next((ln for ln in rewritten.strip().splitlines() if ln.strip()), "")
    if ":" in line and line.split(":", 1)[0].lower().strip() in ("standalone question",
                                                                   "question", "vraag"):
        line = line.split(":", 1)[1]
    line = line.strip().strip('"“”\'').strip()
    if not line or len(line) > 3 * len(question) + 200 or not adds_nothing(line, question,
                                                                            history):
        return question
    return line


def adds_nothing(rewrite: str, question: str, history: Sequence[Message]) -> bool:
    """Whether ``rewrite`` is the question made standalone and nothing more: still a question
    when the question is one, and no name or number that neither the question nor the
    conversation holds. The small model answered Dutch follow-ups instead ("Hoe oud was ze
    toen?" became "Willeke Dost was 20 jaar oud toen.", dev) and copies the prompt's example
    name into a rewrite::

        >>> hist = [{"role": "user", "content": "In welk jaar verdween Willeke Dost?"},
        ...         {"role": "assistant", "content": "Willeke Dost verdween in 1992 [1]."}]
        >>> adds_nothing("Hoe oud was Willeke Dost toen ze in 1992 verdween?", "Hoe oud was ze?",
        ...              hist)
        True
        >>> adds_nothing("Willeke Dost was 20 jaar oud toen.", "Hoe oud was ze toen?", hist)
        False
        >>> adds_nothing("Hoe oud was minister Jansen?", "Hoe oud was ze toen?", hist)
        False
        >>> adds_nothing("In welk jaar verdween Willeke Dost?", "Hoe oud was ze toen?", hist)
        False
    """
    if question.rstrip().endswith("?") and not rewrite.rstrip().endswith("?"):
        return False
    asked = {" ".join(words(t.get("content", ""))) for t in history if t.get("role") == "user"}
    if " ".join(words(rewrite)) in asked - {" ".join(words(question))}:
        return False  # an earlier question asked again ("In welk jaar verdween ...?", dev)
    said = question + "\n" + "\n".join(t.get("content", "") for t in history)
    known = set(words(said))
    if any(fold(part) not in known for name in names(rewrite, skip_common=True)
           for part in name.split()):
        return False
    return set(numbers(rewrite)) <= set(numbers(said))
