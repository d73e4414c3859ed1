"""Fitting the abstention model on an eval report, and the risk-coverage view of it.

``checks/confidence.py`` applies a ``Calibrator``; this module makes one: ``fit`` (scikit-learn)
standardises the signals of the dev split's answers, fits a logistic model, and picks the
threshold whose held-out precision (``held_out``) reaches the one asked for. ``withdrawn``
replays a report as if the answers under a threshold had been refused::

    >>> risk_coverage([0.9, 0.8, 0.3], [True, False, False])
    [(0.333, 0.0), (0.667, 0.5), (1.0, 0.667)]
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from typing import Any

from assistant.checks.confidence import FEATURES, Calibrator
from assistant.evaluate.evaluation import ItemResult, abstained_instead


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
