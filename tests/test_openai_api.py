"""The OpenAI-compatible endpoint on the running page's server (fake models): the official
``openai`` client, plain and streamed, a raw server-sent-event stream, errors and the token."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import SEED_FILE, free_port
from test_pipeline import number_of, reply

from assistant.serve.openai_api import RequestError, parse_request

QUESTION = "Who met Haftar in the port of Benghazi?"


FOLLOW_UP = "Who else met Haftar in the port of Benghazi?"


def script(prompt: str) -> str:
    if "[1]" not in prompt:  # the follow-up's rewrite into a standalone question
        return FOLLOW_UP
    if QUESTION in prompt or FOLLOW_UP in prompt:
        k = number_of(prompt, "Ibrahim Kalin")
        return reply([k], f"Ibrahim Kalin met Haftar in the port of Benghazi [{k}].")
    return reply([], "NOT FOUND")  # the page's warm-up


@pytest.fixture
def server(make_assistant: Any, seed_dir: Path, settings: Any) -> Iterator[tuple[str, Any]]:
    from assistant.serve.web import serve

    bot = make_assistant(script)
    bot.ingest(seed_dir)
    port = free_port()
    page = serve(bot, host="127.0.0.1", port=port, block=False)
    try:
        yield f"http://127.0.0.1:{port}", bot
    finally:
        page.close()


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json",
                                              **(headers or {})})
    return urllib.request.urlopen(request, timeout=60)


def test_the_openai_client_gets_cited_answers_plain_and_streamed(
        server: tuple[str, Any]) -> None:
    from openai import OpenAI

    url, _ = server
    client = OpenAI(base_url=f"{url}/v1", api_key="unused-on-localhost")
    assert [m.id for m in client.models.list()] == ["assistant"]
    done = client.chat.completions.create(model="assistant",
                                          messages=[{"role": "user", "content": QUESTION}])
    text = done.choices[0].message.content
    assert text.startswith("Ibrahim Kalin met Haftar") and "[1]" in text
    extra = done.model_extra
    assert extra["abstained"] is False
    [cited] = extra["citations"]
    assert cited["marker"] == 1 and cited["source"] == SEED_FILE.name
    assert cited["date"] == "2025-08-26" and "Ibrahim Kalin" in cited["quote"]
    article = SEED_FILE.read_text(encoding="utf-8")
    assert cited["quote"] in article and cited["end"] - cited["start"] == len(cited["quote"])

    chunks = list(client.chat.completions.create(
        model="assistant", stream=True, messages=[
            {"role": "system", "content": "You are helpful."},
            {"role": "user", "content": QUESTION},
            {"role": "assistant", "content": text},
            {"role": "user", "content": FOLLOW_UP}]))
    streamed = "".join(c.choices[0].delta.content or "" for c in chunks)
    assert streamed == text  # the same checked sentences, sent as they were released
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert chunks[-1].model_extra["citations"][0]["quote"] == cited["quote"]


def test_a_raw_stream_is_server_sent_events_ending_in_done(server: tuple[str, Any]) -> None:
    url, _ = server
    with post(f"{url}/v1/chat/completions", {"stream": True, "messages": [
            {"role": "user", "content": "What did President Erdogan say about the meeting?"}]},
            ) as response:
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line.decode().rstrip("\n") for line in response if line.strip()]
    assert all(line.startswith("data: ") for line in lines) and lines[-1] == "data: [DONE]"
    events = [json.loads(line[6:]) for line in lines[:-1]]
    assert events[0]["choices"][0]["delta"]["role"] == "assistant"
    last = events[-1]
    assert last["choices"][0]["finish_reason"] == "stop" and last["abstained"] is True
    assert last["citations"] == [] and "Erdogan" in last["reason"]
    said = "".join(e["choices"][0]["delta"].get("content") or "" for e in events)
    assert said == "The articles I have do not answer this question."


def test_bad_requests_get_openai_style_errors(server: tuple[str, Any]) -> None:
    url, _ = server
    for body, field in [({"messages": "hi"}, "messages"),
                        ({"messages": [{"role": "user", "content": QUESTION}],
                          "date_from": "26-08-2025"}, "date_from"),
                        ({"messages": [{"role": "assistant", "content": "Hi"}]}, "last message")]:
        with pytest.raises(urllib.error.HTTPError) as refused:
            post(f"{url}/v1/chat/completions", body)
        assert refused.value.code == 400
        assert field in json.loads(refused.value.read())["error"]["message"]


def test_a_token_is_required_once_set(make_assistant: Any, seed_dir: Path) -> None:
    from openai import AuthenticationError, OpenAI

    from assistant.serve.web import serve

    bot = make_assistant(script, api_token="s3cret")
    bot.ingest(seed_dir)
    port = free_port()
    page = serve(bot, host="127.0.0.1", port=port, block=False)
    try:
        with pytest.raises(AuthenticationError):
            OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="wrong").models.list()
        client = OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="s3cret")
        assert [m.id for m in client.models.list()] == ["assistant"]
    finally:
        page.close()


def test_parse_request_names_the_bad_field() -> None:
    with pytest.raises(RequestError, match=r"messages\[0\]\.role"):
        parse_request({"messages": [{"role": "tool", "content": "x"}]})
    with pytest.raises(RequestError, match=r"messages\[0\]\.content"):
        parse_request({"messages": [{"role": "user", "content": 5}]})
