"""A question's first stage: the standalone question, the articles and the numbered evidence.

``followup`` rewrites a follow-up into a standalone question; ``retrieval`` searches the store
(dense and BM25, fused by ``fusion``); ``evidence`` picks and numbers the sentences the chat
model reads.

Imports: ``ingest`` (the store), ``models``, ``text``, ``settings``.
"""
