"""The assistant: offline, cited question answering over a news archive.

``from assistant import Assistant`` is the entry point; the names are loaded lazily so that
importing the package stays cheap (no model, no Chroma, no torch at import).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__all__ = ["Answer", "Assistant", "Citation", "IngestReport", "Settings"]

_WHERE = {
    "Assistant": "assistant.api",
    "Answer": "assistant.answer",
    "Citation": "assistant.answer",
    "IngestReport": "assistant.ingest",
    "Settings": "assistant.settings",
}

if TYPE_CHECKING:  # pragma: no cover
    from .answer import Answer, Citation
    from .api import Assistant
    from .ingest import IngestReport
    from .settings import Settings


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        import importlib

        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'assistant' has no attribute {name!r}")
