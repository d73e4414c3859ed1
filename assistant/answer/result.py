"""What the assistant returns: an ``Answer`` with its ``Citation``s (plain data, JSON-ready),
what a stream yields before it (``Found``, then checked sentences), and how sure an answer is
in plain words (``certainty``)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, TypeAlias

from assistant.text.words import MARKER

if TYPE_CHECKING:
    from assistant.retrieve.evidence import EvidenceSentence


@dataclass(frozen=True)
class Citation:
    marker: int  # the [n] in the answer text
    source: str  # file name of the article
    title: str
    date: str | None
    quote: str  # the exact sentence, as stored
    start: int  # offsets of the quote in the stored article text
    end: int
    doc_id: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class Answer:
    text: str
    citations: list[Citation]
    abstained: bool
    question: str
    standalone_question: str  # what was searched (differs after a follow-up rewrite)
    language: str
    reason: str = ""  # why it abstained, for people and evaluation
    retrieved: list[dict[str, Any]] = field(default_factory=list)  # chunk id, source, scores
    timings: dict[str, float] = field(default_factory=dict)
    # the calibration signals of the first sentence the model wrote, and the calibrated
    # probability that it is right (None when no answer got that far)
    signals: dict[str, float] = field(default_factory=dict)
    confidence: float | None = None
    # the sentence a check refused, as the model wrote it: for evaluation reports only, never
    # shown to a reader (nor in ``to_dict``)
    withheld: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` shape: answer, abstained, citations (plus a few extras)."""
        return {
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [
                {"marker": c.marker, "source": c.source, "title": c.title, "date": c.date,
                 "quote": c.quote, "start": c.start, "end": c.end}
                for c in self.citations
            ],
            "question": self.question,
            "standalone_question": self.standalone_question,
            "language": self.language,
            "reason": self.reason,
            "confidence": self.confidence,
            "timings": self.timings,
        }


@dataclass(frozen=True)
class Found:
    """Retrieval is done: the question that was searched and the evidence the answer may use."""

    standalone: str
    evidence: tuple[EvidenceSentence, ...]


StreamItem: TypeAlias = "Found | str | Answer"


# below this calibrated confidence an answer is shown with a plain word of caution
SURE = 0.8


def certainty(answer: Answer) -> str:
    """How sure the answer is, in plain words, for the line under the chat (``""`` when it
    abstained or nothing scored it). Below ``SURE`` the reader is sent to the quoted sentence.

    >>> a = Answer("Kalin [1].", [], False, "Wie?", "Wie?", "nl", confidence=0.62)
    >>> certainty(a)
    'Less certain (confidence 0.62): check the quoted sentence [1] in Sources'
    >>> certainty(Answer("Kalin [1].", [], False, "Wie?", "Wie?", "nl", confidence=0.93))
    'Confidence 0.93'
    """
    if answer.abstained or answer.confidence is None:
        return ""
    if answer.confidence >= SURE:
        return f"Confidence {answer.confidence:.2f}"
    first = MARKER.search(answer.text)
    where = f"the quoted sentence [{first.group(1)}]" if first else "the quoted sentences"
    return f"Less certain (confidence {answer.confidence:.2f}): check {where} in Sources"

