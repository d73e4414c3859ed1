"""The answering chain (LangChain LCEL): condense → retrieve → number evidence → prompt → model →
checked, cited answer, as one stream.

``build_chain`` wires the preparation steps as runnables over a typed ``Turn``;
``stream_answer`` is the one answering path (``Assistant.ask`` consumes it too). It yields, in
order:

1. ``Found``: what was searched and the evidence sentences, as soon as retrieval is done;
2. pieces of answer text, each a sentence that passed every check (``release.SentenceGate``),
   so nothing shown is ever taken back;
3. the final ``Answer``, whose text is exactly the pieces joined.

A question whose names appear in no evidence sentence (or, in the archive's language, whose
words the evidence mostly lacks) is answered "not found" without calling the model at all.

With ``retry_narrow`` (off by default: it helped on dev, not on the test split), when the
checks refuse the answer's first sentence (nothing was shown yet), the model is asked once
more with only the sentences it declared as its evidence, each with the one before it
(``evidence.narrow_evidence``); that answer is checked the same way and must also reach
``RETRY_MIN_CONFIDENCE``. The model's own "not found" and a refusal by the calibrated
abstention are final.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.runnables import Runnable, RunnableLambda

from assistant.answer import prompts
from assistant.answer.listing import checked_items, compose, parse_items
from assistant.answer.result import Answer, Citation, Found, StreamItem
from assistant.checks.confidence import Calibrator, signals
from assistant.checks.grounding import MIN_COVERAGE, coverage, missing_names
from assistant.checks.relations import misread_number
from assistant.checks.release import SentenceGate, clean_translation, refuses
from assistant.models.structured import REPLY_SCHEMA, AnswerStream, parse_reply
from assistant.retrieve.evidence import (
    MAX_GAP,
    EvidenceSentence,
    blend_scores,
    candidate_sentences,
    format_evidence,
    narrow_evidence,
    number_evidence,
    select_sentences,
)
from assistant.retrieve.followup import (
    Message,
    clean_rewrite,
    format_history,
    needs_rewrite,
    search_text,
)
from assistant.retrieve.question_kind import asks_for_list
from assistant.retrieve.retrieval import Retrieved, Retriever
from assistant.text.language import LANGUAGE_NAMES, detect_language

# the confidence a second ask's answer needs (a second draw, so a higher bar than the shipped
# operating point); dev, 31 asks refused by the checks (docs/journal.md, "A second, narrower
# look"): their second answers that were right had 0.93-0.98, the removal asks' 0.37-0.39
RETRY_MIN_CONFIDENCE = 0.5

NOT_FOUND = {
    "en": "The articles I have do not answer this question.",
    "nl": "De artikelen die ik heb geven geen antwoord op deze vraag.",
}


@dataclass
class Turn:
    """One question on its way through the chain (each step fills in its part)."""

    question: str
    history: Sequence[Message] = ()
    date_from: str | None = None
    date_to: str | None = None
    exclude: frozenset[str] = frozenset()  # document ids to leave out of retrieval
    language: str = "en"
    standalone: str = ""
    search: str = ""  # what retrieval and the answer checks use (followup.search_text)
    retrieved: list[Retrieved] = field(default_factory=list)
    evidence: list[EvidenceSentence] = field(default_factory=list)
    # every sentence of the retrieved chunks (the evidence is chosen from these)
    candidates: list[EvidenceSentence] = field(default_factory=list)
    early: str = ""  # a reason to abstain before generation
    listing: bool = False  # answered item by item (answer/listing.py)
    messages: list[BaseMessage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    signals: dict[str, float] = field(default_factory=dict)  # of the first answer sentence
    confidence: float | None = None


@dataclass(frozen=True)
class Chain:
    prepare: Runnable  # Turn -> Turn with language, standalone, retrieved, evidence, messages
    model: Callable[[], Runnable]  # the chat model bound for JSON replies
    rewrite: Callable[[str, str], str]  # (sentence, language) -> the sentence in that language
    config: ChainConfig


@dataclass(frozen=True)
class ChainConfig:
    top_k: int = 4
    evidence_tokens: int = 300
    # "sentences": the retrieved chunks' sentences that score best against the question (by
    # ``similarity``) fill the budget; "chunks": whole chunks in rank order
    evidence_selection: str = "sentences"
    # chunks lying between two retrieved chunks of one article, at most this many, are evidence
    # candidates too (0: only the retrieved chunks)
    max_chunk_gap: int = 1
    max_sentence_gap: int = MAX_GAP  # sentences read between two chosen ones (select_sentences)
    gap_overflow: int = 0  # tokens such a hole may take the evidence past evidence_tokens
    # a question that asks for several items (question_kind.asks_for_list): its evidence budget
    # and the sentences read between two chosen ones (0: as any other question)
    list_evidence_tokens: int = 0
    list_sentence_gap: int = 0
    list_answers: bool = False  # such a question answered item by item (answer/listing.py)
    # constrain the reply with REPLY_SCHEMA's grammar; without it the model is only asked for
    # the JSON (the reader is tolerant, and stops the model when the answer string closes)
    json_grammar: bool = True
    max_answer_tokens: int = 256
    archive_language: str = "nl"
    retry_narrow: bool = False  # a refused first sentence: ask again on the declared sentences
    number_check: bool = False  # relations.misread_number (needs ``similarity``)
    calibrator: Calibrator | None = None  # None: no calibrated abstention (signals still kept)
    # cosine of a question to sentences (EmbeddingGemma); None: that signal is left out
    similarity: Callable[[str, list[str]], list[float]] | None = None


def build_chain(retriever: Retriever, chat_model: Callable[[], BaseChatModel],
                count_tokens: Callable[[str], int], config: ChainConfig) -> Chain:
    """The preparation runnable and the model calls. ``chat_model`` is called when the model is
    first needed, so nothing loads at build time."""

    def step(name: str, fn: Callable[[Turn], dict[str, Any]]) -> Runnable:
        def run(turn: Turn) -> Turn:
            started = time.perf_counter()
            new = dataclasses.replace(turn, **fn(turn))
            new.timings[name] = round(time.perf_counter() - started, 3)
            return new
        return RunnableLambda(run, name=name)

    def condense(turn: Turn) -> dict[str, Any]:
        language = detect_language(turn.question)
        if not needs_rewrite(turn.question, turn.history):
            return {"language": language, "standalone": turn.question, "search": turn.question}
        text = prompts.render("condense", history=format_history(turn.history),
                              question=turn.question, language=LANGUAGE_NAMES[language])
        reply = chat_model().bind(max_tokens=80).invoke([HumanMessage(text)])
        standalone = clean_rewrite(str(reply.content), turn.question, turn.history)
        search = search_text(standalone, turn.question, turn.history)
        # the question as it was (no usable rewrite, or the model left it so): the model is
        # asked what retrieval searches, the earlier question beside it when a pointing word
        # stayed, so it knows what "hij" or "there" was
        if standalone == turn.question:
            standalone = search
        return {"language": language, "standalone": standalone, "search": search}

    def retrieve(turn: Turn) -> dict[str, Any]:
        retrieved = retriever.retrieve(turn.search, config.top_k, date_from=turn.date_from,
                                       date_to=turn.date_to, language=turn.language,
                                       exclude=turn.exclude)
        records = [r.record for r in retrieved]
        if config.evidence_selection == "sentences" and config.similarity and records:
            candidates = candidate_sentences(records, retriever.chunks, count_tokens,
                                             config.max_chunk_gap)
            cosines = config.similarity(turn.search, [c.text for c in candidates])
            scores = blend_scores(candidates, cosines, [r.id for r in records])
            budget, gap = config.evidence_tokens, config.max_sentence_gap
            if asks_for_list(turn.standalone):
                budget = config.list_evidence_tokens or budget
                gap = config.list_sentence_gap or gap
            evidence = select_sentences(candidates, scores, budget, count_tokens, gap,
                                        config.gap_overflow)
        else:
            candidates = number_evidence(records, 1 << 30, count_tokens)
            evidence = number_evidence(records, config.evidence_tokens, count_tokens)
        return {"retrieved": retrieved, "evidence": evidence, "candidates": candidates}

    def screen(turn: Turn) -> dict[str, Any]:
        """A reason to abstain before generation, and otherwise the prompt."""
        if not turn.evidence:
            return {"early": "the archive holds nothing that matches the question"}
        # judged on everything retrieved, not only the sentences chosen for the prompt
        texts = [s.text for s in turn.candidates or turn.evidence]
        missing = missing_names(turn.standalone, texts, config.archive_language)
        if missing:
            return {"early": f"no article mentions {', '.join(missing)}"}
        if turn.language == config.archive_language:
            share = coverage(turn.standalone, texts)
            if share < MIN_COVERAGE:
                return {"early": f"the articles found cover only {share:.0%} of the "
                                 "question's words"}
        listing = config.list_answers and asks_for_list(turn.standalone)
        return {"listing": listing, "messages": answer_messages(
            turn.evidence, turn.standalone, turn.language, listing=listing)}

    def model() -> Runnable:
        if not config.json_grammar:
            return chat_model().bind(max_tokens=config.max_answer_tokens)
        return chat_model().bind(max_tokens=config.max_answer_tokens,
                                 response_format={"type": "json_object", "schema": REPLY_SCHEMA})

    def rewrite(sentence: str, language: str) -> str:
        text = prompts.render("translate", sentence=sentence, language=LANGUAGE_NAMES[language])
        reply = chat_model().bind(max_tokens=config.max_answer_tokens).invoke(
            [HumanMessage(text)])
        return clean_translation(str(reply.content))

    prepare = step("condense", condense) | step("retrieve", retrieve) | step("screen", screen)
    return Chain(prepare=prepare, model=model, rewrite=rewrite, config=config)


@dataclass
class Opening:
    """What the model wrote before the answer string (its evidence list), as far as the chat
    model reports it: the log-probability of each token, and its probability, where the list
    opened, of closing it empty (NOT FOUND)."""

    logprobs: list[float | None] = field(default_factory=list)
    p_no_evidence: float | None = None


def answer_messages(evidence: Sequence[EvidenceSentence], question: str,
                    language: str, listing: bool = False) -> list[BaseMessage]:
    """The answer prompt: the system rules, then the evidence and the question (for a list
    answered item by item, the request for the items alone)."""
    values = {"evidence": format_evidence(evidence), "question": question}
    if not listing:  # the list prompt asks for the items as their sentences write them
        values["language"] = LANGUAGE_NAMES[language]
    user = prompts.render("answer_list_user" if listing else "answer_user", **values)
    return [SystemMessage(prompts.render("answer_system")), HumanMessage(user)]


def stream_answer(chain: Chain, turn: Turn) -> Iterator[StreamItem]:
    """The one answering path: ``Found``, then checked sentences, then the final ``Answer``."""
    started = time.perf_counter()
    turn = chain.prepare.invoke(turn)
    yield Found(turn.standalone, tuple(turn.evidence))
    if turn.early:
        yield finalize(turn, None, started)
        return
    gate, judged = yield from generate(chain, turn, turn.evidence, turn.messages, started)
    retry = (chain.config.retry_narrow and not gate.released and gate.reason and not judged
             and not refuses(gate.refused))
    narrow = narrow_evidence(turn.evidence, gate.declared) if retry else []
    if narrow and len(narrow) < len(turn.evidence):
        turn.timings["retry"] = round(time.perf_counter() - started, 3)
        gate, _ = yield from generate(
            chain, turn, narrow, answer_messages(narrow, turn.standalone, turn.language),
            started, min_confidence=RETRY_MIN_CONFIDENCE)
    yield finalize(turn, gate, started)


def generate(chain: Chain, turn: Turn, evidence: Sequence[EvidenceSentence],
             messages: list[BaseMessage], started: float, min_confidence: float = 0.0,
             ) -> Generator[str, None, tuple[SentenceGate, bool]]:
    """Ask the model over ``evidence``; yield the sentences that pass. Returns the gate and
    whether the calibrated abstention (not a check) refused the first sentence."""
    by_number = {s.number: s.text for s in evidence}
    logprobs: list[float | None] = []  # of the answer's tokens, as the model wrote them
    opening = Opening()  # what the model wrote before the answer string
    judged: list[str] = []

    def accept(sentence: str, cited: list[int]) -> str:
        why = judge(chain.config, turn, sentence, [by_number[n] for n in cited], logprobs,
                    opening, min_confidence)
        judged.append(why)
        return why

    similarity = chain.config.similarity
    misread = (partial(misread_number, turn.search, similarity=similarity)
               if chain.config.number_check and similarity is not None else None)
    gate = SentenceGate(by_number, question=turn.standalone, language=turn.language,
                        rewrite=chain.rewrite, accept=accept, misread=misread)
    reader = AnswerStream()
    begun = False
    for chunk in chain.model().stream(messages):
        piece = reader.feed(str(chunk.content))
        if "p_no_evidence" in chunk.response_metadata:
            opening.p_no_evidence = chunk.response_metadata["p_no_evidence"]
        if not piece:
            if not logprobs:
                opening.logprobs.extend(chunk.response_metadata.get("logprobs") or [None])
            if reader.done:
                break  # the answer string closed: nothing more to read
            continue
        logprobs.extend(chunk.response_metadata.get("logprobs") or [None])
        if not begun:  # the answer string has begun, so the "evidence" list before it in
            # the reply is complete: read it once
            begun = True
            turn.timings.setdefault("first_model_token", round(time.perf_counter() - started, 3))
            gate.declared = parse_reply(reader.raw)[0]
        if not turn.listing:  # a list is composed from the items once the reply is complete
            for sentence in gate.feed(piece):
                turn.timings.setdefault("first_token",
                                        round(time.perf_counter() - started, 3))
                yield sentence
        if gate.stopped or reader.done:
            break  # a refused sentence ends the answer (or it closed): stop the model writing
    if turn.listing:
        items = parse_reply(reader.raw)[1]
        kept = checked_items(parse_items(items), by_number, turn.standalone)
        # no item stands in its sentence: the reply is checked as the model wrote it (its
        # "NOT FOUND", or a sentence instead of a list)
        listed = gate.feed(compose(kept, turn.language) if kept else items)
    else:
        listed = []
    for sentence in listed + gate.finish():
        turn.timings.setdefault("first_token", round(time.perf_counter() - started, 3))
        yield sentence
    return gate, any(judged)


def judge(config: ChainConfig, turn: Turn, sentence: str, cited: list[str],
          logprobs: list[float | None], opening: Opening | None = None,
          min_confidence: float = 0.0) -> str:
    """Score the first answer sentence (kept on ``turn``); a reason to abstain, or ``""``
    (the calibrated confidence must reach the calibrator's threshold and ``min_confidence``)."""
    opening = opening or Opening()
    best: dict[str, tuple[float, float, float]] = {}  # doc id -> best dense, bm25, fused
    for r in turn.retrieved:
        doc = str(r.record.metadata.get("doc_id", r.record.id))
        old = best.get(doc, (0.0, 0.0, 0.0))
        best[doc] = (max(old[0], r.dense or 0.0), max(old[1], r.bm25 or 0.0),
                     max(old[2], r.score))
    qsim = config.similarity(turn.search, cited) if config.similarity and cited else []
    turn.signals = signals(dense=[d for d, _, _ in best.values()],
                           bm25=[b for _, b, _ in best.values()],
                           fused=[f for _, _, f in best.values()], qsim=qsim,
                           question=turn.search, sentence=sentence, cited=cited,
                           logprobs=logprobs, same_language=turn.language ==
                           config.archive_language,
                           p_no_evidence=opening.p_no_evidence,
                           evidence_logprobs=opening.logprobs)
    if config.calibrator is None:
        return ""
    turn.confidence = round(config.calibrator.probability(turn.signals), 4)
    threshold = max(config.calibrator.threshold, min_confidence)
    if turn.confidence < threshold:
        return (f"the answer is too likely wrong (confidence {turn.confidence:.2f} < "
                f"{threshold:.2f})")
    return ""


def finalize(turn: Turn, gate: SentenceGate | None, started: float) -> Answer:
    """The checked, cited ``Answer`` (its text is what the gate released, nothing else)."""
    by_number = {s.number: s for s in turn.evidence}
    retrieved = [{"id": r.record.id, "source": r.record.metadata.get("source", ""),
                  "doc_id": r.record.metadata.get("doc_id", ""), "score": r.score,
                  "dense": r.dense, "bm25": r.bm25} for r in turn.retrieved]
    timings = {**turn.timings, "answer": round(time.perf_counter() - started, 3)}
    if gate is None or not gate.released:
        reason = turn.early or (gate.reason if gate else "")
        return Answer(text=NOT_FOUND[turn.language], citations=[], abstained=True,
                      question=turn.question, standalone_question=turn.standalone,
                      language=turn.language, reason=reason, retrieved=retrieved,
                      timings=timings, signals=turn.signals, confidence=turn.confidence,
                      withheld=gate.refused if gate else "")
    citations = [citation(by_number[n]) for n in gate.cited if n in by_number]
    return Answer(text=gate.text, citations=citations, abstained=False, question=turn.question,
                  standalone_question=turn.standalone, language=turn.language,
                  reason=gate.reason, retrieved=retrieved, timings=timings,
                  signals=turn.signals, confidence=turn.confidence, withheld=gate.refused)


def citation(s: EvidenceSentence) -> Citation:
    return Citation(marker=s.number, source=s.source, title=s.title, date=s.date, quote=s.text,
                    start=s.start, end=s.end, doc_id=s.doc_id)


def collect(items: Iterator[StreamItem]) -> Answer:
    """The final ``Answer`` of a stream (what ``ask`` returns)."""
    final: Answer | None = None
    for item in items:
        if isinstance(item, Answer):
            final = item
    if final is None:  # pragma: no cover - stream_answer always ends with an Answer
        raise RuntimeError("the answer stream ended without an answer")
    return final

