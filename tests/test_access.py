"""Access: loopback by default; another address needs ASSISTANT_AUTH (or an explicit opt-out)."""

from __future__ import annotations

import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from conftest import ROOT, free_port

from assistant.serve.access import AccessError, page_auth
from assistant.settings import Settings, SettingsError


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "example.org"])
def test_public_address_without_password_is_refused(host: str) -> None:
    with pytest.raises(AccessError, match="ASSISTANT_AUTH=user:password"):
        page_auth(host, None, allow_public=False)
    assert page_auth(host, None, allow_public=True) is None
    assert page_auth(host, "ana:pw:with:colons", allow_public=False) == [("ana", "pw:with:colons")]


@pytest.mark.parametrize("value", ["nopassword", ":pw", "ana:"])
def test_malformed_auth_setting_names_the_variable(value: str) -> None:
    with pytest.raises(SettingsError, match="ASSISTANT_AUTH: expected user:password"):
        Settings.from_env({"ASSISTANT_AUTH": value})


def test_app_refuses_to_start_on_a_public_address_without_auth(tmp_path: Path) -> None:
    env = {**os.environ, "ASSISTANT_DATA_DIR": str(tmp_path / "data")}
    env.pop("ASSISTANT_AUTH", None)
    done = subprocess.run([sys.executable, str(ROOT / "app.py"), "--host", "0.0.0.0", "--port",
                           str(free_port())], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2
    assert "refusing to serve 0.0.0.0 without a password" in done.stderr
    assert "Traceback" not in done.stderr


def test_page_with_auth_asks_for_the_password(make_assistant: Any) -> None:
    from gradio_client import Client

    from assistant.serve.web import serve

    port = free_port()
    page = serve(make_assistant(), host="127.0.0.1", port=port, block=False,
                 auth=page_auth("127.0.0.1", "ana:s3cret", allow_public=False))
    url = f"http://127.0.0.1:{port}/"
    try:
        with pytest.raises(Exception):  # noqa: B017 - gradio_client's error type varies
            Client(url, verbose=False).predict(api_name="/articles")
        client = Client(url, auth=("ana", "s3cret"), verbose=False)
        assert client.predict(api_name="/articles") == []
        with pytest.raises(Exception):  # noqa: B017
            Client(url, auth=("ana", "wrong"), verbose=False)
        with pytest.raises(urllib.error.HTTPError) as refused:  # the app's data needs a login
            urllib.request.urlopen(url + "config", timeout=10)
        assert refused.value.code in (401, 403)
    finally:
        page.close()
