"""Answering speed on the seed questions, against llama.cpp's own speed on the same prompts.

    python bench/answer.py [--limit 10] [--data-dir DIR]

For each question without history in ``evals/seeds.jsonl`` (first ``--limit``): the assistant's
time to the first answer word and to the checked answer (``Assistant.stream``), the prompt tokens
it used (the model's tokenizer, the whole chat-formatted prompt) and those llama.cpp evaluated
(the system prompt's state is saved once and reused), the tokens generated, and llama.cpp's own
prompt and generation speed from its performance counters for that very call. Then the same
messages straight to ``Llama.create_chat_completion`` (fresh context, same JSON grammar, no
retrieval): the limit. Ratios: assistant total / bare llama.cpp total, and the share of the
assistant's time spent in llama.cpp's evaluation.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from assistant.answer import Answer
from assistant.api import Assistant
from assistant.settings import Settings
from assistant.structured import REPLY_SCHEMA

ROOT = Path(__file__).resolve().parent.parent


def perf(llama: Any) -> dict[str, float]:
    import llama_cpp

    data = llama_cpp.llama_perf_context(llama._ctx.ctx)
    return {"t_prompt": data.t_p_eval_ms / 1000, "n_prompt": data.n_p_eval,
            "t_gen": data.t_eval_ms / 1000, "n_gen": data.n_eval}


def reset_perf(llama: Any) -> None:
    import llama_cpp

    llama_cpp.llama_perf_context_reset(llama._ctx.ctx)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--data-dir", type=Path)
    args = parser.parse_args()
    items = [json.loads(line) for line in
             (ROOT / "evals" / "seeds.jsonl").read_text(encoding="utf-8").splitlines()
             if line.strip()]
    questions = [i["question"] for i in items if not i.get("history") and i["answers"]]
    questions = questions[:args.limit]
    with tempfile.TemporaryDirectory(prefix="bench-answer-") as tmp:
        bot = Assistant.from_settings(Settings.from_env(
            data_dir=args.data_dir or Path(tmp) / "data"))
        bot.ingest(ROOT / "seeds")
        started = time.perf_counter()
        bot.warm_up()
        print(f"warm-up (load both models, evaluate the system prompt): "
              f"{time.perf_counter() - started:.1f} s")
        llama = bot.chat_model()._client()  # type: ignore[attr-defined]
        rows = []
        for q in questions:
            reset_perf(llama)
            t0 = time.perf_counter()
            first = None
            answer: Answer | None = None
            for item in bot.stream(q):
                if isinstance(item, Answer):
                    answer = item
                elif isinstance(item, str) and first is None:  # first checked words
                    first = time.perf_counter() - t0
            total = time.perf_counter() - t0
            ours = perf(llama)
            assert answer is not None
            turn = bot.chain.prepare.invoke(bot._turn(q, None, None, None, ()))
            messages = [{"role": "system" if m.type == "system" else "user",
                         "content": str(m.content)} for m in turn.messages]
            prompt_tokens = count_prompt(llama, messages)
            # the limit: the same messages straight to llama.cpp, from an empty context
            with bot_lock(llama):  # the adapter reloads its saved state on its next call
                llama.reset()
                reset_perf(llama)
                t1 = time.perf_counter()
                raw_first = None
                for part in llama.create_chat_completion(
                        messages=messages, stream=True, temperature=0.0, seed=0,
                        max_tokens=bot.settings.max_answer_tokens,
                        response_format={"type": "json_object", "schema": REPLY_SCHEMA}):
                    if raw_first is None and part["choices"][0].get("delta", {}).get("content"):
                        raw_first = time.perf_counter() - t1
                raw_total = time.perf_counter() - t1
                raw = perf(llama)
                llama.reset()
            rows.append({"q": q, "first": first, "total": total, "answer": answer.text,
                         "abstained": answer.abstained, "prompt_tokens": prompt_tokens,
                         "ours": ours, "raw": raw, "raw_first": raw_first,
                         "raw_total": raw_total})
            print(f"{q[:48]:48} first {first or 0:5.1f} s  total {total:5.1f} s  prompt "
                  f"{prompt_tokens} tok ({ours['n_prompt']} evaluated)  gen {ours['n_gen']} tok"
                  f" | bare llama.cpp: first {raw_first or 0:5.1f} s, total {raw_total:5.1f} s",
                  flush=True)
    report(rows)


def count_prompt(llama: Any, messages: list[dict[str, str]]) -> int:
    """Tokens of the chat-formatted prompt (Qwen's ChatML), as the model sees it."""
    text = "".join(f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages)
    text += "<|im_start|>assistant\n"
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True))


def bot_lock(llama: Any) -> Any:
    from assistant.llm import _model_lock

    return _model_lock(llama)


def report(rows: list[dict[str, Any]]) -> None:
    def p(values: list[float], q: int) -> float:
        return float(np.percentile(values, q))

    first = [r["first"] for r in rows if r["first"] is not None]
    total = [r["total"] for r in rows]
    raw_total = [r["raw_total"] for r in rows]
    raw_first = [r["raw_first"] for r in rows if r["raw_first"] is not None]
    gen_speed = [r["ours"]["n_gen"] / r["ours"]["t_gen"] for r in rows if r["ours"]["t_gen"]]
    prompt_speed = [r["ours"]["n_prompt"] / r["ours"]["t_prompt"] for r in rows
                    if r["ours"]["t_prompt"]]
    raw_gen_speed = [r["raw"]["n_gen"] / r["raw"]["t_gen"] for r in rows if r["raw"]["t_gen"]]
    in_llama = [(r["ours"]["t_prompt"] + r["ours"]["t_gen"]) / r["total"] for r in rows
                if r["ours"]["n_gen"]]
    end_to_end = [r["ours"]["n_gen"] / r["total"] for r in rows if r["ours"]["n_gen"]]
    print()
    print("| figure | assistant | bare llama.cpp, same prompt | ratio |")
    print("|---|---|---|---|")
    print(f"| time to first answer word, p50 / p95 | {p(first, 50):.1f} / {p(first, 95):.1f} s "
          f"| {p(raw_first, 50):.1f} / {p(raw_first, 95):.1f} s | "
          f"{p(first, 50) / p(raw_first, 50):.2f} |")
    print(f"| total, p50 / p95 | {p(total, 50):.1f} / {p(total, 95):.1f} s | "
          f"{p(raw_total, 50):.1f} / {p(raw_total, 95):.1f} s | "
          f"{p(total, 50) / p(raw_total, 50):.2f} |")
    print(f"| prompt tokens, mean (max) | {np.mean([r['prompt_tokens'] for r in rows]):.0f} "
          f"({max(r['prompt_tokens'] for r in rows)}); evaluated per question: "
          f"{np.mean([r['ours']['n_prompt'] for r in rows]):.0f} | "
          f"{np.mean([r['raw']['n_prompt'] for r in rows]):.0f} evaluated | |")
    print(f"| llama.cpp prompt speed (its counters) | {np.mean(prompt_speed):.1f} tok/s | | |")
    print(f"| llama.cpp generation speed (its counters) | {np.mean(gen_speed):.1f} tok/s | "
          f"{np.mean(raw_gen_speed):.1f} tok/s | {np.mean(gen_speed) / np.mean(raw_gen_speed):.2f}"
          " |")
    print(f"| generated tokens / whole answer time | {np.mean(end_to_end):.1f} tok/s | | |")
    print(f"| share of the answer time inside llama.cpp evaluation | {np.mean(in_llama):.2f} "
          "| | |")
    answered = sum(not r["abstained"] for r in rows)
    print(f"\n{len(rows)} questions, {answered} answered")


if __name__ == "__main__":
    main()
