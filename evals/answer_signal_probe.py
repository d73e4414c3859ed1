"""Would signals read off the answer sentence itself sharpen the abstention model? Offline.

    python evals/answer_signal_probe.py evals/calibration/dev-6167aaa.json [--runs 20]

For every row of a calibration-off dev report that reached a first answer sentence, it embeds
that sentence with EmbeddingGemma and adds four candidate signals to the shipped twelve
(``confidence.FEATURES``): the sentence's similarity to the sentences it cites (``document``
prompt on both sides, and the model's ``STS`` prompt), and the question's similarity to the
sentence (``query`` against ``document``, and ``STS`` on both). It prints each signal's AUC
alone, then the held-out AUC of the shipped fit (``calibrate.held_out``)
with and without them, over ``--runs`` shuffled 10-fold splits. No chat model is called; the
report's recorded signals are used as they are. The row-building is pure::

    >>> item = {"answer": "Kalin met Haftar [1]. Begec was there [2].",
    ...         "citations": [{"marker": 1, "quote": "Kalin ontmoette Haftar."},
    ...                       {"marker": 2, "quote": "Begec was er."}],
    ...         "standalone_question": "Who met Haftar?"}
    >>> answer_row(item)
    ('Who met Haftar?', 'Kalin met Haftar.', ['Kalin ontmoette Haftar.'])
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SIGNALS = ("ans_support_doc", "ans_support_sts", "ans_qsim", "ans_qsim_sts")


def answer_row(item: dict[str, Any]) -> tuple[str, str, list[str]]:
    """``(question, first answer sentence without markers, the quotes it cites)``: what the
    calibration judged (its first sentence; all the answer's quotes if that cites none)."""
    from assistant.checks.citations import cited_numbers
    from assistant.checks.release import split_complete
    from assistant.text.words import MARKER

    done, _ = split_complete(item["answer"] + " ")
    first = done[0] if done else item["answer"]
    markers = set(cited_numbers(first))
    quotes = [c["quote"] for c in item["citations"] if c["marker"] in markers] or \
        [c["quote"] for c in item["citations"]]
    plain = re.sub(r"\s+([.,;:!?])", r"\1", " ".join(MARKER.sub("", first).split()))
    return item["standalone_question"], plain, quotes


def held_out_auc(rows: Sequence[dict[str, float]], labels: Sequence[bool],
                 features: Sequence[str], runs: int) -> tuple[float, float]:
    """Mean and spread of the AUC of ``calibrate.held_out`` (each row scored by a model
    fitted without it, on ``features``) over ``runs`` shufflings of the rows."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from assistant.evaluate.calibrate import held_out

    aucs = []
    for run in range(runs):
        perm = np.random.default_rng(run).permutation(len(rows))
        probs = held_out([rows[i] for i in perm], [labels[i] for i in perm], features=features)
        aucs.append(roc_auc_score([labels[i] for i in perm], probs))
    return float(np.mean(aucs)), float(np.std(aucs))


def main(argv: Sequence[str] | None = None) -> int:
    from sklearn.metrics import roc_auc_score

    sys.path.insert(0, str(ROOT))
    from assistant.checks.confidence import FEATURES
    from assistant.models.embeddings import SentenceTransformerEmbedder
    from assistant.models.weights import EMBEDDING_MODELS, resolve
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("report", nargs="+")
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args(argv)
    items = [it for name in args.report
             for it in json.loads(Path(name).read_text(encoding="utf-8"))["items"]
             if it["signals"]]
    settings = Settings.from_env()
    embedder = SentenceTransformerEmbedder(
        resolve(settings.embedding_model, settings.models_dir, EMBEDDING_MODELS))
    rows = [answer_row(it) for it in items]
    quotes = sorted({q for _, _, qs in rows for q in qs})

    def enc(texts: list[str], prompt: str) -> Any:
        return embedder._encode(texts, prompt)

    answers, questions = [a for _, a, _ in rows], [q for q, _, _ in rows]
    a_doc, a_sts = enc(answers, "document"), enc(answers, "STS")
    q_query, q_sts = enc(questions, "query"), enc(questions, "STS")
    c_doc = dict(zip(quotes, enc(quotes, "document"), strict=True))
    c_sts = dict(zip(quotes, enc(quotes, "STS"), strict=True))
    signals = [{**it["signals"], **dict(zip(SIGNALS, (
        max((float(a_doc[i] @ c_doc[c]) for c in qs), default=0.0),
        max((float(a_sts[i] @ c_sts[c]) for c in qs), default=0.0),
        float(q_query[i] @ a_doc[i]), float(q_sts[i] @ a_sts[i])), strict=True))}
        for i, (it, (_, _, qs)) in enumerate(zip(items, rows, strict=True))]
    labels = [bool(it["answerable"] and it["correct"]) for it in items]
    print(f"{len(items)} answers with signals, {sum(labels)} right")
    for name in SIGNALS:
        print(f"{name}: AUC alone {roc_auc_score(labels, [s[name] for s in signals]):.3f}")
    for chosen in [(), *((s,) for s in SIGNALS), SIGNALS]:
        mean, spread = held_out_auc(signals, labels, (*FEATURES, *chosen), args.runs)
        print(f"shipped 12{' + ' + ' + '.join(chosen) if chosen else ''}: held-out AUC "
              f"{mean:.3f} ± {spread:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
