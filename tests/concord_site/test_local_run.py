"""`make run` serves with DEBUG off over plain HTTP on this computer, with a key of its own."""

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

from concord.local import local_secret_key

REPO = Path(__file__).resolve().parents[2]
SHOW = (
    "import json, django; from django.conf import settings; django.setup(); print(json.dumps({"
    "'debug': settings.DEBUG, 'ssl': getattr(settings, 'SECURE_SSL_REDIRECT', False),"
    "'secure_cookie': settings.SESSION_COOKIE_SECURE, 'hosts': settings.ALLOWED_HOSTS,"
    "'key': settings.SECRET_KEY}))"
)


def _settings(tmp_path, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"}}
    environment.update(DJANGO_SETTINGS_MODULE="concord.settings", CONCORD_LOCAL_SECRET_FILE=str(tmp_path / "key"), **env)
    done = subprocess.run([sys.executable, "-c", SHOW], cwd=REPO, env=environment, capture_output=True, text=True, check=False)
    return done


def test_the_local_run_has_debug_off_plain_http_and_a_kept_key(tmp_path):
    first = _settings(tmp_path, CONCORD_LOCAL_HTTP="1")
    assert first.returncode == 0, first.stderr
    shown = json.loads(first.stdout)
    assert shown["debug"] is False and shown["ssl"] is False and shown["secure_cookie"] is False
    assert shown["hosts"] == ["127.0.0.1", "localhost"]
    again = json.loads(_settings(tmp_path, CONCORD_LOCAL_HTTP="1").stdout)
    assert again["key"] == shown["key"] and len(shown["key"]) >= 50


def test_without_the_local_switch_a_missing_key_is_still_refused(tmp_path):
    done = _settings(tmp_path)
    assert done.returncode != 0 and "SECRET_KEY must be set" in done.stderr


def test_the_key_file_is_readable_by_its_owner_only(tmp_path):
    path = tmp_path / "secret"
    key = local_secret_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert local_secret_key(path) == key
    path.write_text("short\n")
    assert local_secret_key(path) != "short"  # a truncated file is replaced, never used
