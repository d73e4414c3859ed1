"""Embeddings over HTTP: an OpenAI-compatible embeddings server, and the client that uses one.

``assistant embed-serve`` serves ``POST /v1/embeddings`` (and ``GET /v1/models``) for any
``Embedder`` (the in-process EmbeddingGemma by default), so ingestion can run its embeddings on
other machines. With ``ASSISTANT_EMBED_BASE_URL`` set, ``RemoteEmbedder`` sends ingestion and
query embeddings there. The model's ``query`` / ``document`` prompts travel as an extra request
field ``prompt_name``; a server that ignores it embeds the text as given.

Vectors travel as float lists or, as the ``openai`` client asks by default, base64 of
little-endian float32::

    >>> import numpy as np
    >>> decode_vector(encode_vector(np.array([0.6, 0.8], dtype=np.float32)))
    array([0.6, 0.8], dtype=float32)
"""

from __future__ import annotations

import base64
import hmac
from collections.abc import Sequence
from typing import Any

import numpy as np
from fastapi import FastAPI, Request  # FastAPI reads the handlers' annotations: imported here
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from assistant.models.embeddings import Embedder, PromptedEmbedder

MAX_INPUTS = 2048  # texts in one request


def encode_vector(vector: np.ndarray) -> str:
    return base64.b64encode(np.asarray(vector, dtype="<f4").tobytes()).decode("ascii")


def decode_vector(data: str) -> np.ndarray:
    return np.frombuffer(base64.b64decode(data), dtype="<f4").astype(np.float32)


def embeddings_app(embedder: Embedder, token: str | None = None) -> FastAPI:
    """The FastAPI app serving ``embedder``; with ``token``, requests need it as a bearer."""
    app = FastAPI(title="assistant embeddings", docs_url=None, redoc_url=None)

    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse({"error": {"message": message, "type": "invalid_request_error"}},
                            status_code=status)

    def denied(request: Request) -> JSONResponse | None:
        given = request.headers.get("authorization", "").encode()
        if token and not hmac.compare_digest(given, f"Bearer {token}".encode()):
            return error(401, "a valid bearer token is required")
        return None

    async def models(request: Request) -> Any:
        return denied(request) or {"object": "list", "data": [
            {"id": embedder.name, "object": "model", "created": 0, "owned_by": "assistant"}]}

    async def embeddings(request: Request) -> Any:
        refused = denied(request)
        if refused:
            return refused
        try:
            body = await request.json()
        except ValueError:
            return error(400, "the body is not JSON")
        texts = body.get("input") if isinstance(body, dict) else None
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
            return error(400, "input: expected a string or a list of strings")
        if len(texts) > MAX_INPUTS:
            return error(400, f"input: at most {MAX_INPUTS} texts a request")
        prompt = body.get("prompt_name", "document")
        if prompt not in ("query", "document"):
            return error(400, "prompt_name: expected query or document")
        if prompt == "query":
            vectors = [await run_in_threadpool(embedder.embed_query, t) for t in texts]
        else:
            vectors = list(await run_in_threadpool(embedder.embed_documents, texts))
        as_base64 = body.get("encoding_format") == "base64"
        return {"object": "list", "model": embedder.name, "usage": {
            "prompt_tokens": 0, "total_tokens": 0}, "data": [
            {"object": "embedding", "index": i,
             "embedding": encode_vector(v) if as_base64 else [float(x) for x in v]}
            for i, v in enumerate(vectors)]}

    app.add_api_route("/v1/models", models, methods=["GET"])
    app.add_api_route("/v1/embeddings", embeddings, methods=["POST"])
    return app


class RemoteEmbedder(PromptedEmbedder):
    """An ``Embedder`` that asks an OpenAI-compatible embeddings server."""

    def __init__(self, base_url: str, name: str, *, model: str | None = None,
                 api_key: str | None = None, batch_size: int = 64) -> None:
        self.base_url = base_url
        self.name = name  # the store's vectors are keyed by this name: keep it the local one
        self.model = model or name
        self.api_key = api_key
        self.batch_size = batch_size
        self._client: Any = None

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(base_url=self.base_url, api_key=self.api_key or "none",
                                  max_retries=2, timeout=600)
        rows: list[np.ndarray] = []
        for i in range(0, len(texts), self.batch_size):
            reply = self._client.embeddings.create(
                model=self.model, input=list(texts[i:i + self.batch_size]),
                encoding_format="float", extra_body={"prompt_name": prompt})
            rows.extend(np.asarray(d.embedding, dtype=np.float32)
                        for d in sorted(reply.data, key=lambda d: d.index))
        vectors = np.vstack(rows)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1, norms)
