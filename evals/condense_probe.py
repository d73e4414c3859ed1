"""Rewrite hand-written follow-ups with ``prompts/condense.txt`` and print what comes back.

    python evals/condense_probe.py [--probe evals/followup_probe.jsonl] [--out rewrites.json]

``followup_probe.jsonl`` holds 30 follow-ups (19 Dutch, 11 English) about made-up people and
places, none from a gold set: a short conversation and a question that points back into it
("Hoe oud was zij toen het verscheen?"). Each is rewritten by the shipped chat model, as the
pipeline's condense step does, and the script prints the model's reply, the rewrite the
pipeline takes (``followup.clean_rewrite``: the question itself when ``adds_nothing`` refuses
the reply), whether the reply was still a question, and the share of replies taken. Whether a
rewrite resolved its referent is read by eye (docs/journal.md has the counts). The
tallying is pure::

    >>> counts = tally([{"lang": "nl", "question_kept": True, "taken": False},
    ...                 {"lang": "nl", "question_kept": False, "taken": False},
    ...                 {"lang": "en", "question_kept": True, "taken": True}])
    >>> counts["nl"]
    {'asks': 2, 'replies_still_a_question': 1, 'rewrites_taken': 0}
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def tally(rows: Sequence[dict[str, Any]]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for row in rows:
        t = out.setdefault(row["lang"], {"asks": 0, "replies_still_a_question": 0,
                                         "rewrites_taken": 0})
        t["asks"] += 1
        t["replies_still_a_question"] += bool(row["question_kept"])
        t["rewrites_taken"] += bool(row["taken"])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--probe", type=Path, default=ROOT / "evals" / "followup_probe.jsonl")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from langchain_core.messages import HumanMessage

    from assistant.answer import prompts
    from assistant.retrieve.followup import clean_rewrite, format_history
    from assistant.serve.api import make_chat_model
    from assistant.settings import Settings
    from assistant.text.language import LANGUAGE_NAMES, detect_language

    chat = make_chat_model(Settings.from_env())
    rows = []
    for line in args.probe.read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        question, history = item["question"], item["history"]
        text = prompts.render("condense", history=format_history(history), question=question,
                              language=LANGUAGE_NAMES[detect_language(question)])
        reply = str(chat.bind(max_tokens=80).invoke([HumanMessage(text)]).content).strip()
        taken = clean_rewrite(reply, question, history)
        row = {"lang": item["lang"], "question": question, "reply": reply, "rewrite": taken,
               "question_kept": reply.rstrip().endswith("?"),
               "taken": taken != question or reply.strip() == question}
        rows.append(row)
        print(f"{row['lang']} {'?' if row['question_kept'] else '.'} "
              f"{'taken  ' if row['taken'] else 'refused'} | {question} -> {reply}", flush=True)
    print(json.dumps(tally(rows), indent=1))
    if args.out:
        args.out.write_text(json.dumps(rows, indent=1, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
