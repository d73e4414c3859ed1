"""How well the chat model reads when its evidence is only the gold sentences: a ceiling.

    python evals/oracle_evidence.py [--split dev] [--out oracle.json]

For every answerable, history-free gold item of the split, over the gate's archive (the store
``evals/gate.py`` caches), the question is prepared as the assistant prepares it (language,
retrieval, candidate sentences). The evidence shown to the model is then not the selected
sentences but the oracle's: the candidate sentences of the gold articles that hold a gold answer
(at most four), each with the sentence before it in its article. The reply goes through the
same checks (``pipeline.stream_answer``); set ``ASSISTANT_CALIBRATION=off`` to compare with a
calibration-off eval report. Items whose candidates hold no gold sentence are counted, not asked.

Printed: accuracy over the items asked, and, given ``--report`` (an eval report of the same
split), the real path's accuracy on the same items, so the two differ only in the evidence.
The choice of sentences is pure::

    >>> from assistant.retrieve.evidence import EvidenceSentence
    >>> def s(n, text, src="a.md"):
    ...     return EvidenceSentence(n, text, src, src, "", None, 0, 0, "c")
    >>> cands = [s(1, "Het regende."), s(2, "Hij werd 23."), s(3, "Ook 23 in b.", "b.md")]
    >>> oracle_indices(cands, ("a.md",), ("23",))
    [0, 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

from assistant.evaluate.evaluation import is_correct  # noqa: E402
from assistant.retrieve.evidence import EvidenceSentence  # noqa: E402

MAX_GOLD = 4  # gold sentences shown at most (a list answer may need several)


def oracle_indices(candidates: Sequence[EvidenceSentence], sources: Sequence[str],
                   answers: Sequence[str]) -> list[int]:
    """Positions of the candidates from a gold article holding a gold answer, each with the
    candidate before it when that is of the same article, in order."""
    hits = [i for i, c in enumerate(candidates)
            if c.source in sources and is_correct(c.text, answers, "any")][:MAX_GOLD]
    keep = set(hits)
    keep |= {i - 1 for i in hits if i > 0 and candidates[i - 1].doc_id == candidates[i].doc_id}
    return sorted(keep)


def main() -> None:
    from gate import gate_dir
    from langchain_core.runnables import RunnableLambda

    from assistant.answer.pipeline import Chain, Turn, answer_messages, collect, stream_answer
    from assistant.evaluate.evaluation import load_gold, select_split
    from assistant.serve.api import Assistant
    from assistant.settings import Settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--out", type=Path, default=None, help="per-item results (JSON)")
    parser.add_argument("--report", type=Path, default=None,
                        help="an eval report of the split: its accuracy on the same items")
    args = parser.parse_args()

    gold = [g for name in ("seeds.jsonl", "dpg.jsonl")
            for g in select_split(load_gold(ROOT / "evals" / name), args.split)
            if g.answers and not g.history]
    bot = Assistant.from_settings(Settings.from_env(data_dir=gate_dir() / "data"))
    chain = bot.chain
    rows: list[dict[str, Any]] = []
    missed: list[str] = []
    for g in gold:
        turn = chain.prepare.invoke(Turn(question=g.question))
        candidates = turn.candidates or turn.evidence
        keep = oracle_indices(candidates, g.sources, g.answers)
        if not keep:
            missed.append(g.id)
            continue
        evidence = [dataclasses.replace(candidates[j], number=n) for n, j in enumerate(keep, 1)]
        messages = answer_messages(evidence, turn.standalone, turn.language)
        ready = dataclasses.replace(turn, evidence=evidence, messages=messages, early="")
        oracle = Chain(prepare=RunnableLambda(lambda _t, ready=ready: ready), model=chain.model,
                       rewrite=chain.rewrite, config=chain.config)
        answer = collect(stream_answer(oracle, Turn(question=g.question)))
        correct = not answer.abstained and is_correct(answer.text, g.answers, g.match)
        rows.append({"id": g.id, "lang": turn.language, "correct": correct,
                     "abstained": answer.abstained, "answer": answer.text,
                     "reason": answer.reason, "evidence": len(evidence)})
        print(f"{g.id:28s} {'right' if correct else 'wrong'} {answer.text[:100]}", flush=True)
    if args.out:
        args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    right = sum(r["correct"] for r in rows)
    print(f"{args.split}: {len(rows)} items asked, {len(missed)} without a gold candidate "
          f"({', '.join(missed)}); oracle accuracy {right / max(len(rows), 1):.3f}, "
          f"abstained {sum(r['abstained'] for r in rows)}")
    if args.report:
        real = {it["id"]: it for it in json.loads(args.report.read_text(encoding="utf-8"))["items"]
                if it["kind"] == "gold"}
        same = [r for r in rows if r["id"] in real]
        gained = sum(r["correct"] and not real[r["id"]]["correct"] for r in same)
        lost = sum(real[r["id"]]["correct"] and not r["correct"] for r in same)
        print(f"the report on the same {len(same)} items: accuracy "
              f"{sum(real[r['id']]['correct'] for r in same) / max(len(same), 1):.3f}; right "
              f"only with the oracle {gained}, only with the real evidence {lost}")


if __name__ == "__main__":
    main()
