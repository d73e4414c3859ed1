"""Measuring answers against gold question/answer items.

``evaluation`` parses gold files, scores answers and aggregates them into ``dict[str, float]``;
``calibrate`` fits the abstention model (``checks.confidence``) on a dev report; ``reports``
writes ``report.json``, ``report.md`` and ``report.png``.

Imports: ``answer`` and every stage below it.
"""
