"""The CLI over a fake-model assistant: JSON shapes, exit codes, one-line errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_FILE

from assistant.serve import cli


@pytest.fixture
def fake_bot(make_assistant: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    bot = make_assistant(lambda p: json.dumps({"evidence": [1], "answer": "Kalin [1]."}))
    monkeypatch.setattr(cli, "_assistant", lambda args: bot)
    return bot


def test_ingest_json_reports_counts_and_failures(fake_bot: Any, seed_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    (seed_dir / "bad.txt").write_text("date 2025-99-01 x")
    assert cli.main(["ingest", str(seed_dir), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["counts"] == {"added": 1, "updated": 0, "unchanged": 0, "removed": 0,
                              "failed": 1}
    assert data["failed"][0]["source"] == "bad.txt" and "malformed date" in data["failed"][0][
        "reason"]


def test_ask_json_shape(fake_bot: Any, seed_dir: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    fake_bot.ingest(seed_dir)
    assert cli.main(["ask", "Who met Haftar in Benghazi?", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert isinstance(data["answer"], str) and data["abstained"] is False
    c = data["citations"][0]
    assert c["source"] == SEED_FILE.name and c["date"] == "2025-08-26"
    assert isinstance(c["quote"], str) and isinstance(c["start"], int) and c["end"] > c["start"]


def test_ask_prints_answer_and_sources(fake_bot: Any, seed_dir: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    fake_bot.ingest(seed_dir)
    assert cli.main(["ask", "Who met Haftar in Benghazi?"]) == 0
    captured = capsys.readouterr()
    out = captured.out
    assert "Kalin [1]." in out and "Sources:" in out and SEED_FILE.name in out
    assert out.count("Kalin [1].") == 1  # printed once, as checked: never reprinted
    assert "(reading " in captured.err  # the articles found, before the answer


def test_errors_are_one_line_with_exit_code_2(fake_bot: Any, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["ingest", str(tmp_path / "missing")]) == 2
    assert "no such file or folder" in capsys.readouterr().err
    assert cli.main(["ask", "x", "--from", "2025-02-31"]) == 2
    assert "--from: malformed date" in capsys.readouterr().err


def test_missing_model_error_names_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("ASSISTANT_MODELS_DIR", str(tmp_path / "none"))
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path / "data"))
    assert cli.main(["ask", "Who?"]) == 2
    assert "assistant models pull" in capsys.readouterr().err


def test_chat_keeps_history_and_new_resets(fake_bot: Any, seed_dir: Path,
                                           monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    fake_bot.ingest(seed_dir)
    lines = iter(["Who met Haftar in Benghazi?", "/new", "/quit"])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(lines))
    assert cli.main(["chat"]) == 0
    out = capsys.readouterr().out
    assert "Kalin [1]." in out and "(new conversation)" in out


def test_ingest_field_flags_set_the_export_fields(tmp_path: Path) -> None:
    args = cli.build_parser().parse_args(["ingest", "dump.csv", "--text-field", "tekst",
                                          "--date-field", "datum", "--data-dir",
                                          str(tmp_path)])
    s = cli._settings(args)
    assert (s.export_text_field, s.export_date_field, s.export_title_field) == (
        "tekst", "datum", "title")
    assert s.data_dir == tmp_path  # a Path, as ASSISTANT_DATA_DIR gives (it was the bare text)
