"""Schemathesis drives every operation of the OpenAPI schema with generated
requests (valid and not) through the real WSGI app and database: no answer may
be a server error, and every 2xx answer must match the schema it documents."""

from itertools import product

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error, response_schema_conformance

from relance.api.tokens import issue
from relance.orgs.models import Membership


@pytest.fixture
def connection_kept():
    """Keep the test's database connection across requests, as Django's test
    client does: the WSGI handler would close it when each request ends."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("connection_kept")
def test_no_operation_answers_with_a_server_error(books, members):
    _, secret = issue(Membership.objects.get(user=members["admin"]), "schemathesis")
    headers = {"Authorization": f"Bearer {secret}"}
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 15

    for operation, mode in product(operations, GenerationMode):

        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(
            max_examples=60, deadline=None, suppress_health_check=list(HealthCheck)
        )
        def check(case):
            response = case.call(headers=headers)
            case.validate_response(
                response, checks=[not_a_server_error, response_schema_conformance]
            )

        check()
