"""Start the assistant for a person: until the chat page lands, a conversation in the terminal.

Wiring only; see ``assistant.cli``.
"""

from __future__ import annotations

import sys

from assistant.cli import main

if __name__ == "__main__":
    sys.exit(main(["chat", *sys.argv[1:]]))
