"""Settings: production passes `check --deploy`, unsafe values stop start-up, helpers fail loudly.

The start-up tests run `manage.py` in a fresh process with a clean environment, the way an
operator would, because settings are read once at import. Test runs sharing a Redis
database keep to their own cache keys and queue.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.conf import settings
from django.core.cache import cache

from mutualaid.envconfig import ConfigError, env_bool, env_int, env_list, env_str
from mutualaid.settings import DEVELOPMENT_SECRET_KEY
from tests.conftest import forget_cached, need

MANAGE = Path(settings.BASE_DIR) / "manage.py"


def _production_env(tmp_path: Path) -> dict[str, str]:
    return {
        "MUTUALAID_PRODUCTION": "1",
        "SECRET_KEY": secrets.token_urlsafe(60)[:60],
        "ALLOWED_HOSTS": "aid.example.org",
        "DATABASE_URL": "postgres://x@127.0.0.1/x",
        "REDIS_URL": "redis://127.0.0.1:6379/9",
        "SEALING_KEYS": Fernet.generate_key().decode(),
        "BLIND_INDEX_KEY": secrets.token_urlsafe(32),
        "KEY_DIR": str(tmp_path / "keys"),
        "TRUSTED_PROXY_COUNT": "1",
    }


def _manage(tmp_path: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run manage.py with only `env` set (plus PATH and a scratch VAR_DIR)."""
    clean = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "mutualaid.settings",
        **env,
    }
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=MANAGE.parent,
        env=clean,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def _refusal(result: subprocess.CompletedProcess[str]) -> str:
    """The one-line reason a refused start-up gives on its last line of stderr."""
    assert result.returncode != 0, result.stdout
    last_line = result.stderr.strip().splitlines()[-1]
    prefix = "mutualaid.envconfig.ConfigError: "
    assert last_line.startswith(prefix), result.stderr
    return last_line.removeprefix(prefix)


def test_it_passes_the_deploy_check_in_production(tmp_path: Path):
    result = _manage(tmp_path, _production_env(tmp_path), "check", "--deploy")

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "System check identified no issues (0 silenced)."
    assert "WARNING" not in result.stderr
    assert "security." not in result.stderr


def test_it_starts_in_embedded_mode_with_nothing_set(tmp_path: Path):
    result = _manage(tmp_path, {}, "check")

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "secret",
    [None, "", DEVELOPMENT_SECRET_KEY, "too-short-to-be-a-secret"],
    ids=["missing", "blank", "default", "short"],
)
def test_it_refuses_to_start_in_production_without_a_real_secret(
    tmp_path: Path, secret: str | None
):
    env = _production_env(tmp_path)
    del env["SECRET_KEY"]
    if secret is not None:
        env["SECRET_KEY"] = secret

    result = _manage(tmp_path, env, "check")

    assert _refusal(result) == "SECRET_KEY must be set to a random value of 50+ characters"


@pytest.mark.parametrize("hosts", ["*", "aid.example.org,*", " , "])
def test_it_refuses_to_start_in_production_with_any_host_allowed(tmp_path: Path, hosts: str):
    env = {**_production_env(tmp_path), "ALLOWED_HOSTS": hosts}

    result = _manage(tmp_path, env, "check")

    assert _refusal(result) == "ALLOWED_HOSTS must name this site's hosts, without '*'"


def test_it_refuses_to_start_in_production_with_debug_on(tmp_path: Path):
    result = _manage(tmp_path, {**_production_env(tmp_path), "DEBUG": "true"}, "check")

    assert _refusal(result) == "DEBUG must be off in production"


@pytest.mark.parametrize(
    "missing, says",
    [
        ("DATABASE_URL", "DATABASE_URL is required in production"),
        ("REDIS_URL", "REDIS_URL is required in production"),
        ("SEALING_KEYS", "SEALING_KEYS is required in production"),
        ("BLIND_INDEX_KEY", "BLIND_INDEX_KEY is required in production"),
        ("KEY_DIR", "KEY_DIR is required in production"),
        ("TRUSTED_PROXY_COUNT", "TRUSTED_PROXY_COUNT is required in production"),
    ],
)
def test_it_refuses_to_start_in_production_without_its_services(
    tmp_path: Path, missing: str, says: str
):
    env = _production_env(tmp_path)
    del env[missing]

    result = _manage(tmp_path, env, "check")

    assert _refusal(result).startswith(says)


@pytest.mark.parametrize(
    "env, says",
    [
        ({"DEBUG": "maybe"}, "DEBUG must be one of 1/0/true/false/yes/no/on/off, not 'maybe'"),
        (
            {"MUTUALAID_PRODUCTION": "prod"},
            "MUTUALAID_PRODUCTION must be one of 1/0/true/false/yes/no/on/off, not 'prod'",
        ),
        ({"CONTACT_RETENTION_DAYS": "a week"}, "must be a whole number, not 'a week'"),
        ({"REQUEST_RATE_LIMIT": "0"}, "REQUEST_RATE_LIMIT must be at least 1, not 0"),
        ({"DATABASE_URL": "nonsense"}, "DATABASE_URL is not a database URL"),
    ],
    ids=["debug", "production", "days", "rate limit", "database url"],
)
def test_it_fails_loudly_on_a_bad_value(tmp_path: Path, env: dict[str, str], says: str):
    result = _manage(tmp_path, env, "check")

    assert says in _refusal(result)


@pytest.mark.parametrize(
    "keys, position",
    [("notakey", "1"), (f"{Fernet.generate_key().decode()},notakey", "2"), ("YWJj", "1")],
    ids=["not base64", "second of two", "too short"],
)
def test_it_refuses_to_start_with_a_sealing_key_that_is_not_a_fernet_key(
    tmp_path: Path, keys: str, position: str
):
    result = _manage(tmp_path, {**_production_env(tmp_path), "SEALING_KEYS": keys}, "check")

    assert _refusal(result) == (
        f"SEALING_KEYS holds a value that is not a Fernet key (number {position}; url-safe "
        "base64 of 32 bytes; manage.py new_sealing_key prints one)"
    )


def test_it_refuses_to_start_in_production_with_a_short_blind_index_key(tmp_path: Path):
    env = {**_production_env(tmp_path), "BLIND_INDEX_KEY": "x" * 31}

    result = _manage(tmp_path, env, "check")

    assert _refusal(result) == "BLIND_INDEX_KEY must be 32+ random characters, not 31"


def test_it_refuses_to_start_in_production_with_a_key_dir_it_cannot_write(tmp_path: Path):
    not_a_directory = tmp_path / "keys-file"
    not_a_directory.write_text("")
    env = {**_production_env(tmp_path), "KEY_DIR": str(not_a_directory)}

    result = _manage(tmp_path, env, "check")

    assert _refusal(result) == f"KEY_DIR must be a writable directory: {str(not_a_directory)!r}"


def test_it_creates_the_key_dir_owner_only_in_production(tmp_path: Path):
    result = _manage(tmp_path, _production_env(tmp_path), "check")

    assert result.returncode == 0, result.stderr
    assert (tmp_path / "keys").stat().st_mode & 0o777 == 0o700


# Test settings on a shared Redis ------------------------------------------------------------


def _test_run_names(tmp_path: Path, **env: str) -> tuple[str, str]:
    """(cache key prefix, Celery queue) that the test settings give a process with `env`."""
    show = (
        "import mutualaid.settings_test as s; "
        "print(s.CACHES['default']['KEY_PREFIX'], s.CELERY_TASK_DEFAULT_QUEUE)"
    )
    result = subprocess.run(
        [sys.executable, "-c", show],
        cwd=MANAGE.parent,
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "VAR_DIR": str(tmp_path),
            "REDIS_URL": "redis://127.0.0.1:6379/9",
            **env,
        },
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    prefix, queue = result.stdout.split()
    return prefix, queue


def test_it_gives_each_test_run_and_worker_its_own_cache_prefix_and_queue(tmp_path: Path):
    gw0 = _test_run_names(tmp_path, PYTEST_XDIST_TESTRUNUID="1f2e3d", PYTEST_XDIST_WORKER="gw0")
    gw1 = _test_run_names(tmp_path, PYTEST_XDIST_TESTRUNUID="1f2e3d", PYTEST_XDIST_WORKER="gw1")
    alone = _test_run_names(tmp_path)
    alone_again = _test_run_names(tmp_path)
    # A worker process that the gw0 tests start (tests/integration) shares gw0's names.
    started_by_gw0 = _test_run_names(
        tmp_path, MUTUALAID_TEST_RUN=gw0[1], PYTEST_XDIST_TESTRUNUID="1f2e3d"
    )

    names = [gw0, gw1, alone, alone_again]
    assert all(prefix == queue for prefix, queue in names)
    assert len({prefix for prefix, _queue in names}) == 4
    assert started_by_gw0 == gw0
    assert all(prefix.startswith("test-") for prefix, _queue in names)


def test_it_empties_only_this_runs_cache_on_a_shared_redis():
    need("Redis (set REDIS_URL)", bool(settings.REDIS_URL))
    redis = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    # Another run's cache key and its job queue.
    key, queue = "test-another-run-gw0:1:ratelimit:x", "test-another-run-gw0"
    redis.set(key, b"1", ex=60)
    redis.rpush(queue, b"a job")
    cache.set("ratelimit:mine", 1)
    try:
        forget_cached()

        assert cache.get("ratelimit:mine") is None
        assert redis.get(key) == b"1"
        assert redis.lrange(queue, 0, -1) == [b"a job"]
    finally:
        redis.delete(key, queue)


# envconfig helpers -----------------------------------------------------------------------

NAME = "MUTUALAID_TEST_SETTING"


@pytest.fixture
def unset(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    monkeypatch.delenv(NAME, raising=False)
    return monkeypatch


def test_it_reads_a_string_without_surrounding_space(unset: pytest.MonkeyPatch):
    assert env_str(NAME) == ""
    assert env_str(NAME, "fallback") == "fallback"
    unset.setenv(NAME, "  America/Chicago \n")
    assert env_str(NAME, "fallback") == "America/Chicago"


@pytest.mark.parametrize("blank", ["", "   "])
def test_it_uses_the_default_for_a_blank_string(unset: pytest.MonkeyPatch, blank: str):
    # A `NAME=` line in an env file must not replace a working default with nothing.
    unset.setenv(NAME, blank)

    assert env_str(NAME, "America/Chicago") == "America/Chicago"


@pytest.mark.parametrize("raw", ["1", "true", "TRUE", "yes", "On", " true "])
def test_it_reads_true(unset: pytest.MonkeyPatch, raw: str):
    unset.setenv(NAME, raw)

    assert env_bool(NAME, False) is True


@pytest.mark.parametrize("raw", ["0", "false", "False", "no", "OFF"])
def test_it_reads_false(unset: pytest.MonkeyPatch, raw: str):
    unset.setenv(NAME, raw)

    assert env_bool(NAME, True) is False


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_it_uses_the_default_for_a_missing_bool(unset: pytest.MonkeyPatch, raw: str | None):
    if raw is not None:
        unset.setenv(NAME, raw)

    assert env_bool(NAME, True) is True
    assert env_bool(NAME, False) is False


@pytest.mark.parametrize("raw", ["maybe", "2", "y", "enabled"])
def test_it_refuses_a_bool_it_does_not_understand(unset: pytest.MonkeyPatch, raw: str):
    unset.setenv(NAME, raw)

    with pytest.raises(ConfigError) as excinfo:
        env_bool(NAME, False)

    assert str(excinfo.value) == (
        f"{NAME} must be one of 1/0/true/false/yes/no/on/off, not {raw!r}"
    )


def test_it_reads_an_int(unset: pytest.MonkeyPatch):
    assert env_int(NAME, 7) == 7
    unset.setenv(NAME, " 30 ")
    assert env_int(NAME, 7) == 30
    unset.setenv(NAME, "")
    assert env_int(NAME, 7) == 7


@pytest.mark.parametrize("raw", ["seven", "1.5", "3 days", "0x10"])
def test_it_refuses_an_int_that_is_not_a_whole_number(unset: pytest.MonkeyPatch, raw: str):
    unset.setenv(NAME, raw)

    with pytest.raises(ConfigError, match=f"{NAME} must be a whole number, not {raw!r}"):
        env_int(NAME, 7)


def test_it_refuses_an_int_below_the_minimum(unset: pytest.MonkeyPatch):
    unset.setenv(NAME, "-1")
    with pytest.raises(ConfigError, match=f"{NAME} must be at least 0, not -1"):
        env_int(NAME, 7)

    unset.setenv(NAME, "9")
    with pytest.raises(ConfigError, match=f"{NAME} must be at least 10, not 9"):
        env_int(NAME, 300, minimum=10)


def test_it_reads_a_comma_separated_list(unset: pytest.MonkeyPatch):
    unset.setenv(NAME, " aid.example.org, ,www.aid.example.org ,")

    assert env_list(NAME) == ["aid.example.org", "www.aid.example.org"]


@pytest.mark.parametrize("raw", [None, "", "  "])
def test_it_uses_a_copy_of_the_default_list(unset: pytest.MonkeyPatch, raw: str | None):
    if raw is not None:
        unset.setenv(NAME, raw)
    default = ["localhost"]

    hosts = env_list(NAME, default)
    hosts.append("evil.example")

    assert default == ["localhost"]
    assert env_list(NAME) == []
