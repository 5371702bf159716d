"""Under ASGI an oversized body is refused before Django buffers it (core.asgi_limits)."""

import http.client
import json

import pytest
from asgiref.testing import ApplicationCommunicator

from core.asgi_limits import RequestBodyLimit


def _http_scope(headers):
    return {"type": "http", "method": "POST", "path": "/trades/lists/import/", "headers": headers, "query_string": b""}


async def _never_called(scope, receive, send):
    raise AssertionError("the application must not see this request")


async def test_a_declared_body_over_the_limit_is_413_without_reaching_django(settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    communicator = ApplicationCommunicator(RequestBodyLimit(_never_called), _http_scope([(b"content-length", b"1001")]))
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": True})
    start = await communicator.receive_output(timeout=2)
    assert start["status"] == 413
    body = await communicator.receive_output(timeout=2)
    assert body["body"] == b"The request body is larger than 1000 bytes.\n"


async def test_an_api_request_gets_the_api_error_shape(settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    scope = {**_http_scope([(b"content-length", b"5000")]), "path": "/api/v1/haves/"}
    communicator = ApplicationCommunicator(RequestBodyLimit(_never_called), scope)
    await communicator.send_input({"type": "http.request", "body": b"", "more_body": True})
    start = await communicator.receive_output(timeout=2)
    assert (start["status"], dict(start["headers"])[b"content-type"]) == (413, b"application/json")
    body = await communicator.receive_output(timeout=2)
    assert json.loads(body["body"]) == {
        "detail": "The request body is larger than 1000 bytes.",
        "code": "request_too_large",
    }


async def test_an_undeclared_body_streaming_past_the_limit_is_cut_off(settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    seen = []

    async def app(scope, receive, send):
        while True:
            message = await receive()
            seen.append(message["type"])
            if message["type"] == "http.disconnect" or not message.get("more_body"):
                return

    communicator = ApplicationCommunicator(RequestBodyLimit(app), _http_scope([]))
    await communicator.send_input({"type": "http.request", "body": b"x" * 600, "more_body": True})
    await communicator.send_input({"type": "http.request", "body": b"x" * 600, "more_body": True})
    await communicator.wait(timeout=2)
    assert seen == ["http.request", "http.disconnect"]


async def test_bodies_within_the_limit_pass(settings):
    settings.REQUEST_BODY_MAX_BYTES = 1000
    bodies = []

    async def app(scope, receive, send):
        message = await receive()
        bodies.append(message["body"])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    communicator = ApplicationCommunicator(RequestBodyLimit(app), _http_scope([(b"content-length", b"1000")]))
    await communicator.send_input({"type": "http.request", "body": b"x" * 1000})
    assert (await communicator.receive_output(timeout=2))["status"] == 204
    assert bodies == [b"x" * 1000]


@pytest.mark.django_db(transaction=True)
def test_the_served_app_refuses_a_gigabyte_upload_at_once(asgi_live_server):
    # The project's ASGI app as the demo serves it: the 413 comes before the body is sent.
    host, port = asgi_live_server.host, asgi_live_server.port
    connection = http.client.HTTPConnection(host, port, timeout=10)
    connection.putrequest("POST", "/trades/lists/import/")
    connection.putheader("Content-Type", "multipart/form-data; boundary=x")
    connection.putheader("Content-Length", str(1024**3))
    connection.endheaders()
    response = connection.getresponse()
    assert response.status == 413
    connection.close()
