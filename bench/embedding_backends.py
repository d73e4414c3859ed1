"""EmbeddingGemma on CPU: the torch backend against ONNX Runtime (fp32 and int8) and OpenVINO.

    python bench/embedding_backends.py [--n 200] [--backends torch onnx onnx-int8 openvino]

Needs ``optimum-onnx[onnxruntime]`` / ``optimum-intel[openvino]`` (not project dependencies: run
it in a separate venv, see docs/journal.md). Each backend is exported offline from the
local model folder into ``--work``; the same ~160-token pieces of the DpgMedia2019 corpus are
encoded with the ``document`` prompt, batch 16, 2 threads. Prints chunks/s, the ratio to torch,
and the cosine between each backend's vectors and torch's (1.0 = identical).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from pathlib import Path

import numpy as np

from assistant.settings import Settings

CORPUS = Settings.from_env().corpus  # ASSISTANT_CORPUS


def texts(n: int) -> list[str]:
    """Pieces of about 110 words (~160 tokens) of the corpus' articles, without the project's
    tokenizer (this runs in another venv)."""
    out: list[str] = []
    with CORPUS.open(encoding="utf-8") as fh:
        for line in fh:
            d = json.loads(line)
            words = f"{d['title']}\n{d['text']}".split()
            out += [" ".join(words[i:i + 110]) for i in range(0, len(words), 110)]
            if len(out) >= n:
                return out[:n]
    return out


def load(backend: str, src: Path, work: Path) -> object:
    from sentence_transformers import SentenceTransformer

    if backend == "torch":
        return SentenceTransformer(str(src), device="cpu")
    name = "onnx" if backend.startswith("onnx") else backend
    folder = work / name
    if not folder.exists():
        shutil.copytree(src, folder)
        model = SentenceTransformer(str(folder), device="cpu", backend=name,
                                    model_kwargs={"export": True})
        model.save_pretrained(str(folder))
    if backend == "onnx-int8":
        from sentence_transformers import export_dynamic_quantized_onnx_model

        if not (folder / "onnx" / "model_qint8_avx2.onnx").exists():
            model = SentenceTransformer(str(folder), device="cpu", backend="onnx")
            export_dynamic_quantized_onnx_model(model, "avx2", str(folder))
        return SentenceTransformer(str(folder), device="cpu", backend="onnx",
                                   model_kwargs={"file_name": "onnx/model_qint8_avx2.onnx"})
    return SentenceTransformer(str(folder), device="cpu", backend=name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=200)
    parser.add_argument("--backends", nargs="+",
                        default=["torch", "onnx", "onnx-int8", "openvino"])
    parser.add_argument("--model", type=Path, default=Path.home() /
                        ".cache/assistant/models/embeddinggemma-300m")
    parser.add_argument("--work", type=Path, default=Path("/tmp/assistant-embedding-backends"))
    args = parser.parse_args()
    os.environ["HF_HUB_OFFLINE"] = "1"
    import torch

    torch.set_num_threads(2)
    chunks = texts(args.n)
    args.work.mkdir(parents=True, exist_ok=True)
    reference = None
    base_rate = None
    print("| backend | chunks/s | ratio to torch | cosine to torch (min / mean) |")
    print("|---|---|---|---|")
    for backend in args.backends:
        try:
            model = load(backend, args.model, args.work)
        except Exception as exc:  # report and go on with the next backend
            print(f"| {backend} | failed: {type(exc).__name__}: {str(exc)[:120]} | | |")
            continue
        model.encode(chunks[:16], prompt_name="document", batch_size=16)  # warm-up
        started = time.perf_counter()
        vectors = model.encode(chunks, prompt_name="document", batch_size=16,
                               normalize_embeddings=True)
        rate = len(chunks) / (time.perf_counter() - started)
        if reference is None:
            reference, base_rate = vectors, rate
        cos = (np.asarray(reference) * np.asarray(vectors)).sum(1)
        print(f"| {backend} | {rate:.2f} | {rate / base_rate:.2f} | "
              f"{cos.min():.4f} / {cos.mean():.4f} |", flush=True)


if __name__ == "__main__":
    main()
