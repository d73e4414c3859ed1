"""Cross-examination, measured offline: does the model give the same answer again when it is
shown only the sentences its answer cites?

    ASSISTANT_CALIBRATION=off python evals/cross_exam_probe.py REPORT [--split dev] [--limit N]

For each ask of a calibration-off report whose first answer sentence passed the checks, the
chat model is asked the question again over only the sentences that sentence cites (the
answer prompt, JSON reply), and the two answers are compared (``verdict``). Prints, for right
answers and for wrong ones (answers to answerable questions, near-miss, hand-written and
removal asks), how often the second answer disagrees, and writes the rows as JSON Lines. The
comparison is pure::

    >>> verdict("Kalin [1] met Haftar.", "Kalin [1] met Haftar in Benghazi.", [1], "Who met?")
    'same'
    >>> verdict("He played 16 matches [1].", "He played 337 matches [1].", [1], "How many?")
    'other number'
    >>> verdict("Dapne van Roosendaal [2] is the bishop.", "NOT FOUND", [], "Who is the bishop?")
    'not found'
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def verdict(first: str, second: str, second_evidence: Sequence[int], question: str) -> str:
    """``same``, ``not found`` (the second reply declares no evidence or refuses), ``other
    number`` (a number of the first answer is missing from the second) or ``other name`` (no
    name of the first answer, outside the question, is in the second)."""
    from assistant.checks.release import refuses
    from assistant.text.matching import names, numbers, term_found
    from assistant.text.words import MARKER, words

    if not second_evidence or refuses(second) or not second.strip():
        return "not found"
    asked = set(numbers(question))
    if (set(numbers(MARKER.sub(" ", first))) - asked) - set(numbers(MARKER.sub(" ", second))):
        return "other number"
    q_words = set(words(question))
    given = [n for n in names(MARKER.sub(" ", first), skip_common=True)
             if not term_found(n, q_words)]
    second_words = set(words(second))
    if given and not any(term_found(n, second_words) for n in given):
        return "other name"
    return "same"


def main(argv: Sequence[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.answer.pipeline import answer_messages
    from assistant.checks.citations import cited_numbers
    from assistant.checks.release import split_complete
    from assistant.evaluate.evaluation import load_gold
    from assistant.models.structured import REPLY_SCHEMA, parse_reply
    from assistant.retrieve.evidence import EvidenceSentence
    from assistant.serve.api import make_chat_model
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report")
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--out", default="cross-exam.jsonl")
    args = parser.parse_args(argv)
    gold = {i.id: i for name in ("seeds.jsonl", "dpg.jsonl")
            for i in load_gold(ROOT / "evals" / name)}
    items = [it for it in json.loads(Path(args.report).read_text(encoding="utf-8"))["items"]
             if it["signals"] and it["id"] in gold
             and args.split in ("all", gold[it["id"]].split)]
    # in an order that mixes the kinds of asks, so that a --limit (or a stop) keeps a fair sample
    items.sort(key=lambda it: hashlib.sha1(f"{it['id']}/{it['kind']}".encode()).hexdigest())
    if args.limit:
        items = items[:args.limit]
    settings = Settings.from_env()
    model = make_chat_model(settings).bind(
        max_tokens=settings.max_answer_tokens,
        response_format={"type": "json_object", "schema": REPLY_SCHEMA})
    rows = []
    with open(args.out, "w", encoding="utf-8") as out:
        for it in items:
            done, rest = split_complete((it["answer"] if not it["abstained"] else
                                         it["withheld"]) + " ")
            first = (done or [rest])[0].strip()
            quotes = {c["marker"]: c for c in it["citations"]}
            numbers = [n for n in cited_numbers(first) if n in quotes] or list(quotes)
            if not numbers:
                continue
            evidence = [EvidenceSentence(n, quotes[n]["quote"], quotes[n]["source"],
                                         quotes[n]["source"], "", None, 0, 0, "")
                        for n in numbers]
            started = time.perf_counter()
            reply = model.invoke(answer_messages(evidence, it["standalone_question"],
                                                 it["lang"] or "en"))
            declared, second = parse_reply(str(reply.content))
            g = gold[it["id"]]
            row = {"id": it["id"], "kind": it["kind"], "tests": g.kind,
                   "right": bool(it["answerable"] and it["correct"]), "first": first,
                   "second": second, "verdict": verdict(first, second, declared,
                                                        it["standalone_question"]),
                   "seconds": round(time.perf_counter() - started, 2)}
            rows.append(row)
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
            out.flush()
    for label, chosen in (("right", [r for r in rows if r["right"]]),
                          ("wrong", [r for r in rows if not r["right"]]),
                          ("near-miss", [r for r in rows if r["tests"] == "near_miss"]),
                          ("removal", [r for r in rows if r["kind"] == "removal"])):
        if chosen:
            off = sum(r["verdict"] != "same" for r in chosen)
            print(f"{label}: {len(chosen)} answers, the second disagrees on {off} "
                  f"({off / len(chosen):.2f}); " + ", ".join(
                      f"{v} {sum(r['verdict'] == v for r in chosen)}"
                      for v in ("not found", "other number", "other name")))
    seconds = sorted(r["seconds"] for r in rows)
    if seconds:
        print(f"second call: p50 {seconds[len(seconds) // 2]:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
