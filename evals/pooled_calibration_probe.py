"""Does fitting the abstention model on several dev runs sharpen it? Offline, no model called.

    python evals/pooled_calibration_probe.py evals/calibration/dev-6167aaa.json \\
        --pool evals/calibration/dev-8108a97.json ... [--runs 10] [--precision 0.75]

The first report is scored: each of its answers gets a probability from a model fitted
without any row of that question (its own run's or the pooled runs'; ``calibrate.held_out``
with the rows grouped by question), once fitted on that report alone and once on it with the
``--pool`` reports, over ``--runs`` shufflings of the questions. It prints the AUC and the
report's figures at the operating point for ``--precision`` (chosen on those held-out
probabilities) for both. A question is its id and kind (an item and its removal ask are two)::

    >>> question({"id": "dog-age", "kind": "removal"})
    ('dog-age', 'removal')
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIGURES = ("answer_accuracy", "citation_precision", "abstention_accuracy", "removal_abstention",
           "false_abstention_rate")


def question(item: dict[str, Any]) -> tuple[str, str]:
    return str(item["id"]), str(item["kind"])


def scored(target: list[dict[str, Any]], pool: list[dict[str, Any]], runs: int,
           precision: float) -> dict[str, float]:
    """Mean AUC and figures of ``target``'s answers, each judged by a model fitted on
    ``target`` and ``pool`` without its question's rows."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from assistant.evaluate.calibrate import held_out, operating_point, withdrawn
    from assistant.evaluate.evaluation import ItemResult, aggregate

    rows = [it for it in target + pool if it["signals"]]  # target's rows first
    keys = {k: n for n, k in enumerate(sorted({question(it) for it in rows}))}
    labels = [bool(it["answerable"] and it["correct"]) for it in rows]
    results = [ItemResult(**it) for it in target]
    at = [i for i, it in enumerate(target) if it["signals"]]  # target's rows, in results
    mine = range(len(at))  # and in rows
    out: list[list[float]] = []
    for run in range(runs):
        shuffled = np.random.default_rng(run).permutation(len(keys))
        order = sorted(range(len(rows)), key=lambda i: shuffled[keys[question(rows[i])]])
        probs = dict(zip(order, held_out([rows[i]["signals"] for i in order],
                                         [labels[i] for i in order],
                                         groups=[question(rows[i]) for i in order]),
                         strict=True))
        p = [probs[i] for i in mine]
        y = [labels[i] for i in mine]
        figures = aggregate(withdrawn(results, dict(zip(at, p, strict=True)),
                                      operating_point(p, y, precision)), 5)
        out.append([float(roc_auc_score(y, p)), *(figures[k] for k in FIGURES)])
    return dict(zip(("auc", *FIGURES), np.mean(out, axis=0).round(3).tolist(), strict=True))


def main(argv: Sequence[str] | None = None) -> int:
    sys.path.insert(0, str(ROOT))
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report")
    parser.add_argument("--pool", nargs="+", required=True)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--precision", type=float, default=0.75)
    args = parser.parse_args(argv)

    def items(name: str) -> list[dict[str, Any]]:
        return list(json.loads(Path(name).read_text(encoding="utf-8"))["items"])

    target = items(args.report)
    pool = [it for name in args.pool for it in items(name)]
    for label, extra in (("alone", []), (f"with {len(args.pool)} more runs", pool)):
        print(f"fitted {label}: {scored(target, extra, args.runs, args.precision)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
