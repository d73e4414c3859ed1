"""Ingestion: a folder (or file) of articles into the store, idempotently.

For each file: parse, compare its content id with the manifest, and only chunk and embed what is
new or changed. A changed file's old chunks are removed once the new ones are stored; files that
were ingested from the same folder before and are gone now are removed. A file that fails is
reported with its reason and nothing stored is touched for it. Chunk ids derive from content
(``<doc_id>-<chunk index>``), so a repeated or interrupted run never duplicates anything.
With ``sentence_vectors`` each new sentence is embedded too, in the same call as its chunk
(the embedder sorts all texts by length), so that answering reads the vectors of the candidate
evidence sentences instead of computing them.
"""

from __future__ import annotations

import json
import time
from collections import ChainMap
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

from assistant.ingest import chunking
from assistant.ingest.chunking import Chunk, TokenCounter, chunk_text
from assistant.ingest.documents import Article, ArticleError, article_files, load_articles
from assistant.ingest.formats import ExportFields
from assistant.ingest.store import ChunkRecord, ManifestEntry, Store, chunk_id
from assistant.models.embeddings import Embedder

EMBED_GROUP = 256  # chunks handed to the embedder and the store at once


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    failed: list[dict[str, str]] = field(default_factory=list)  # {"source", "reason"}
    notes: list[dict[str, str]] = field(default_factory=list)  # {"source", "note"}
    rechunked: list[str] = field(default_factory=list)  # updated: stored by an older splitter
    chunks_embedded: int = 0
    chunks_reused: int = 0  # an updated article's chunks whose text it already had
    sentences_embedded: int = 0
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["counts"] = {k: len(d[k]) for k in ("added", "updated", "unchanged", "removed", "failed")}
        d["chunks_per_second"] = (round(self.chunks_embedded / self.seconds, 2)
                                  if self.seconds > 0 else 0.0)
        return d

    def summary(self) -> str:
        c = self.to_dict()["counts"]
        text = (f"{c['added']} added, {c['updated']} updated, {c['unchanged']} unchanged, "
                f"{c['removed']} removed, {c['failed']} failed; {self.chunks_embedded} chunks "
                f"embedded in {self.seconds:.1f} s")
        if self.chunks_reused:
            text += f", {self.chunks_reused} unchanged chunks kept their vectors"
        if self.rechunked:
            text += (f"\n  note: {len(self.rechunked)} of the updated were chunked again for the "
                     f"new sentence splitter (version {chunking.SPLITTER_VERSION})")
        for f in self.failed:
            text += f"\n  failed: {printable(f['source'])}: {printable(f['reason'])}"
        for n in self.notes:
            text += f"\n  note: {printable(n['source'])}: {n['note']}"
        return text


def printable(name: str) -> str:
    """A file name safe to print on a terminal: control characters escaped.

    >>> printable("a\\nb\\x1b[31m.txt")
    'a\\\\nb\\\\x1b[31m.txt'
    """
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in name)


def chunk_metadata(article: Article, chunk: Chunk) -> dict[str, Any]:
    return {"doc_id": article.doc_id, "source": article.source, "title": article.title,
            "date": article.date or "", "date_int": article.date_int,
            "chunk_index": chunk.index, "start": chunk.start, "end": chunk.end,
            "sentences": json.dumps(chunk.sentences),
            "lead": leading_space(article.text, chunk.start)}


def leading_space(text: str, start: int, limit: int = 16) -> str:
    """The whitespace just before ``start`` (what lies between a chunk and the one before it,
    kept so that the article's lines and paragraphs can be rebuilt from its chunks).

    >>> leading_space("One.\\n\\nTwo.", 6)
    '\\n\\n'
    """
    i = start
    while i > 0 and start - i < limit and text[i - 1].isspace():
        i -= 1
    return text[i:start]


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the embedder sees: the chunk, led by the title when the chunk does not hold it.

    >>> from assistant.ingest.chunking import Chunk
    >>> a = Article("d", "a.txt", "Kalin in Benghazi", None,
    ...             "Kalin in Benghazi\\nHe met Haftar.", 18)
    >>> embedding_text(a, Chunk(0, 18, 32, "He met Haftar.", ((18, 32),), 4))
    'Kalin in Benghazi\\nHe met Haftar.'
    """
    return _titled(article.title, chunk.text)


def _titled(title: str, text: str) -> str:
    return f"{title}\n{text}" if title and title not in text else text


def ingest_path(path: Path, store: Store, embedder: Embedder, *, chunk_tokens: int,
                overlap_tokens: int, count_tokens: TokenCounter, progress: bool = True,
                log: Callable[[str], object] | None = None, root: Path | None = None,
                on_progress: Callable[[int, int], object] | None = None,
                max_bytes: int | None = None, fields: ExportFields | None = None,
                sentence_vectors: bool = True) -> IngestReport:
    """Bring the store in line with ``path`` (a folder, or one file) and report what changed.

    Sources are named relative to ``root`` (default: the folder, or the file's folder);
    ``on_progress(done, total)`` is called as chunks are embedded; ``fields`` names the fields
    of JSON Lines / CSV exports (one article a row, named ``<file>#<row id>``);
    ``sentence_vectors`` also stores a vector for each sentence.
    """
    started = time.perf_counter()
    report = IngestReport()
    path = path.expanduser()
    try:
        files = article_files(path)
    except ArticleError as exc:
        raise FileNotFoundError(str(exc)) from None
    if root is None:
        root = path if path.is_dir() else path.parent
    root_key = str(root.resolve())
    manifest = store.manifest()

    articles: list[Article] = []
    for file in files:
        skipped: list[str] = []
        try:
            loaded = load_articles(file, root, max_bytes, fields, skipped)
        except (ArticleError, OSError) as exc:
            source = file.relative_to(root).as_posix()
            report.failed.append({"source": source, "reason": _reason(exc, source)})
            continue
        articles.extend(loaded)
        report.notes.extend({"source": name, "note": "no text: left out"} for name in skipped)
        for article in loaded:
            if article.encoding != "utf-8":
                report.notes.append({"source": article.source,
                                     "note": f"not UTF-8: read as {article.encoding}"})

    doc_refs: dict[str, set[str]] = {}
    for entry in manifest.values():
        doc_refs.setdefault(entry.doc_id, set()).add(entry.source)

    to_embed: list[Article] = []
    replaced: dict[str, str] = {}  # source -> old doc id
    for article in articles:
        old = manifest.get(article.source)
        if old is not None and old.doc_id == article.doc_id:
            report.unchanged.append(article.source)
            continue
        (report.updated if old is not None else report.added).append(article.source)
        if old is not None and old.extra.get("splitter", 1) != chunking.SPLITTER_VERSION:
            report.rechunked.append(article.source)
        if old is not None:
            replaced[article.source] = old.doc_id
        to_embed.append(article)

    failed_sources = {f["source"] for f in report.failed}
    seen = {a.source for a in articles} | failed_sources
    # gone: what the folder (or the export file) held before and does not now; the rows of an
    # export that failed this time are kept, as a failed file is
    read = {f.relative_to(root).as_posix() for f in files}
    gone = [e for e in manifest.values()
            if e.extra.get("root") == root_key and e.source not in seen
            and _file_of(e.source) not in failed_sources
            and (path.is_dir() or ("#" in e.source and _file_of(e.source) in read))]

    known_chunks = {e.doc_id: e.n_chunks for e in manifest.values()}
    reuse = _stored_vectors(store, set(replaced.values()), known_chunks)
    _store_articles(to_embed, store, embedder, doc_refs, known_chunks, report, root_key,
                    chunk_tokens, overlap_tokens, count_tokens, progress, on_progress,
                    sentence_vectors, reuse)
    if sentence_vectors:  # articles stored before sentence vectors were kept get them now
        unchanged = set(report.unchanged)
        _backfill_sentences([e for e in manifest.values() if e.source in unchanged
                             and not e.extra.get("sentences")], store, embedder, report, progress)

    for source, old_doc in replaced.items():
        _drop_reference(store, doc_refs, old_doc, source)
    for entry in gone:
        store.remove_manifest(entry.source)
        _drop_reference(store, doc_refs, entry.doc_id, entry.source)
        report.removed.append(entry.source)

    if report.changed and hasattr(store, "bump_generation"):
        store.bump_generation()
    report.seconds = time.perf_counter() - started
    if log:
        log(report.summary())
    return report


def _store_articles(articles: Sequence[Article], store: Store, embedder: Embedder,
                    doc_refs: dict[str, set[str]], known_chunks: dict[str, int],
                    report: IngestReport, root_key: str, chunk_tokens: int, overlap_tokens: int,
                    count_tokens: TokenCounter, progress: bool,
                    on_progress: Callable[[int, int], object] | None = None,
                    sentence_vectors: bool = True,
                    reuse: dict[str, np.ndarray] | None = None) -> None:
    """Chunk, embed and upsert; a document's manifest records are written after its chunks
    (and its sentences' vectors, before them).

    Content already stored (under another name, or by an interrupted run) is not embedded again,
    nor is a chunk whose embedding text is in ``reuse`` (an updated article's unchanged chunks:
    after a new sentence splitter, nearly all of them), nor a sentence the store has a vector for.
    """
    reuse = reuse or {}
    names: dict[str, list[Article]] = {}  # doc id -> the articles (file names) holding it
    for article in articles:
        names.setdefault(article.doc_id, []).append(article)
    n_chunks = dict(known_chunks)
    work: list[tuple[Article, Chunk]] = []
    for doc_id, holders in names.items():
        if doc_id in doc_refs:
            continue
        chunks = chunk_text(holders[0].text, chunk_tokens, overlap_tokens, count_tokens)
        n_chunks[doc_id] = len(chunks)
        work.extend((holders[0], c) for c in chunks)
    existing = {r.id for r in store.get([chunk_id(a.doc_id, c.index) for a, c in work])}
    work = [(a, c) for a, c in work if chunk_id(a.doc_id, c.index) not in existing]
    # longest first, so that each batch holds texts of about one length (little padding) and
    # the slowest batches come while the progress bar is young
    work.sort(key=lambda ac: -len(embedding_text(*ac)))
    left = dict.fromkeys(names, 0)
    for a, _ in work:
        left[a.doc_id] += 1

    def finish(doc_id: str) -> None:
        for article in names[doc_id]:
            store.put_manifest(ManifestEntry(article.source, doc_id, article.title,
                                             article.date, n_chunks.get(doc_id, 0),
                                             {"root": root_key, "sentences": sentence_vectors,
                                              "splitter": chunking.SPLITTER_VERSION}))
            doc_refs.setdefault(doc_id, set()).add(article.source)

    for doc_id, n in left.items():
        if n == 0:
            finish(doc_id)
    if on_progress:
        on_progress(0, len(work))
    done: set[str] = set()  # sentences embedded in this run (overlapping chunks share some)
    with tqdm(total=len(work), unit="chunk", desc="embedding", disable=not progress) as bar:
        for i in range(0, len(work), EMBED_GROUP):
            group = work[i:i + EMBED_GROUP]
            sentences = _new_sentences(group, done) if sentence_vectors else []
            texts = [embedding_text(a, c) for a, c in group]
            kept = store.sentence_vectors([t for _, t in sentences]) if reuse and sentences else {}
            fresh = [t for t in texts if t not in reuse] + [t for _, t in sentences
                                                              if t not in kept]
            vectors = ChainMap(dict(zip(fresh, embedder.embed_documents(fresh) if fresh else [],
                                        strict=True)), kept, reuse)
            store.put_sentences([t for _, t in sentences],
                                _rows([vectors[t] for _, t in sentences]),
                                [d for d, _ in sentences])
            store.upsert([ChunkRecord(chunk_id(a.doc_id, c.index), c.text, chunk_metadata(a, c))
                          for a, c in group], _rows([vectors[t] for t in texts]))
            report.chunks_embedded += sum(t not in reuse for t in texts)
            report.chunks_reused += sum(t in reuse for t in texts)
            report.sentences_embedded += sum(t not in kept for _, t in sentences)
            bar.update(len(group))
            if on_progress:
                on_progress(min(i + EMBED_GROUP, len(work)), len(work))
            for a, _ in group:
                left[a.doc_id] -= 1
                if left[a.doc_id] == 0:
                    finish(a.doc_id)


def _stored_vectors(store: Store, doc_ids: Iterable[str],
                   known_chunks: Mapping[str, int]) -> dict[str, np.ndarray]:
    """The stored chunk vectors of documents about to be replaced, by embedding text, so that
    the new version's unchanged chunks are not embedded again."""
    records = store.get([chunk_id(doc_id, i) for doc_id in doc_ids
                         for i in range(known_chunks.get(doc_id, 0))])
    if not records:
        return {}
    return {_titled(str(r.metadata.get("title") or ""), r.text): v
            for r, v in zip(records, store.vectors([r.id for r in records]), strict=True)}


def _rows(vectors: Sequence[np.ndarray]) -> np.ndarray:
    return np.stack(vectors) if vectors else np.zeros((0, 0), np.float32)


def _backfill_sentences(entries: Sequence[ManifestEntry], store: Store, embedder: Embedder,
                        report: IngestReport, progress: bool) -> None:
    """Store the sentence vectors of stored documents that lack them (ingested before they were
    kept), a group of documents at a time; each one's manifest records are then marked, so an
    interrupted run resumes where it stopped."""
    if not entries:
        return
    holders: dict[str, list[ManifestEntry]] = {}
    for entry in entries:
        holders.setdefault(entry.doc_id, []).append(entry)
    done: set[str] = set()
    pending: list[str] = []
    sentences: list[tuple[str, str]] = []

    def flush() -> None:
        vectors = embedder.embed_documents([t for _, t in sentences])
        store.put_sentences([t for _, t in sentences], vectors, [d for d, _ in sentences])
        report.sentences_embedded += len(sentences)
        for doc_id in pending:
            for e in holders[doc_id]:
                store.put_manifest(replace(e, extra={**e.extra, "sentences": True}))
        pending.clear()
        sentences.clear()

    for doc_id in tqdm(holders, unit="article", desc="sentence vectors", disable=not progress):
        n = max(e.n_chunks for e in holders[doc_id])
        records = store.get([chunk_id(doc_id, i) for i in range(n)])
        sentences += _unseen(((doc_id, t) for r in records for _, _, t in r.sentence_texts()),
                             done)
        pending.append(doc_id)
        if len(sentences) >= EMBED_GROUP:
            flush()
    if pending:
        flush()


def _new_sentences(group: Sequence[tuple[Article, Chunk]],
                   done: set[str]) -> list[tuple[str, str]]:
    """``(doc id, text)`` of the sentences of ``group``'s chunks not in ``done`` (updated).

    >>> from assistant.ingest.chunking import Chunk
    >>> a = Article("d", "a.txt", "", None, "One. Two. Three.", 0)
    >>> c0, c1 = Chunk(0, 0, 9, "One. Two.", ((0, 4), (5, 9)), 2), Chunk(1, 5, 16,
    ...     "Two. Three.", ((5, 9), (10, 16)), 2)
    >>> _new_sentences([(a, c0), (a, c1)], set())
    [('d', 'One.'), ('d', 'Two.'), ('d', 'Three.')]
    """
    return _unseen(((a.doc_id, a.text[s:e]) for a, c in group for s, e in c.sentences), done)


def _unseen(pairs: Iterable[tuple[str, str]], done: set[str]) -> list[tuple[str, str]]:
    """The ``(doc id, text)`` pairs whose text is not in ``done``, each text once (``done`` is
    updated): overlapping chunks share sentences."""
    out: list[tuple[str, str]] = []
    for doc_id, text in pairs:
        if text not in done:
            done.add(text)
            out.append((doc_id, text))
    return out


def _drop_reference(store: Store, doc_refs: dict[str, set[str]], doc_id: str,
                    source: str) -> None:
    """Forget that ``source`` holds ``doc_id``; delete the chunks when nothing else does."""
    refs = doc_refs.get(doc_id, set())
    refs.discard(source)
    if not refs:
        store.delete_document(doc_id)
        doc_refs.pop(doc_id, None)


def _file_of(source: str) -> str:
    """The file an article came from: a row ``dump.jsonl#7`` of an export is in ``dump.jsonl``."""
    return source.split("#", 1)[0]


def _reason(exc: Exception, source: str) -> str:
    if isinstance(exc, OSError) and not isinstance(exc, ArticleError):
        return f"unreadable: {exc.strerror or type(exc).__name__}"
    text = str(exc)
    prefix = f"{source}: "
    return text[len(prefix):] if text.startswith(prefix) else (text or type(exc).__name__)
