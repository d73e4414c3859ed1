"""Gold parsing, scoring, aggregation and report writing, with fakes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, SEED_FILE

from assistant.answer.result import Answer, Citation
from assistant.evaluate.evaluation import (
    Evaluator,
    GoldError,
    GoldItem,
    aggregate,
    is_correct,
    load_gold,
    score_item,
    select_split,
    unknown_sources,
)
from assistant.evaluate.reports import markdown_report, report_data
from assistant.serve import cli


def write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "gold.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


GOOD = json.dumps({"id": "a", "question": "Who?", "answers": ["Kalin"], "sources": ["s.txt"]})


def test_malformed_lines_fail_with_their_line_number(tmp_path: Path) -> None:
    cases = {
        "{not json": "not valid JSON",
        json.dumps({"id": "b", "question": "Q"}): "field 'answers' must be list",
        json.dumps({"id": "b", "question": "Q", "answers": ["x"]}): "needs 'sources'",
        json.dumps({"id": "b", "question": "Q", "answers": [], "match": "some"}): "'match'",
        json.dumps({"id": "b", "question": "Q", "answers": [], "lang": "de"}): "'lang'",
        json.dumps({"id": "b", "question": "Q", "answers": [], "extra": 1}): "unknown field",
        json.dumps({"id": "b", "question": "Q", "answers": [], "split": "train"}): "'split'",
        json.dumps({"id": "b", "question": "Q", "answers": [],
                    "history": [{"role": "x", "content": "y"}]}): r"history\[0\]\.role",
        GOOD: "duplicate id 'a'",
    }
    for bad, message in cases.items():
        path = write(tmp_path, [GOOD, "", bad])
        with pytest.raises(GoldError, match=rf"gold\.jsonl:3: .*{message}"):
            load_gold(path)


def test_gold_files_in_the_repo_parse_with_the_required_mix() -> None:
    seeds = load_gold(ROOT / "evals" / "seeds.jsonl")
    dpg = load_gold(ROOT / "evals" / "dpg.jsonl")
    assert sum(i.answerable for i in dpg) >= 150
    for items, minimum in ((seeds, 30), (dpg, 60)):
        assert len(items) >= minimum
        assert {i.split for i in items} == {"dev", "test"}
        assert sum(not i.answerable for i in items) >= 6
        assert {i.lang for i in items} >= {"en", "nl"}
        assert any(i.history for i in items) and any(i.match == "all" for i in items)
    assert unknown_sources(seeds, [SEED_FILE.name]) == {}


def test_list_questions_cover_both_languages_splits_and_long_lists() -> None:
    from assistant.ingest.chunking import split_sentences

    items = [i for name in ("seeds.jsonl", "dpg.jsonl") for i in load_gold(ROOT / "evals" / name)
             if i.is_list]
    assert len(items) >= 80
    assert {(i.split, i.lang) for i in items} == {("dev", "en"), ("dev", "nl"), ("test", "en"),
                                                   ("test", "nl")}
    assert sum(len(i.answers) >= 5 for i in items) >= 10
    assert any(i.sources == (SEED_FILE.name,) for i in items)
    written = [i for i in items if i.kind == "list"]
    for item in written:  # the note is the article's telling of the list: it names every item
        assert is_correct(item.note, item.answers, "all"), item.id
    told_over = [sum(any(is_correct(item.note[a:b], [x]) for x in item.answers)
                     for a, b in split_sentences(item.note)) for item in written]
    assert sum(n >= 2 for n in told_over) >= len(items) / 3


def test_unknown_sources_are_reported() -> None:
    items = [GoldItem("a", "Q", ("x",), sources=("s.txt", "nope.txt"))]
    assert unknown_sources(items, ["s.txt"]) == {"a": ["nope.txt"]}


def answer(text: str, abstained: bool, cited: list[str], retrieved: list[str]) -> Answer:
    citations = [Citation(i + 1, s, "T", None, "quote", 0, 5, "d-" + s)
                 for i, s in enumerate(cited)]
    return Answer(text, citations, abstained, "Q", "Q", "en",
                  retrieved=[{"source": s, "doc_id": "d-" + s} for s in retrieved])


def test_scores_and_aggregates() -> None:
    items = [GoldItem("1", "Q", ("Kalin",), sources=("a.txt",)),
             GoldItem("2", "Q", ("Begec", "Haftar"), "all", sources=("b.txt",)),
             GoldItem("3", "Q", ()),
             GoldItem("4", "Q", ())]
    answers = [answer("Ibrahim KALIN [1].", False, ["a.txt", "c.txt"], ["c.txt", "a.txt"]),
               answer("Begec [1].", False, ["b.txt"], ["b.txt"]),
               answer("Not found", True, [], ["a.txt"]),
               answer("Made up [1].", False, ["a.txt"], ["a.txt"])]
    results = [score_item(i, a, t) for i, a, t in zip(items, answers, [1.0, 2.0, 3.0, 4.0],
                                                      strict=True)]
    metrics = aggregate(results, k=5)
    assert metrics["answer_accuracy"] == 0.5  # item 2 misses Haftar
    assert metrics["retrieval_recall_at_k"] == 1.0
    assert metrics["mrr"] == (1 / 2 + 1) / 2
    assert metrics["citation_precision"] == 2 / 3
    assert metrics["citation_recall"] == 1.0
    assert metrics["abstention_accuracy"] == 0.5
    assert metrics["false_abstention_rate"] == 0.0
    assert metrics["latency_p50_s"] == 2.5 and metrics["n_items"] == 4.0
    assert "removal_abstention" not in metrics  # no removal asks: no rate, not a rate of 0
    assert aggregate(results, k=1)["retrieval_recall_at_k"] == 0.5
    # item 2 is a list: one of its two items named, nothing else
    assert (metrics["list_recall"], metrics["list_complete"], metrics["list_precision"]) == (
        0.5, 0.0, 1.0)


def test_a_list_answer_is_scored_item_by_item() -> None:
    item = GoldItem("l", "Which countries are in the team?", ("Nederland", "Australië",
                                                              "België"), "all", lang="en")
    shown = score_item(item, answer("Nederland [1], België [1], Rusland [2] and België [2].",
                                    False, [], []), 1.0)
    assert (shown.list_found, shown.list_total, shown.list_named) == (2, 3, 4)
    assert shown.list_wrong == ["Rusland", "België"]  # not in the list; named twice
    refused = score_item(item, answer("Not found", True, [], []), 1.0)
    assert (refused.list_found, refused.list_named) == (0, 0)
    metrics = aggregate([shown, refused], k=5)
    assert metrics["list_recall_en"] == metrics["list_recall"] == 1 / 3
    assert metrics["list_precision"] == 2 / 4 and metrics["list_complete"] == 0.0
    assert "list_recall_nl" not in metrics


def test_list_and_single_fact_latencies_are_reported_apart() -> None:
    listed = GoldItem("l", "Which countries?", ("Nederland", "België"), "all", lang="en")
    single = GoldItem("s", "Who?", ("Kalin",), lang="en")
    lists = [score_item(listed, answer("Nederland [1] and België [1].", False, [], []), t)
             for t in (6.0, 8.0)]
    singles = [score_item(single, answer("Kalin [1].", False, [], []), t) for t in (4.0, 5.0)]
    metrics = aggregate(lists + singles, k=5)
    assert (metrics["latency_p50_list_s"], metrics["latency_p50_single_s"]) == (7.0, 4.5)
    assert "latency_p50_list_s" not in aggregate(singles, k=5)


def test_eval_command_writes_json_markdown_and_plot(make_assistant: Any, seed_dir: Path,
                                                    tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    bot = make_assistant(lambda p: json.dumps({"evidence": [1], "answer": "Ibrahim Kalin [1]."}))
    monkeypatch.setattr("assistant.serve.api.Assistant.from_settings", lambda settings: bot)
    gold = write(tmp_path, [
        json.dumps({"id": "a", "question": "Who met Haftar in Benghazi?", "answers": ["Kalin"],
                    "sources": [SEED_FILE.name, "missing.txt"]}),
        json.dumps({"id": "b", "question": "What did Erdogan say?", "answers": []}),
    ])
    out = tmp_path / "report"
    assert cli.main(["eval", "--gold", str(gold), "--docs", str(seed_dir), "--out",
                     str(out)]) == 0
    data = json.loads((out / "report.json").read_text())
    for key in ("answer_accuracy", "retrieval_recall_at_k", "mrr", "citation_precision",
                "citation_recall", "abstention_accuracy", "false_abstention_rate",
                "latency_p50_s", "latency_p95_s", "n_items"):
        assert isinstance(data[key], float)
    assert data["answer_accuracy"] == 1.0 and data["abstention_accuracy"] == 1.0
    assert data["meta"]["unknown_sources"] == {"a": ["missing.txt"]}
    assert [i["id"] for i in data["items"]] == ["a", "b"]
    assert "| answer_accuracy | 1.000 |" in (out / "report.md").read_text()
    assert "removal_abstention" not in data  # asked without --removal
    assert "removal_abstention" not in (out / "report.md").read_text()
    assert (out / "report.png").read_bytes()[:4] == b"\x89PNG"
    assert "unknown source(s) missing.txt" in capsys.readouterr().err


def test_evaluator_returns_plain_floats(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant(lambda p: json.dumps({"evidence": [1], "answer": "Kalin [1]."}))
    bot.ingest(seed_dir)
    evaluator = Evaluator([GoldItem("a", "Who met Haftar?", ("Kalin",),
                                    sources=(SEED_FILE.name,))])
    metrics = evaluator.run(bot)
    assert all(isinstance(v, float) for v in metrics.values())
    assert evaluator.results[0].correct


def test_answers_match_whole_words_only() -> None:
    assert not is_correct("They met at the summit [2].", ["MIT"])
    assert is_correct("The MIT chief met Haftar [1].", ["MIT"])
    assert not is_correct("In 1928 [1].", ["28"])
    assert is_correct("Hij was 28 jaar [1].", ["28"])
    assert is_correct("They paid 1,5 miljoen [1].", ["1,5 miljoen"])


def test_splits_languages_removal_and_consistency_are_scored() -> None:
    items = [GoldItem("1", "Who met Haftar?", ("Kalin",), sources=("a.txt",), lang="en"),
             GoldItem("2", "Wie was er?", ("Begec",), sources=("b.txt",), lang="nl",
                      split="test"),
             GoldItem("3", "What did Erdogan say?", ())]
    assert [i.id for i in select_split(items, "test")] == ["2"]
    assert len(select_split(items, "all")) == 3
    results = [
        score_item(items[0], answer("Kalin met Haftar in the port [1].", False, ["a.txt"],
                                    ["a.txt"]), 1.0),
        score_item(items[1], answer("Begec was erbij en hij sprak met de generaal [1].", False,
                                    ["b.txt"], ["b.txt"]), 1.0),
        score_item(items[2], answer("Not found", True, [], []), 1.0),
        score_item(items[0], answer("Not found", True, [], []), 1.0, kind="removal"),
        score_item(items[1], answer("Begec [1].", False, ["b.txt"], []), 1.0, kind="removal"),
    ]
    metrics = aggregate(results, k=5)
    assert metrics["answer_accuracy_en"] == 1.0 and metrics["answer_accuracy_nl"] == 1.0
    assert metrics["removal_abstention"] == 0.5
    assert metrics["abstention_accuracy"] == 1.0  # hand-written ones only
    assert metrics["n_items"] == 3.0
    assert metrics["language_consistency"] == 1.0
    wrong = score_item(items[0], answer("Kalin ontmoette Haftar in de haven van de stad [1].",
                                        False, ["a.txt"], ["a.txt"]), 1.0)
    assert wrong.consistent is False


def test_removal_asks_again_without_the_sources(make_assistant: Any, seed_dir: Path) -> None:
    bot = make_assistant(lambda p: json.dumps({"evidence": [1], "answer": "Kalin [1]."}))
    bot.ingest(seed_dir)
    evaluator = Evaluator([GoldItem("a", "Who met Haftar?", ("Kalin",),
                                    sources=(SEED_FILE.name,))], removal=True)
    metrics = evaluator.run(bot)
    assert [r.kind for r in evaluator.results] == ["gold", "removal"]
    assert metrics["removal_abstention"] == 1.0 and evaluator.results[1].abstained
    table = markdown_report(report_data(metrics, evaluator.results, {}))
    assert "| a | ✓ | no |" in table and "| a (sources removed) | ✓ | yes |" in table


def test_items_with_a_kind_are_written_over_the_gate_archive() -> None:
    """Near-miss, number and list items do not choose the gate's articles (``gate_sources``
    reads the plain items only), so each must cite articles the archive already holds."""
    from evals.gate import CORPUS_HINT, DPG, gate_files

    if not DPG.exists():
        pytest.skip(f"needs {CORPUS_HINT}")
    archive = set(gate_files())
    kinds = [i for name in ("seeds.jsonl", "dpg.jsonl")
             for i in load_gold(ROOT / "evals" / name) if i.kind]
    assert len([i for i in kinds if i.kind == "near_miss"]) >= 80
    assert len([i for i in kinds if i.kind == "number"]) >= 60
    assert {i.split for i in kinds} == {"dev", "test"} and {i.lang for i in kinds} == {"en", "nl"}
    outside = {i.id: s for i in kinds for s in i.sources if s not in archive}
    assert not outside, outside
