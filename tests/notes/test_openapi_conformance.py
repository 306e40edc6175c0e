"""The running API conforms to its own OpenAPI document (schemathesis).

Every default check is on. Two expectations are widened, each for a reason:

- ``positive_data_acceptance`` counts any 4xx but 401/403/404/409/429 as
  "rejected valid data", but an If-Match that does not match the note must
  get 412: a failed precondition, not refused input.
- ``negative_data_rejection`` does not list 413, yet a body over 1 MiB is
  refused as too large before it is parsed, which is a rejection.
"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from minidb.notes import close_app, create_app
from minidb.notes.openapi import openapi_document
from tests.notes.helpers import closed_port_uri

CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412", "429"]
            },
            "negative_data_rejection": {
                "expected-statuses": [
                    "400",
                    "401",
                    "403",
                    "404",
                    "405",
                    "406",
                    "409",
                    "413",
                    "415",
                    "422",
                    "428",
                    "429",
                    "5xx",
                ]
            },
        }
    }
)


# The document is loaded from the package, not fetched from an app, because
# schemathesis.pytest.from_fixture relies on a pytest internal (Node._nodeid)
# that pytest 9 no longer has. A test below checks /openapi.json serves this same
# document (test_served_document_is_the_packaged_one); each generated test
# calls the per-test `app` fixture in-process.
schema = schemathesis.openapi.from_dict(openapi_document(), config=CONFIG)


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    # One app (and database) per operation, shared by that operation's examples.
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.filter_too_much,
    ],
)
def test_api_conforms_to_its_openapi_document(app, case):
    case.call_and_validate(app=app)


def test_stateful_sequences_conform(app):
    """Chains of calls along the document's links: create, read, replace, delete..."""

    class NotesMachine(schema.as_state_machine()):
        def get_call_kwargs(self, case):
            return {"app": app}

    NotesMachine.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=6,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )


def test_document_is_valid_openapi_3_1():
    # The OAS 3.1 meta-schema as schemathesis ships it (it is not public API,
    # but requirements.txt pins the version).
    import jsonschema_rs
    from schemathesis.specs.openapi.definitions import OPENAPI_31

    errors = [str(e) for e in jsonschema_rs.validator_for(OPENAPI_31).iter_errors(openapi_document())]
    assert errors == []


def test_served_document_is_the_packaged_one(client):
    assert client.get("/openapi.json").get_json() == openapi_document()


def documented_statuses(path: str, method: str) -> set[int]:
    return {int(status) for status in openapi_document()["paths"][path][method.lower()]["responses"]}


def operations(path: str) -> list[str]:
    return [m for m in openapi_document()["paths"][path] if m != "parameters"]


def test_every_status_the_routes_answer_is_documented(client, make_note):
    note = make_note()
    one = f"/notes/{note['id']}"
    missing = f"/notes/{'a' * 24}"
    big = b'{"title": "' + b"x" * (1024 * 1024) + b'"}'
    seen: list[tuple[str, str, int]] = []

    def answer(path: str, method: str, url: str, **kwargs) -> None:
        seen.append((path, method, client.open(url, method=method, **kwargs).status_code))

    for method in ("PUT", "PATCH"):
        answer("/notes/{note_id}", method, one, json={"title": "new"})
        answer("/notes/{note_id}", method, one, data="{", content_type="application/json")
        answer("/notes/{note_id}", method, missing, json={"title": "new"})
        answer("/notes/{note_id}", method, one, json={"title": "new"}, headers={"If-Match": '"99"'})
        answer("/notes/{note_id}", method, one, data=big, content_type="application/json")
        answer("/notes/{note_id}", method, one, data="x", content_type="text/plain")
        answer("/notes/{note_id}", method, one, json={"title": 1})
    answer("/notes", "GET", "/notes")
    answer("/notes", "GET", "/notes?limit=0")
    answer("/notes", "POST", "/notes", json={"title": "t"})
    answer("/notes", "POST", "/notes", data="{", content_type="application/json")
    answer("/notes", "POST", "/notes", data=big, content_type="application/json")
    answer("/notes", "POST", "/notes", data="x", content_type="text/plain")
    answer("/notes", "POST", "/notes", json={})
    answer("/notes/{note_id}", "GET", one)
    answer("/notes/{note_id}", "GET", one, headers={"If-None-Match": "*"})
    answer("/notes/{note_id}", "GET", missing)
    answer("/notes/{note_id}", "DELETE", one, headers={"If-Match": '"99"'})
    answer("/notes/{note_id}", "DELETE", one)
    answer("/notes/{note_id}", "DELETE", one)
    answer("/healthz", "GET", "/healthz")
    answer("/openapi.json", "GET", "/openapi.json")
    assert {status for *_, status in seen} >= {200, 201, 204, 304, 400, 404, 412, 413, 415, 422}
    for path, method, status in seen:
        assert status in documented_statuses(path, method), (path, method, status)

    # A method a path does not have: 405, listed with its Allow header on every operation.
    for path, url, method in [
        ("/notes", "/notes", "DELETE"),
        ("/notes/{note_id}", one, "POST"),
        ("/healthz", "/healthz", "POST"),
        ("/openapi.json", "/openapi.json", "PUT"),
    ]:
        assert client.open(url, method=method).status_code == 405
        for operation in operations(path):
            response = openapi_document()["paths"][path][operation]["responses"]["405"]
            assert response["headers"]["Allow"]["$ref"] == "#/components/headers/Allow"


def test_an_unreachable_database_is_documented_wherever_it_is_answered():
    # Nothing will answer: short timeouts make the 503s quick.
    config = {"NOTES_OPERATION_TIMEOUT": 0.3, "NOTES_SERVER_SELECTION_TIMEOUT_MS": 300}
    app = create_app({"TESTING": True, "MONGODB_URI": closed_port_uri(), **config})
    try:
        client = app.test_client()
        one = f"/notes/{'a' * 24}"
        for path, method, url, kwargs in [
            ("/notes", "GET", "/notes", {}),
            ("/notes", "POST", "/notes", {"json": {"title": "t"}}),
            ("/notes/{note_id}", "GET", one, {}),
            ("/notes/{note_id}", "PUT", one, {"json": {"title": "t"}}),
            ("/notes/{note_id}", "PATCH", one, {"json": {"title": "t"}}),
            ("/notes/{note_id}", "DELETE", one, {}),
            ("/healthz", "GET", "/healthz", {}),
        ]:
            assert client.open(url, method=method, **kwargs).status_code == 503
            assert 503 in documented_statuses(path, method), (path, method)
    finally:
        close_app(app)


def test_every_operation_documents_500_and_every_one_but_healthz_an_optional_token():
    document = openapi_document()
    assert document["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "Authorization: Bearer <NOTES_API_TOKEN>, when the server sets one.",
    }
    # {} first: without NOTES_API_TOKEN the API takes requests without credentials.
    assert document["security"] == [{}, {"bearerAuth": []}]
    for path in document["paths"]:
        for method in operations(path):
            operation = document["paths"][path][method]
            assert "500" in operation["responses"], (path, method)
            if path == "/healthz":
                assert operation["security"] == [] and "401" not in operation["responses"]
            else:
                assert "security" not in operation  # the document's optional token applies
                unauthorized = operation["responses"]["401"]
                assert "WWW-Authenticate" in unauthorized["headers"], (path, method)
