"""LocalFlow: the local server's API driven through one httpx client, for the emulator's tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from memoram_local import DEV_API_KEY

# A loopback name: the server answers only those (see memoram_local/_guard.py).
LOCAL_ORIGIN = "http://localhost"


@dataclass
class Grant:
    """An approved access request: what a test needs to touch a user's memories."""

    request_id: str
    user_id: str
    memory_key: str
    encryption_key: str


class LocalFlow:
    """Drives the local server's API through one httpx client (in-process or over loopback)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        origin: str,
        api_key: str = DEV_API_KEY,
        dashboard_token: str | None = None,
    ) -> None:
        self.client = client
        self.origin = origin
        self.api_key = api_key
        self.dashboard_token = dashboard_token
        self._token: str | None = None

    @property
    def api(self) -> str:
        """The /api/v1 base URL."""
        return self.origin + "/api/v1"

    async def token(self, api_key: str | None = None) -> str:
        """A fresh developer JWT."""
        response = await self.client.post(
            f"{self.api}/auth/token", json={"api_key": api_key or self.api_key}
        )
        assert response.status_code == 200, response.text
        return str(response.json()["token"])

    async def headers(self) -> dict[str, str]:
        """The Authorization header of this flow's developer."""
        if self._token is None:
            self._token = await self.token()
        return {"Authorization": f"Bearer {self._token}"}

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An authenticated call to /api/v1`path`."""
        headers = {**(await self.headers()), **kwargs.pop("headers", {})}
        return await self.client.request(method, self.api + path, headers=headers, **kwargs)

    @property
    def dashboard_headers(self) -> dict[str, str]:
        """The header carrying the server's dashboard token (empty when the flow has none)."""
        if self.dashboard_token is None:
            return {}
        return {"X-Memoram-Local-Token": self.dashboard_token}

    async def dashboard(self, action: str, request_id: str) -> httpx.Response:
        """The user's approve/reject/revoke on /local."""
        return await self.client.post(
            f"{self.origin}/local/access-requests/{request_id}/{action}",
            headers=self.dashboard_headers,
        )

    async def ask(self, memory_key: str, reason: str = "tests") -> dict[str, Any]:
        """Create an access request; returns its body."""
        response = await self.request(
            "POST", "/access-requests", json={"memoryKey": memory_key, "reason": reason}
        )
        assert response.status_code == 201, response.text
        return dict(response.json())

    async def grant(self, memory_key: str = "memory-key-alice") -> Grant:
        """Ask, approve as the user, and fetch the credentials."""
        request_id = (await self.ask(memory_key))["id"]
        assert (await self.dashboard("approve", request_id)).status_code == 200
        response = await self.request("GET", f"/access-requests/{request_id}/credentials")
        assert response.status_code == 200, response.text
        body = response.json()
        return Grant(request_id, body["user_id"], body["memory_key"], body["encryption_key"])

    async def create(self, grant: Grant, content: str = "c", **fields: Any) -> dict[str, Any]:
        """Create a memory for the granted user; returns the 201 body."""
        body = {"user_id": grant.user_id, "memoryKey": grant.memory_key, "content": content}
        response = await self.request("POST", "/memory-blobs", json={**body, **fields})
        assert response.status_code == 201, response.text
        return dict(response.json())
