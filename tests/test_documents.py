"""Loading articles: date lead, titles, normalisation, ids, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import SEED_FILE

from assistant.ingest.documents import ArticleError, article_files, load_article, parse_article


def test_seed_article_parses_date_title_and_text() -> None:
    a = parse_article(SEED_FILE.read_text(encoding="utf-8"), SEED_FILE.name)
    assert a.date == "2025-08-26"
    assert a.title.startswith("De directeur van de Turkse Nationale Inlichtingendienst")
    assert a.text.startswith("De directeur") and "date" not in a.text[:10]
    assert a.source == SEED_FILE.name
    assert len(a.doc_id) == 16


def test_id_is_stable_and_follows_content() -> None:
    a = parse_article("date 2020-01-02 Een zin. Nog een.", "a.txt")
    b = parse_article("date 2020-01-02 Een zin.   Nog een.\r\n", "b.txt")
    c = parse_article("date 2020-01-02 Een zin. Nog twee.", "a.txt")
    assert a.doc_id == b.doc_id != c.doc_id


def test_title_line_and_markdown_heading() -> None:
    a = parse_article("Haftar ontvangt Kalin\nDe directeur kwam maandag.", "x.txt")
    assert a.title == "Haftar ontvangt Kalin" and a.body_start == len("Haftar ontvangt Kalin\n")
    m = parse_article("# Kop van het stuk\n\nTekst hier.", "x.md")
    assert m.title == "Kop van het stuk"


def test_text_is_nfc_normalised() -> None:
    a = parse_article("Cafe\u0301 in Libie\u0308.", "x.txt")
    assert a.text == "Café in Libië."


def test_malformed_date_names_the_file() -> None:
    with pytest.raises(ArticleError, match=r"bad\.txt: malformed date '2025-13-40'"):
        parse_article("date 2025-13-40 Tekst.", "bad.txt")


def test_empty_article_is_an_error() -> None:
    with pytest.raises(ArticleError, match=r"empty\.txt: no article text"):
        parse_article("  \n date 2020-01-01  \n", "empty.txt")


def test_binary_and_undecodable_files_are_refused_cp1252_is_read(tmp_path: Path) -> None:
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02abc")
    (tmp_path / "latin.txt").write_bytes("Caf\xe9 in Zwolle.".encode("latin-1"))
    (tmp_path / "win.txt").write_bytes("Het “café” ging dicht – helaas.".encode("cp1252"))
    (tmp_path / "bad.txt").write_bytes(b"Caf\xe9 \x81 dicht.")
    (tmp_path / "u16.txt").write_bytes("Één zin.".encode("utf-16"))
    with pytest.raises(ArticleError, match=r"bin\.txt: binary file"):
        load_article(tmp_path / "bin.txt", tmp_path)
    with pytest.raises(ArticleError, match=r"bad\.txt: not UTF-8 \(byte 0xe9 at 3\)"):
        load_article(tmp_path / "bad.txt", tmp_path)
    latin = load_article(tmp_path / "latin.txt", tmp_path)
    assert (latin.text, latin.encoding) == ("Café in Zwolle.", "latin-1")
    win = load_article(tmp_path / "win.txt", tmp_path)
    assert (win.text, win.encoding) == ("Het “café” ging dicht – helaas.", "cp1252")
    assert load_article(tmp_path / "u16.txt", tmp_path).text == "Één zin."


def test_article_files_finds_article_types_and_skips_hidden(tmp_path: Path) -> None:
    for name in ["a.txt", "b.md", "c.pdf", "d.docx", "e.HTML", "f.jsonl", ".hidden.txt",
                 "sub/d.txt", ".git/e.txt", "g.exe"]:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text("Tekst.")
    assert [p.relative_to(tmp_path).as_posix() for p in article_files(tmp_path)] == [
        "a.txt", "b.md", "c.pdf", "e.HTML", "f.jsonl", "sub/d.txt"]
    with pytest.raises(ArticleError, match="no such file or folder"):
        article_files(tmp_path / "missing")
