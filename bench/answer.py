"""Answer time against the textbook: a bare llama.cpp call over the naive RAG prompt.

    python bench/answer.py [--seeds 10] [--dpg 10]

The archive is the quality gate's (the seed article and 220 Dutch news articles; ``evals/gate.py``
builds it once and caches its store). The questions are the first ``--seeds`` history-free
answerable seed questions and the first ``--dpg`` Dutch-news ones of the ``dev`` split.

For each question, after both models are warm:

- **the assistant**: ``Assistant.stream``, timed to its first checked words (the first released
  sentence) and to the final answer;
- **the textbook limit**: the same archive cut into 1,000-character chunks (200 overlap,
  LangChain's ``RecursiveCharacterTextSplitter``), embedded with the same EmbeddingGemma, the
  k = 4 nearest chunks put whole into LangChain's standard RAG prompt (``rlm/rag-prompt``), and
  that prompt sent straight to ``Llama.create_chat_completion`` on the same loaded model from an
  empty cache (``llama.reset()``), streamed, no grammar. Retrieval time is not counted for it.

Printed: per question, then p50 / p95 per set and overall, the ratios (assistant / textbook, the
targets are <= 0.5 for the full answer and <= 0.35 for the first checked words), the prompt
tokens each evaluated, and llama.cpp's own prompt and generation speed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "evals"))

from assistant.answer.result import Answer  # noqa: E402
from assistant.evaluate.evaluation import load_gold, select_split  # noqa: E402
from assistant.models.llm import _model_lock  # noqa: E402
from assistant.serve.api import Assistant  # noqa: E402
from assistant.settings import Settings  # noqa: E402

# LangChain hub "rlm/rag-prompt", the prompt of LangChain's RAG tutorial
TEXTBOOK_PROMPT = (
    "You are an assistant for question-answering tasks. Use the following pieces of retrieved "
    "context to answer the question. If you don't know the answer, just say that you don't "
    "know. Use three sentences maximum and keep the answer concise.\n"
    "Question: {question} \nContext: {context} \nAnswer:")


def perf(llama: Any) -> dict[str, float]:
    import llama_cpp

    data = llama_cpp.llama_perf_context(llama._ctx.ctx)
    return {"t_prompt": data.t_p_eval_ms / 1000, "n_prompt": data.n_p_eval,
            "t_gen": data.t_eval_ms / 1000, "n_gen": data.n_eval}


def reset_perf(llama: Any) -> None:
    import llama_cpp

    llama_cpp.llama_perf_context_reset(llama._ctx.ctx)


class Textbook:
    """1,000-character chunks of the archive and their vectors (cached beside the gate store)."""

    def __init__(self, bot: Assistant, docs: Path, cache: Path) -> None:
        try:
            from langchain_text_splitters import RecursiveCharacterTextSplitter
        except ImportError as exc:  # pragma: no cover - install hint
            raise SystemExit("pip install langchain-text-splitters (a dev extra)") from exc
        splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
        self.chunks = [c for f in sorted(docs.iterdir())
                       for c in splitter.split_text(f.read_text(encoding="utf-8"))]
        key = hashlib.sha256("\0".join(self.chunks).encode()).hexdigest()[:16]
        path = cache / f"textbook-{key}.npy"
        if path.exists():
            self.vectors = np.load(path)
        else:
            print(f"embedding {len(self.chunks)} textbook chunks (once)", flush=True)
            self.vectors = bot.embedder.embed_documents(self.chunks)
            np.save(path, self.vectors)
        self.bot = bot

    def prompt(self, question: str) -> str:
        q = self.bot.embedder.embed_query(question)
        best = np.argsort(-(self.vectors @ q))[:4]
        context = "\n\n".join(self.chunks[i] for i in best)
        return TEXTBOOK_PROMPT.format(question=question, context=context)


def time_assistant(bot: Assistant, question: str, llama: Any) -> dict[str, Any]:
    reset_perf(llama)
    t0 = time.perf_counter()
    first = None
    answer: Answer | None = None
    for item in bot.stream(question):
        if isinstance(item, Answer):
            answer = item
        elif isinstance(item, str) and first is None:
            first = time.perf_counter() - t0
    total = time.perf_counter() - t0
    assert answer is not None
    return {"first": first if first is not None else total, "total": total,
            "answer": answer.text, "abstained": answer.abstained, "timings": answer.timings,
            **perf(llama)}


def time_textbook(prompt: str, llama: Any, max_tokens: int) -> dict[str, Any]:
    with _model_lock(llama):  # the adapter reloads its saved state on its next call
        llama.reset()
        reset_perf(llama)
        t0 = time.perf_counter()
        first = None
        text = ""
        for part in llama.create_chat_completion(
                messages=[{"role": "user", "content": prompt}], stream=True,
                temperature=0.0, seed=0, max_tokens=max_tokens):
            delta = part["choices"][0].get("delta", {}).get("content")
            if delta:
                first = first if first is not None else time.perf_counter() - t0
                text += delta
        total = time.perf_counter() - t0
        out = perf(llama)
        llama.reset()
    return {"first": first if first is not None else total, "total": total, "answer": text,
            **out}


def questions(n_seeds: int, n_dpg: int) -> list[tuple[str, str]]:
    out = []
    for name, n in (("seeds", n_seeds), ("dpg", n_dpg)):
        items = [i for i in select_split(load_gold(ROOT / "evals" / f"{name}.jsonl"), "dev")
                 if i.answers and not i.history]
        out += [(name, i.question) for i in items[:n]]
    return out


def main() -> None:
    from gate import gate_dir

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--dpg", type=int, default=10)
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    base = gate_dir()
    bot = Assistant.from_settings(Settings.from_env(data_dir=base / "data"))
    report = bot.ingest(base / "docs")  # a no-op once the gate store is built
    print(f"archive: {bot.store.count()} chunks, {len(report.unchanged) + len(report.added)} "
          "articles", flush=True)
    textbook = Textbook(bot, base / "docs", base)
    started = time.perf_counter()
    bot.warm_up()
    llama = bot.chat_model()._client()  # type: ignore[attr-defined]
    # warm the textbook path too (first-call allocations), on a question not measured
    time_textbook(textbook.prompt("Wat gebeurde er in Libië?"), llama, 8)
    print(f"warm-up: {time.perf_counter() - started:.1f} s", flush=True)
    rows = []
    for kind, q in questions(args.seeds, args.dpg):
        ours = time_assistant(bot, q, llama)
        bare = time_textbook(textbook.prompt(q), llama, bot.settings.max_answer_tokens)
        rows.append({"set": kind, "q": q, "ours": ours, "bare": bare})
        print(f"{kind:5} {q[:44]:44} ours first {ours['first']:5.1f} s, total "
              f"{ours['total']:5.1f} s ({ours['n_prompt']} prompt tok) | textbook first "
              f"{bare['first']:5.1f} s, total {bare['total']:5.1f} s ({bare['n_prompt']} tok)",
              flush=True)
    if args.json:
        args.json.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    summarize(rows)


def summarize(rows: list[dict[str, Any]]) -> None:
    def p(rs: list[dict[str, Any]], who: str, key: str, q: int = 50) -> float:
        return float(np.percentile([r[who][key] for r in rs], q))

    print("\n| questions | assistant first checked words p50 / p95 | assistant full answer "
          "p50 / p95 | textbook bare call p50 / p95 | first / textbook | full / textbook |")
    print("|---|---|---|---|---|---|")
    for name in ("seeds", "dpg", "all"):
        rs = [r for r in rows if name in ("all", r["set"])]
        if not rs:
            continue
        base = p(rs, "bare", "total")
        print(f"| {name} ({len(rs)}) | {p(rs, 'ours', 'first'):.1f} / "
              f"{p(rs, 'ours', 'first', 95):.1f} s | {p(rs, 'ours', 'total'):.1f} / "
              f"{p(rs, 'ours', 'total', 95):.1f} s | {base:.1f} / "
              f"{p(rs, 'bare', 'total', 95):.1f} s | {p(rs, 'ours', 'first') / base:.2f} | "
              f"{p(rs, 'ours', 'total') / base:.2f} |")

    def speed(who: str, n: str, t: str) -> float:
        return float(np.mean([r[who][n] / r[who][t] for r in rows if r[who][t]]))

    print(f"\nprompt tokens evaluated per question, mean: assistant "
          f"{np.mean([r['ours']['n_prompt'] for r in rows]):.0f}, textbook "
          f"{np.mean([r['bare']['n_prompt'] for r in rows]):.0f}; generated: assistant "
          f"{np.mean([r['ours']['n_gen'] for r in rows]):.0f}, textbook "
          f"{np.mean([r['bare']['n_gen'] for r in rows]):.0f}")
    print(f"llama.cpp speed (its counters): prompt {speed('ours', 'n_prompt', 't_prompt'):.1f} /"
          f" {speed('bare', 'n_prompt', 't_prompt'):.1f} tok/s, generation "
          f"{speed('ours', 'n_gen', 't_gen'):.1f} / {speed('bare', 'n_gen', 't_gen'):.1f} tok/s "
          "(assistant / textbook)")
    steps = ["condense", "retrieve", "screen", "first_model_token", "first_token", "answer"]
    print("assistant's steps, mean s (cumulative from first_model_token on): " + ", ".join(
        f"{k} {np.mean([r['ours']['timings'].get(k, 0.0) for r in rows]):.2f}" for k in steps))
    answered = sum(not r["ours"]["abstained"] for r in rows)
    print(f"{len(rows)} questions, the assistant answered {answered}")


if __name__ == "__main__":
    main()
