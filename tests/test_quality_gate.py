"""The quality gate: the ``test`` split of both gold sets, end to end with the real models, over
a multi-article archive (the seed article plus 220 Dutch news articles, near-topic ones
included; see ``evals/gate.py``), so retrieval recall and citation precision can fail.
Before this gate, on the same items and archive, the assistant scored: answer accuracy 0.667,
recall@5 0.958, citation precision 0.753, abstention 1 of 4, false abstention 0.042.
Every answerable item is also asked with its source articles left out (``removal=True``: a
near-topic unanswerable, ``removal_abstention``; first measured here at 45 of 49, 0.918).

The archive's store is built once per content hash (``ASSISTANT_GATE_CACHE``, default
``~/.cache/assistant/gate``) and reused. Tune on ``dev``, never on these items; where the
assistant falls short, improve the assistant, never the gold set. The floors are set below
what the assistant measured on this split (see ``evals/README.md``), so that a regression fails;
they are not the issue's targets, which the assistant does not reach yet.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT

from assistant.evaluate.evaluation import Evaluator, load_gold, select_split
from assistant.evaluate.reports import markdown_table, write_report

pytestmark = pytest.mark.integration

GATE = {"retrieval_recall_at_k": 0.9, "answer_accuracy": 0.45, "abstention_accuracy": 0.25,
        "removal_abstention": 0.7, "citation_precision": 0.7, "false_abstention_rate_max": 0.45,
        "language_consistency": 0.9,
        # first measured on 8de2119's code (the new items only): near-miss 0.455, number traps
        # 0.737 / 0.778; floors below, so that a regression fails
        "answer_precision": 0.7, "near_miss_abstention": 0.25, "number_accuracy": 0.5,
        # first measured on 4cd354d's code: list recall 0.628, list precision 0.731
        "list_recall": 0.45, "list_precision": 0.55}


@pytest.fixture(scope="module")
def gate_assistant(real_assistant: Any) -> Any:
    from assistant.ingest.store import ChromaStore
    from assistant.serve.api import Assistant
    from evals.gate import CORPUS_HINT, DPG, gate_dir

    if not DPG.exists():
        if os.environ.get("ASSISTANT_REQUIRE_CORPUS"):  # CI: the gate must run
            pytest.fail(f"{DPG} is missing; the gate needs {CORPUS_HINT}")
        pytest.skip(f"the quality gate needs {CORPUS_HINT} ({DPG} is missing)")
    folder = gate_dir()
    settings = real_assistant.settings.replace(data_dir=folder / "data")
    store = ChromaStore.persistent(settings.data_dir / "chroma", settings.collection,
                                   settings.embedding_model)
    bot = Assistant(settings, store, real_assistant.embedder, real_assistant.chat_model)
    report = bot.ingest(folder / "docs")
    assert not report.failed, report.failed
    return bot


def test_test_split_passes_the_gate(gate_assistant: Any, tmp_path: Path) -> None:
    items = [*select_split(load_gold(ROOT / "evals" / "seeds.jsonl"), "test"),
             *select_split(load_gold(ROOT / "evals" / "dpg.jsonl"), "test")]
    evaluator = Evaluator(items, k=gate_assistant.settings.top_k, removal=True)
    metrics = evaluator.run(gate_assistant)
    out = Path(os.environ.get("ASSISTANT_GATE_REPORT") or tmp_path)  # keep it when asked
    write_report(out, metrics, evaluator.results,
                 {"gold": "evals/seeds.jsonl + evals/dpg.jsonl, split test",
                  "archive": "seed article + 220 DPG articles (evals/gate.py)"})
    print("\n" + markdown_table(metrics))
    for r in evaluator.results:
        if not r.correct:
            withheld = f" withheld: {r.withheld!r}" if r.withheld else ""
            kind = " (sources removed)" if r.kind == "removal" else ""
            print(f"  {r.id}{kind}: {'abstained' if r.abstained else r.answer!r} ({r.reason})"
                  f"{withheld}")
    missing = {name.removesuffix("_max") for name in GATE} - metrics.keys()
    assert not missing, f"the gate measured no {missing}"
    low = {name: round(metrics[name], 3) for name, floor in GATE.items()
           if not name.endswith("_max") and metrics[name] < floor}
    high = {name[:-4]: round(metrics[name[:-4]], 3) for name, ceiling in GATE.items()
            if name.endswith("_max") and metrics[name[:-4]] > ceiling}
    assert not low and not high, f"outside the gate: {low | high}"
