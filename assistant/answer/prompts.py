"""Prompt templates from the ``prompts/`` folder, rendered strictly.

Templates use ``$name`` placeholders (``string.Template``), so JSON braces in a prompt need no
escaping. A missing variable is an error, and so is a variable the template does not use::

    >>> render_text("Question: $question", {"question": "Who?"})
    'Question: Who?'
    >>> render_text("Question: $question", {})
    Traceback (most recent call last):
    ...
    assistant.answer.prompts.PromptError: template needs variable(s) question
"""

from __future__ import annotations

import os
import string
from collections.abc import Mapping
from functools import cache
from pathlib import Path

PROMPTS_DIR = Path(os.environ.get("ASSISTANT_PROMPTS_DIR") or
                   Path(__file__).resolve().parents[2] / "prompts")


class PromptError(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


def variables(template: str) -> set[str]:
    """The placeholder names in ``template``."""
    found = set()
    for m in string.Template.pattern.finditer(template):
        name = m.group("named") or m.group("braced")
        if name:
            found.add(name)
    return found


def render_text(template: str, values: Mapping[str, object], name: str = "template") -> str:
    needed = variables(template)
    missing = needed - set(values)
    if missing:
        raise PromptError(f"{name} needs variable(s) {', '.join(sorted(missing))}")
    extra = set(values) - needed
    if extra:
        raise PromptError(f"{name} does not use variable(s) {', '.join(sorted(extra))}")
    return string.Template(template).substitute({k: str(v) for k, v in values.items()})


@cache
def load(name: str, folder: Path = PROMPTS_DIR) -> str:
    path = folder / f"{name}.txt"
    if not path.exists():
        raise PromptError(f"prompt file {path} is missing")
    return path.read_text(encoding="utf-8").rstrip("\n")


def render(name: str, **values: object) -> str:
    """Render ``prompts/<name>.txt`` with ``values``."""
    return render_text(load(name), values, name=f"prompts/{name}.txt")


def names(folder: Path = PROMPTS_DIR) -> list[str]:
    return sorted(p.stem for p in folder.glob("*.txt"))
