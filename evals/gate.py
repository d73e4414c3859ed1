"""The gate's archive: the seed article plus 220 DPG news articles, near-topic ones included.

    python evals/gate.py [--out DIR]      # write the archive's files (prints the folder)

The archive holds every article a plain gold item of ``evals/dpg.jsonl`` names, every article that
mentions Libya, Turkey, Erdogan, Haftar, Tripoli or Benghazi (near-topic distractors for the
seed questions), and evenly spaced other articles up to ``SIZE`` DPG articles, so retrieval
recall and citation precision can fail. The choice depends only on the data, so the same
files come out each time; ``gate_dir`` names the folder by a hash of their contents, so a
store built there once is reused by every later run (ingestion is idempotent anyway).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
from pathlib import Path

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DPG = Settings.from_env().corpus  # ASSISTANT_CORPUS
CORPUS_HINT = ("the DpgMedia2019 corpus: set ASSISTANT_CORPUS to a copy of "
               "dpgMedia2019-articles-byarticle-all.jsonl from the public repository "
               "github.com/dpgmedia/partisan-news2019")
SIZE = 220  # DPG articles in the gate's archive
NEAR_TOPIC = re.compile(r"Libi|Libyë|Turk|Erdo|Haftar|Tripoli|Benghazi", re.IGNORECASE)


def article_file(item: dict[str, object]) -> tuple[str, str]:
    """``(file name, text)`` of one DPG article, as ``evals/write_corpus.py`` writes it."""
    date = str(item.get("published_at") or "")[:10]
    lead = f"date {date}\n" if date else ""
    return (f"{item['id']}.md",
            f"{lead}# {str(item['title']).strip()}\n\n{str(item['text']).strip()}\n")


def select(articles: list[dict[str, object]], wanted: set[str], size: int = SIZE,
           ) -> list[dict[str, object]]:
    """Gold sources and near-topic articles first, then evenly spaced others up to ``size``.

    >>> arts = [{"id": i, "title": "Turkije" if i == 7 else "x", "text": ""} for i in range(10)]
    >>> [a["id"] for a in select(arts, {"3.md"}, size=4)]
    [3, 7, 0, 5]
    """
    chosen = [a for a in articles if f"{a['id']}.md" in wanted]
    chosen += [a for a in articles if a not in chosen
               and NEAR_TOPIC.search(f"{a['title']} {a['text']}")]
    rest = [a for a in articles if a not in chosen]
    need = max(0, size - len(chosen))
    if need and rest:
        step = len(rest) / need
        chosen += [rest[int(i * step)] for i in range(min(need, len(rest)))]
    return chosen


def gold_sources(*gold_files: Path) -> set[str]:
    """The articles the plain items cite. Items with a ``kind`` (near-miss, number, list) were
    written over the archive those choose, so they do not change it (a test checks that their
    sources are in it)."""
    names: set[str] = set()
    for path in gold_files:
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line) if line.strip() else {}
            if item and not item.get("kind"):
                names.update(item.get("sources", []))
    return names


def gate_files(src: Path = DPG) -> dict[str, str]:
    """{file name: text} of the gate's archive: the seed article(s) and the chosen articles."""
    articles = [json.loads(line) for line in src.read_text(encoding="utf-8").splitlines()
                if line.strip()]
    wanted = gold_sources(ROOT / "evals" / "dpg.jsonl")
    files = dict(article_file(a) for a in select(articles, wanted))
    for seed in sorted((ROOT / "seeds").iterdir()):
        if seed.is_file():
            files[seed.name] = seed.read_text(encoding="utf-8")
    return files


def gate_dir(base: Path | None = None, src: Path = DPG) -> Path:
    """Write the archive into ``base/<hash>/docs`` (once) and return ``base/<hash>``."""
    base = base or Path(os.environ.get("ASSISTANT_GATE_CACHE")
                        or Path.home() / ".cache" / "assistant" / "gate")
    files = gate_files(src)
    digest = hashlib.sha256()
    for name in sorted(files):
        digest.update(name.encode() + b"\0" + files[name].encode() + b"\0")
    folder = base / digest.hexdigest()[:16]
    docs = folder / "docs"
    if not (folder / "docs.done").exists():
        shutil.rmtree(docs, ignore_errors=True)
        docs.mkdir(parents=True)
        for name, text in files.items():
            (docs / name).write_text(text, encoding="utf-8")
        (folder / "docs.done").write_text(str(len(files)), encoding="utf-8")
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, help="base folder (default ~/.cache/assistant/gate)")
    args = parser.parse_args()
    folder = gate_dir(args.out)
    print(folder / "docs")


if __name__ == "__main__":
    main()
