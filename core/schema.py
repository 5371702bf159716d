"""OpenAPI schema that tells the truth about errors, without boilerplate in every view.

`AutoSchema` (DEFAULT_SCHEMA_CLASS) adds the error answers every operation can give, derived
from what the view is: 400 when it reads query parameters or a body, 401/403 from its
authentication and permissions, 404 when its path names an object, 413/415 when it takes a
body, 429 when it is throttled. Answers only the view knows about (403 for an action the caller
may see but not do, 409 for a state conflict) are declared with `error_responses(403, 409)`
in `extend_schema(responses=...)`. All of them use the one `Error` component (core.api).
"""

from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import SAFE_METHODS, AllowAny

from core.api import ErrorSerializer

ERROR_DESCRIPTIONS = {
    400: "Invalid input: a parameter or field failed validation (see `errors`), or the body is not valid JSON.",
    401: "Not authenticated, or the token is invalid, revoked or expired.",
    403: "Not allowed: not signed in (session), CSRF check failed, or the action is refused (reason in `detail`).",
    404: "No such object, or one the caller may not see.",
    409: "State conflict: the object is not in a state that allows this (it changed).",
    413: "The request body is too large.",
    415: "Unsupported media type: send application/json.",
    429: "Too many requests: throttled; retry after the Retry-After header's seconds.",
}


def error_response(status: int, description: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(ErrorSerializer, description=description or ERROR_DESCRIPTIONS[status])


def error_responses(*statuses: int, **descriptions: str) -> dict[int, OpenApiResponse]:
    """`extend_schema(responses={200: Thing, **error_responses(403, 409)})`.

    A description can be given per status as `_409="Already accepted."`.
    """
    return {status: error_response(status, descriptions.get(f"_{status}")) for status in statuses}


class AutoSchema(SpectacularAutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation.setdefault("responses", {})
        for status in sorted(self.implied_error_statuses(operation)):
            key = str(status)
            if key not in responses:
                responses[key] = self._get_response_for_code(error_response(status), key)
        return operation

    def implied_error_statuses(self, operation: dict) -> set[int]:
        statuses: set[int] = set()
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        if has_body or any(parameter["in"] == "query" for parameter in parameters):
            statuses.add(400)
        if has_body:
            statuses |= {413, 415}
        if any(parameter["in"] == "path" for parameter in parameters):
            statuses.add(404)
        authenticators = self.view.get_authenticators()
        if any(authenticator.authenticate_header(self.view.request) for authenticator in authenticators):
            statuses.add(401)
        is_public = all(isinstance(permission, AllowAny) for permission in self.view.get_permissions())
        needs_csrf = self.method not in SAFE_METHODS and any(
            isinstance(authenticator, SessionAuthentication) for authenticator in authenticators
        )
        if not is_public or needs_csrf:
            statuses.add(403)
        if self.view.get_throttles():
            statuses.add(429)
        return statuses
