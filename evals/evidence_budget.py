"""How much evidence the model needs: answer-in-evidence recall against prompt tokens, no LLM.

    python evals/evidence_budget.py [--split dev] [--budgets 150 250 350 450]

For every answerable gold item of the split (seed set over ``seeds/``, Dutch news over the
gate's archive, the stores ``evals/gate.py`` caches), the evidence the model would be shown is
built both ways: whole chunks in rank order (``chunks``, the budget ``ASSISTANT_EVIDENCE_TOKENS``
had before) and the best sentences (``sentences``) at each budget. Reported per way and budget:
the share of items whose evidence holds a gold answer (word boundaries, as the evaluation
matches), and the mean and p95 of the evidence's tokens in the chat model's own tokenizer (what
llama.cpp evaluates). Tune the budget on ``dev`` only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import NamedTuple

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))


class Way(NamedTuple):
    """One way to build the evidence: whole chunks, or the best sentences by a blended score."""

    evidence: str  # "chunks" or "sentences"
    budget: int  # tiktoken tokens
    lex: float  # weight of the share of the question's content words in the sentence
    rank: float  # weight of 1 / (1 + its chunk's rank)
    cos: float  # weight of the cosine
    chunk_gap: int
    sentence_gap: int
    overflow: int  # tokens a passage's hole may go past the budget


def main() -> None:
    from gate import gate_dir

    from assistant.checks.grounding import content_words, share_found
    from assistant.evaluate.evaluation import is_correct, load_gold, select_split
    from assistant.models.weights import CHAT_MODELS, resolve
    from assistant.retrieve.evidence import (
        blend_scores,
        candidate_sentences,
        format_evidence,
        number_evidence,
        select_sentences,
    )
    from assistant.serve.api import Assistant
    from assistant.settings import Settings
    from assistant.text.language import detect_language
    from assistant.text.words import words

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", default="dev")
    parser.add_argument("--budgets", type=int, nargs="+", default=[150, 250, 350, 450])
    parser.add_argument("--chunk-budget", type=int, default=700)
    parser.add_argument("--gaps", nargs="+", default=["0:0"], metavar="CHUNKS:SENTENCES",
                        help="passages read whole (ASSISTANT_EVIDENCE_CHUNK_GAP and "
                             "_SENTENCE_GAP); one way per pair, each at every budget")
    parser.add_argument("--blend", nargs="+", default=["0:0"], metavar="LEX:RANK[:COS]",
                        help="score = COS (default 1) * cosine + LEX * share of the "
                             "question's content words in the sentence + RANK / (1 + its "
                             "chunk's rank); one way per triple")
    parser.add_argument("--gap-overflow", type=int, nargs="+", default=[0],
                        help="tokens a passage's hole may go past the budget "
                             "(ASSISTANT_EVIDENCE_GAP_OVERFLOW); one way per value")
    parser.add_argument("--lists", action="store_true",
                        help="only list questions (GoldItem.is_list); also reports the share "
                             "of their gold items the evidence holds")
    parser.add_argument("--lang", choices=("en", "nl"), default=None,
                        help="only questions in this language")
    args = parser.parse_args()

    base = gate_dir()
    settings = Settings.from_env(data_dir=base / "data")
    bot = Assistant.from_settings(settings)
    from llama_cpp import Llama

    tok = Llama(model_path=resolve(settings.chat_model, settings.models_dir, CHAT_MODELS),
                vocab_only=True, verbose=False)

    def qwen_tokens(text: str) -> int:
        return len(tok.tokenize(text.encode("utf-8"), add_bos=False))

    items = [i for name in ("seeds", "dpg")
             for i in select_split(load_gold(ROOT / "evals" / f"{name}.jsonl"), args.split)
             if i.answers and not i.history and (i.is_list or not args.lists)
             and (args.lang is None or i.lang == args.lang)]
    blends = [tuple(float(x) for x in (b + ":1").split(":")[:3]) for b in args.blend]
    gap_pairs = [tuple(int(x) for x in g.split(":")) for g in args.gaps]
    ways = [Way("chunks", args.chunk_budget, 0.0, 0.0, 1.0, 0, 0, 0)] + [
        Way("sentences", b, lex, rank, cos, cg, sg, over) for lex, rank, cos in blends
        for cg, sg in gap_pairs for b in args.budgets for over in args.gap_overflow]
    hits = {w: 0 for w in ways}
    held = {w: 0 for w in ways}  # gold items the evidence holds (lists: each item counts)
    tokens: dict[Way, list[int]] = {w: [] for w in ways}
    for item in items:
        retrieved = bot.retriever.retrieve(item.question, settings.top_k,
                                           language=detect_language(item.question))
        records = [r.record for r in retrieved]
        asked = content_words(item.question)
        order = [r.id for r in records]
        pools = {}  # chunk gap -> (candidates, cosines, lexical shares)
        for cg in sorted({w.chunk_gap for w in ways}):
            candidates = candidate_sentences(records, bot.retriever.chunks, bot.count_tokens, cg)
            pools[cg] = (candidates, bot.similarity(item.question, [c.text for c in candidates]),
                         [share_found(asked, set(words(c.text))) for c in candidates])
        for way in ways:
            if way.evidence == "chunks":
                evidence = number_evidence(records, way.budget, bot.count_tokens)
            else:  # the pipeline's blend_scores, on a cosine mixed with the lexical share
                candidates, cosine, lexical = pools[way.chunk_gap]
                mixed = [way.cos * c + way.lex * lx for c, lx in zip(cosine, lexical, strict=True)]
                scores = blend_scores(candidates, mixed, order, rank_weight=way.rank)
                evidence = select_sentences(candidates, scores, way.budget, bot.count_tokens,
                                            max_gap=way.sentence_gap, gap_overflow=way.overflow)
            text = format_evidence(evidence)
            hits[way] += is_correct(text, item.answers, item.match)
            held[way] += sum(is_correct(text, [a], "any") for a in item.answers)
            tokens[way].append(qwen_tokens(text))
    print(f"{len(items)} answerable {args.split} items (seeds + Dutch news), top_k "
          f"{settings.top_k}")
    print("| evidence | budget (tiktoken) | blend lex:rank:cosine | gaps chunks:sentences | "
          "hole overflow | answer in evidence | gold items in evidence | "
          "tokens, mean / p95 (Qwen) |")
    print("|---|---|---|---|---|---|---|---|")
    n_answers = sum(len(i.answers) for i in items)
    for way in ways:
        t = tokens[way]
        print(f"| {way.evidence} | {way.budget} | {way.lex:g}:{way.rank:g}:{way.cos:g} | "
              f"{way.chunk_gap}:{way.sentence_gap} | {way.overflow} | "
              f"{hits[way] / len(items):.3f} | {held[way] / n_answers:.3f} | "
              f"{np.mean(t):.0f} / {np.percentile(t, 95):.0f} |")


if __name__ == "__main__":
    main()
