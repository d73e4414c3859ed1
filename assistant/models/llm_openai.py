"""Generation on any OpenAI-compatible server (llama.cpp's server, vLLM, Ollama), via
``langchain-openai``.

``BaseChatOpenAI`` does the talking and streaming; this adapter only adjusts the request for
servers that are not OpenAI itself:

- ``max_tokens`` is sent as ``max_tokens`` (what these servers read), not renamed;
- the chain's JSON reply format (``{"type": "json_object", "schema": ...}``, llama.cpp's form) is
  sent in the form the server understands, chosen by ``ASSISTANT_LLM_JSON_MODE``:
  ``json_schema`` (OpenAI's standard; vLLM, Ollama, llama.cpp's C++ server), ``json_object``
  (with the schema inside: llama-cpp-python's server), or ``none`` (the reply parser copes).

    >>> to_server_format({"type": "json_object", "schema": {"type": "object"}}, "json_schema")
    {'type': 'json_schema', 'json_schema': {'name': 'reply', 'schema': {'type': 'object'}}}
    >>> to_server_format({"type": "json_object", "schema": {}}, "none") is None
    True
"""

from __future__ import annotations

from typing import Any

JSON_MODES = ("json_schema", "json_object", "none")


def to_server_format(fmt: dict[str, Any], mode: str) -> dict[str, Any] | None:
    """The ``response_format`` to send for the chain's ``fmt`` under ``mode``."""
    if mode == "none":
        return None
    if mode == "json_object":
        return fmt
    if mode == "json_schema":
        return {"type": "json_schema", "json_schema": {"name": "reply",
                                                       "schema": fmt.get("schema", {})}}
    raise ValueError(f"ASSISTANT_LLM_JSON_MODE: expected one of {', '.join(JSON_MODES)}, "
                     f"got {mode!r}")


def openai_chat(base_url: str, model: str, *, api_key: str | None, json_mode: str,
                temperature: float, seed: int, max_tokens: int) -> Any:
    """A LangChain chat model for the server at ``base_url`` (``http://host:port/v1``)."""
    try:
        from langchain_openai.chat_models.base import BaseChatOpenAI
    except ImportError as exc:  # pragma: no cover - a dependency of the project
        raise ImportError("ASSISTANT_LLM_BASE_URL needs langchain-openai: "
                          "pip install 'langchain-openai>=1,<2'") from exc
    from pydantic import SecretStr

    to_server_format({}, json_mode)  # fail early on a bad mode

    class OpenAICompatibleChat(BaseChatOpenAI):
        json_mode: str = "json_schema"

        @property
        def _llm_type(self) -> str:
            return "openai-compatible"

        def _get_request_payload(self, input_: Any, *, stop: list[str] | None = None,
                                 **kwargs: Any) -> dict[str, Any]:
            fmt = kwargs.pop("response_format", None)
            payload: dict[str, Any] = super()._get_request_payload(input_, stop=stop, **kwargs)
            if "max_completion_tokens" in payload:
                payload["max_tokens"] = payload.pop("max_completion_tokens")
            server_format = to_server_format(fmt, self.json_mode) if fmt else None
            if server_format is not None:
                # through extra_body, so that streaming stays a plain chat-completions stream
                payload["extra_body"] = {**payload.get("extra_body", {}),
                                         "response_format": server_format}
            return payload

    return OpenAICompatibleChat(base_url=base_url, model=model,
                                api_key=SecretStr(api_key or "none"),
                                json_mode=json_mode, temperature=temperature, seed=seed,
                                max_tokens=max_tokens, max_retries=1, timeout=600)
