"""The models behind narrow interfaces: where the weights come from, embeddings, the chat model.

``weights``: the packaged model files (fetched, joined, checked by sha256); ``embeddings``: the
``Embedder`` interface and its sentence-transformers adapter; ``embed_server``: the same over
HTTP; ``llm``: the in-process llama.cpp chat model; ``llm_openai``: any OpenAI-compatible
server; ``structured`` and ``reply_prefix``: the JSON reply the chat model is held to.
Heavy libraries are imported inside the adapters, never at import.

Imports: nothing else of the assistant's (``settings`` at most).
"""
