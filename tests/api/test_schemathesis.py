"""schemathesis against the document the app serves (``/api/v1/openapi.json``), through the Flask app
(WSGI, in process: ``schemathesis.openapi.from_wsgi``), on both databases: every operation, with a key
holding every scope, ``MAX_EXAMPLES`` generated requests per operation and generation mode (positive:
requests the document allows; negative: requests it forbids). Every answer must be below 500 and conform
to the document (status code, content type, headers, body schema), and every forbidden request must be
refused (4xx).

schemathesis' pytest plugin (``schemathesis.pytest.from_fixture``) does not run under pytest 9.2 (it sets
a node attribute pytest renamed), so the operations are driven by its Python API with Hypothesis' ``given``
(the same strategies and checks). The counts of a run are printed (``-s``)."""
from __future__ import annotations

import time

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (content_type_conformance, negative_data_rejection,
                                               response_headers_conformance, response_schema_conformance,
                                               status_code_conformance)

from counter.extensions import db

from .apilib import ALL_SCOPES, bearer, build_world, new_key

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_headers_conformance,
          response_schema_conformance]
NEGATIVE_CHECKS = CHECKS + [negative_data_rejection]


def test_api_conforms_to_its_document(app, streets, monkeypatch, capsys):
    build_world(streets, monkeypatch)
    token, _key = new_key(ALL_SCOPES, name="schemathesis")
    app.config["RATELIMIT_ENABLED"] = False
    auth = bearer(token)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    schema.validate()
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) == 6
    counts: dict[str, int] = {}
    started = time.perf_counter()
    for operation in operations:
        for mode, checks in ((GenerationMode.POSITIVE, CHECKS), (GenerationMode.NEGATIVE, NEGATIVE_CHECKS)):
            label = f"{operation.label} [{mode.value}]"

            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
                      suppress_health_check=list(HealthCheck))
            def run(case):
                counts[label] = counts.get(label, 0) + 1
                db.session.commit()  # the test's own transaction holds no lock while the app answers
                case.call_and_validate(headers=auth, checks=checks)

            run()
    elapsed = time.perf_counter() - started
    with capsys.disabled():
        print(f"\nschemathesis: {len(operations)} operations, {sum(counts.values())} requests in {elapsed:.1f} s")
        for label, n in counts.items():
            print(f"  {n:4d}  {label}")
