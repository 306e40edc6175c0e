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

from minidb.notes.openapi import openapi_document

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
