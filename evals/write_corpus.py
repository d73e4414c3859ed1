"""Write the DpgMedia2019 articles out as one file per article, for `assistant ingest` / `--docs`.

    python evals/write_corpus.py [--src ARTICLES_JSONL]   # default: ASSISTANT_CORPUS
                                 [--out /tmp/dpg] [--limit N] [--copies K]

Each file is ``<id>.md``: a ``date YYYY-MM-DD`` lead, the title as a ``#`` heading, the text.
``--copies K`` writes K variants of each article (ids ``<id>-<k>``, a marker line added) to
derive bigger corpora for benchmarks. The corpus itself stays out of this repository.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from assistant.settings import Settings

DEFAULT_SRC = Settings.from_env().corpus  # ASSISTANT_CORPUS


def write_corpus(src: Path, out: Path, limit: int | None = None, copies: int = 1) -> int:
    out.mkdir(parents=True, exist_ok=True)
    n = 0
    with src.open(encoding="utf-8") as fh:
        for line in fh:
            if limit is not None and n >= limit:
                break
            item = json.loads(line)
            date = str(item.get("published_at") or "")[:10]
            lead = f"date {date}\n" if date else ""
            for k in range(copies):
                name = f"{item['id']}.md" if copies == 1 else f"{item['id']}-{k}.md"
                variant = "" if copies == 1 else f"\n\n(variant {k})"
                (out / name).write_text(f"{lead}# {item['title'].strip()}\n\n"
                                        f"{item['text'].strip()}{variant}\n", encoding="utf-8")
            n += 1
    return n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=Path("/tmp/dpg"))
    parser.add_argument("--limit", type=int)
    parser.add_argument("--copies", type=int, default=1)
    args = parser.parse_args()
    n = write_corpus(args.src, args.out, args.limit, args.copies)
    print(f"wrote {n * args.copies} articles to {args.out}")


if __name__ == "__main__":
    main()
