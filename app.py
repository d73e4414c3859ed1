"""Start the chat page: ``python app.py [--host H] [--port P] [--data-dir DIR]``.

Wiring only: settings → ``Assistant`` → ``assistant.serve.web.serve``. Defaults come from
``ASSISTANT_HOST`` (127.0.0.1), ``ASSISTANT_PORT`` (7860) and ``ASSISTANT_DATA_DIR``.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    parser = argparse.ArgumentParser(description="The news archive assistant's chat page.")
    parser.add_argument("--host", help="address to listen on (ASSISTANT_HOST, 127.0.0.1)")
    parser.add_argument("--port", type=int, help="port (ASSISTANT_PORT, 7860)")
    parser.add_argument("--data-dir", help="store folder (ASSISTANT_DATA_DIR)")
    parser.add_argument("--allow-public", action="store_true",
                        help="serve a non-loopback address without a password "
                             "(ASSISTANT_ALLOW_PUBLIC=1); prefer ASSISTANT_AUTH=user:password")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    from assistant.ingest.store import StoreError
    from assistant.models.weights import ModelError
    from assistant.serve.access import AccessError, is_loopback, page_auth
    from assistant.serve.api import Assistant
    from assistant.serve.web import serve
    from assistant.settings import Settings, SettingsError

    try:
        settings = Settings.from_env(host=args.host, port=args.port, data_dir=args.data_dir,
                                     allow_public=1 if args.allow_public else None)
        auth = page_auth(settings.host, settings.auth, allow_public=bool(settings.allow_public))
        bot = Assistant.from_settings(settings)
    except (ModelError, SettingsError, StoreError, AccessError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"The assistant: http://{settings.host}:{settings.port} "
          f"({len(bot.articles())} article(s) in {settings.data_dir}); OpenAI-compatible "
          f"endpoint: http://{settings.host}:{settings.port}/v1", flush=True)
    if auth is None and not is_loopback(settings.host):
        print(f"warning: serving {settings.host} with no password", file=sys.stderr)
    serve(bot, host=settings.host, port=settings.port, auth=auth)
    return 0


if __name__ == "__main__":
    sys.exit(main())
