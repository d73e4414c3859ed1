"""Score recorded eval reports again with today's metrics, under an abstention model. Offline.

    python evals/rescore.py REPORT [REPORT ...] [--calibration shipped|off|FILE] [--split dev]

A report of ``assistant eval`` run with ``ASSISTANT_CALIBRATION=off`` records the signals of
each first answer sentence, so the figures with any abstention model follow from it without
asking the chat model again: an answer whose probability is under the model's threshold is
withdrawn before its first sentence (``calibrate.withdrawn``). Items recorded before a field
existed get it here: the gold item's ``kind`` (from ``--gold``) and the Dutch non-words of the
answer (``language.non_words``); answers are judged against the gold items as they are now.
Several reports are pooled (one question's asks replaced by the later report's). Prints the
metrics as a markdown table. Rows are filled purely::

    >>> from assistant.evaluate.evaluation import GoldItem
    >>> item = {"id": "q", "answer": "Deze jaar planen ze [1].", "lang": "nl", "answerable": True,
    ...         "abstained": False, "citations": [{"quote": "Ze plannen dit jaar."}],
    ...         "question": "Wat plannen ze?"}
    >>> fill(item, {"q": GoldItem("q", "Wat?", ("x",), kind="number")})["nonwords"]
    ['planen']
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant.evaluate.evaluation import GoldItem  # noqa: E402


def fill(item: dict[str, Any], gold: Mapping[str, GoldItem]) -> dict[str, Any]:
    """``item`` with ``tests`` and ``nonwords`` set, and its answer judged again against the
    gold item as it is now (pure)."""
    from assistant.evaluate.evaluation import answer_non_words, is_correct, list_fields

    out = dict(item)
    g = gold.get(item["id"])
    out["tests"] = g.kind if g else item.get("tests", "")
    if g and item["answerable"]:
        out["correct"] = not item["abstained"] and is_correct(item["answer"], g.answers, g.match)
    if g and item["answerable"]:
        out.update(list_fields(g, item["answer"], item["abstained"]))
    out["nonwords"] = answer_non_words(item["answer"], item["abstained"], item.get("lang"),
                                       [c["quote"] for c in item["citations"]], item["question"])
    return out


def main(argv: Sequence[str] | None = None) -> int:
    from assistant.evaluate.calibrate import withdrawn
    from assistant.evaluate.evaluation import ItemResult, aggregate, load_gold
    from assistant.evaluate.reports import markdown_table
    from assistant.serve.api import load_calibrator

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", nargs="+")
    parser.add_argument("--calibration", default="off")
    parser.add_argument("--gold", nargs="+", default=[str(ROOT / "evals" / "seeds.jsonl"),
                                                      str(ROOT / "evals" / "dpg.jsonl")])
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--only", nargs="*", default=None,
                        help="kinds of items to keep: plain near_miss number list")
    args = parser.parse_args(argv)
    gold = {i.id: i for path in args.gold for i in load_gold(Path(path))}
    pooled: dict[tuple[str, str], ItemResult] = {}
    for name in args.report:
        for item in json.loads(Path(name).read_text(encoding="utf-8"))["items"]:
            if item["id"] not in gold:
                continue
            g = gold[item["id"]]
            if args.split != "all" and g.split != args.split:
                continue
            if args.only is not None and (g.kind or "plain") not in args.only:
                continue
            pooled[(item["id"], item["kind"])] = ItemResult(**fill(item, gold))
    results = list(pooled.values())
    calibrator = load_calibrator(args.calibration)
    if calibrator is not None:
        probs = {i: calibrator.probability(r.signals) for i, r in enumerate(results)
                 if r.signals}
        results = withdrawn(results, probs, calibrator.threshold)
    print(markdown_table(aggregate(results, 5)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
