"""Business rules. No request objects here; functions flush, the caller commits."""


class ServiceError(Exception):
    """A rule was broken; the message is safe to show to the person who asked."""
