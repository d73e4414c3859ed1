"""Write ``assistant/data/title_words_nl.json``: Dutch words a news archive writes in lower case.

    python evals/title_words.py [--src ARTICLES_JSONL]   # default: ASSISTANT_CORPUS
                                [--out assistant/data/title_words_nl.json]

A capitalised Dutch word in an English answer is a name ("Enschede", "Buma", "Schot") or a
word of a Dutch title ("the Huis van Afgevaardigden", "the Libische Nationale Leger"). The
difference is how Dutch writes the word in running text: names are capitalised wherever they
stand, everyday words only where a title or a sentence starts. wordfreq's lists are lower-cased,
so they cannot tell; the archive can. This counts, for each word of the DpgMedia2019 articles
(1,438 Dutch news articles), how often it is written in lower case past a sentence's first
word, and keeps the words that are

- written so at least ``MIN_LOWER_SHARE`` of the time, seen at least ``MIN_SEEN`` times;
- everyday Dutch (wordfreq Zipf >= ``NL_ZIPF``) and not everyday English (< ``EN_ZIPF``), so
  an English answer has no reason to hold them ("Hotel", "Film" stay).

``titles.py`` reads the file. The counting is pure::

    >>> counts = case_counts(["De stichting zit in Enschede.",
    ...                       "Hij kocht een huis bij de Stichting Vogelklas."])
    >>> counts["stichting"], counts["enschede"], counts["huis"]
    ((1, 1), (0, 1), (1, 0))
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

from assistant.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SRC = Settings.from_env().corpus  # ASSISTANT_CORPUS
DEFAULT_OUT = ROOT / "assistant" / "data" / "title_words_nl.json"
MIN_LOWER_SHARE = 0.5  # "mostly in lower case"
MIN_SEEN = 3
NL_ZIPF = 2.5  # language.OTHER_ZIPF
EN_ZIPF = 3.0  # titles.py: why not language.OWN_ZIPF (2.0)
_SENTENCE = re.compile(r"(?<=[.!?:\"”])\s+")
_STRIP = "\"'“”‘’()[],.;:!?-"


def case_counts(texts: Iterable[str]) -> dict[str, tuple[int, int]]:
    """``{word: (times in lower case, times capitalised)}``, past each sentence's first word."""
    low: Counter[str] = Counter()
    cap: Counter[str] = Counter()
    for text in texts:
        for line in text.splitlines():
            for sentence in _SENTENCE.split(line):
                for token in sentence.split()[1:]:
                    for part in token.strip(_STRIP).split("-"):
                        if len(part) < 3 or not part.isalpha():
                            continue
                        if part.islower():
                            low[part] += 1
                        elif part[0].isupper() and part[1:].islower():
                            cap[part.lower()] += 1
    return {w: (low[w], cap[w]) for w in set(low) | set(cap)}


def title_words(counts: dict[str, tuple[int, int]]) -> list[str]:
    """The words of ``counts`` that mark a Dutch title when capitalised (see the module)."""
    from wordfreq import zipf_frequency

    return sorted(w for w, (low, cap) in counts.items()
                  if low + cap >= MIN_SEEN and low >= MIN_LOWER_SHARE * (low + cap)
                  and zipf_frequency(w, "nl") >= NL_ZIPF and zipf_frequency(w, "en") < EN_ZIPF)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--src", type=Path, default=DEFAULT_SRC)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()
    with args.src.open(encoding="utf-8") as fh:
        texts = [str(json.loads(line)["text"]) for line in fh if line.strip()]
    words = title_words(case_counts(texts))
    args.out.write_text(json.dumps({
        "source": "DpgMedia2019 articles (evals/title_words.py)", "articles": len(texts),
        "min_lower_share": MIN_LOWER_SHARE, "min_seen": MIN_SEEN, "nl_zipf": NL_ZIPF,
        "en_zipf": EN_ZIPF, "words": words}, ensure_ascii=False, indent=0) + "\n",
        encoding="utf-8")
    print(f"{len(words)} title words from {len(texts)} articles -> {args.out}")


if __name__ == "__main__":
    main()
