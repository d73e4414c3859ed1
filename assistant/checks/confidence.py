"""Calibrated abstention: signals about a candidate answer, a logistic model fitted on the
``dev`` split, and an operating point chosen for a stated precision of answered questions.

The 1.5B model does not abstain by itself, so before the first sentence of an answer is shown
the assistant scores it: retrieval scores and margins, how similar the cited sentences are to
the question (EmbeddingGemma, across languages), how much of the question and of the answer
the cited sentences hold, the model's own token log-probabilities while it wrote the sentence
and its evidence list, and its probability of replying NOT FOUND (an empty evidence list),
read where the list opens. ``Calibrator`` turns those into a probability that the answer is
right, with coefficients fitted on dev (``evaluate/calibrate.py``) and shipped in
``assistant/data/abstention.json``; ``assistant calibrate`` refits them from an eval report.
Pure::

    >>> s = signals(dense=[0.61, 0.42], bm25=[12.0], qsim=[0.55], question="Who met Haftar?",
    ...             sentence="Kalin met Haftar [1].", cited=["Kalin ontmoette Haftar."],
    ...             logprobs=[-0.1, -0.5, None], same_language=False, p_no_evidence=0.001,
    ...             evidence_logprobs=[None, -0.3, -0.02])
    >>> s["dense_top"], s["dense_gap"], s["qsim_max"], s["logprob_min"], s["support"]
    (0.61, 0.19, 0.55, -0.5, 1.0)
    >>> s["no_evidence_logprob"], s["evidence_logprob_min"]
    (-6.9078, -0.3)
    >>> cal = Calibrator(features=("dense_top",), mean=(0.5,), scale=(0.1,), coef=(2.0,),
    ...                  intercept=0.0, threshold=0.6)
    >>> round(cal.probability({"dense_top": 0.6}), 3), cal.accepts({"dense_top": 0.4})
    (0.881, False)
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from assistant.checks.grounding import content_words, share_found
from assistant.text.matching import names, term_found
from assistant.text.words import MARKER, words

# the signals the model weighs: none depends on the archive's size (BM25 scores and the margins
# between retrieved articles do: on a one-article archive every margin is 0 and every BM25 idf
# near 0, which made the model withdraw right answers there); those are recorded, not weighed
FEATURES = ("dense_top", "qsim_max", "question_cover", "name_cover", "support", "logprob_mean",
            "logprob_min", "logprob_first", "same_language", "n_cited", "no_evidence_logprob",
            "evidence_logprob_min")
DEFAULT_PATH = Path(__file__).resolve().parents[1] / "data" / "abstention.json"


def _content(text: str) -> list[str]:
    return [w for w in content_words(MARKER.sub(" ", text)) if not w.isdigit()]


def signals(*, dense: Sequence[float], bm25: Sequence[float], qsim: Sequence[float],
            question: str, sentence: str, cited: Sequence[str],
            logprobs: Sequence[float | None], same_language: bool,
            fused: Sequence[float] = (), p_no_evidence: float | None = None,
            evidence_logprobs: Sequence[float | None] = ()) -> dict[str, float]:
    """The features of one candidate answer (its first sentence). ``dense``, ``bm25`` and
    ``fused``: the best score per retrieved document, best first; ``qsim``: cosine of the
    question to each cited sentence; ``logprobs``: per written token of the answer
    (``None`` = unknown); ``p_no_evidence``: the model's probability, where its reply's
    evidence list opens, of closing it empty (NOT FOUND; kept as a log-probability: it is
    mostly far below 0.01); ``evidence_logprobs``: per token written before the answer."""
    lps = [lp for lp in logprobs if lp is not None]
    elps = [lp for lp in evidence_logprobs if lp is not None]
    cited_words = set(words(" ".join(cited)))
    dense = sorted(dense, reverse=True)
    fused = sorted(fused, reverse=True)
    return {
        "dense_top": round(dense[0], 4) if dense else 0.0,
        "dense_gap": round(dense[0] - dense[1], 4) if len(dense) > 1 else 0.0,
        "bm25_top": round(math.log1p(max(bm25)), 4) if bm25 else 0.0,
        "fused_gap": round((fused[0] - fused[1]) / fused[0], 4) if len(fused) > 1 and fused[0]
        else 0.0,
        "qsim_max": round(max(qsim), 4) if qsim else 0.0,
        "question_cover": round(share_found(_content(question), cited_words), 4),
        "name_cover": round(name_cover(question, cited_words), 4),
        "support": round(share_found(_content(sentence), cited_words | set(words(question))), 4),
        "logprob_mean": round(sum(lps) / len(lps), 4) if lps else float("nan"),
        "logprob_min": round(min(lps), 4) if lps else float("nan"),
        "logprob_first": round(lps[0], 4) if lps else float("nan"),
        "same_language": 1.0 if same_language else 0.0,
        "n_cited": float(len(cited)),
        "no_evidence_logprob": round(math.log(max(p_no_evidence, 1e-12)), 4)
        if p_no_evidence is not None else float("nan"),
        "evidence_logprob_min": round(min(elps), 4) if elps else float("nan"),
    }


def name_cover(question: str, cited_words: set[str]) -> float:
    """The share of the question's names that the cited sentences hold (1.0 with no names): an
    answer about "Club Rodenburg" built from sentences that never name it is likely wrong.

    >>> name_cover("How often was the Club Rodenburg petition signed?", {"signed", "180"})
    0.0
    >>> name_cover("Wie leidde de Turkse delegatie?", {"altindag", "turkse"})
    1.0
    >>> name_cover("How old was he?", set())
    1.0
    """
    asked = names(question, skip_common=True)
    if not asked:
        return 1.0
    return sum(term_found(n, cited_words) for n in asked) / len(asked)


@dataclass(frozen=True)
class Calibrator:
    """A logistic model over standardised signals; missing signals count as average."""

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    threshold: float
    target_precision: float = 0.0
    meta: tuple[tuple[str, Any], ...] = ()

    def probability(self, values: Mapping[str, float]) -> float:
        z = self.intercept
        for name, mu, sd, w in zip(self.features, self.mean, self.scale, self.coef, strict=True):
            x = values.get(name, float("nan"))
            if x is None or math.isnan(x):
                continue  # standardised 0: the average
            z += w * (x - mu) / (sd or 1.0)
        return 1.0 / (1.0 + math.exp(-z))

    def accepts(self, values: Mapping[str, float]) -> bool:
        return self.probability(values) >= self.threshold

    def to_json(self) -> str:
        data = asdict(self)
        data["meta"] = dict(self.meta)
        return json.dumps(data, indent=2) + "\n"

    @classmethod
    def load(cls, path: Path = DEFAULT_PATH) -> Calibrator:
        data = json.loads(path.read_text(encoding="utf-8"))
        try:
            return cls(features=tuple(data["features"]), mean=tuple(data["mean"]),
                       scale=tuple(data["scale"]), coef=tuple(data["coef"]),
                       intercept=float(data["intercept"]), threshold=float(data["threshold"]),
                       target_precision=float(data.get("target_precision", 0.0)),
                       meta=tuple(sorted(data.get("meta", {}).items())))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path}: not a calibration file ({exc})") from None
