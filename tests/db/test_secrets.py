"""A password never appears in any output, whatever shape its URL is in."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from click.testing import Result

from minidb.db import InvalidURL, parse, redact
from tests.harness import free_port
from tests.helpers import invoke

SECRET = "TopSecretPW"

# Each holds SECRET where a password goes (or where a user meant one to go).
MALFORMED = [
    f"postgresql:/alice:{SECRET}@127.0.0.1/db",        # one slash
    f"postgresql:alice:{SECRET}@127.0.0.1/db",         # no slash
    f"postgresql//alice:{SECRET}@127.0.0.1/db",        # no colon after the scheme
    f"alice:{SECRET}@127.0.0.1/db",                    # no scheme at all
    f"sqlite://alice:{SECRET}@host/x.db",              # a host in a SQLite URL
    f"mysql://alice:{SECRET}@host/db",                 # an engine minidb does not speak
    f"postgresql://alice:{SECRET}@db1:5432,db2:x/db",  # a bad port in a multi-host URL
    f"postgresql://alice:{SECRET} x@127.0.0.1/db",     # a space libpq refuses, echoing it
    f"postgresql://alice:{SECRET}%zz@127.0.0.1/db",    # a bad percent-escape, echoed too
    f"postgresql://alice:{SECRET}/more@127.0.0.1/db",  # an unescaped "/" in the password
    f"postgresql://alice@corp:{SECRET}@127.0.0.1/db",  # an unescaped "@" in the user name
    f"postgresql://127.0.0.1/db?password={SECRET}&nope=1",  # an option libpq refuses
    f"host=127.0.0.1 password='{SECRET} x' nope=1",    # a keyword/value string, bad option
]

# Well-formed URLs whose server refuses or cannot be reached.
UNREACHABLE = [
    "postgresql://alice:{pw}@127.0.0.1:{port}/db",
    "postgresql://alice:{pw}@127.0.0.1:{port},127.0.0.1:{port}/db?target_session_attrs=read-write",
    "postgresql://alice@127.0.0.1:{port}/db?password={pw}&sslmode=disable",
    "postgres://alice:{pw}@/db?host=127.0.0.1&port={port}",
    "host=127.0.0.1 port={port} user=alice password={pw} dbname=db",
]

URL_VARIABLES = {
    "todo": ("TODO_DATABASE_URL",),
    "contacts": ("CONTACTS_DATABASE_URL", "DATABASE_URL"),
}


@pytest.fixture
def environ() -> Iterator[dict[str, str]]:
    """The process environment, restored after the test."""
    saved = dict(os.environ)
    yield os.environ  # type: ignore[misc]
    os.environ.clear()
    os.environ.update(saved)


def run(app: str, args: list[str]) -> Result:
    return invoke(app, *args)


def assert_one_safe_error(result, code: int) -> None:
    assert result.exit_code == code, result.output
    assert SECRET not in result.output and SECRET not in result.stderr
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_url_is_refused_without_its_password(url: str) -> None:
    with pytest.raises(InvalidURL) as raised:
        parse(url)
    assert SECRET not in str(raised.value)
    assert "***" in str(raised.value)


@pytest.mark.parametrize("app", URL_VARIABLES)
@pytest.mark.parametrize("url", MALFORMED)
def test_no_cli_prints_the_password_of_a_malformed_url(app: str, url: str, environ) -> None:
    assert_one_safe_error(run(app, ["--db", url, "list"]), 2)
    for variable in URL_VARIABLES[app]:
        environ[variable] = url
        assert_one_safe_error(run(app, ["list"]), 2)
        assert_one_safe_error(run(app, ["migrate", "--check"]), 2)
        del environ[variable]


@pytest.mark.parametrize("app", URL_VARIABLES)
@pytest.mark.parametrize("template", UNREACHABLE)
def test_no_cli_prints_the_password_of_an_unreachable_server(app: str, template: str) -> None:
    url = template.format(pw=SECRET, port=free_port())
    result = run(app, ["--db", url, "list"])
    assert_one_safe_error(result, 1)
    assert "***" in result.stderr


@pytest.mark.parametrize("url", [u.format(pw=SECRET, port=5432) for u in UNREACHABLE]
                         + [f"postgresql://a%40b:{SECRET}@h/db", f"postgresql://a:{SECRET}@[::1]:5/db",
                            f"sqlite:////tmp/x.db?password={SECRET}"])
def test_redacted_urls_hide_the_password_and_keep_the_rest(url: str) -> None:
    shown = redact(url)
    assert SECRET not in shown and "***" in shown
    assert shown.replace("***", SECRET) == url


@pytest.mark.parametrize("url", MALFORMED)
def test_redact_hides_the_password_of_malformed_urls_too(url: str) -> None:
    assert SECRET not in redact(url)
