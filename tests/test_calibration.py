"""Calibrated abstention: fitting, the operating point, the shipped file, and the gate on the
first sentence (fakes, no models)."""

from __future__ import annotations

import ctypes
import json
import math
import random
from collections.abc import Iterator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
from conftest import HashEmbedder, ScriptedChat
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk
from test_pipeline import number_of, reply

from assistant.answer.result import Answer
from assistant.checks.confidence import DEFAULT_PATH, FEATURES, Calibrator
from assistant.evaluate.calibrate import fit, held_out
from assistant.evaluate.evaluation import ItemResult
from assistant.ingest.store import ChromaStore
from assistant.models.llm import closing_probability
from assistant.serve import cli
from assistant.serve.api import Assistant, load_calibrator
from assistant.settings import SettingsError


def rows(n: int, seed: int = 0) -> tuple[list[dict[str, float]], list[bool]]:
    """Answers whose ``qsim_max`` tells right from wrong, with noise in the rest."""
    rng = random.Random(seed)
    out, labels = [], []
    for i in range(n):
        right = i % 3 != 0
        row = {f: rng.random() for f in FEATURES}
        row["qsim_max"] = rng.gauss(0.6 if right else 0.35, 0.08)
        row["logprob_mean"] = float("nan") if i % 5 == 0 else row["logprob_mean"]
        out.append(row)
        labels.append(right)
    return out, labels


def test_fit_meets_the_stated_precision_and_round_trips(tmp_path: Path) -> None:
    x, y = rows(300)
    cal = fit(x, y, precision=0.9, meta={"rows": 300})
    accepted = [label for row, label in zip(x, y, strict=True) if cal.accepts(row)]
    assert sum(accepted) / len(accepted) >= 0.9 and len(accepted) > 100
    assert cal.coef[FEATURES.index("qsim_max")] > 0
    path = tmp_path / "cal.json"
    path.write_text(cal.to_json())
    again = Calibrator.load(path)
    assert again == cal and again.probability(x[0]) == cal.probability(x[0])
    held_out, truth = rows(300, seed=1)  # it generalises to rows it was not fitted on
    kept = [label for row, label in zip(held_out, truth, strict=True) if cal.accepts(row)]
    assert sum(kept) / len(kept) >= 0.85


def test_held_out_keeps_a_questions_rows_in_one_fold() -> None:
    # two questions, each asked in three runs: dealt by group, each question's rows are judged
    # by a model fitted on the other question alone (one class: its share right), never on
    # their own twins; dealt row by row, every fold trains on both
    x = [{"qsim_max": 0.9}] * 3 + [{"qsim_max": 0.1}] * 3
    y = [True] * 3 + [False] * 3
    assert held_out(x, y, groups=["a"] * 3 + ["b"] * 3) == [0.0] * 3 + [1.0] * 3
    by_row = held_out(x, y)
    assert by_row[0] > 0.5 > by_row[-1]
    for wrong in (["a", "b"], []):
        with pytest.raises(ValueError, match=f"{len(wrong)} groups for 6 rows"):
            held_out(x, y, groups=wrong)


def test_bad_calibration_files_name_the_setting(tmp_path: Path) -> None:
    assert load_calibrator("off") is None
    with pytest.raises(SettingsError, match=r"ASSISTANT_CALIBRATION: .*does not exist"):
        load_calibrator(str(tmp_path / "missing.json"))
    bad = tmp_path / "bad.json"
    bad.write_text("{}")
    with pytest.raises(SettingsError, match="not a calibration file"):
        load_calibrator(str(bad))
    assert load_calibrator("") is None  # empty: off
    if DEFAULT_PATH.exists():  # the shipped file loads and uses every feature
        assert load_calibrator("shipped").features == FEATURES  # type: ignore[union-attr]


def kalin(prompt: str) -> str:
    n = number_of(prompt, "Ibrahim Kalin")
    return reply([n], f"Ibrahim Kalin met Haftar [{n}].")


def test_an_unconvincing_first_sentence_is_never_shown(make_assistant: Any,
                                                        seed_dir: Path) -> None:
    bot = make_assistant(kalin)
    bot.ingest(seed_dir)
    sure = Calibrator(features=("support",), mean=(0.5,), scale=(0.1,), coef=(1.0,),
                      intercept=0.0, threshold=0.5)
    bot.chain = replace(bot.chain, config=replace(bot.chain.config, calibrator=sure))
    answer = bot.ask("Who met Haftar in Benghazi?")
    assert not answer.abstained and answer.confidence and answer.confidence > 0.9
    assert answer.signals["support"] == 1.0 and set(FEATURES) <= set(answer.signals)

    doubtful = replace(sure, intercept=-50.0)
    bot.chain = replace(bot.chain, config=replace(bot.chain.config, calibrator=doubtful))
    items = list(bot.stream("Who met Haftar in Benghazi?"))
    assert not any(isinstance(i, str) for i in items)
    final = items[-1]
    assert isinstance(final, Answer) and final.abstained and "too likely wrong" in final.reason


def test_calibrate_command_fits_dev_reports_only(tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    x, y = rows(120)
    # right answers to answerable items; the wrong ones answer removal asks (should abstain)
    items = [asdict(ItemResult(f"q{i}", "Who?", label, "Kalin [1].", False, label,
                               [{"marker": 1, "source": "a.txt", "quote": "Kalin."}], ["a.txt"],
                               1, int(label), 9.0, kind="gold" if label else "removal",
                               consistent=True, signals=row))
             for i, (row, label) in enumerate(zip(x, y, strict=True))]
    items.append(asdict(ItemResult("u", "Who?", False, "Not found.", True, True, [], [], None,
                                   0, 1.0)))  # abstained before the model: no signals
    report = tmp_path / "dev.json"
    report.write_text(json.dumps({"meta": {"split": "dev"}, "items": items}))
    out = tmp_path / "abstention.json"
    assert cli.main(["calibrate", "--report", str(report), "--out", str(out)]) == 0
    assert Calibrator.load(out).meta  # the command that made it is kept with it
    printed = capsys.readouterr().out
    assert "120 answers with signals" in printed
    without, with_it = printed.split("with it (held out):")
    assert "| removal_abstention | 0.000 |" in without  # every removal ask was answered ...
    removal = float(with_it.split("| removal_abstention | ")[1].split(" ")[0])
    assert removal > 0.5  # ... and the model, judging each answer unseen, withdraws most
    test = tmp_path / "test.json"
    test.write_text(json.dumps({"meta": {"split": "test"}, "items": items}))
    assert cli.main(["calibrate", "--report", str(test), "--out", str(out)]) == 2


class ChatWithLogits(ScriptedChat):
    """``ScriptedChat`` whose chunks carry what ``LlamaCppChat`` reads from its logits: a
    log-probability per piece (-0.1 per piece before the answer string, growing, -0.05 in it)
    and, on the first piece, the probability of closing the evidence list empty."""

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: Any = None, **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        for i, chunk in enumerate(super()._stream(messages, stop, run_manager, **kwargs)):
            text = str(chunk.message.content)
            meta: dict[str, Any] = {"logprobs": [-0.05 if '"answer": "' in "".join(
                self.streamed) else -0.1 * (i + 1)]}
            if i == 0:
                meta["p_no_evidence"] = 0.02
            yield ChatGenerationChunk(message=AIMessageChunk(content=text,
                                                             response_metadata=meta))


def test_the_evidence_list_s_logits_become_signals(settings: Any, seed_dir: Path) -> None:
    store = ChromaStore.persistent(settings.data_dir / "chroma", settings.collection, "hash")
    chat = ChatWithLogits(script=kalin, prompts=[], calls_kwargs=[])
    bot = Assistant(settings, store, HashEmbedder(), chat)
    bot.ingest(seed_dir)
    answer = bot.ask("Who met Haftar in Benghazi?")
    assert not answer.abstained
    assert answer.signals["no_evidence_logprob"] == round(math.log(0.02), 4)
    pieces = chat.streamed
    opened = next(i for i, _ in enumerate(pieces) if '"answer": "' in "".join(pieces[:i + 1]))
    # the least likely piece written before the answer string: the last one before it
    assert answer.signals["evidence_logprob_min"] == round(-0.1 * opened, 4)
    assert answer.signals["logprob_min"] == -0.05


def test_closing_probability_sums_the_tokens_that_close_a_list() -> None:
    pieces = [b"1", b"]", b" ],", b",", b"]}"]
    values = [2.0, 1.0, 0.5, 0.0, -1.0]

    class Ctx:
        def get_logits(self) -> Any:
            array = (ctypes.c_float * len(values))(*values)
            self.keep = array
            return ctypes.cast(array, ctypes.POINTER(ctypes.c_float))

    class FakeLlama:
        _ctx = Ctx()

        def n_vocab(self) -> int:
            return len(pieces)

        def detokenize(self, tokens: list[int], special: bool = False) -> bytes:
            return pieces[tokens[0]]

    weights = [math.exp(v) for v in values]
    expected = (weights[1] + weights[2] + weights[4]) / sum(weights)
    assert closing_probability(FakeLlama()) == pytest.approx(expected)
    assert closing_probability(object()) is None  # no logits: the signal is missing
