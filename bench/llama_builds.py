"""Prompt and generation speed of each llama.cpp build in ``.wheels/`` (portable vs native).

    python bench/llama_builds.py [--wheels .wheels] [--prompt-tokens 600] [--gen-tokens 64]

Each wheel is unpacked into a temporary folder and measured in a child process of its own
(one llama.cpp library per process), one after the other, never at once: the chat model reads
the same prompt (seed-article text, ``--prompt-tokens`` tokens, from an empty context, three
times) and writes ``--gen-tokens`` tokens greedily; the median of three wall-clock timings of
each is reported. ``--n-batch`` / ``--threads`` / ``--flash-attn 0 1`` compare those settings
on one build.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

CHILD = r"""
import json, sys, time
import llama_cpp
from llama_cpp import Llama
args = json.loads(sys.argv[1])
llm = Llama(model_path=args["model"], n_ctx=2048, n_threads=args["threads"],
            n_threads_batch=args["threads"], n_batch=args["n_batch"],
            n_ubatch=min(args["n_batch"], 512), flash_attn=bool(args["flash_attn"]),
            verbose=False)
text = open(args["text"], encoding="utf-8").read() * 4
tokens = llm.tokenize(text.encode("utf-8"))[: args["prompt_tokens"]]
prompt, gen = [], []
for _ in range(3):
    llm.reset()
    t0 = time.perf_counter()
    llm.eval(tokens)
    prompt.append(len(tokens) / (time.perf_counter() - t0))
    n = 0
    t0 = time.perf_counter()
    for tok in llm.generate(tokens, temp=0.0):  # the prompt is cached: only new tokens
        n += 1
        if n >= args["gen_tokens"]:
            break
    gen.append(n / (time.perf_counter() - t0))
print(json.dumps({"system_info": llama_cpp.llama_print_system_info().decode(),
                  "prompt_tok_s": sorted(prompt)[1], "gen_tok_s": sorted(gen)[1]}))
"""


def measure(wheel: Path, settings: dict[str, object]) -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="llama-build-") as tmp:
        with zipfile.ZipFile(wheel) as zf:
            zf.extractall(tmp)
        env = dict(os.environ, PYTHONPATH=tmp)
        out = subprocess.run([sys.executable, "-c", CHILD, json.dumps(settings)], env=env,
                             capture_output=True, text=True, check=False)
        if out.returncode != 0:
            return {"error": (out.stderr or out.stdout).strip().splitlines()[-1:]}
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, default=ROOT / ".wheels")
    parser.add_argument("--prompt-tokens", type=int, default=600)
    parser.add_argument("--gen-tokens", type=int, default=64)
    parser.add_argument("--n-batch", type=int, nargs="+", default=[512])
    parser.add_argument("--threads", type=int, nargs="+", default=[2])
    parser.add_argument("--flash-attn", type=int, nargs="+", choices=[0, 1], default=[0, 1])
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from assistant.models.weights import CHAT_MODELS, resolve
    from assistant.settings import Settings

    settings = Settings.from_env()
    model = resolve(settings.chat_model, settings.models_dir, CHAT_MODELS)
    text = next((ROOT / "seeds").glob("*.txt"))
    wheels = sorted(args.wheels.glob("*/llama_cpp_python-*.whl"))
    if not wheels:
        raise SystemExit(f"no wheels under {args.wheels}/*/ (build them: `make llama-wheel "
                         "LLAMA_BUILD=portable`, `make llama-wheel LLAMA_BUILD=native`)")
    print("| build | n_batch | threads | flash attention | prompt tok/s | generation tok/s | "
          "SIMD llama.cpp reports |")
    print("|---|---|---|---|---|---|---|")
    for wheel in wheels:
        for n_batch, threads, flash in itertools.product(args.n_batch, args.threads,
                                                         args.flash_attn):
            result = measure(wheel, {
                "model": str(model), "text": str(text), "prompt_tokens": args.prompt_tokens,
                "gen_tokens": args.gen_tokens, "n_batch": n_batch, "threads": threads,
                "flash_attn": flash})
            row = f"| {wheel.parent.name} | {n_batch} | {threads} | {'on' if flash else 'off'} |"
            if "error" in result:
                print(f"{row} failed: {result['error']} | | |", flush=True)
                continue
            parts = str(result["system_info"]).split("|")
            simd = " ".join(p.split(" = ")[0].strip() for p in parts if p.strip().endswith("= 1"))
            print(f"{row} {result['prompt_tok_s']:.1f} | {result['gen_tok_s']:.1f} | {simd} |",
                  flush=True)


if __name__ == "__main__":
    main()
