"""Writing evaluation reports: ``report.json``, ``report.md`` and ``report.png``.

Separate from ``evaluation.py`` (which only computes): this module formats and plots.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.evaluate.evaluation import METRICS, ItemResult

RATE_METRICS = [m for m in METRICS if not m.startswith(("latency", "n_"))]


def report_data(metrics: Mapping[str, float], results: Sequence[ItemResult],
                meta: Mapping[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {m: float(metrics[m]) for m in METRICS if m in metrics}
    data["meta"] = dict(meta)
    data["items"] = [asdict(r) for r in results]
    return data


def markdown_table(metrics: Mapping[str, float]) -> str:
    """The metrics as a markdown table.

    >>> print(markdown_table({"answer_accuracy": 0.5, "latency_p50_s": 3.25, "n_items": 4.0}))
    | metric | value |
    |---|---|
    | answer_accuracy | 0.500 |
    | latency_p50_s | 3.25 s |
    | n_items | 4 |
    """
    lines = ["| metric | value |", "|---|---|"]
    for name, value in metrics.items():
        if name.startswith("latency"):
            text = f"{value:.2f} s"
        elif name == "n_items":
            text = str(int(value))
        else:
            text = f"{value:.3f}"
        lines.append(f"| {name} | {text} |")
    return "\n".join(lines)


def markdown_report(data: Mapping[str, Any]) -> str:
    metrics = {m: data[m] for m in METRICS if m in data}  # a rate over no items is absent
    meta = data.get("meta", {})
    lines = [f"# Evaluation: {meta.get('gold', '')}", ""]
    lines += [f"- {k}: {v}" for k, v in meta.items()]
    lines += ["", markdown_table(metrics), "", "![scores and latency](report.png)", "",
              "## Items", "", "| id | ok | abstained | gold rank | latency | answer |",
              "|---|---|---|---|---|---|"]
    for item in data["items"]:
        answer = str(item["answer"]).replace("|", "\\|").replace("\n", " ")
        if len(answer) > 140:
            answer = answer[:140] + "…"
        removal = " (sources removed)" if item.get("kind") == "removal" else ""
        lines.append(f"| {item['id']}{removal} | {'✓' if item['correct'] else '✗'} | "
                     f"{'yes' if item['abstained'] else 'no'} | {item['gold_rank'] or '—'} | "
                     f"{item['latency_s']:.1f} s | {answer} |")
    return "\n".join(lines) + "\n"


def plot(data: Mapping[str, Any], path: Path) -> None:
    """Scores per metric (bars) and the latency distribution (histogram) in one PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from assistant.evaluate.calibrate import operating_coverage, risk_coverage

    fig, (left, right, curve) = plt.subplots(1, 3, figsize=(15, 4.2),
                                             gridspec_kw={"width_ratios": [3, 2, 2]})
    names = [m for m in RATE_METRICS if m in data]
    values = [float(data[m]) for m in names]
    bars = left.barh(names, values, color="#3b6ea5")
    left.set_xlim(0, 1.05)
    left.invert_yaxis()
    left.set_title("scores")
    for bar, value in zip(bars, values, strict=True):
        left.text(min(value + 0.01, 0.9), bar.get_y() + bar.get_height() / 2, f"{value:.2f}",
                  va="center", fontsize=8)
    latencies = [float(i["latency_s"]) for i in data["items"]]
    right.hist(latencies, bins=min(20, max(5, len(latencies) // 2)), color="#a55b3b")
    right.axvline(float(data["latency_p50_s"]), color="k", linestyle="--", label="p50")
    right.axvline(float(data["latency_p95_s"]), color="k", linestyle=":", label="p95")
    right.set_title("latency per item (s)")
    right.set_xlabel("seconds")
    right.legend()
    scored = [i for i in data["items"] if i.get("confidence") is not None]
    if scored:  # answers the calibrated model scored: error rate against share answered
        points = risk_coverage([float(i["confidence"]) for i in scored],
                               [bool(i["answerable"] and i["correct"]) for i in scored])
        curve.plot([c for c, _ in points], [r for _, r in points], color="#3b6ea5")
        threshold = data.get("meta", {}).get("threshold")
        if threshold is not None:  # where the shipped threshold answers
            at = operating_coverage([float(i["confidence"]) for i in scored], float(threshold))
            if at:
                risk = dict(points).get(at, 0.0)
                curve.plot([at], [risk], "o", color="#a55b3b",
                           label=f"shipped threshold {float(threshold):.2f}")
                curve.legend(loc="upper left", fontsize=8)
        curve.set_xlabel("coverage (share of scored answers given)")
        curve.set_ylabel("risk (share of those wrong)")
        curve.set_ylim(0, 1)
    else:
        curve.text(0.5, 0.5, "no calibrated scores\n(ASSISTANT_CALIBRATION=off)",
                   ha="center", va="center")
    curve.set_title("risk-coverage")
    fig.suptitle(str(data.get("meta", {}).get("gold", "")), fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(out: Path, metrics: Mapping[str, float], results: Sequence[ItemResult],
                 meta: Mapping[str, Any]) -> dict[str, Any]:
    """Write the three files into ``out`` and return the JSON data."""
    out.mkdir(parents=True, exist_ok=True)
    data = report_data(metrics, results, meta)
    (out / "report.json").write_text(json.dumps(data, ensure_ascii=False, indent=2),
                                     encoding="utf-8")
    (out / "report.md").write_text(markdown_report(data), encoding="utf-8")
    plot(data, out / "report.png")
    return data
