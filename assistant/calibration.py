"""Calibrated abstention: signals about a candidate answer, a logistic model fitted on the
``dev`` split, and an operating point chosen for a stated precision of answered questions.

The 1.5B model does not abstain by itself, so before the first sentence of an answer is shown
the assistant scores it: retrieval scores and margins, how similar the cited sentences are to
the question (EmbeddingGemma, across languages), how much of the question and of the answer
the cited sentences hold, the model's own token log-probabilities while it wrote the sentence
and its evidence list, and its probability of replying NOT FOUND (an empty evidence list),
read where the list opens. ``Calibrator`` turns those into a probability that the answer is
right, with coefficients fitted by ``fit`` (scikit-learn) and shipped in
``assistant/data/abstention.json``; ``assistant calibrate`` refits them from an eval report.
Pure, but for ``fit``::

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
    >>> risk_coverage([0.9, 0.8, 0.3], [True, False, False])
    [(0.333, 0.0), (0.667, 0.5), (1.0, 0.667)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .evaluation import ItemResult, abstained_instead
from .grounding import content_words, share_found
from .matching import names, term_found
from .text import MARKER, words

# the signals the model weighs: none depends on the archive's size (BM25 scores and the margins
# between retrieved articles do: on a one-article archive every margin is 0 and every BM25 idf
# near 0, which made the model withdraw right answers there); those are recorded, not weighed
FEATURES = ("dense_top", "qsim_max", "question_cover", "name_cover", "support", "logprob_mean",
            "logprob_min", "logprob_first", "same_language", "n_cited", "no_evidence_logprob",
            "evidence_logprob_min")
DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "abstention.json"


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


def risk_coverage(scores: Sequence[float], correct: Sequence[bool]) -> list[tuple[float, float]]:
    """``(coverage, risk)`` when answering only the k most confident, for every k: coverage
    is the share answered, risk the share of those answered wrongly."""
    order = sorted(range(len(scores)), key=lambda i: -scores[i])
    out, wrong = [], 0
    for k, i in enumerate(order, start=1):
        wrong += not correct[i]
        out.append((round(k / len(order), 3), round(wrong / k, 3)))
    return out


def operating_coverage(scores: Sequence[float], threshold: float) -> float:
    """The coverage (as ``risk_coverage`` rounds it) at which ``threshold`` answers: the share
    of scores at or above it.

    >>> operating_coverage([0.9, 0.8, 0.3], 0.5)
    0.667
    """
    return round(sum(s >= threshold for s in scores) / len(scores), 3) if scores else 0.0


def operating_point(probs: Sequence[float], labels: Sequence[bool], precision: float) -> float:
    """The lowest threshold whose accepted rows are right at least ``precision`` of the time
    (or, if none is, the one with the best precision).

    >>> operating_point([0.9, 0.8, 0.7, 0.2], [True, True, False, False], 0.9)
    0.8
    """
    best, best_precision = 1.0, -1.0
    for t in sorted(set(probs), reverse=True):
        accepted = [y for p, y in zip(probs, labels, strict=True) if p >= t]
        share = sum(accepted) / len(accepted)
        if share >= precision:
            best, best_precision = t, max(best_precision, share)
        elif best_precision < precision and share > best_precision:
            best, best_precision = t, share
    return best


def _matrix(rows: Sequence[Mapping[str, float]], features: Sequence[str] = FEATURES) -> Any:
    import numpy as np

    return np.array([[float(r.get(f, float("nan"))) for f in features] for r in rows])


def _train(xs: Any, ys: Any) -> tuple[Any, Any, Any]:
    """Standardise (missing = average) and fit; ``(mean, scale, model)``. Needs scikit-learn."""
    try:
        import numpy as np
        from sklearn.linear_model import LogisticRegression
    except ImportError as exc:  # pragma: no cover - install hint
        raise ImportError("fitting needs scikit-learn: pip install scikit-learn") from exc
    mu = np.nanmean(xs, axis=0)
    mu = np.where(np.isnan(mu), 0.0, mu)
    sd = np.nanstd(xs, axis=0)
    sd = np.where((sd == 0) | np.isnan(sd), 1.0, sd)
    z = np.where(np.isnan(xs), 0.0, (xs - mu) / sd)
    return mu, sd, LogisticRegression(C=0.5, max_iter=1000).fit(z, ys)


def held_out(rows: Sequence[Mapping[str, float]], labels: Sequence[bool],
             folds: int = 10, features: Sequence[str] = FEATURES,
             groups: Sequence[Hashable] | None = None) -> list[float]:
    """Each row's probability from a model fitted without it (``folds``-fold, rows dealt in
    turn), so that an operating point and its figures are not read off the fitted rows.
    ``features``: the signals weighed (another set only to try a candidate signal offline).
    ``groups``: rows of one group (one question asked in several runs) share a fold, dealt in
    the order the groups first appear, so no row is judged by a model fitted on its twin;
    ``None``: every row its own group."""
    import numpy as np

    x, y = _matrix(rows, features), np.array(labels, dtype=int)
    first: dict[Hashable, int] = {}
    keys = range(len(rows)) if groups is None else groups
    dealt = np.array([first.setdefault(g, len(first)) for g in keys])
    if len(dealt) != len(rows):
        raise ValueError(f"{len(dealt)} groups for {len(rows)} rows")
    folds = min(folds, len(first))
    probs = np.zeros(len(rows))
    for k in range(folds):
        test = dealt % folds == k
        if len(set(y[~test])) < 2:
            probs[test] = float(y[~test].mean())
            continue
        mu, sd, m = _train(x[~test], y[~test])
        probs[test] = m.predict_proba(np.where(np.isnan(x[test]), 0.0,
                                               (x[test] - mu) / sd))[:, 1]
    return [round(float(p), 6) for p in probs]


def fit(rows: Sequence[Mapping[str, float]], labels: Sequence[bool], precision: float,
        meta: Mapping[str, Any] | None = None,
        probs: Sequence[float] | None = None) -> Calibrator:
    """Fit the logistic model on ``rows`` (signals) and ``labels`` (answer right) and pick the
    threshold for ``precision`` on held-out probabilities (``probs``, or ``held_out``'s).
    Needs scikit-learn."""
    import numpy as np

    if probs is None:
        probs = held_out(rows, labels)
    mean, scale, model = _train(_matrix(rows), np.array(labels, dtype=int))
    threshold = operating_point(list(probs), list(labels), precision)
    return Calibrator(features=FEATURES, mean=tuple(round(float(v), 6) for v in mean),
                      scale=tuple(round(float(v), 6) for v in scale),
                      coef=tuple(round(float(v), 6) for v in model.coef_[0]),
                      intercept=round(float(model.intercept_[0]), 6),
                      threshold=round(float(threshold), 6), target_precision=precision,
                      meta=tuple(sorted((meta or {}).items())))


def withdrawn(results: Sequence[ItemResult], probs: Mapping[int, float],
              threshold: float) -> list[ItemResult]:
    """``results`` as they would be had every answer whose probability (``probs``, by position)
    falls below ``threshold`` been withdrawn before its first sentence (pure)."""
    return [abstained_instead(r, f"confidence {probs[i]:.2f} < {threshold:.2f}")
            if i in probs and probs[i] < threshold and not r.abstained else r
            for i, r in enumerate(results)]
