"""Who may open the chat page: loopback only by default; any other address needs a password.

    >>> page_auth("127.0.0.1", None, allow_public=False) is None
    True
    >>> page_auth("0.0.0.0", "ana:s3cret", allow_public=False)
    [('ana', 's3cret')]
    >>> page_auth("0.0.0.0", None, allow_public=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    assistant.serve.access.AccessError: refusing to serve 0.0.0.0 without a password: set ...
"""

from __future__ import annotations

import ipaddress


class AccessError(RuntimeError):
    """The page would be open to other machines without authentication."""


def is_loopback(host: str) -> bool:
    """``localhost``, 127.0.0.0/8 and ::1 are this machine only.

    >>> [is_loopback(h) for h in ("localhost", "127.0.0.2", "::1", "0.0.0.0", "10.0.0.5", "")]
    [True, True, True, False, False, False]
    """
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name: it may resolve anywhere


def page_auth(host: str, auth: str | None, *, allow_public: bool) -> list[tuple[str, str]] | None:
    """Gradio's ``auth`` for serving on ``host``, or an ``AccessError``."""
    if auth:
        user, _, password = auth.partition(":")
        return [(user, password)]
    if is_loopback(host) or allow_public:
        return None
    raise AccessError(f"refusing to serve {host} without a password: set "
                      "ASSISTANT_AUTH=user:password (or ASSISTANT_ALLOW_PUBLIC=1 to serve it open)")
