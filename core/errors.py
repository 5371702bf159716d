"""Domain errors raised by services; views and the API turn them into 4xx answers."""


class DomainError(Exception):
    """A rule of the product refused the request. The message is shown to the user."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code


class InvalidTransition(DomainError):
    """The object is not in a state that allows this move (it changed under the user)."""

    status_code = 409
    code = "invalid_transition"


class NotAllowed(DomainError):
    """The user may see the object but may not do this to it."""

    status_code = 403
    code = "not_allowed"


class PayloadTooLarge(DomainError):
    """What was sent is bigger than the product accepts (a file over its size cap)."""

    status_code = 413
    code = "too_large"


class LimitReached(DomainError):
    """The user already has as many of these as the product keeps (finish or remove one first)."""

    status_code = 409
    code = "limit_reached"


class NotFound(DomainError):
    """The object is not there for this user (same answer as for one that does not exist)."""

    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The request collides with the object's current state (already done, no longer there, closed)."""

    status_code = 409
    code = "conflict"
