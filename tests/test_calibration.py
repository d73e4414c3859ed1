"""Calibrated abstention: fitting, the operating point, the shipped file, and the gate on the
first sentence (fakes, no models)."""

from __future__ import annotations

import json
import random
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import pytest
from test_pipeline import number_of, reply

from assistant import cli
from assistant.answer import Answer
from assistant.api import load_calibrator
from assistant.calibration import DEFAULT_PATH, FEATURES, Calibrator, fit
from assistant.evaluation import ItemResult
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
