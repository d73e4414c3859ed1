"""Which shown answers would the number check refuse? Offline, on recorded eval reports.

    python evals/number_check_probe.py REPORT [REPORT ...] [--margin 0.0 0.02 0.05] [--split dev]

For every answer a report shows, it replays ``relations.misread_number`` (the question, each
answer sentence, the quotes that sentence cites) with EmbeddingGemma's similarity, as the
release gate would, and counts the answers it would cut: right ones (a cost) and wrong ones (a
gain), at each ``--margin``. An answer cut at its first sentence abstains; one cut later keeps
its earlier sentences (counted as still right when they hold the gold answer). No chat model
is called. The sentence-splitting is pure::

    >>> item = {"answer": "Kalin met Haftar [1]. Begec was there [2].",
    ...         "citations": [{"marker": 1, "quote": "Kalin ontmoette Haftar."},
    ...                       {"marker": 2, "quote": "Begec was er."}]}
    >>> sentences(item)  # doctest: +NORMALIZE_WHITESPACE
    [('Kalin met Haftar [1].', ['Kalin ontmoette Haftar.']),
     ('Begec was there [2].', ['Begec was er.'])]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def sentences(item: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """``(sentence, the quotes it cites)`` for each sentence of a shown answer."""
    from assistant.checks.citations import cited_numbers
    from assistant.checks.release import split_complete

    done, rest = split_complete(item["answer"] + " ")
    quotes = {c["marker"]: c["quote"] for c in item["citations"]}
    out = []
    for sentence in [*done, rest]:
        if sentence.strip():
            cited = [quotes[n] for n in cited_numbers(sentence) if n in quotes]
            out.append((sentence.strip(), cited))
    return out


def main(argv: Sequence[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    from assistant.checks import relations
    from assistant.evaluate.evaluation import is_correct, load_gold
    from assistant.serve.api import Assistant
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", nargs="+")
    parser.add_argument("--margin", type=float, nargs="+", default=[relations.MARGIN])
    parser.add_argument("--gold", nargs="+", default=[str(ROOT / "evals" / "seeds.jsonl"),
                                                      str(ROOT / "evals" / "dpg.jsonl")])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="dev")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    gold = {i.id: i for path in args.gold for i in load_gold(Path(path))}
    items = [it for name in args.report
             for it in json.loads(Path(name).read_text(encoding="utf-8"))["items"]
             if not it["abstained"] and it["id"] in gold
             and args.split in ("all", gold[it["id"]].split)]
    bot = Assistant.from_settings(Settings.from_env())
    for margin in args.margin:
        cut_right = cut_wrong = lost = kept = 0
        for it in items:
            answerable = it["answerable"]
            parts = sentences(it)
            cut = next((k for k, (s, cited) in enumerate(parts) if cited and
                        relations.misread_number(it["standalone_question"], s, cited,
                                                 bot.similarity, margin)), None)
            if cut is None:
                continue
            left = " ".join(s for s, _ in parts[:cut])
            still = bool(left) and answerable and is_correct(
                left, gold[it["id"]].answers, gold[it["id"]].match)
            if it["correct"] and answerable:
                cut_right += 1
                lost += not still
            else:
                cut_wrong += 1
                kept += bool(left)
            if args.verbose:
                print(f"  {'RIGHT' if it['correct'] and answerable else 'wrong'} {it['id']}"
                      f" ({it['kind']}): {parts[cut][0]!r}")
        print(f"margin {margin}: {len(items)} shown answers; cut {cut_right} right "
              f"({lost} of them lost) and {cut_wrong} wrong ({kept} keep earlier sentences)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
