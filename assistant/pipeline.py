"""The answering chain (LangChain LCEL): condense → retrieve → number evidence → prompt → model →
cited answer.

``build_chain`` wires the steps as runnables over a state dict; ``finalize`` turns the model's
reply into an ``Answer``: it checks the markers against the evidence (``citations``), and
abstains when the model found nothing, cited nothing, or used names or numbers that the
evidence does not hold (``grounding``). A question whose names appear in no evidence sentence
is answered "not found" without calling the model at all.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage
from langchain_core.output_parsers import StrOutputParser
from langchain_core.runnables import Runnable, RunnableBranch, RunnableLambda, RunnablePassthrough

from . import prompts
from .answer import Answer, Citation
from .citations import align_markers, cited_numbers
from .evidence import EvidenceSentence, format_evidence, number_evidence
from .followup import clean_rewrite, format_history, needs_rewrite
from .grounding import MIN_COVERAGE, coverage, missing_names, names, unsupported_terms
from .retrieval import Retrieved, Retriever
from .structured import REPLY_SCHEMA, AnswerStream, parse_reply
from .text import LANGUAGE_NAMES, detect_language, fold

NOT_FOUND = {
    "en": "The articles I have do not answer this question.",
    "nl": "De artikelen die ik heb geven geen antwoord op deze vraag.",
}
_NOT_FOUND_REPLIES = ("not found", "niet gevonden")  # the prompt's reply, and its Dutch form


@dataclass(frozen=True)
class Chain:
    prepare: Runnable  # state -> state with language, standalone, retrieved, evidence, messages
    answer: Runnable  # state -> Answer
    model: Callable[[], Runnable]  # the chat model bound for JSON replies


@dataclass(frozen=True)
class ChainConfig:
    top_k: int = 4
    evidence_tokens: int = 700
    max_answer_tokens: int = 256
    archive_language: str = "nl"


def build_chain(retriever: Retriever, chat_model: Callable[[], BaseChatModel],
                count_tokens: Callable[[str], int], config: ChainConfig) -> Chain:
    """The runnables: ``prepare`` (state → state with messages) and ``answer`` (→ Answer).

    Input state: ``question``, ``history`` (validated list), ``date_from``, ``date_to``.
    ``chat_model`` is called when the model is first needed, so nothing loads at build time.
    """

    def condense(state: dict[str, Any]) -> str:
        question, history = state["question"], state["history"]
        if not needs_rewrite(question, history):
            return question
        text = prompts.render("condense", history=format_history(history), question=question,
                              language=LANGUAGE_NAMES[state["language"]])
        reply = chat_model().bind(max_tokens=80).invoke([HumanMessage(text)])
        return clean_rewrite(str(reply.content), question)

    def retrieve(state: dict[str, Any]) -> list[Retrieved]:
        return retriever.retrieve(state["standalone"], config.top_k, date_from=state["date_from"],
                                  date_to=state["date_to"], language=state["language"])

    def evidence(state: dict[str, Any]) -> list[EvidenceSentence]:
        return number_evidence([r.record for r in state["retrieved"]], config.evidence_tokens,
                               count_tokens)

    def early(state: dict[str, Any]) -> str:
        """A reason to abstain before generation, or ''."""
        if not state["evidence"]:
            return "the archive holds nothing that matches the question"
        texts = [s.text for s in state["evidence"]]
        missing = missing_names(state["standalone"], texts)
        if missing:
            return f"no article mentions {', '.join(missing)}"
        if state["language"] == config.archive_language:
            share = coverage(state["standalone"], texts)
            if share < MIN_COVERAGE:
                return f"the articles found cover only {share:.0%} of the question's words"
        return ""

    def messages(state: dict[str, Any]) -> list[Any]:
        return [SystemMessage(prompts.render("answer_system")),
                HumanMessage(prompts.render(
                    "answer_user", evidence=format_evidence(state["evidence"]),
                    question=state["standalone"], language=LANGUAGE_NAMES[state["language"]]))]

    def model() -> Runnable:
        return chat_model().bind(max_tokens=config.max_answer_tokens,
                                 response_format={"type": "json_object", "schema": REPLY_SCHEMA})

    prepare = (
        RunnablePassthrough.assign(language=lambda s: detect_language(s["question"]))
        | RunnablePassthrough.assign(standalone=RunnableLambda(condense))
        | RunnablePassthrough.assign(retrieved=RunnableLambda(retrieve))
        | RunnablePassthrough.assign(evidence=RunnableLambda(evidence))
        | RunnablePassthrough.assign(early=RunnableLambda(early))
        | RunnablePassthrough.assign(messages=RunnableLambda(messages))
    )
    generate = RunnableLambda(lambda s: s["messages"]) | RunnableLambda(
        lambda msgs: model().invoke(msgs)) | StrOutputParser()
    answer = prepare | RunnableBranch(
        (lambda s: bool(s["early"]), RunnableLambda(lambda s: finalize(s, ""))),
        RunnablePassthrough.assign(reply=generate) | RunnableLambda(
            lambda s: finalize(s, s["reply"])),
    )
    return Chain(prepare=prepare, answer=answer, model=model)


def stream_answer(chain: Chain, state: dict[str, Any]) -> Iterator[str | Answer]:
    """Yield the answer text as the model writes it, then the final ``Answer``.

    Text is held back until it cannot be the start of the model's "NOT FOUND" reply.
    """
    started = time.perf_counter()
    state = chain.prepare.invoke(state)
    state["t_prepare"] = time.perf_counter() - started
    if state["early"]:
        yield finalize(state, "")
        return
    reader = AnswerStream()
    held = ""
    released = False
    first_token: float | None = None
    for chunk in chain.model().stream(state["messages"]):
        piece = reader.feed(str(chunk.content))
        if not piece:
            continue
        if first_token is None:
            first_token = time.perf_counter() - started
        if released:
            yield piece
            continue
        held += piece
        if not any(r.startswith(fold(held.strip())) for r in _NOT_FOUND_REPLIES):
            released = True
            yield held
    state["t_first_token"] = first_token or 0.0
    yield finalize(state, reader.raw)


def finalize(state: dict[str, Any], reply: str) -> Answer:
    """Turn the model's reply (or an early abstention) into a checked, cited ``Answer``."""
    evidence: Sequence[EvidenceSentence] = state["evidence"]
    language = state["language"]
    by_number = {s.number: s for s in evidence}
    retrieved = [{"id": r.record.id, "source": r.record.metadata.get("source", ""),
                  "doc_id": r.record.metadata.get("doc_id", ""), "score": r.score,
                  "dense": r.dense, "bm25": r.bm25} for r in state["retrieved"]]

    def result(text: str, citations: list[Citation], reason: str = "") -> Answer:
        timings = {k[2:]: round(float(v), 3) for k, v in state.items() if k.startswith("t_")}
        return Answer(text=text, citations=citations, abstained=not citations,
                      question=state["question"], standalone_question=state["standalone"],
                      language=language, reason=reason, retrieved=retrieved, timings=timings)

    if state.get("early"):
        return result(NOT_FOUND[language], [], state["early"])
    declared, text = parse_reply(reply)
    if fold(text).strip(" .!") in (*_NOT_FOUND_REPLIES, ""):
        return result(NOT_FOUND[language], [], "the model found no answer in the evidence")
    text = align_markers(text, {n: s.text for n, s in by_number.items()}, declared)
    numbers = [n for n in cited_numbers(text) if n in by_number]
    if not numbers:
        numbers = [n for n in dict.fromkeys(declared) if n in by_number]
        if numbers:
            text = text.rstrip() + " " + "".join(f"[{n}]" for n in numbers)
    if not numbers:
        return result(NOT_FOUND[language], [], "the answer cites no evidence")
    unsupported = unsupported_terms(text, [by_number[n].text for n in numbers],
                                    [s.text for s in evidence], state["standalone"])
    bad_numbers = [t for t in unsupported if t[:1].isdigit()]
    answer_names = names(text, skip_common=True)
    bad_names = [t for t in unsupported if not t[:1].isdigit()]
    if bad_numbers or (bad_names and len(bad_names) * 3 > len(answer_names)):
        return result(NOT_FOUND[language], [],
                      f"the answer uses {', '.join(unsupported)}, which the articles do not hold")
    citations = [Citation(marker=n, source=by_number[n].source, title=by_number[n].title,
                          date=by_number[n].date, quote=by_number[n].text,
                          start=by_number[n].start, end=by_number[n].end,
                          doc_id=by_number[n].doc_id) for n in numbers]
    return result(text, citations)
