"""Domain errors: a message for people, raised by services, shown by views."""


class DomainError(Exception):
    """An operation was refused; ``str(error)`` says why, in words for people."""

    status = 400


class NotFound(DomainError):
    status = 404


class Conflict(DomainError):
    """Someone else changed the object first, or it already exists."""

    status = 409
