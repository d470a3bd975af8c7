"""Each tenant keeps its own rejection list: one tenant's bad traffic never evicts another's entries."""

from __future__ import annotations

import requests

from wave_mock.testing import MockServer

A = {"Authorization": "Bearer key-a"}
B = {"Authorization": "Bearer key-b"}
CAP = 10_000  # the documented per-tenant bound


def _bad(tag: str) -> dict:
    return {"eventType": "t", "eventName": "n", "sessionId": 5, "properties": {"tag": tag}}


def _rejected_tags(server: MockServer, headers: dict[str, str], limit: int = 100) -> list[str]:
    response = requests.get(f"{server.root_url}/_mock/rejected", params={"limit": limit}, headers=headers, timeout=30)
    assert response.status_code == 200
    return [entry["body"]["properties"]["tag"] for entry in response.json()["rejected"]]


def test_one_tenants_flood_keeps_the_other_tenants_rejections() -> None:
    args = ["--api-key", "key-a", "--api-key", "key-b", "--admin-token", "adm", "--no-access-log"]
    with MockServer(args) as server:
        for n in range(3):
            response = requests.post(f"{server.base_url}/analytics/events", json=_bad(f"b-{n}"), headers=B, timeout=10)
            assert response.status_code == 400
        batches = CAP // 100 + 1  # 10,100 rejected items from A: more than one list holds
        session = requests.Session()
        for k in range(batches):
            body = {"events": [_bad(f"a-{k}-{i}") for i in range(100)]}
            response = session.post(f"{server.base_url}/analytics/events/batch", json=body, headers=A, timeout=30)
            assert response.status_code == 200 and response.json()["rejected"] == 100

        assert _rejected_tags(server, B) == ["b-2", "b-1", "b-0"]
        flooded = _rejected_tags(server, A, limit=CAP)
        # A's own list is bounded: its newest 10,000 of 10,100, so its first batch fell off.
        assert len(flooded) == CAP
        assert flooded[0] == f"a-{batches - 1}-99" and flooded[-1] == "a-1-0"
        stats = requests.get(f"{server.root_url}/_mock/stats", headers={"Authorization": "Bearer adm"}, timeout=10).json()
        assert stats["rejected"] == 100 * batches + 3

        # A reset of A empties A's list only.
        assert requests.post(f"{server.root_url}/_mock/reset", headers=A, timeout=10).status_code == 200
        assert _rejected_tags(server, A) == [] and _rejected_tags(server, B) == ["b-2", "b-1", "b-0"]
