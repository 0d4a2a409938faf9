"""One exception tree for botfactory.

Every error's docstring is its default message, so ``raise NotFound()`` still says something useful.
"""

from __future__ import annotations


class BotfactoryError(Exception):
    """Something went wrong in botfactory."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message or (self.__doc__ or "").strip())

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class ValidationError(BotfactoryError, ValueError):
    """The input is not valid."""

    def __init__(self, message: str | None = None, *, field: str | None = None, value: object = None) -> None:
        self.field = field
        self.value = value
        if message is None and field is not None:
            message = f"{field}: invalid value {value!r}"
        super().__init__(message)


class ConfigurationError(BotfactoryError):
    """botfactory is not configured correctly."""


class NotFound(BotfactoryError, LookupError):
    """No such object."""


class Conflict(BotfactoryError):
    """The object is not in a state that allows this."""


class RegistrationError(BotfactoryError):
    """A registration clashes with an existing one."""


class ExecutionError(BotfactoryError):
    """A job failed while running."""


class UnsupportedDatabase(ConfigurationError):
    """This database server is too old or not supported."""
