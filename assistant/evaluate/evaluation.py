"""Evaluation over gold question/answer items: parse gold files, score answers, aggregate.

A gold file is JSON Lines, one item a line::

    {"id": "q1", "question": "Who met Haftar?", "answers": ["Kalin"], "match": "any",
     "sources": ["000_15754e1025876bc7.txt"], "history": [...], "lang": "en", "split": "dev"}

``answers: []`` marks an unanswerable item: the right behaviour is to abstain. An optional
``kind`` names what an item tests: ``near_miss`` (unanswerable: the story is in the archive, the
asked detail is not), ``number`` (the answer sentence holds two or more numbers), ``list``,
``reason`` (a why-question whose reason the article gives); an optional ``note`` says why (the
answer sentence, or what the article leaves out). ``split`` is ``dev`` (tune on it) or
``test`` (the gate; never tune on it). ``Evaluator`` runs items through anything with
``ask(question, history, exclude=...)`` and returns plain data; with ``removal`` it asks every
answerable item again with its source articles left out, where the right behaviour is to
abstain too. Writing reports is ``reports.py``'s job. Answers match on word
boundaries, ignoring case and accents::

    >>> is_correct("Ibrahim Kálin met him [1].", ["kalin"], "any")
    True
    >>> is_correct("Kalin and Begec", ["Kalin", "Altindag"], "all")
    False
    >>> is_correct("They met at the summit [2].", ["MIT"])
    False
    >>> percentile([1.0, 2.0, 3.0, 4.0], 50)
    2.5
"""

from __future__ import annotations

import dataclasses
import json
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from assistant.answer.result import Answer
from assistant.evaluate.lists import score_list
from assistant.retrieve.followup import validate_history
from assistant.text.language import consistent, detect_language, non_words
from assistant.text.matching import spelled_out
from assistant.text.words import fold

METRICS = ("answer_accuracy", "answer_accuracy_en", "answer_accuracy_nl", "answer_precision",
           "coverage", "shown_precision", "retrieval_recall_at_k", "mrr", "citation_precision",
           "citation_recall", "abstention_accuracy", "near_miss_abstention", "removal_abstention",
           "false_abstention_rate", "number_accuracy", "number_precision", "reason_accuracy",
           "reason_precision", "list_recall", "list_recall_en", "list_recall_nl",
           "list_complete", "list_complete_en", "list_complete_nl", "list_precision",
           "list_precision_en", "list_precision_nl", "language_consistency",
           "dutch_nonword_rate", "latency_p50_s", "latency_p95_s", "latency_p50_list_s",
           "latency_p50_single_s", "n_items")
SPLITS = ("dev", "test")
KINDS = ("", "near_miss", "number", "list", "reason")


class GoldError(ValueError):
    """A gold file has a bad line; the message names the file, line and field."""


@dataclass(frozen=True)
class GoldItem:
    id: str
    question: str
    answers: tuple[str, ...]
    match: str = "any"
    sources: tuple[str, ...] = ()
    history: tuple[dict[str, str], ...] = ()
    lang: str | None = None
    split: str = "dev"
    kind: str = ""  # what the item tests (KINDS): "" (plain), near_miss, number, list, reason
    note: str = ""

    @property
    def is_list(self) -> bool:
        """A list question: every one of two or more items must be named."""
        return self.match == "all" and len(self.answers) >= 2

    @property
    def answerable(self) -> bool:
        return bool(self.answers)


def parse_gold_line(line: str, where: str) -> GoldItem:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        raise GoldError(f"{where}: not valid JSON ({exc.msg})") from None
    if not isinstance(data, dict):
        raise GoldError(f"{where}: expected a JSON object")

    def need(key: str, kind: type, default: Any = None) -> Any:
        value = data.get(key, default)
        if not isinstance(value, kind):
            raise GoldError(f"{where}: field {key!r} must be {kind.__name__}")
        return value

    unknown = set(data) - {"id", "question", "answers", "match", "sources", "history", "lang",
                           "split", "kind", "note"}
    if unknown:
        raise GoldError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    item_id, question = need("id", str), need("question", str)
    if not question.strip():
        raise GoldError(f"{where}: field 'question' is empty")
    answers = need("answers", list)
    sources = need("sources", list, [])
    for key, values in (("answers", answers), ("sources", sources)):
        if not all(isinstance(v, str) and v.strip() for v in values):
            raise GoldError(f"{where}: field {key!r} must hold non-empty strings")
    match = need("match", str, "any")
    if match not in ("any", "all"):
        raise GoldError(f"{where}: field 'match' must be 'any' or 'all', got {match!r}")
    lang = data.get("lang")
    if lang not in (None, "en", "nl"):
        raise GoldError(f"{where}: field 'lang' must be 'en' or 'nl', got {lang!r}")
    split = data.get("split", "dev")
    if split not in SPLITS:
        raise GoldError(f"{where}: field 'split' must be 'dev' or 'test', got {split!r}")
    kind, note = need("kind", str, ""), need("note", str, "")
    if kind not in KINDS:
        raise GoldError(f"{where}: field 'kind' must be one of {', '.join(KINDS[1:])}, "
                        f"got {kind!r}")
    if kind == "near_miss" and answers:
        raise GoldError(f"{where}: a near_miss item has no answers ('answers': [])")
    if kind in ("number", "list", "reason") and not answers:
        raise GoldError(f"{where}: a {kind} item needs 'answers'")
    try:
        history = validate_history(need("history", list, []))
    except ValueError as exc:
        raise GoldError(f"{where}: {exc}") from None
    if answers and not sources:
        raise GoldError(f"{where}: an answerable item needs 'sources'")
    return GoldItem(item_id, question, tuple(answers), match, tuple(sources), tuple(history),
                    lang, split, kind, note)


def load_gold(path: Path) -> list[GoldItem]:
    """Read a gold file; the first bad line raises ``GoldError`` with its line number."""
    items: list[GoldItem] = []
    seen: set[str] = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        item = parse_gold_line(line, f"{path}:{number}")
        if item.id in seen:
            raise GoldError(f"{path}:{number}: duplicate id {item.id!r}")
        seen.add(item.id)
        items.append(item)
    if not items:
        raise GoldError(f"{path}: no items")
    return items


def unknown_sources(items: Iterable[GoldItem], known: Iterable[str]) -> dict[str, list[str]]:
    """Gold sources that match no stored file name or document id: {item id: [sources]}."""
    names = set(known)
    out: dict[str, list[str]] = {}
    for item in items:
        missing = [s for s in item.sources if s not in names]
        if missing:
            out[item.id] = missing
    return out


def select_split(items: Sequence[GoldItem], split: str) -> list[GoldItem]:
    """The items of one split (``dev``, ``test``), or all of them for ``all``."""
    return list(items) if split == "all" else [i for i in items if i.split == split]


def is_correct(text: str, answers: Sequence[str], match: str = "any") -> bool:
    """Whether ``text`` holds any (or all) of ``answers`` as whole words, ignoring case and
    accents, and how a number is written (digits or words, English or Dutch).

    >>> is_correct("He faces 3 years and 9 months [1].", ["drie jaar en negen maanden",
    ...                                                  "three years and nine months"])
    True
    """
    texts = (fold(text), fold(spelled_out(text)))
    hits = [any(re.search(rf"(?<!\w){re.escape(gold)}(?!\w)", t) is not None
                for gold in (fold(a).strip(), fold(spelled_out(a)).strip()) for t in texts)
            for a in answers]
    return all(hits) if match == "all" else any(hits)


def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (numpy's default)."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


class Answers(Protocol):
    def ask(self, question: str, history: Any = None, *,
            exclude: Sequence[str] = ()) -> Answer: ...


@dataclass
class ItemResult:
    id: str
    question: str
    answerable: bool
    answer: str
    abstained: bool
    correct: bool
    citations: list[dict[str, Any]]
    retrieved_sources: list[str]
    gold_rank: int | None  # 1-based rank of the first gold source among retrieved documents
    citations_in_gold: int
    latency_s: float
    standalone_question: str = ""
    reason: str = ""
    lang: str | None = None
    kind: str = "gold"  # "gold", or "removal": an answerable item asked without its sources
    consistent: bool | None = None  # answer written in the question's language (None: abstained)
    signals: dict[str, float] = field(default_factory=dict)  # calibration signals, if any
    confidence: float | None = None
    withheld: str = ""  # the sentence a check refused (Answer.withheld)
    tests: str = ""  # the gold item's kind (GoldItem.kind): near_miss, number, list or ""
    nonwords: list[str] = field(default_factory=list)  # Dutch answer: words no Dutch writes
    # a list question (GoldItem.is_list): gold items named, of how many; items the answer names,
    # and those that are no gold item or repeat one (lists.score_list); None: not a list
    list_found: int | None = None
    list_total: int | None = None
    list_named: int | None = None
    list_wrong: list[str] = field(default_factory=list)


def _in_gold(source: str, doc_id: str, gold: Sequence[str]) -> bool:
    return source in gold or doc_id in gold


def score_item(item: GoldItem, answer: Answer, latency: float,
               kind: str = "gold") -> ItemResult:
    """Verdicts for one item (pure). For ``kind="removal"`` the item's sources were left out,
    so the right behaviour is to abstain."""
    docs: list[tuple[str, str]] = []
    for r in answer.retrieved:
        key = (str(r.get("source", "")), str(r.get("doc_id", "")))
        if key not in docs:
            docs.append(key)
    gold_rank = next((i for i, (s, d) in enumerate(docs, start=1)
                      if _in_gold(s, d, item.sources)), None)
    in_gold = sum(_in_gold(c.source, c.doc_id, item.sources) for c in answer.citations)
    answerable = item.answerable and kind == "gold"
    correct = (not answer.abstained and is_correct(answer.text, item.answers, item.match)
               if answerable else answer.abstained)
    language = item.lang or detect_language(item.question)
    return ItemResult(
        id=item.id, question=item.question, answerable=answerable, answer=answer.text,
        abstained=answer.abstained, correct=correct,
        citations=[{"marker": c.marker, "source": c.source, "quote": c.quote} for c in
                   answer.citations],
        retrieved_sources=[s for s, _ in docs], gold_rank=gold_rank, citations_in_gold=in_gold,
        latency_s=round(latency, 3), standalone_question=answer.standalone_question,
        reason=answer.reason, lang=language, kind=kind,
        consistent=None if answer.abstained else consistent(answer.text, language),
        signals=dict(answer.signals), confidence=answer.confidence, withheld=answer.withheld,
        tests=item.kind, nonwords=answer_non_words(answer.text, answer.abstained, language,
                                                   [c.quote for c in answer.citations],
                                                   item.question),
        **(list_fields(item, answer.text, answer.abstained) if answerable else {}))


def list_fields(item: GoldItem, text: str, abstained: bool) -> dict[str, Any]:
    """``ItemResult``'s list fields for a shown (or refused) answer to ``item``: how many gold
    items it names (as ``is_correct`` finds them), of how many, the items it names, and those
    that are no gold item or name one again (``lists.score_list``); none for a non-list item.

    >>> item = GoldItem("l", "Wie?", ("Kalin", "Begec"), "all")
    >>> list_fields(item, "Kalin [1] en Haftar [2].", False)["list_wrong"]
    ['Haftar']
    >>> refused = list_fields(item, "Not found", True)
    >>> refused["list_found"], refused["list_named"], refused["list_total"]
    (0, 0, 2)
    """
    if not item.is_list:
        return {}
    shown = "" if abstained else text
    listing = score_list(shown, item.answers, item.question,
                         [is_correct(shown, [a]) for a in item.answers])
    return {"list_found": listing.found, "list_total": listing.total,
            "list_named": listing.named, "list_wrong": listing.wrong}


def answer_non_words(text: str, abstained: bool, language: str | None, quotes: Sequence[str],
                     question: str) -> list[str]:
    """The words of a shown Dutch answer that are no Dutch (``language.non_words``; what its
    quotes and the question hold is forgiven); none for another language or an abstention."""
    if abstained or language != "nl":
        return []
    return non_words(text, [*quotes, question])


def aggregate(results: Sequence[ItemResult], k: int) -> dict[str, float]:
    """The report's metrics from per-item results (pure). A rate over no items is left out,
    not reported as 0: a run without ``--removal`` has no ``removal_abstention``.
    ``answer_precision`` is the share of the answers shown to answerable questions that are
    right, ``coverage`` the share of answerable questions answered (their product is the
    accuracy); ``shown_precision`` counts every answer shown, to unanswerable asks too.
    ``abstention_accuracy`` is over the hand-written unanswerables, ``near_miss_abstention``
    over the near-miss ones. ``latency_p50_list_s`` and ``latency_p50_single_s`` are the
    median times of list questions and of the other answerable ones (removal asks left out).

    >>> r = ItemResult("q", "Who?", True, "Kalin [1].", False, True, [{"marker": 1}], ["a"],
    ...                1, 1, 9.0, consistent=True)
    >>> m = aggregate([r], k=5)
    >>> m["answer_accuracy"], m["citation_precision"], "removal_abstention" in m
    (1.0, 1.0, False)
    >>> wrong = dataclasses.replace(r, id="w", correct=False)
    >>> gone = dataclasses.replace(r, id="g", abstained=True, correct=False, consistent=None)
    >>> m = aggregate([r, wrong, gone], k=5)
    >>> round(m["answer_accuracy"], 3), m["answer_precision"], round(m["coverage"], 3)
    (0.333, 0.5, 0.667)
    """
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable and r.kind == "gold"]
    hand_written = [r for r in unanswerable if r.tests != "near_miss"]
    near_miss = [r for r in unanswerable if r.tests == "near_miss"]
    removal = [r for r in results if r.kind == "removal"]
    answered = [r for r in results if r.consistent is not None]
    number = [r for r in answerable if r.tests == "number"]
    reason = [r for r in answerable if r.tests == "reason"]
    lists = [r for r in answerable if r.list_total]
    n_cit = sum(len(r.citations) for r in answerable)
    latencies = [r.latency_s for r in results]
    # list questions against single-fact ones (asked with their sources): what a list costs
    list_latencies = [r.latency_s for r in lists if r.kind == "gold"]
    single_latencies = [r.latency_s for r in answerable if r.kind == "gold" and not r.list_total]

    def share(rows: Sequence[ItemResult], ok: Callable[[ItemResult], bool]) -> float | None:
        return sum(ok(r) for r in rows) / len(rows) if rows else None

    def shown(rows: Sequence[ItemResult]) -> list[ItemResult]:
        return [r for r in rows if not r.abstained]

    metrics = {
        "answer_accuracy": share(answerable, lambda r: r.correct),
        "answer_accuracy_en": share([r for r in answerable if r.lang == "en"],
                                    lambda r: r.correct),
        "answer_accuracy_nl": share([r for r in answerable if r.lang == "nl"],
                                    lambda r: r.correct),
        # what a reader meets: of the answers shown to answerable questions, the right ones;
        # and of every answer shown (to unanswerable and removal asks too), the right ones
        "answer_precision": share(shown(answerable), lambda r: r.correct),
        "coverage": share(answerable, lambda r: not r.abstained),
        "shown_precision": share(shown(results), lambda r: r.correct),
        "retrieval_recall_at_k": share(answerable,
                                       lambda r: r.gold_rank is not None and r.gold_rank <= k),
        "mrr": (sum(1 / r.gold_rank for r in answerable if r.gold_rank) / len(answerable)
                if answerable else None),
        "citation_precision": (sum(r.citations_in_gold for r in answerable) / n_cit
                               if n_cit else None),
        "citation_recall": share(answerable, lambda r: r.citations_in_gold > 0),
        "abstention_accuracy": share(hand_written, lambda r: r.abstained),
        "near_miss_abstention": share(near_miss, lambda r: r.abstained),
        "removal_abstention": share(removal, lambda r: r.abstained),
        "false_abstention_rate": share(answerable, lambda r: r.abstained),
        "number_accuracy": share(number, lambda r: r.correct),
        "number_precision": share(shown(number), lambda r: r.correct),
        "reason_accuracy": share(reason, lambda r: r.correct),
        "reason_precision": share(shown(reason), lambda r: r.correct),
        **list_metrics(lists),
        "language_consistency": share(answered, lambda r: bool(r.consistent)),
        "dutch_nonword_rate": share([r for r in answered if r.lang == "nl"],
                                    lambda r: bool(r.nonwords)),
        "latency_p50_s": percentile(latencies, 50),
        "latency_p95_s": percentile(latencies, 95),
        "latency_p50_list_s": percentile(list_latencies, 50) if list_latencies else None,
        "latency_p50_single_s": percentile(single_latencies, 50) if single_latencies else None,
        "n_items": float(len(results) - len(removal)),
    }
    return {name: value for name, value in metrics.items() if value is not None}


def list_metrics(rows: Sequence[ItemResult]) -> dict[str, float | None]:
    """``list_recall`` (the mean share of each list's gold items named; a refusal names none),
    ``list_complete`` (lists named whole) and ``list_precision`` (of the items shown lists name,
    those that are gold items, each once), over all list questions and per language.

    >>> r = ItemResult("q", "Wie?", True, "A [1], B [1] en C [2].", False, False, [], [], 1, 0,
    ...                1.0, lang="nl", list_found=2, list_total=2, list_named=3,
    ...                list_wrong=["C"])
    >>> none = dataclasses.replace(r, lang="en", list_found=0, list_named=0, list_wrong=[])
    >>> m = list_metrics([r, none])
    >>> m["list_recall"], m["list_complete"], round(m["list_precision"], 3), m["list_recall_en"]
    (0.5, 0.5, 0.667, 0.0)
    """
    out: dict[str, float | None] = {}
    for suffix, lang in (("", None), ("_en", "en"), ("_nl", "nl")):
        rows_ = [r for r in rows if lang is None or r.lang == lang]
        named = sum(r.list_named or 0 for r in rows_)
        out[f"list_recall{suffix}"] = (sum((r.list_found or 0) / (r.list_total or 1)
                                           for r in rows_) / len(rows_) if rows_ else None)
        out[f"list_complete{suffix}"] = (sum(r.list_found == r.list_total for r in rows_)
                                         / len(rows_) if rows_ else None)
        out[f"list_precision{suffix}"] = (
            (named - sum(len(r.list_wrong) for r in rows_)) / named if named else None)
    return out


def abstained_instead(result: ItemResult, reason: str) -> ItemResult:
    """``result`` as it would have been had the assistant abstained (pure): how a new check
    that withdraws an answer before its first sentence is shown is measured on a finished run.

    >>> r = ItemResult("q", "Who?", True, "Kalin [1].", False, True, [{"marker": 1}], ["a"],
    ...                1, 1, 9.0, consistent=True)
    >>> w = abstained_instead(r, "low confidence")
    >>> w.abstained, w.correct, w.citations, w.consistent, w.gold_rank
    (True, False, [], None, 1)
    """
    return dataclasses.replace(result, abstained=True, correct=not result.answerable,
                               citations=[], citations_in_gold=0, consistent=None,
                               nonwords=[], reason=reason,
                               list_found=0 if result.list_total else None,
                               list_named=0 if result.list_total else None, list_wrong=[])


@dataclass
class Evaluator:
    """Run gold items through an assistant; ``run`` returns the metrics as ``dict[str, float]``
    and keeps the per-item verdicts in ``results``."""

    items: Sequence[GoldItem]
    k: int = 5
    progress: bool = False
    removal: bool = False  # also ask each answerable item with its sources left out
    results: list[ItemResult] = field(default_factory=list)

    def run(self, assistant: Answers) -> dict[str, float]:
        from tqdm import tqdm

        self.results = []
        jobs = [(item, "gold") for item in self.items]
        if self.removal:
            jobs += [(item, "removal") for item in self.items if item.answerable]
        for item, kind in tqdm(jobs, desc="evaluating", unit="item", disable=not self.progress):
            started = time.perf_counter()
            exclude = item.sources if kind == "removal" else ()
            answer = assistant.ask(item.question, list(item.history) or None, exclude=exclude)
            self.results.append(score_item(item, answer, time.perf_counter() - started, kind))
        return aggregate(self.results, self.k)
