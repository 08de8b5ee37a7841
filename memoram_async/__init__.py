"""memoram_async: the async Python SDK for the Memoram API."""

__all__: list[str] = []
