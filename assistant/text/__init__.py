"""Text helpers every stage shares: words and folding, token counts, language, names.

Pure functions over strings (``words``: folding and word tokens; ``tokens``: tiktoken counts;
``language``: English or Dutch, and Dutch non-words; ``titles``: Dutch titles left untranslated;
``matching``: names, numbers and terms across spellings and languages; ``items``: the items
a list answer names).

Imports: nothing else of the assistant's (``settings`` at most).
"""
