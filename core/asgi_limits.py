"""A request-body cap in front of Django's ASGI handler.

Under ASGI Django reads the whole body into a temporary file before any middleware or view
runs, so the upload caps in views (list imports: 20 MB) would only see a 1 GB body after it
was on disk. This refuses a declared Content-Length over REQUEST_BODY_MAX_BYTES with 413 at
once, and ends a body that streams past it without declaring its length. (gunicorn, which
serves HTTP in production, streams the body, and there the view's own check comes first.)
"""

import json

from django.conf import settings


class RequestBodyLimit:
    def __init__(self, application):
        self.application = application

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.application(scope, receive, send)
        limit = settings.REQUEST_BODY_MAX_BYTES
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            return await _too_large(send, limit, is_api=scope.get("path", "").startswith("/api/"))
        received = 0

        async def limited_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Django treats a disconnect as an aborted request and answers nothing.
                    return {"type": "http.disconnect"}
            return message

        return await self.application(scope, limited_receive, send)


def _content_length(scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send, limit: int, *, is_api: bool) -> None:
    detail = f"The request body is larger than {limit} bytes."
    if is_api:  # the API's error shape (docs/api.md)
        body, content_type = json.dumps({"detail": detail, "code": "request_too_large"}).encode(), b"application/json"
    else:
        body, content_type = f"{detail}\n".encode(), b"text/plain; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
