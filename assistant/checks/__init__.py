"""What an answer sentence must pass before a reader sees it, and how sure the assistant is.

``citations`` parses and repairs the ``[n]`` markers; ``grounding`` asks whether the answer's
names and numbers stand in the cited sentences; ``degenerate`` catches repetition and restated
questions; ``relations`` ties a number to what was asked; ``confidence`` scores an answer with
the calibrated abstention model; ``release`` runs them sentence by sentence as the answer
streams. Pure functions: ``answer``'s pipeline calls them.

Imports: ``retrieve`` (evidence types), ``models``, ``text``, ``settings``.
"""
