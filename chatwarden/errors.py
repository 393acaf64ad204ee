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
