"""An OpenAI-compatible chat endpoint on the page's own server, for chat front ends and scripts.

``POST /v1/chat/completions`` (plain, or ``"stream": true`` as server-sent events) and
``GET /v1/models``. The last user message is the question and the messages before it are the
conversation. The answer text keeps its ``[n]`` markers; the citations (marker, source, title,
date, quote, start, end) go in an extra top-level field ``citations`` of the completion (of the
last chunk when streamed), with ``abstained``, ``reason`` and ``confidence`` (the calibrated
probability that the answer is right; ``null`` when it abstained or no model scored it).
Optional request fields ``date_from`` / ``date_to`` (YYYY-MM-DD) limit the articles searched.

Streamed, the content comes as the checked sentences are released, so nothing sent is taken
back. A request from another machine needs ``Authorization: Bearer $ASSISTANT_API_TOKEN``; with
a token set, every request does. The pure part is ``parse_request``::

    >>> question, history, *_ = parse_request({"messages": [
    ...     {"role": "user", "content": "Wie?"}, {"role": "assistant", "content": "Kalin [1]."},
    ...     {"role": "user", "content": [{"type": "text", "text": "En wie nog meer?"}]}]})
    >>> question, [m["role"] for m in history]
    ('En wie nog meer?', ['user', 'assistant'])
"""

from __future__ import annotations

import hmac
import itertools
import json
import time
import uuid
from collections.abc import Iterator
from typing import Any

from fastapi import Request  # FastAPI reads the handlers' annotations: imported here
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute

from assistant.answer.pipeline import collect
from assistant.answer.result import Answer
from assistant.ingest.documents import ArticleError, parse_date
from assistant.serve.access import is_loopback
from assistant.serve.api import Assistant

MODEL_ID = "assistant"


class RequestError(ValueError):
    """The request body is not one we can answer; the message names the field."""


def _text(content: Any, where: str) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):  # content parts: only text ones carry the question
        return "".join(p.get("text", "") for p in content
                       if isinstance(p, dict) and p.get("type") == "text")
    raise RequestError(f"{where}.content: expected a string or a list of content parts")


def parse_request(body: Any) -> tuple[str, list[dict[str, str]], str | None, str | None, bool]:
    """``(question, history, date_from, date_to, stream)`` of a chat-completions body."""
    if not isinstance(body, dict) or not isinstance(body.get("messages"), list):
        raise RequestError("messages: expected a list of messages")
    turns: list[dict[str, str]] = []
    for i, m in enumerate(body["messages"]):
        if not isinstance(m, dict) or m.get("role") not in ("system", "user", "assistant"):
            raise RequestError(f"messages[{i}].role: expected system, user or assistant")
        if m["role"] != "system":  # the assistant keeps its own instructions
            turns.append({"role": m["role"], "content": _text(m.get("content"),
                                                              f"messages[{i}]")})
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise RequestError("messages: the last message must be the user's question")
    dates = [body.get(k) or None for k in ("date_from", "date_to")]
    for key, value in zip(("date_from", "date_to"), dates, strict=True):
        if value is not None:
            try:
                parse_date(str(value), key)
            except ArticleError as exc:
                raise RequestError(str(exc)) from None
    return turns[-1]["content"], turns[:-1], dates[0], dates[1], bool(body.get("stream"))


def citations(answer: Answer) -> dict[str, Any]:
    """The extra fields of a completion: the citations, and whether (and why) it abstained."""
    shown = answer.to_dict()  # the same citation fields as ``assistant ask --json``
    return {"citations": shown["citations"], "abstained": answer.abstained,
            "reason": answer.reason, "confidence": None if answer.abstained else answer.confidence}


def routes(bot: Assistant, token: str | None) -> list[APIRoute]:
    """The endpoint's routes, for ``gradio.Blocks.launch(app_kwargs={"routes": ...})``."""
    def refused(request: Request) -> JSONResponse | None:
        given = request.headers.get("authorization", "")
        client = request.client.host if request.client else ""
        if token:
            if hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
                return None
            return error(401, "a valid bearer token is required (ASSISTANT_API_TOKEN)")
        if is_loopback(client):
            return None
        return error(401, "requests from other machines need a bearer token: set "
                          "ASSISTANT_API_TOKEN on the server")

    def error(status: int, message: str, kind: str = "invalid_request_error") -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": kind}}, status_code=status)

    def models(request: Request) -> Any:
        return refused(request) or {"object": "list", "data": [
            {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "assistant"}]}

    async def completions(request: Request) -> Any:
        denied = refused(request)
        if denied:
            return denied
        try:
            question, history, date_from, date_to, stream = parse_request(await request.json())
        except json.JSONDecodeError:
            return error(400, "the body is not JSON")
        except RequestError as exc:
            return error(400, str(exc))
        head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()),
                "model": MODEL_ID}
        items = bot.stream(question, history, date_from=date_from, date_to=date_to)
        try:  # the model runs in a worker thread, never on the server's event loop
            first = await run_in_threadpool(next, items)  # retrieval done (or a bad request)
            if stream:
                return StreamingResponse(events(itertools.chain([first], items), head),
                                         media_type="text/event-stream")
            answer = await run_in_threadpool(collect, itertools.chain([first], items))
        except ValueError as exc:  # a bad history
            return error(400, str(exc))
        return {**head, "object": "chat.completion", "choices": [{
            "index": 0, "finish_reason": "stop",
            "message": {"role": "assistant", "content": answer.text}}],
            "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
            **citations(answer)}

    return [APIRoute("/v1/models", models, methods=["GET"]),
            APIRoute("/v1/chat/completions", completions, methods=["POST"])]


def events(items: Iterator[Any], head: dict[str, Any]) -> Iterator[str]:
    """Server-sent events of a stream: the role, each released sentence, then the last chunk
    with ``finish_reason`` and the citations, then ``[DONE]``."""
    def chunk(delta: dict[str, Any], finish: str | None = None, **extra: Any) -> str:
        body = {**head, "object": "chat.completion.chunk",
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], **extra}
        return f"data: {json.dumps(body, ensure_ascii=False)}\n\n"

    yield chunk({"role": "assistant", "content": ""})
    for item in items:
        if isinstance(item, str):
            yield chunk({"content": item})
        elif isinstance(item, Answer):
            if item.abstained:  # the refusal is the whole answer text
                yield chunk({"content": item.text})
            yield chunk({}, "stop", **citations(item))
    yield "data: [DONE]\n\n"
