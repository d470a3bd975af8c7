"""A small target that keeps every documented rule and departs from wave-mock's decisions.

It forwards to a wave-mock and changes what the docs leave open:
- no ``/_mock/`` API (so the kit does not hold it strictly);
- bad input gets 422 with another error body (``{"detail": ...}``), not 400 with wave-mock's;
- an unknown stream gets 200 with zeros, not 404;
- stream analytics carry only the documented fields (no period, currentViewers, isLive).

    python -m tests.contract.documented_only_target --upstream http://127.0.0.1:P --port Q
"""

from __future__ import annotations

import argparse
import json

import requests
from werkzeug.serving import run_simple
from werkzeug.wrappers import Request, Response

DOCUMENTED_STREAM_FIELDS = ("streamId", "totalViewers", "peakViewers", "avgWatchTime", "totalDuration", "quality")


def make_app(upstream: str) -> object:
    session = requests.Session()

    @Request.application
    def app(request: Request) -> Response:
        if request.path.startswith("/_mock"):
            return Response("not found", status=404)
        reply = session.request(request.method, upstream + request.full_path.rstrip("?"), data=request.get_data(),
                                headers={k: v for k, v in request.headers.items() if k.lower() != "host"}, timeout=30)
        status, body = reply.status_code, reply.content
        if status == 400:
            status, body = 422, json.dumps({"detail": reply.json().get("error", {}).get("details", [])}).encode()
        elif request.path.startswith("/api/v1/analytics/stream/") and status in (200, 404):
            shown = reply.json() if status == 200 else {"streamId": request.path.rsplit("/", 1)[1], "totalViewers": 0,
                                                        "peakViewers": 0, "avgWatchTime": 0, "totalDuration": 0}
            status, body = 200, json.dumps({k: shown[k] for k in DOCUMENTED_STREAM_FIELDS if k in shown}).encode()
        headers = {k: v for k, v in reply.headers.items() if k.lower() in ("allow", "retry-after", "www-authenticate")}
        return Response(body, status=status, headers=headers, content_type=reply.headers.get("Content-Type", "application/json"))

    return app


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    run_simple("127.0.0.1", args.port, make_app(args.upstream), threaded=True)


if __name__ == "__main__":
    main()
