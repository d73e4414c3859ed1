"""Beyond one machine: a real Chroma server (``chroma run``) and a real OpenAI-compatible chat
server (``python -m llama_cpp.server`` with the packaged model), started on free local ports."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_FILE, HashEmbedder, ScriptedChat, free_port
from test_pipeline import number_of, reply

from assistant.ingest.store import StoreError
from assistant.serve.api import Assistant, make_chat_model, make_store
from assistant.settings import Settings
from assistant.text.words import fold

BIN = Path(sys.executable).parent


def start(cmd: list[str], health: str, log: Path, timeout: float) -> subprocess.Popen[bytes]:
    """Start ``cmd`` and wait until ``health`` answers 200."""
    out = log.open("wb")
    proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            pytest.fail(f"{cmd[0]} exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(health, timeout=2)
            return proc
        except OSError:
            if time.monotonic() > deadline:
                proc.kill()
                pytest.fail(f"{' '.join(cmd)} did not start in {timeout} s")
            time.sleep(0.3)


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(20)
    except subprocess.TimeoutExpired:
        proc.kill()


@pytest.fixture(scope="module")
def chroma_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    base = tmp_path_factory.mktemp("chroma-server")
    port = free_port()
    proc = start([str(BIN / "chroma"), "run", "--path", str(base / "db"), "--port", str(port),
                  "--host", "127.0.0.1"], f"http://127.0.0.1:{port}/api/v2/heartbeat",
                 base / "chroma.log", 60)
    yield f"http://127.0.0.1:{port}"
    stop(proc)


def script(prompt: str) -> str:
    n = number_of(prompt, "Ibrahim Kalin")
    return reply([n], f"Ibrahim Kalin [{n}] met Haftar.")


def test_ingest_reingest_and_ask_against_a_chroma_server(chroma_url: str, settings: Settings,
                                                         seed_dir: Path) -> None:
    s = settings.replace(chroma_url=chroma_url, collection="server-test")
    embedder = HashEmbedder()
    store = make_store(s, embedder.name)
    bot = Assistant(s, store, embedder, ScriptedChat(script=script, prompts=[], calls_kwargs=[]))
    first = bot.ingest(seed_dir)
    assert first.added == [SEED_FILE.name] and first.chunks_embedded > 0
    assert not (settings.data_dir / "chroma").exists()  # nothing went to the local folder
    again = bot.ingest(seed_dir)
    assert again.unchanged == [SEED_FILE.name] and again.chunks_embedded == 0
    answer = bot.ask("Who did Ibrahim Kalin meet in Benghazi?")
    assert not answer.abstained and "Kalin" in answer.citations[0].quote

    # a second process (here: a second client) sees the same archive
    other = make_store(s, embedder.name)
    assert other.count() == store.count() and SEED_FILE.name in other.manifest()


def test_unreachable_chroma_server_is_a_clear_error(settings: Settings) -> None:
    s = settings.replace(chroma_url=f"http://127.0.0.1:{free_port()}")
    with pytest.raises(StoreError, match=r"cannot reach the Chroma server at http://127\.0\.0\.1"):
        make_store(s, "hash-64")


@pytest.mark.parametrize("mode,expected", [
    ("json_schema", {"type": "json_schema", "json_schema": {"name": "reply", "schema": {
        "type": "object"}}}),
    ("json_object", {"type": "json_object", "schema": {"type": "object"}}),
    ("none", None)])
def test_openai_requests_carry_max_tokens_and_the_reply_format(settings: Settings, mode: str,
                                                               expected: Any) -> None:
    from langchain_core.messages import HumanMessage

    s = settings.replace(llm_base_url="http://127.0.0.1:9/v1", llm_model="m", llm_json_mode=mode)
    chat = make_chat_model(s)
    payload = chat._get_request_payload(  # type: ignore[attr-defined]
        [HumanMessage("hi")], max_tokens=7,
        response_format={"type": "json_object", "schema": {"type": "object"}})
    assert payload["max_tokens"] == 7 and "max_completion_tokens" not in payload
    assert payload["model"] == "m"
    assert payload.get("extra_body", {}).get("response_format") == expected
    assert "response_format" not in payload  # so streaming stays a plain completions stream


# --- a real OpenAI-compatible server ----------------------------------------------------------

@pytest.fixture(scope="module")
def llm_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from assistant.models.weights import CHAT_MODELS, resolve

    settings = Settings.from_env()
    model = resolve(settings.chat_model, settings.models_dir, CHAT_MODELS)
    port = free_port()
    base = tmp_path_factory.mktemp("llm-server")
    proc = start([sys.executable, "-m", "llama_cpp.server", "--model", str(model),
                  "--host", "127.0.0.1", "--port", str(port), "--n_ctx", "4096",
                  "--n_threads", str(settings.n_threads), "--seed", "0", "--verbose", "False"],
                 f"http://127.0.0.1:{port}/v1/models", base / "server.log", 180)
    yield f"http://127.0.0.1:{port}/v1"
    stop(proc)


class CountingStream:
    """A chat model that counts the chunks its ``stream`` delivers, also once bound."""

    def __init__(self, model: Any, counts: list[int] | None = None) -> None:
        self.model, self.counts = model, counts if counts is not None else [0]

    @property
    def chunks(self) -> int:
        return self.counts[0]

    def bind(self, **kwargs: Any) -> CountingStream:
        return CountingStream(self.model.bind(**kwargs), self.counts)

    def stream(self, messages: Any) -> Iterator[Any]:
        for chunk in self.model.stream(messages):
            self.counts[0] += 1
            yield chunk

    def __getattr__(self, name: str) -> Any:
        return getattr(self.model, name)


@pytest.mark.integration
def test_answers_stream_from_an_openai_compatible_server(llm_url: str, real_assistant: Any,
                                                         settings: Settings,
                                                         seed_dir: Path) -> None:
    s = settings.replace(llm_base_url=llm_url, llm_json_mode="json_object")
    store = make_store(s, real_assistant.embedder.name)
    model = CountingStream(make_chat_model(s))
    bot = Assistant(s, store, real_assistant.embedder, lambda: model)
    bot.ingest(seed_dir)
    items = list(bot.stream("Who led the Turkish defence delegation?"))
    answer = items[-1]
    assert model.chunks > 3, "the server's answer did not stream"
    assert not answer.abstained, answer.reason
    assert "altindag" in fold(answer.text)
    assert any("Altindag" in c.quote for c in answer.citations)
    erdogan = bot.ask("What did President Erdogan say about the meeting?")
    assert erdogan.abstained


# --- an embeddings server -----------------------------------------------------------------------

def test_ingest_and_ask_through_an_embeddings_server(settings: Settings, seed_dir: Path,
                                                     tmp_path: Path) -> None:
    """The shipped server in front of the hash embedder: the client gets its exact vectors
    (float and base64), ingestion and queries go through it, and a token is enforced."""
    import threading

    import numpy as np
    import uvicorn
    from openai import OpenAI

    from assistant.models.embed_server import embeddings_app
    from assistant.serve.api import make_embedder

    local = HashEmbedder()
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(embeddings_app(local, token="k"), host="127.0.0.1",
                                           port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        while not server.started:
            time.sleep(0.05)
        s = settings.replace(embed_base_url=f"http://127.0.0.1:{port}/v1", embed_api_key="k",
                             embedding_model=local.name, embed_model_name=local.name)
        remote = make_embedder(s)
        texts = ["Kalin ontmoette Haftar in Benghazi.", "Begec nam ook deel."]
        assert np.allclose(remote.embed_documents(texts), local.embed_documents(texts),
                           atol=1e-6)
        assert np.allclose(remote.embed_query(texts[0]), local.embed_query(texts[0]), atol=1e-6)
        packed = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="k").embeddings.create(
            model=local.name, input=texts)  # the client's default: base64 vectors
        assert np.allclose(packed.data[1].embedding, local.embed_documents(texts)[1], atol=1e-6)
        with pytest.raises(Exception, match="401"):
            OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="wrong",
                   max_retries=0).embeddings.create(model=local.name, input=texts)
        store = make_store(s, remote.name)
        bot = Assistant(s, store, remote, ScriptedChat(script=script, prompts=[],
                                                       calls_kwargs=[]))
        before = len(local.calls)
        report = bot.ingest(seed_dir)
        assert report.added == [SEED_FILE.name] and len(local.calls) > before
        answer = bot.ask("Who did Ibrahim Kalin meet in Benghazi?")
        assert not answer.abstained and "Kalin" in answer.citations[0].quote
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.mark.integration
def test_embedding_server_vectors_match_in_process(real_assistant: Any, settings: Settings,
                                                   seed_dir: Path, tmp_path: Path) -> None:
    """``assistant embed-serve`` with the real EmbeddingGemma, in its own process: the same
    vectors (cosine >= 0.999) and the same answer as in-process."""
    import numpy as np

    port = free_port()
    proc = start([str(BIN / "assistant"), "embed-serve", "--port", str(port)],
                 f"http://127.0.0.1:{port}/v1/models", tmp_path / "embed.log", 180)
    try:
        s = Settings.from_env(data_dir=tmp_path / "remote",
                              embed_base_url=f"http://127.0.0.1:{port}/v1")
        remote = Assistant.from_settings(s)
        local = real_assistant.embedder
        texts = [SEED_FILE.read_text(encoding="utf-8")[:400], "Wie leidde de delegatie?"]
        for a, b in zip(remote.embedder.embed_documents(texts), local.embed_documents(texts),
                        strict=True):
            assert float(np.dot(a, b)) >= 0.999
        question = "Who led the Turkish defence delegation?"
        assert float(np.dot(remote.embedder.embed_query(question),
                            local.embed_query(question))) >= 0.999
        remote._chat_model = real_assistant.chat_model  # one chat model in memory
        remote.ingest(seed_dir)
        assert remote.ask(question).text == real_assistant.ask(question).text
    finally:
        stop(proc)
