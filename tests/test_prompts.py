"""Every prompt in prompts/ renders with its variables, strictly."""

from __future__ import annotations

import pytest

from assistant.answer import prompts

VALUES = {"evidence": "[1] Kalin ontmoette Haftar.", "question": "Who met Haftar?",
          "language": "English", "history": "User: Who met Haftar?",
          "sentence": "Kalin ontmoette Haftar [1]."}


@pytest.mark.parametrize("name", prompts.names())
def test_every_prompt_renders(name: str) -> None:
    template = prompts.load(name)
    needed = prompts.variables(template)
    text = prompts.render(name, **{k: VALUES[k] for k in needed})
    assert "$" not in text.replace("$$", "")
    for key in needed:
        assert VALUES[key] in text


def test_the_expected_prompts_exist() -> None:
    assert {"answer_system", "answer_user", "answer_list_user", "condense",
            "translate"} <= set(prompts.names())


def test_missing_and_unknown_variables_are_errors() -> None:
    with pytest.raises(prompts.PromptError, match="needs variable"):
        prompts.render("answer_user", question="q", language="English")
    with pytest.raises(prompts.PromptError, match="does not use"):
        prompts.render("answer_system", question="q")
    with pytest.raises(prompts.PromptError, match="missing"):
        prompts.load("no_such_prompt")
