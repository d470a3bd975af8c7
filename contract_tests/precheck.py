"""Before any test: can the kit reach the target with its keys, and which tier holds it?

A target the kit cannot use fails the run with one line that says what to fix (instead of
a traceback per test). Read-only requests only: a precheck changes nothing on the target.
"""

from __future__ import annotations

import time

import requests

from .kit import Target

PROBE_PATH = "/analytics/dashboards"
TIMEOUT = 10.0
# A throttled or briefly unavailable target is still reachable: wait it out a few times.
RETRIES = 3


def _get(url: str, api_key: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    for attempt in range(RETRIES + 1):
        response = requests.get(url, headers=headers, timeout=TIMEOUT)
        if response.status_code not in (429, 503) or attempt == RETRIES:
            return response
        time.sleep(min(float(response.headers.get("Retry-After", "1") or 1), 5.0))
    return response


def _unreachable(url: str, exc: requests.RequestException) -> str:
    if isinstance(exc, requests.ConnectTimeout | requests.ReadTimeout):
        return f"cannot reach {url}: no answer within {TIMEOUT:.0f} s"
    if isinstance(exc, requests.exceptions.SSLError):
        return f"cannot reach {url}: TLS error ({type(exc).__name__})"
    return f"cannot reach {url}: nothing is listening there (connection refused or unknown host); is the target up and --base-url right?"


def _looks_like_wave(response: requests.Response) -> bool:
    """A WAVE read answers 200 with JSON, or refuses the key with 401/403."""
    if response.status_code in (401, 403):
        return True
    return response.status_code == 200 and "json" in response.headers.get("Content-Type", "")


def _base_url_problem(target: Target) -> str:
    base = target.base_url.rstrip("/")
    if not base.endswith("/api/v1"):
        try:
            if _looks_like_wave(_get(f"{base}/api/v1{PROBE_PATH}", target.api_key)):
                return f"--base-url {base} is not the API base: the WAVE API answers at {base}/api/v1; pass --base-url {base}/api/v1"
        except requests.RequestException:
            pass
    return f"--base-url {base}: GET {base}{PROBE_PATH} is not a WAVE API answer; the base URL must end in /api/v1 (e.g. https://api.wave.online/api/v1)"


def precheck(target: Target) -> str | None:
    """Return one line saying why the kit cannot test ``target``, or None when it can."""
    url = f"{target.base_url.rstrip('/')}{PROBE_PATH}"
    try:
        first = _get(url, target.api_key)
    except requests.RequestException as exc:
        return _unreachable(target.base_url, exc)
    if first.status_code in (401, 403):
        return f"the target refuses --api-key (WAVE_API_KEY): HTTP {first.status_code} on GET {url}; check the key"
    if not _looks_like_wave(first):
        if first.status_code == 404 or "json" not in first.headers.get("Content-Type", ""):
            return _base_url_problem(target)
        return None  # A WAVE answer, if a wrong one: the tests will say what is wrong.
    if target.second_api_key:
        second = _get(url, target.second_api_key)
        if second.status_code in (401, 403):
            return f"the target refuses --second-api-key (WAVE_SECOND_API_KEY): HTTP {second.status_code} on GET {url}; check the key, or leave it out to skip the tenant tests"
        if target.second_api_key == target.api_key:
            return "--second-api-key is the same key as --api-key: the tenant-isolation tests need a second tenant"
    return None


def serves_wave_mock_api(target: Target) -> bool:
    """Tell whether the target serves wave-mock's ``/_mock/`` API (its health shape)."""
    try:
        response = requests.get(f"{target.root_url}/_mock/health", timeout=TIMEOUT)
        body = response.json()
    except (requests.RequestException, ValueError):
        return False
    return response.status_code == 200 and isinstance(body, dict) and body.get("status") == "ok" and "clockFrozen" in body


def detect_tier(target: Target, override: bool | None) -> tuple[bool, str]:
    """Return (strict, why): overrides win; a wave-mock is strict; any other target is documented-only."""
    if override is True:
        return True, "--strict given: every rule, decided ones included"
    if override is False:
        return False, "--documented-only given: documented rules only"
    if target.local:
        return True, "the kit started this wave-mock: every rule"
    if serves_wave_mock_api(target):
        return True, f"it serves wave-mock's /_mock/ API ({target.root_url}/_mock/health): every rule"
    return False, "no wave-mock /_mock/ API: documented rules fail the run, decided ones are reported as divergences"
