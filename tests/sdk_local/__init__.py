"""The SDK against the local server over loopback: real uvicorn, real sockets, real tokens.

Every user-facing behaviour that the unit tier pins with a mock also runs here through the
SDK's own client and through a user's ``httpx.AsyncClient``, and the pytest plugin
(``memoram_pytest``: ``memoram_local``, ``memoram_respx``) runs as users run it, through pytester.
"""
