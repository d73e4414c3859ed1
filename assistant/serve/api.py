"""The Python API: ``Assistant`` wires settings, store, embedder, retriever and chat model.

    >>> from assistant import Assistant                               # doctest: +SKIP
    >>> bot = Assistant.from_settings()                               # doctest: +SKIP
    >>> bot.ingest("seeds").summary()                                 # doctest: +SKIP
    >>> answer = bot.ask("Who attended the meeting in Benghazi?")     # doctest: +SKIP
    >>> answer.text, answer.citations[0].quote, answer.abstained      # doctest: +SKIP

Every heavy part (models, Chroma) is created on first use; parts can be passed in instead
(tests pass fakes).
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel

from assistant.answer.pipeline import ChainConfig, Turn, build_chain, collect, stream_answer
from assistant.answer.result import Answer, StreamItem
from assistant.checks.confidence import DEFAULT_PATH as DEFAULT_CALIBRATION
from assistant.checks.confidence import Calibrator
from assistant.ingest.formats import ExportFields
from assistant.ingest.indexing import IngestReport, ingest_path
from assistant.ingest.store import ChromaStore, ManifestEntry, Store, chunk_id
from assistant.ingest.uploads import save_uploads
from assistant.models.embeddings import Embedder, SentenceTransformerEmbedder
from assistant.models.weights import CHAT_MODELS, EMBEDDING_MODELS, resolve
from assistant.retrieve.followup import Message, validate_history
from assistant.retrieve.retrieval import Retriever
from assistant.serve.sources import assemble_text
from assistant.settings import Settings, SettingsError
from assistant.text.tokens import tiktoken_counter


def make_embedder(settings: Settings) -> Embedder:
    """The in-process model, or the embeddings server at ``ASSISTANT_EMBED_BASE_URL``."""
    if settings.embed_base_url:
        from assistant.models.embed_server import RemoteEmbedder

        return RemoteEmbedder(settings.embed_base_url, settings.embedding_model,
                              model=settings.embed_model_name, api_key=settings.embed_api_key)
    path = resolve(settings.embedding_model, settings.models_dir, EMBEDDING_MODELS)
    return SentenceTransformerEmbedder(path, name=settings.embedding_model,
                                       batch_size=settings.embed_batch_size,
                                       n_threads=settings.n_threads)


def make_store(settings: Settings, embedding_model: str) -> Store:
    if settings.chroma_url:
        return ChromaStore.http(settings.chroma_url, settings.collection, embedding_model,
                                token=settings.chroma_token)
    return ChromaStore.persistent(settings.data_dir / "chroma", settings.collection,
                                  embedding_model)


def make_chat_model(settings: Settings) -> BaseChatModel:
    """The in-process llama.cpp model, or the OpenAI-compatible server at
    ``ASSISTANT_LLM_BASE_URL``."""
    if settings.llm_base_url:
        from assistant.models.llm_openai import openai_chat

        model: BaseChatModel = openai_chat(
            settings.llm_base_url, settings.llm_model or settings.chat_model,
            api_key=settings.llm_api_key, json_mode=settings.llm_json_mode,
            temperature=settings.temperature, seed=settings.seed,
            max_tokens=settings.max_answer_tokens)
        return model
    from assistant.models.llm import LlamaCppChat

    path = resolve(settings.chat_model, settings.models_dir, CHAT_MODELS)
    return LlamaCppChat(model_path=path, n_ctx=settings.context_tokens,
                        n_threads=settings.n_threads, temperature=settings.temperature,
                        max_tokens=settings.max_answer_tokens, seed=settings.seed,
                        flash_attn=bool(settings.flash_attn))


def load_calibrator(setting: str) -> Calibrator | None:
    """The abstention model named by ``ASSISTANT_CALIBRATION``: "off" (none), "shipped" (the
    packaged coefficients) or a path."""
    if setting in ("off", ""):
        return None
    path = DEFAULT_CALIBRATION if setting == "shipped" else Path(setting).expanduser()
    if not path.exists():
        raise SettingsError(f"ASSISTANT_CALIBRATION: {path} does not exist")
    try:
        return Calibrator.load(path)
    except ValueError as exc:
        raise SettingsError(f"ASSISTANT_CALIBRATION: {exc}") from None


class Assistant:
    def __init__(self, settings: Settings, store: Store, embedder: Embedder,
                 chat_model: BaseChatModel | Callable[[], BaseChatModel],
                 count_tokens: Callable[[str], int] = tiktoken_counter) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self._chat_model = chat_model
        self.count_tokens = count_tokens
        self._texts: dict[str, str] = {}  # doc id -> text (ids are content hashes)
        self._sentence_vectors: dict[str, Any] = {}  # sentence text -> its vector (document)
        # recent answers by (question, history, dates, exclusions, store generation): a repeated
        # question is replayed; any ingest changes the generation, so it is never stale
        self._answers: dict[tuple[Any, ...], tuple[list[StreamItem], Answer]] = {}
        self.retriever = Retriever(store, embedder, candidates=settings.candidates,
                                   archive_language=settings.archive_language,
                                   exact_max=settings.exact_search_max)
        self.chain = build_chain(self.retriever, self.chat_model, count_tokens, ChainConfig(
            top_k=settings.top_k, evidence_tokens=settings.evidence_tokens,
            evidence_selection=settings.evidence_selection,
            max_chunk_gap=settings.evidence_chunk_gap,
            max_sentence_gap=settings.evidence_sentence_gap,
            gap_overflow=settings.evidence_gap_overflow,
            list_evidence_tokens=settings.list_evidence_tokens,
            list_sentence_gap=settings.list_sentence_gap,
            list_answers=bool(settings.list_answers),
            # a server keeps its response_format (ASSISTANT_LLM_JSON_MODE decides there)
            json_grammar=bool(settings.json_grammar or settings.llm_base_url),
            max_answer_tokens=settings.max_answer_tokens,
            archive_language=settings.archive_language,
            retry_narrow=bool(settings.retry_narrow),
            number_check=bool(settings.number_check),
            calibrator=load_calibrator(settings.calibration), similarity=self.similarity))

    @classmethod
    def from_settings(cls, settings: Settings | None = None, **overrides: Any) -> Assistant:
        """Build from ``ASSISTANT_*`` settings; keyword overrides win (``top_k=6``)."""
        settings = settings.replace(**overrides) if settings else Settings.from_env(**overrides)
        embedder = make_embedder(settings)
        store = make_store(settings, settings.embedding_model)
        return cls(settings, store, embedder, lambda: make_chat_model(settings))

    def chat_model(self) -> BaseChatModel:
        """The chat model, created on first use."""
        if not isinstance(self._chat_model, BaseChatModel):
            self._chat_model = self._chat_model()
        return self._chat_model

    # ingestion ------------------------------------------------------------------------------
    def ingest(self, path: str | Path, *, progress: bool = False) -> IngestReport:
        return self._ingest(Path(path), progress=progress)

    def _ingest(self, path: Path, **options: Any) -> IngestReport:
        """``ingest_path`` with this assistant's store, embedder and chunking settings."""
        return ingest_path(path, self.store, self.embedder,
                           chunk_tokens=self.settings.chunk_tokens,
                           overlap_tokens=self.settings.chunk_overlap_tokens,
                           count_tokens=self.count_tokens,
                           max_bytes=int(self.settings.max_article_mb * 1_000_000),
                           fields=ExportFields(text=self.settings.export_text_field,
                                               title=self.settings.export_title_field,
                                               date=self.settings.export_date_field,
                                               id=self.settings.export_id_field),
                           sentence_vectors=bool(self.settings.sentence_vectors), **options)

    def add_files(self, files: Sequence[str | Path],
                  on_progress: Callable[[int, int], object] | None = None) -> IngestReport:
        """Copy article files (uploads) into ``<data_dir>/uploads`` and ingest them there.

        Files of another type or over ``ASSISTANT_MAX_UPLOAD_MB`` are listed as failed; the
        stored names are ``uploads/<safe name>``.
        """
        folder = self.settings.data_dir / "uploads"
        saved = save_uploads(files, folder, int(self.settings.max_upload_mb * 1_000_000))
        report = self._ingest(folder, progress=False, root=self.settings.data_dir,
                              on_progress=on_progress)
        report.failed[:0] = saved.rejected
        return report

    def article_text(self, doc_id: str) -> str | None:
        """An article's stored text, rebuilt from its chunks (None when it is not stored)."""
        if doc_id in self._texts:
            return self._texts[doc_id]
        n = max((e.n_chunks for e in self.store.manifest().values() if e.doc_id == doc_id),
                default=0)
        records = self.store.get([chunk_id(doc_id, i) for i in range(n)])
        if not records:
            return None
        text = assemble_text((int(r.metadata.get("start", 0)), r.text,
                              str(r.metadata.get("lead", ""))) for r in records)
        if len(self._texts) > 256:
            self._texts.clear()
        self._texts[doc_id] = text
        return text

    def similarity(self, question: str, sentences: list[str]) -> list[float]:
        """Cosine of ``question`` (query prompt) to each sentence (document prompt). Sentence
        vectors come from the store (ingestion keeps them) and are cached by text; a sentence
        without one (the store predates them, ``ASSISTANT_SENTENCE_VECTORS=0``) is embedded
        here, once."""
        import numpy as np

        q = np.asarray(self.retriever.query_vector(question), dtype=np.float32)
        new = sorted({s for s in sentences if s not in self._sentence_vectors})
        if new:
            if len(self._sentence_vectors) + len(new) > 8192:
                self._sentence_vectors.clear()
            self._sentence_vectors.update(self.store.sentence_vectors(new))
            rest = [s for s in new if s not in self._sentence_vectors]
            if rest:
                vectors = np.asarray(self.embedder.embed_documents(rest), dtype=np.float32)
                self._sentence_vectors.update(zip(rest, vectors, strict=True))
        return [round(float(self._sentence_vectors[s] @ q), 4) for s in sentences]

    def is_empty(self) -> bool:
        return self.store.count() == 0

    def articles(self) -> list[ManifestEntry]:
        """The articles in the archive, newest first."""
        return sorted(self.store.manifest().values(),
                      key=lambda e: (e.date or "", e.source), reverse=True)

    # answering ------------------------------------------------------------------------------
    def warm_up(self) -> None:
        """Load both models and evaluate the answer prompt's system part now, so that the first
        question does not wait for them (the chat page calls this in the background)."""
        from langchain_core.messages import HumanMessage, SystemMessage

        from assistant.answer import prompts

        self.embedder.embed_query("warm-up")
        self.chat_model().invoke([SystemMessage(prompts.render("answer_system")),
                                  HumanMessage("Reply OK.")], max_tokens=1)

    def _turn(self, question: str, history: Sequence[Message] | None, date_from: str | None,
              date_to: str | None, exclude: Sequence[str]) -> Turn:
        question = (question or "").strip()
        if not question:
            raise ValueError("question: empty")
        return Turn(question=question, history=validate_history(history),
                    date_from=date_from or None, date_to=date_to or None,
                    exclude=self._doc_ids(exclude))

    def _doc_ids(self, names: Sequence[str]) -> frozenset[str]:
        """Document ids for article file names (or ids), for ``exclude``."""
        if not names:
            return frozenset()
        wanted = set(names)
        entries = self.store.manifest().values()
        ids = {e.doc_id for e in entries if e.source in wanted or e.doc_id in wanted}
        return frozenset(ids | (wanted - {e.source for e in entries}))

    def ask(self, question: str, history: Sequence[Message] | None = None, *,
            date_from: str | None = None, date_to: str | None = None,
            exclude: Sequence[str] = ()) -> Answer:
        """Answer ``question`` (after ``history``) with citations, or abstain. ``exclude``
        names articles (file names or ids) to leave out, as if they were not in the archive."""
        return collect(self.stream(question, history, date_from=date_from, date_to=date_to,
                                   exclude=exclude))

    def stream(self, question: str, history: Sequence[Message] | None = None, *,
               date_from: str | None = None, date_to: str | None = None,
               exclude: Sequence[str] = ()) -> Iterator[StreamItem]:
        """Yield ``Found`` (retrieval done), then checked sentences of the answer, then the
        final ``Answer`` (its text is exactly the sentences yielded)."""
        started = time.perf_counter()
        turn = self._turn(question, history, date_from, date_to, exclude)
        key = (turn.question, tuple((m["role"], m["content"]) for m in turn.history),
               turn.date_from, turn.date_to, turn.exclude, self.store.generation(),
               id(self.chain))
        cached = self._answers.get(key)
        if cached is not None:  # the same question on the same archive: the same answer
            items, final = cached
            yield from items
            yield dataclasses.replace(final, timings={**final.timings, "cached": 1.0,
                                                      "total": round(time.perf_counter()
                                                                     - started, 3)})
            return
        seen: list[StreamItem] = []
        for item in stream_answer(self.chain, turn):
            if isinstance(item, Answer):
                item.timings["total"] = round(time.perf_counter() - started, 3)
                if len(self._answers) >= 128:
                    self._answers.pop(next(iter(self._answers)))
                self._answers[key] = (seen, item)
            else:
                seen.append(item)
            yield item
