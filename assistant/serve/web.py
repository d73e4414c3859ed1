"""The chat page: a Gradio Blocks app over the Python API (``Assistant``), nothing duplicated.

The page streams answers with citation markers; clicking a marker opens its source in the panel
beside the chat, where the quoted sentence is highlighted inside its paragraph. Each browser
session (and each ``gradio_client.Client``) has its own ``Conversation`` in ``gr.State``.

Named endpoints for scripts (``gradio_client``):

- ``/chat`` (message, date_from, date_to) → chat, sources HTML, info, box: the page's own
  streaming chat, with the session's history;
- ``/ask`` (question, history, date_from, date_to) → the answer as a dict (stateless);
- ``/upload`` (files) → status and article list; ``/articles`` () → the articles as dicts.

Failures (model missing, empty archive, bad dates, bad uploads) become a sentence on the page,
never a stack trace; the trace goes to the server log.
"""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from assistant.answer.result import Answer, Found, certainty
from assistant.ingest.documents import SUFFIXES, ArticleError, parse_date
from assistant.ingest.store import StoreError
from assistant.models.weights import ModelError
from assistant.serve.api import Assistant
from assistant.serve.openai_api import routes
from assistant.serve.sources import articles_table, found_section, link_markers, sources_panel
from assistant.settings import SettingsError

log = logging.getLogger(__name__)

EMPTY_ARCHIVE = ("The archive is empty: add articles (.txt, .md, .html, .pdf, .jsonl, .csv) "
                 "under **Archive** on the right, or run `assistant ingest FOLDER`.")

CSS = """
#sources .sources-scroll { max-height: 640px; overflow-y: auto; padding-right: 4px; }
.source { border-left: 3px solid var(--border-color-primary); padding: 4px 10px; margin: 8px 0; }
.source.active { border-left-color: var(--color-accent);
                 background: var(--background-fill-secondary); }
.source p { margin: 4px 0; white-space: pre-wrap; }
.source mark { background: #ffe58a; color: inherit; padding: 0 1px; }
.source-head { font-size: 0.9em; }
details.turn > summary { cursor: pointer; font-style: italic; margin: 6px 0; }
a.cite, #chat a[href^="#src-"] { text-decoration: none; font-weight: 600; }
table.articles { width: 100%; font-size: 0.85em; }
table.articles td { padding: 2px 6px; vertical-align: top; }
"""

# Clicking a marker [n] opens that answer's sources and highlights source n.
HEAD = """<script>
document.addEventListener("click", function (event) {
  const link = event.target.closest && event.target.closest('a[href^="#src-"]');
  if (!link) return;
  event.preventDefault();
  event.stopPropagation();
  const card = document.getElementById(link.getAttribute("href").slice(1));
  if (!card) return;
  const turn = card.closest("details");
  if (turn) turn.open = true;
  document.querySelectorAll(".source.active").forEach(function (e) {
    e.classList.remove("active");
  });
  card.classList.add("active");
  card.scrollIntoView({block: "nearest"});
}, true);
</script>"""


@dataclass
class Conversation:
    """One session's conversation: the API history, the chat as shown, the answers' sources."""

    history: list[dict[str, str]] = field(default_factory=list)  # for Assistant.ask/stream
    display: list[dict[str, str]] = field(default_factory=list)  # Chatbot messages
    turns: list[tuple[int, Answer, dict[str, str]]] = field(default_factory=list)


def friendly(exc: BaseException) -> str:
    """What to tell a person when something failed.

    >>> friendly(ModelError("chat model qwen-1.5b is not installed: run `assistant models pull`"))
    'The model is missing: chat model qwen-1.5b is not installed: run `assistant models pull`'
    """
    if isinstance(exc, ModelError):
        return f"The model is missing: {exc}"
    if isinstance(exc, StoreError):
        return f"The archive cannot be read: {exc}"
    if isinstance(exc, ArticleError | SettingsError | ValueError):
        return str(exc)
    return (f"Something went wrong ({type(exc).__name__}); the details are in the server log. "
            "Please try again.")


def check_dates(date_from: str | None, date_to: str | None) -> tuple[str | None, str | None]:
    """Validated ``(from, to)`` dates; blank means open-ended.

    >>> check_dates(" 2025-08-01 ", "")
    ('2025-08-01', None)
    """
    lo = parse_date(date_from.strip(), "From date") if date_from and date_from.strip() else None
    hi = parse_date(date_to.strip(), "To date") if date_to and date_to.strip() else None
    if lo and hi and lo > hi:
        raise ValueError(f"From date {lo} is after To date {hi}")
    return lo, hi


def answer_info(answer: Answer, first_token: float | None, total: float) -> str:
    """The line under the chat: what was searched, how sure the answer is, and how long it
    took."""
    parts = []
    if answer.standalone_question != answer.question:
        parts.append(f"Searched for: *{html.escape(answer.standalone_question)}*")
    if answer.abstained and answer.reason:
        parts.append(f"Not answered: {html.escape(answer.reason)}")
    if note := certainty(answer):
        parts.append(html.escape(note))
    timing = f"answer in {total:.1f} s"
    if first_token is not None:
        timing = f"first checked words after {first_token:.1f} s, {timing}"
    parts.append(timing)
    return " · ".join(parts)


class ChatPage:
    """The page's handlers (plain methods, unit-tested without a browser) and its layout."""

    def __init__(self, bot: Assistant) -> None:
        self.bot = bot
        self.examples = [q.strip() for q in bot.settings.examples.split("|") if q.strip()]

    # handlers -------------------------------------------------------------------------------
    def chat(self, message: str, date_from: str, date_to: str, conv: Conversation,
             ) -> Iterator[tuple[list[dict[str, str]], str, str, str, Conversation]]:
        """Stream the answer to ``message`` into the conversation; outputs: chat, sources,
        info line, question box, conversation."""
        message = (message or "").strip()
        if not message:
            yield conv.display, sources_panel(conv.turns), "", "", conv
            return
        shown = [*conv.display, {"role": "user", "content": html.escape(message, quote=False)}]
        try:
            lo, hi = check_dates(date_from, date_to)
            if self.bot.is_empty():
                raise LookupError(EMPTY_ARCHIVE)
        except (ArticleError, ValueError, LookupError, StoreError) as exc:
            text = str(exc) if isinstance(exc, LookupError) else friendly(exc)
            yield ([*shown, {"role": "assistant", "content": f"⚠️ {text}"}],
                   sources_panel(conv.turns), "", message, conv)
            return
        yield ([*shown, {"role": "assistant", "content": "…"}], sources_panel(conv.turns),
               "Searching the archive and reading the passages found…", "", conv)
        started = time.perf_counter()
        first: float | None = None
        streamed = ""
        pending = ""
        final: Answer | None = None
        try:
            for item in self.bot.stream(message, conv.history, date_from=lo, date_to=hi):
                if isinstance(item, Answer):
                    final = item
                    break
                if isinstance(item, Found):  # retrieval done: show what is being read
                    pending = found_section(message, item)
                    yield ([*shown, {"role": "assistant", "content": "…"}],
                           sources_panel(conv.turns, pending),
                           "Checking each sentence of the answer against the articles…", "",
                           conv)
                    continue
                if first is None:
                    first = time.perf_counter() - started
                streamed += item  # a sentence that passed the checks: never taken back
                yield ([*shown, {"role": "assistant",
                                 "content": html.escape(streamed, quote=False)}],
                       sources_panel(conv.turns, pending), "Writing…", "", conv)
        except Exception as exc:  # shown as a sentence; the trace goes to the log
            log.exception("answering %r failed", message)
            yield ([*shown, {"role": "assistant", "content": f"⚠️ {friendly(exc)}"}],
                   sources_panel(conv.turns), "", message, conv)
            return
        assert final is not None
        total = time.perf_counter() - started
        turn = len(conv.turns)
        texts = {c.doc_id: t for c in final.citations
                 if (t := self.bot.article_text(c.doc_id)) is not None}
        conv = Conversation(
            history=[*conv.history, {"role": "user", "content": message},
                     {"role": "assistant", "content": final.text}],
            display=[*shown, {"role": "assistant", "content": link_markers(
                final.text, turn, {c.marker for c in final.citations})}],
            turns=[*conv.turns, (turn, final, texts)])
        yield (conv.display, sources_panel(conv.turns), answer_info(final, first, total), "",
               conv)

    def new_conversation(self) -> tuple[list[dict[str, str]], str, str, str, Conversation]:
        conv = Conversation()
        return conv.display, sources_panel(conv.turns), "", "", conv

    def upload(self, files: list[Any] | None, progress: Any = None) -> tuple[str, str, None]:
        """Ingest uploaded files; outputs: status, article list, (cleared) file box."""
        paths = [getattr(f, "name", f) for f in (files or [])]
        if not paths:
            return "No file chosen.", self.archive(), None

        def report_progress(done: int, total: int) -> None:
            if progress is not None and total:
                progress((done, total), desc="Embedding", unit="chunks")

        try:
            if progress is not None:
                progress(0, desc="Reading the files")
            report = self.bot.add_files(paths, on_progress=report_progress)
        except Exception as exc:
            log.exception("upload failed")
            return f"⚠️ Upload failed: {friendly(exc)}", self.archive(), None
        lines = []
        for label, names in (("Added", report.added), ("Updated", report.updated),
                             ("Already in the archive", report.unchanged)):
            if names:
                lines.append(f"{label}: " + ", ".join(html.escape(n) for n in names))
        lines += [f"⚠️ Not added: {html.escape(f['source'])}: {html.escape(f['reason'])}"
                  for f in report.failed]
        return "\n\n".join(lines) or "Nothing to add.", self.archive(), None

    def archive(self) -> str:
        try:
            entries = self.bot.articles()
        except Exception as exc:
            log.exception("listing articles failed")
            return f"<p>⚠️ {html.escape(friendly(exc))}</p>"
        return f"<p>{len(entries)} article(s)</p>" + articles_table(entries)

    # endpoints for scripts ------------------------------------------------------------------
    def ask(self, question: str, history: list[dict[str, str]] | None = None,
            date_from: str = "", date_to: str = "") -> dict[str, Any]:
        """Answer one question (after ``history``: role/content dicts); returns the answer,
        its citations (source, title, date, quote, offsets) and whether it abstained."""
        import gradio as gr

        try:
            lo, hi = check_dates(date_from, date_to)
            if self.bot.is_empty():
                raise gr.Error(EMPTY_ARCHIVE)
            return self.bot.ask(question, history or [], date_from=lo, date_to=hi).to_dict()
        except gr.Error:
            raise
        except Exception as exc:
            log.exception("ask %r failed", question)
            raise gr.Error(friendly(exc)) from None

    def list_articles(self) -> list[dict[str, Any]]:
        """The articles in the archive (source, title, date, chunks), newest first."""
        return [{"source": e.source, "title": e.title, "date": e.date, "chunks": e.n_chunks}
                for e in self.bot.articles()]

    # layout ---------------------------------------------------------------------------------
    def build(self) -> Any:
        import gradio as gr

        def upload(files: list[Any] | None,
                   progress: gr.Progress = gr.Progress()) -> tuple[str, str, None]:  # noqa: B008
            return self.upload(files, progress)

        with gr.Blocks(title="News archive assistant") as page:
            conv = gr.State(Conversation())
            gr.Markdown("## Ask the news archive\nAnswers in English or Dutch, each claim "
                        "cited; click a marker like **[1]** to see its source.")
            with gr.Row():
                with gr.Column(scale=3):
                    chatbot = gr.Chatbot(label="Conversation", elem_id="chat", height=520,
                                         feedback_options=None, buttons=["copy"],
                                         placeholder="Ask a question about the articles.")
                    info = gr.Markdown(elem_id="info")
                    box = gr.Textbox(placeholder="Ask about the articles (English or Dutch)",
                                     show_label=False, elem_id="question", submit_btn="Ask",
                                     autofocus=True)
                    with gr.Row():
                        date_from = gr.Textbox(label="From date", placeholder="YYYY-MM-DD",
                                               elem_id="date-from", max_lines=1)
                        date_to = gr.Textbox(label="To date", placeholder="YYYY-MM-DD",
                                             elem_id="date-to", max_lines=1)
                        new = gr.Button("New conversation", elem_id="new-conversation")
                    gr.Examples([[q] for q in self.examples], inputs=[box],
                                label="Example questions")
                with gr.Column(scale=2):
                    gr.Markdown("### Sources")
                    sources = gr.HTML(sources_panel([]), elem_id="sources")
                    with gr.Accordion("Archive", open=False, elem_id="archive-panel"):
                        files = gr.File(label="Add articles (.txt .md .html .pdf .jsonl .csv)",
                                        file_count="multiple", file_types=list(SUFFIXES),
                                        elem_id="upload")
                        status = gr.Markdown(elem_id="upload-status")
                        archive = gr.HTML(elem_id="archive")

            outputs = [chatbot, sources, info, box, conv]
            box.submit(self.chat, [box, date_from, date_to, conv], outputs, api_name="chat",
                       concurrency_id="model", concurrency_limit=1)
            new.click(self.new_conversation, None, outputs, api_name="new_conversation")
            chatbot.clear(self.new_conversation, None, outputs, api_visibility="private")
            files.upload(upload, [files], [status, archive, files], api_name="upload",
                         concurrency_id="ingest", concurrency_limit=1)
            page.load(self.archive, None, [archive], api_visibility="private")
            gr.api(self.ask, api_name="ask", concurrency_id="model", concurrency_limit=1)
            gr.api(self.list_articles, api_name="articles")
        return page


def serve(bot: Assistant, *, host: str, port: int, block: bool = True, **launch: Any) -> Any:
    """Build the page, bound the queue, and start serving on ``host:port`` (with the
    OpenAI-compatible endpoint under ``/v1``)."""
    def warm_up() -> None:
        try:
            bot.warm_up()
        except Exception as exc:  # the page says so when a question needs the model
            log.warning("warm-up failed: %s", friendly(exc))

    threading.Thread(target=warm_up, name="warm-up", daemon=True).start()
    page = ChatPage(bot).build()
    page.queue(max_size=bot.settings.queue_size)
    # the OpenAI-compatible endpoint's routes come first in the server's app
    page.launch(server_name=host, server_port=port, css=CSS, head=HEAD, footer_links=["api"],
                max_file_size=int(bot.settings.max_upload_mb * 1_000_000),
                prevent_thread_lock=not block, show_error=False,
                app_kwargs={"routes": routes(bot, bot.settings.api_token)}, **launch)
    return page
