"""An article's way in: parse a file, split it into sentence-aware chunks, embed and store them.

``formats`` (HTML, PDF, JSON Lines / CSV exports) and ``documents`` turn files into ``Article``s;
``chunking`` splits them; ``store`` is the Chroma store (on disk or a server) that ``retrieve``
reads; ``indexing`` runs a folder through all of it idempotently; ``uploads`` checks files sent
from the chat page.

Imports: ``models``, ``text``, ``settings``.
"""
