"""The assistant: offline, cited question answering over a news archive.

``from assistant import Assistant`` is the entry point; the names are loaded lazily so that
importing the package stays cheap (no model, no Chroma, no torch at import).

The folders follow an article and a question through the assistant::

    ingest/    a file -> Article -> sentence-aware chunks -> embedded into the store
    retrieve/  a question (a follow-up made standalone) -> articles -> numbered evidence
    answer/    evidence -> prompt -> chat model -> an Answer, each sentence through checks/
    checks/    citations, grounding, relations, degenerate answers, calibrated confidence
    evaluate/  gold items -> scores -> reports
    serve/     the Python API, the CLI, the chat page and its /v1 endpoint
    models/    the model weights and the adapters around them; text/: shared text helpers

Each stage imports only the stages listed below it, with ``models``, ``text`` and
``settings`` at the bottom (pyproject.toml's ``[tool.importlinter]``; ``make lint``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Answer", "Assistant", "Citation", "IngestReport", "Settings"]

_WHERE = {
    "Assistant": "assistant.serve.api",
    "Answer": "assistant.answer.result",
    "Citation": "assistant.answer.result",
    "IngestReport": "assistant.ingest.indexing",
    "Settings": "assistant.settings",
}

if TYPE_CHECKING:  # pragma: no cover
    from assistant.answer.result import Answer, Citation
    from assistant.ingest.indexing import IngestReport
    from assistant.serve.api import Assistant
    from assistant.settings import Settings


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
