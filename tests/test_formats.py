"""HTML pages, PDFs and JSON Lines / CSV exports, made here as real files, ingested beside the
seed article (fake models): the stored text has no page boilerplate, citations point into it,
and a bad file or row is refused by name without losing what is stored."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from test_pipeline import number_of, reply

from assistant.ingest.documents import ArticleError, load_articles

PAGE = """<!doctype html><html lang="nl"><head>
<title>Rotterdam opent nieuwe Maasbrug | Het Dagblad</title>
<meta property="og:title" content="Rotterdam opent nieuwe Maasbrug">
<meta property="article:published_time" content="2024-03-14T08:30:00+01:00">
</head><body>
<header><nav><ul><li><a href="/">Voorpagina</a></li><li><a href="/sport">Sport</a></li>
<li><a href="/abonnement">Word abonnee</a></li></ul></nav></header>
<div class="cookie-banner">Wij gebruiken cookies om uw ervaring te verbeteren.
<button>Alle cookies accepteren</button></div>
<main><article>
<h1>Rotterdam opent nieuwe Maasbrug</h1>
<p>Burgemeester Ahmed Aboutaleb heeft donderdag de nieuwe Maasbrug in Rotterdam geopend.
De brug verbindt Feijenoord met het centrum en kostte 180 miljoen euro.</p>
<p>De bouw duurde vier jaar, twee jaar langer dan gepland. Aannemer Van Dalen noemde de
fundering in de slappe rivierbodem de grootste uitdaging van het project.</p>
<p>Fietsers kunnen de brug vanaf maandag gebruiken; voor auto's gaat hij in mei open.</p>
</article>
<aside class="advertentie">Advertentie: Vakantie in Zeeland? Boek nu met 20% korting!</aside>
</main>
<footer><p>© 2024 Het Dagblad. Alle rechten voorbehouden.</p>
<a href="/privacy">Privacybeleid</a> <a href="/contact">Contact</a></footer>
</body></html>"""

BOILERPLATE = ["Voorpagina", "abonnee", "cookies", "Advertentie", "Zeeland", "rechten",
               "Privacybeleid", "Het Dagblad"]

PDF_LINES = ["Haven van Rotterdam verwerkt record aan containers", "",
             "De haven van Rotterdam heeft in 2024 ruim 14 miljoen containers verwerkt.",
             "Havenwethouder Annet Jansma noemde het cijfer historisch voor de stad."]


def make_pdf(path: Path, lines: list[str], title: str = "") -> Path:
    """A real PDF with a text layer (matplotlib's PDF backend, TrueType text)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"pdf.fonttype": 42}):
        fig = plt.figure(figsize=(8.27, 11.69))
        for i, line in enumerate(lines):
            fig.text(0.08, 0.95 - i * 0.03, line, fontsize=10)
        fig.savefig(path, metadata={"Title": title} if title else {})
        plt.close(fig)
    return path


def make_scan(path: Path) -> Path:
    """A PDF that is only an image (no text layer), as a scanner makes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig = plt.figure()
    fig.figimage([[0.0, 1.0], [1.0, 0.0]])
    fig.savefig(path)
    plt.close(fig)
    return path


ROWS = [{"id": 501, "title": "Nieuwe burgemeester in Zwolle", "date": "2019-05-03 10:12:00",
         "text": "Peter Snijders is de nieuwe burgemeester van Zwolle. Hij volgt Henk Jan "
                 "Meijer op, die naar de provincie vertrekt."},
        {"id": 502, "title": "Veerpont Kampen tijdelijk uit de vaart",
         "date": "2019-05-04", "text": "De veerpont bij Kampen vaart twee weken niet. De pont "
                                       "krijgt een nieuwe motor, meldt de gemeente."}]


def write_jsonl(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                    encoding="utf-8")
    return path


def test_html_page_keeps_the_article_and_drops_the_boilerplate(tmp_path: Path) -> None:
    (tmp_path / "brug.html").write_text(PAGE, encoding="utf-8")
    [article] = load_articles(tmp_path / "brug.html", tmp_path)
    assert article.title == "Rotterdam opent nieuwe Maasbrug"
    assert article.date == "2024-03-14"
    assert "180 miljoen euro" in article.text and "voor auto's gaat hij in mei open" in article.text
    for word in BOILERPLATE:
        assert word not in article.text, word


def test_pdf_text_layer_is_read_and_a_scan_is_refused_by_name(tmp_path: Path) -> None:
    make_pdf(tmp_path / "haven.pdf", PDF_LINES, title="Haven record")
    [article] = load_articles(tmp_path / "haven.pdf", tmp_path)
    assert article.title == "Haven record"
    assert "14 miljoen containers" in article.text and "Annet Jansma" in article.text
    make_scan(tmp_path / "scan.pdf")
    with pytest.raises(ArticleError, match=r"scan\.pdf: the PDF has no text layer"):
        load_articles(tmp_path / "scan.pdf", tmp_path)
    (tmp_path / "kapot.pdf").write_bytes(b"%PDF-1.4\nthis is not a pdf body")
    with pytest.raises(ArticleError, match=r"kapot\.pdf: not a readable PDF"):
        load_articles(tmp_path / "kapot.pdf", tmp_path)


def test_export_rows_become_articles_named_by_row(tmp_path: Path) -> None:
    write_jsonl(tmp_path / "dump.jsonl", [*ROWS, {"id": 503, "title": "Alleen een kop",
                                                  "text": ""}])
    skipped: list[str] = []
    articles = load_articles(tmp_path / "dump.jsonl", tmp_path, skipped=skipped)
    assert skipped == ["dump.jsonl#503"]  # a row without text is no article
    assert [(a.source, a.title, a.date) for a in articles] == [
        ("dump.jsonl#501", "Nieuwe burgemeester in Zwolle", "2019-05-03"),
        ("dump.jsonl#502", "Veerpont Kampen tijdelijk uit de vaart", "2019-05-04")]
    assert articles[0].text[articles[0].body_start:] == ROWS[0]["text"]


@pytest.mark.parametrize(("content", "error"), [
    ('{"id": 1, "text": "Goed."}\n{"id": 2, "text": "Ook.", "date": "4 mei"}\n',
     r"dump\.jsonl#2, field 'date': malformed date '4 mei'"),
    ('{"id": 1, "text": "Goed."}\n{not json\n', r"dump\.jsonl:2: not JSON"),
    ('{"id": 1, "body": "Goed."}\n', r"dump\.jsonl#1: no field 'text' \(set it with "
                                      r"--text-field\); the row has 'id', 'body'"),
    ('{"id": 1, "text": "Goed."}\n{"id": 1, "text": "Weer."}\n', r"dump\.jsonl:2: duplicate id"),
])
def test_a_bad_export_row_is_named(tmp_path: Path, content: str, error: str) -> None:
    (tmp_path / "dump.jsonl").write_text(content, encoding="utf-8")
    with pytest.raises(ArticleError, match=error):
        load_articles(tmp_path / "dump.jsonl", tmp_path)


def test_formats_ingest_beside_the_seed_and_answers_cite_the_right_file(
        make_assistant: Any, seed_dir: Path) -> None:
    (seed_dir / "brug.html").write_text(PAGE, encoding="utf-8")
    make_pdf(seed_dir / "haven.pdf", PDF_LINES)
    write_jsonl(seed_dir / "dump.jsonl", ROWS)
    questions = [("Wat kostte de nieuwe Maasbrug in Rotterdam?", "180 miljoen euro",
                  "brug.html"),
                 ("Hoeveel containers verwerkte de haven van Rotterdam in 2024?",
                  "14 miljoen containers", "haven.pdf"),
                 ("Wie is de nieuwe burgemeester van Zwolle?", "Peter Snijders",
                  "dump.jsonl#501")]

    def script(prompt: str) -> str:
        for question, needle, _ in questions:
            if question in prompt:
                n = number_of(prompt, needle)
                return reply([n], f"{needle} [{n}].")
        raise AssertionError(prompt)

    bot = make_assistant(script)
    report = bot.ingest(seed_dir)
    assert report.failed == []
    assert sorted(report.added) == sorted(["000_15754e1025876bc7.txt", "brug.html", "haven.pdf",
                                           "dump.jsonl#501", "dump.jsonl#502"])
    for question, needle, source in questions:
        answer = bot.ask(question)
        assert not answer.abstained, (question, answer.reason)
        [cited] = answer.citations
        assert cited.source == source and needle in cited.quote
        assert bot.article_text(cited.doc_id)[cited.start:cited.end] == cited.quote
    stored = bot.article_text(next(c.doc_id for c in bot.ask(questions[0][0]).citations))
    assert all(word not in stored for word in BOILERPLATE)


def test_a_broken_export_keeps_its_stored_rows_and_a_shorter_one_removes_rows(
        make_assistant: Any, tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    write_jsonl(folder / "dump.jsonl", ROWS)
    bot = make_assistant([])
    bot.ingest(folder)
    (folder / "dump.jsonl").write_text('{"id": 501, "text": ', encoding="utf-8")
    report = bot.ingest(folder)
    assert [f["source"] for f in report.failed] == ["dump.jsonl"]
    assert "not JSON" in report.failed[0]["reason"] and report.removed == []
    assert {"dump.jsonl#501", "dump.jsonl#502"} <= set(bot.store.manifest())
    write_jsonl(folder / "dump.jsonl", ROWS[:1])
    report = bot.ingest(folder / "dump.jsonl")
    assert report.removed == ["dump.jsonl#502"] and report.unchanged == ["dump.jsonl#501"]


def test_csv_export_fields_come_from_settings(make_assistant: Any, settings: Any,
                                             tmp_path: Path) -> None:
    from assistant.serve.api import Assistant

    folder = tmp_path / "csv"
    folder.mkdir()
    (folder / "archief.csv").write_text(
        "kop,datum,tekst\nVeerpont uit de vaart,2019-05-04,De veerpont bij Kampen vaart niet.\n",
        encoding="utf-8")
    bot = make_assistant([])
    report = bot.ingest(folder)
    assert "no field 'text'" in report.failed[0]["reason"]
    custom = Assistant(settings.replace(export_text_field="tekst", export_title_field="kop",
                                        export_date_field="datum"),
                       store=bot.store, embedder=bot.embedder, chat_model=bot.chat_model)
    report = custom.ingest(folder)
    assert report.added == ["archief.csv#2"] and report.failed == []
    assert custom.store.manifest()["archief.csv#2"].date == "2019-05-04"


def test_an_export_row_without_text_is_left_out_with_a_note(make_assistant: Any,
                                                            tmp_path: Path) -> None:
    folder = tmp_path / "dumps"
    folder.mkdir()
    write_jsonl(folder / "dump.jsonl", [ROWS[0], {"id": 9, "title": "Kop", "text": " "}])
    report = make_assistant([]).ingest(folder)
    assert report.added == ["dump.jsonl#501"] and report.failed == []
    assert report.notes == [{"source": "dump.jsonl#9", "note": "no text: left out"}]
