"""A database error raised by a view is answered for what it is: a query that ran too
long, a conflict worth retrying, or a server that is not answering."""

from __future__ import annotations

import json
import logging

import psycopg
import pytest
from django.db import OperationalError, connection, transaction
from django.test import RequestFactory

from coordination.db_unavailable import DatabaseUnavailableMiddleware, classify

pytestmark = pytest.mark.django_db


def _real_error(sql: str) -> OperationalError:
    """The OperationalError PostgreSQL really raises for `sql` (run in a savepoint)."""
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    except OperationalError as exc:
        return exc
    raise AssertionError("the statement did not fail")


def _answer(path: str, exc: Exception):
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    request = RequestFactory().get(path, HTTP_ACCEPT_LANGUAGE="en")
    return middleware.process_exception(request, exc)


def test_a_statement_timeout_says_the_request_took_too_long(caplog):
    exc = _real_error("SET LOCAL statement_timeout = 10; SELECT pg_sleep(1)")
    assert classify(exc) == "timeout"
    with caplog.at_level(logging.ERROR, logger="coordination.db_unavailable"):
        response = _answer("/api/v1/interventions/", exc)
    assert response.status_code == 503
    assert json.loads(response.content)["errors"]["non_field_errors"] == [
        "This request took too long and was stopped. Narrow the filters or try again "
        "later."
    ]
    assert "57014" in caplog.text
    assert "pg_sleep" not in caplog.text  # the statement is never logged


def test_a_lock_timeout_is_a_request_that_took_too_long():
    exc = OperationalError("lock")
    exc.__cause__ = psycopg.errors.lookup("55P03")("lock not available")
    assert classify(exc) == "timeout"


def test_a_deadlock_asks_to_try_again_on_a_page():
    exc = OperationalError("deadlock")
    exc.__cause__ = psycopg.errors.lookup("40P01")("deadlock detected")
    response = _answer("/", exc)
    assert response.status_code == 503
    assert "Please try again" in response.content.decode()
    assert "not answering" not in response.content.decode()


def test_a_lost_connection_still_says_the_database_is_not_answering():
    exc = OperationalError("server closed the connection unexpectedly")
    exc.__cause__ = psycopg.OperationalError("server closed the connection")
    assert classify(exc) == "unavailable"
    response = _answer("/api/v1/organisations/", exc)
    assert json.loads(response.content)["errors"]["non_field_errors"] == [
        "The database is not answering. Please try again in a few moments."
    ]


def test_other_exceptions_are_not_taken_over():
    assert _answer("/", ValueError("boom")) is None
