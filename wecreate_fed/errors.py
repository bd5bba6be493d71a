"""Typed errors, one place. Each carries the HTTP status a route answers with."""


class WeCreateError(Exception):
    """Base of our errors; `status` is what an HTTP route answers, `str(e)` the reason."""

    status = 500


class ConfigError(WeCreateError):
    """The configuration file is missing a key or has an invalid value."""


class BadRequest(WeCreateError):
    """The input is malformed or breaks a rule; nothing was stored."""

    status = 400


class Unauthorized(WeCreateError):
    """No valid signature or token."""

    status = 401


class Forbidden(WeCreateError):
    """Valid credentials, but not allowed to do this."""

    status = 403


class NotFound(WeCreateError):
    status = 404


class Conflict(WeCreateError):
    status = 409


class Gone(WeCreateError):
    status = 410


class PayloadTooLarge(WeCreateError):
    status = 413


class SignatureError(Unauthorized):
    """An HTTP signature is missing, malformed, stale or does not verify."""


class FetchError(WeCreateError):
    """An outgoing request failed: refused address, timeout, too large, bad status, not JSON."""

    status = 502

    def __init__(self, message: str, *, http_status: int | None = None, retry_after: float | None = None):
        super().__init__(message)
        self.http_status = http_status
        self.retry_after = retry_after


class RefusedAddress(FetchError):
    """The target resolves to a loopback, private or link-local address and that is not allowed."""
