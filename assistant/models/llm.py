"""The chat model: a small LangChain adapter over llama-cpp-python, loaded lazily.

``LlamaCppChat`` is a LangChain ``BaseChatModel`` (so it composes in LCEL chains and streams
through ``.stream``) that runs a local GGUF file in-process. llama.cpp is not thread-safe, so
one lock serialises every call on a model. Extra keyword arguments (``response_format`` with a
JSON schema, ``max_tokens``) go straight to ``create_chat_completion``; bind them with
``.bind(...)``. For a server, ``make_chat_model`` can return LangChain's ``ChatOpenAI`` instead.

Reproducible and fast: llama.cpp reuses the KV cache of the longest prompt prefix it saw last,
but the rest is then evaluated from a different offset each time, which changes the floating
point sums and, with greedy decoding, sometimes the answer. So the adapter evaluates the system
prompt once, saves that state, and starts every call from it (``_start_from_system``): the same
messages always give the same reply, and the fixed instructions are never evaluated twice.

The reply shape ``structured.REPLY_SCHEMA`` is enforced lazily (``LazyReplyConstraint``): only
the token the model wants most is checked against the shape, instead of llama.cpp's grammar
checking the whole vocabulary at every step. Greedy decoding picks the same tokens either way.
Every such reply opens with ``{"evidence": [``, so that opening is read with the prompt, in one
batch, instead of written a token at a time (``prefill_reply``, ``_prefilled``).
"""

from __future__ import annotations

import atexit
import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, PrivateAttr

from assistant.models.reply_prefix import START, State, can_end, feed
from assistant.models.structured import REPLY_SCHEMA

_ROLES = {"human": "user", "ai": "assistant", "system": "system"}
_LOADED: dict[tuple[str, int, int, bool], Any] = {}
_LOAD_LOCK = threading.Lock()


def load_llama(model_path: str, n_ctx: int, n_threads: int, flash_attn: bool = False) -> Any:
    """One ``llama_cpp.Llama`` per (file, context, threads, flash attention) in this process."""
    key = (model_path, n_ctx, n_threads, flash_attn)
    with _LOAD_LOCK:
        if key not in _LOADED:
            try:
                from llama_cpp import Llama
            except ImportError as exc:  # pragma: no cover - install hint
                raise ImportError("llama-cpp-python is needed: pip install "
                                  "llama-cpp-python==0.3.36") from exc
            if ":" in model_path and not model_path.startswith("/"):
                repo, filename = model_path.split(":", 1)  # hub id "owner/repo:file.gguf"
                _LOADED[key] = Llama.from_pretrained(repo, filename, n_ctx=n_ctx,
                                                     n_threads=n_threads, flash_attn=flash_attn,
                                                     verbose=False)
            else:
                _LOADED[key] = Llama(model_path=model_path, n_ctx=n_ctx, n_threads=n_threads,
                                     n_threads_batch=n_threads, flash_attn=flash_attn,
                                     verbose=False)
        return _LOADED[key]


@atexit.register
def _close_models() -> None:
    """Free the models before interpreter teardown (llama.cpp's own finaliser fails then)."""
    with _LOAD_LOCK:
        for llama in _LOADED.values():
            with contextlib.suppress(Exception):  # best effort at exit
                llama.close()
        _LOADED.clear()
        _SYSTEM_STATES.clear()
        _PIECES.clear()
        _CLOSERS.clear()
        _FORMATTERS.clear()


class LlamaCppChat(BaseChatModel):
    """Chat completions from a local GGUF model through llama-cpp-python."""

    model_path: str
    n_ctx: int = 4096
    n_threads: int = 2
    temperature: float = 0.0
    max_tokens: int = 256
    seed: int = 0
    # REPLY_SCHEMA checked token by token on the model's first choices (LazyReplyConstraint)
    # instead of by llama.cpp's grammar over the whole vocabulary
    lazy_reply: bool = True
    # with the lazy constraint: the reply's fixed opening (REPLY_START) is read with the
    # prompt instead of written a token at a time
    prefill_reply: bool = True
    # llama.cpp's fused attention kernel: reads the prompt faster on the CPU, but changes
    # replies (ASSISTANT_FLASH_ATTN, docs/journal.md)
    flash_attn: bool = False

    model_config = ConfigDict(arbitrary_types_allowed=True)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp"

    def _client(self) -> Any:
        return load_llama(self.model_path, self.n_ctx, self.n_threads, self.flash_attn)

    def _params(self, llama: Any, messages: list[BaseMessage], stop: list[str] | None,
                **kwargs: Any) -> dict[str, Any]:
        params: dict[str, Any] = {
            "messages": [{"role": _ROLES.get(m.type, "user"), "content": str(m.content)}
                         for m in messages],
            "temperature": self.temperature, "max_tokens": self.max_tokens, "seed": self.seed,
        }
        if stop:
            params["stop"] = stop
        params.update(kwargs)
        fmt = params.get("response_format") or {}
        if self.lazy_reply and fmt.get("schema") == REPLY_SCHEMA:
            from llama_cpp import LogitsProcessorList

            del params["response_format"]
            params["logits_processor"] = LogitsProcessorList([LazyReplyConstraint.for_llama(llama)])
        return params

    def _generate(self, messages: list[BaseMessage], stop: list[str] | None = None,
                  run_manager: CallbackManagerForLLMRun | None = None,
                  **kwargs: Any) -> ChatResult:
        llama = self._client()
        with _model_lock(llama):
            _start_from_system(llama, messages)
            out = llama.create_chat_completion(**self._params(llama, messages, stop, **kwargs))
        text = out["choices"][0]["message"]["content"] or ""
        usage = out.get("usage") or {}
        message = AIMessage(content=text, response_metadata={"usage": usage})
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(self, messages: list[BaseMessage], stop: list[str] | None = None,
                run_manager: CallbackManagerForLLMRun | None = None,
                **kwargs: Any) -> Iterator[ChatGenerationChunk]:
        llama = self._client()
        with _model_lock(llama):
            _start_from_system(llama, messages)
            params = self._params(llama, messages, stop, **kwargs)
            opened = self.prefill_reply and "logits_processor" in params
            if opened:
                parts = _prefilled(llama, params)
                yield ChatGenerationChunk(message=AIMessageChunk(
                    content=REPLY_START, response_metadata={"logprobs": [None]}))
            else:
                parts = (p["choices"][0].get("delta", {}).get("content") or ""
                         for p in llama.create_chat_completion(stream=True, **params))
            first: dict[str, Any] = {}
            for delta in parts:
                if opened:  # the first token after '{"evidence": [': read its logits now
                    first, opened = {"p_no_evidence": closing_probability(llama)}, False
                if not delta:
                    continue
                # a list, so that LangChain can merge the chunks' metadata at the end
                meta = {"logprobs": [token_logprob(llama, delta)], **first}
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=delta,
                                                                   response_metadata=meta))
                first = {}
                if run_manager:
                    run_manager.on_llm_new_token(delta, chunk=chunk)
                yield chunk


REPLY_START = '{"evidence": ['  # every reply in REPLY_SCHEMA's shape begins so


def _prefilled(llama: Any, params: dict[str, Any]) -> Iterator[str]:
    """The reply's text after ``REPLY_START``, which is read with the prompt (one batch, like
    the prompt) instead of written token by token: 5 fewer decoding steps, ~0.4 s on 2 cores.

    The prompt is what ``create_chat_completion`` would send (the model's chat template, the
    same tokenisation); the lazy constraint in ``params`` is told that the reply has begun.
    """
    result = _chat_formatter(llama)(messages=params["messages"])
    prompt = llama.tokenize(result.prompt.encode("utf-8"), add_bos=not result.added_special,
                            special=True)
    prompt += llama.tokenize(REPLY_START.encode("utf-8"), add_bos=False, special=False)
    for processor in params["logits_processor"]:
        if isinstance(processor, LazyReplyConstraint):
            processor.begin(REPLY_START.encode("utf-8"))
    stop = list(params.get("stop") or []) + ([result.stop] if isinstance(result.stop, str)
                                             else list(result.stop or []))
    for part in llama.create_completion(
            prompt=prompt, stream=True, temperature=params["temperature"],
            max_tokens=params["max_tokens"], seed=params["seed"], stop=stop,
            logits_processor=params["logits_processor"],
            stopping_criteria=result.stopping_criteria):
        yield part["choices"][0].get("text") or ""


def _chat_formatter(llama: Any) -> Any:
    """The model's chat template as ``Llama.__init__`` builds it for its chat handler (the
    template compiled once per model)."""
    if id(llama) not in _FORMATTERS:
        from llama_cpp import llama_chat_format

        eos, bos = llama.token_eos(), llama.token_bos()
        text = llama._model.token_get_text
        _FORMATTERS[id(llama)] = llama_chat_format.Jinja2ChatFormatter(
            template=llama.metadata["tokenizer.chat_template"],
            eos_token=text(eos) if eos != -1 else "", bos_token=text(bos) if bos != -1 else "",
            stop_token_ids=[eos])
    return _FORMATTERS[id(llama)]


def token_logprob(llama: Any, text: str) -> float | None:
    """The model's log-probability of the token it just wrote (``text``), read from the
    logits it sampled that token from (the last ones computed; no extra evaluation). For text
    that is not one token, the most likely token's. ``None`` when the logits are unavailable.
    """
    try:
        import numpy as np

        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
        top = float(logits.max())
        norm = top + float(np.log(np.exp(logits - top).sum()))
        ids = llama.tokenize(text.encode("utf-8"), add_bos=False, special=False)
        value = float(logits[ids[0]]) if len(ids) == 1 else top
        return value - norm
    except Exception:  # a build without these internals: the signal is simply missing
        return None


def closing_probability(llama: Any) -> float | None:
    """The probability, read from the logits just computed, that the next token closes a JSON
    list (its text starts with "]" after any spaces). Right after the reply's opening
    ``{"evidence": [`` that is the model's own probability that no sentence answers the
    question (the prompt's NOT FOUND reply), taken from the context it already holds: no extra
    evaluation. ``None`` when the logits are unavailable."""
    try:
        import numpy as np

        logits = np.ctypeslib.as_array(llama._ctx.get_logits(), shape=(llama.n_vocab(),))
        weights = np.exp(logits - float(logits.max()))
        return float(weights[_closers(llama)].sum() / weights.sum())
    except Exception:  # a build without these internals: the signal is simply missing
        return None


def _closers(llama: Any) -> list[int]:
    """The tokens whose text starts with "]" after any spaces (found once per model)."""
    if id(llama) not in _CLOSERS:
        _CLOSERS[id(llama)] = [token for token in range(llama.n_vocab())
                               if token_piece(llama, token).lstrip().startswith(b"]")]
    return _CLOSERS[id(llama)]


def token_piece(llama: Any, token: int) -> bytes:
    """A token's bytes, kept per model (the reply constraint and ``_closers`` read them)."""
    pieces = _PIECES.setdefault(id(llama), {})
    if token not in pieces:
        pieces[token] = llama.detokenize([token], special=False)
    return pieces[token]


class LazyReplyConstraint:
    """A llama-cpp-python logits processor that keeps a reply inside ``REPLY_SCHEMA``'s shape.

    At each step it checks the model's most likely token against ``reply_prefix``; only when
    that token would break the shape does it rule the token out and check the next one (at
    temperature 0 the model then writes the best token that fits, as under a grammar). One
    instance per completion: it follows the reply through the tokens written so far. ``piece``
    gives a token's bytes and ``is_end`` says whether a token ends the reply::

        >>> pieces = {0: b'{"evidence": [', 1: b"Sure", 2: b"1", 3: b"]", 4: b""}
        >>> lazy = LazyReplyConstraint(pieces.__getitem__, lambda t: t == 4)
        >>> import numpy as np
        >>> scores = np.array([0.5, 3.0, 0.1, 0.2, 1.0])
        >>> int(np.argmax(lazy([7, 7], scores)))  # "Sure" and the end are ruled out
        0
        >>> int(np.argmax(lazy([7, 7, 0], np.array([0.0, 0.0, 2.0, 1.0, 3.0]))))
        2
    """

    TRIES = 64  # likely tokens checked one by one before a scan of the whole vocabulary

    def __init__(self, piece: Callable[[int], bytes], is_end: Callable[[int], bool]) -> None:
        self.piece = piece
        self.is_end = is_end
        self.state: State | None = START
        self.seen: int | None = None  # tokens of prompt and reply already fed

    @classmethod
    def for_llama(cls, llama: Any) -> LazyReplyConstraint:
        import llama_cpp

        return cls(lambda token: token_piece(llama, token),
                   lambda token: bool(llama_cpp.llama_vocab_is_eog(llama._model.vocab, token)))

    def begin(self, written: bytes) -> None:
        """The reply already holds ``written`` (read with the prompt, not generated)."""
        self.state = feed(self.state, written) if self.state is not None else None

    def __call__(self, input_ids: Any, scores: Any) -> Any:
        import numpy as np

        if self.seen is None:
            self.seen = len(input_ids)  # the first call comes right after the prompt
        for token in input_ids[self.seen:]:
            self.state = feed(self.state, self.piece(int(token)))
        self.seen = len(input_ids)
        if self.state is None:  # cannot happen while this processor chose every token
            return scores
        for _ in range(self.TRIES):
            best = int(np.argmax(scores))
            if self._fits(best):
                return scores
            scores[best] = -np.inf
        for token in np.argsort(-scores):  # rare: scan the vocabulary, best first
            if self._fits(int(token)):
                break
            scores[token] = -np.inf
        return scores

    def _fits(self, token: int) -> bool:
        if self.is_end(token):
            return can_end(self.state)
        piece = self.piece(token)
        return bool(piece) and feed(self.state, piece) is not None


_PIECES: dict[int, dict[int, bytes]] = {}  # id(llama) -> token -> its bytes
_CLOSERS: dict[int, list[int]] = {}  # id(llama) -> the tokens that close a list
_FORMATTERS: dict[int, Any] = {}  # id(llama) -> its chat template (Jinja2ChatFormatter)
_MODEL_LOCKS: dict[int, threading.Lock] = {}
_SYSTEM_STATES: dict[int, tuple[str, SavedState]] = {}  # id(llama) -> (system prompt, state)


def _start_from_system(llama: Any, messages: list[BaseMessage]) -> None:
    """Put the model in the state right after the system prompt (or empty without one).

    Call with the model's lock held.
    """
    if not messages or messages[0].type != "system":
        llama.reset()
        return
    system = str(messages[0].content)
    saved = _SYSTEM_STATES.get(id(llama))
    if saved is None or saved[0] != system:
        llama.reset()
        # evaluate the system turn (and the start of a user turn) once, then keep that state
        llama.create_chat_completion(messages=[{"role": "system", "content": system},
                                               {"role": "user", "content": "\u2026"}],
                                     max_tokens=1, temperature=0.0)
        saved = (system, SavedState.of(llama))
        _SYSTEM_STATES[id(llama)] = saved
    saved[1].restore(llama)


class SavedState:
    """The model's evaluated tokens and llama.cpp's context state (its KV cache), restorable.

    ``Llama.save_state`` / ``load_state`` also copy the logits of every saved position
    (``scores``: n_tokens x 151,936 floats, ~150 MB for a 250-token system prompt) in and
    out, which costs ~2 s per question on a 2-core host (docs/journal.md). Those rows are
    only read when the model keeps the logits of every position (``logits_all``, never set
    here), so this restores what ``load_state`` does except them: the same KV cache, tokens
    and seed, hence the same replies.
    """

    def __init__(self, input_ids: Any, n_tokens: int, data: Any, seed: int) -> None:
        self.input_ids, self.n_tokens, self.data, self.seed = input_ids, n_tokens, data, seed

    @classmethod
    def of(cls, llama: Any) -> SavedState:
        import ctypes

        import llama_cpp

        ctx = llama._ctx.ctx
        size = int(llama_cpp.llama_state_get_size(ctx))
        buffer = (ctypes.c_uint8 * size)()
        used = int(llama_cpp.llama_state_get_data(ctx, buffer, size))
        if used > size:
            raise RuntimeError("llama.cpp could not copy its state")
        data = (ctypes.c_uint8 * used).from_buffer_copy(buffer, 0) if used < size else buffer
        return cls(llama.input_ids.copy(), llama.n_tokens, data, llama._seed)

    def restore(self, llama: Any) -> None:
        import llama_cpp

        llama.input_ids[:] = self.input_ids
        llama.n_tokens = self.n_tokens
        llama._requires_eval = True
        llama._seed = self.seed
        size = len(self.data)
        if llama_cpp.llama_state_set_data(llama._ctx.ctx, self.data, size) != size:
            raise RuntimeError("llama.cpp could not restore its state")


def _model_lock(llama: Any) -> threading.Lock:
    """The lock that guards one loaded model (shared by every adapter using it)."""
    with _LOAD_LOCK:
        return _MODEL_LOCKS.setdefault(id(llama), threading.Lock())
