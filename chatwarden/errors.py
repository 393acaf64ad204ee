"""The ChatWarden error hierarchy: every error has a stable code and a clear message."""


class ChatWardenError(Exception):
    """Base class; ``code`` is stable and safe to show to a user or an API client."""

    code = "chatwarden_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class ConfigError(ChatWardenError):
    """Settings or a settings file are invalid; the message names the key and the bad value."""

    code = "config_error"


class InputError(ChatWardenError):
    """Input data (a message, a term, a file) is invalid."""

    code = "invalid_input"


class ModelError(ChatWardenError):
    """The bundled or a trained model cannot be loaded."""

    code = "model_error"


class Unauthorized(ChatWardenError):
    """No valid session or token (unknown, expired or revoked), or bad credentials (HTTP 401)."""

    code = "unauthorized"


class Forbidden(ChatWardenError):
    """The actor is known but not allowed to do this here (HTTP 403)."""

    code = "forbidden"


class NotFound(ChatWardenError):
    """The channel, user, message or item does not exist (HTTP 404)."""

    code = "not_found"


class Conflict(ChatWardenError):
    """The thing changed under the caller: already resolved, already exists (HTTP 409)."""

    code = "conflict"


class RateLimited(ChatWardenError):
    """Too many requests; ``retry_after_s`` says when to try again (HTTP 429)."""

    code = "rate_limited"

    def __init__(self, message: str, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s
