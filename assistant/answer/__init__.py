"""Answering: the chain from question to a checked, cited ``Answer``.

``prompts`` renders the templates in ``prompts/``; ``pipeline`` is the LangChain chain (condense,
retrieve, number the evidence, prompt the chat model, release each sentence through ``checks``);
``result`` holds the ``Answer`` and ``Citation`` a caller gets.

Imports: ``checks``, ``retrieve``, ``ingest``, ``models``, ``text``, ``settings``.
"""
