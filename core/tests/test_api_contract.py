"""The API against its own schema: schemathesis 4.x on the live server (docs/api.md, "Contract").

Every operation of /api/schema/ is exercised with a fixed seed and a fixed number of examples,
signed in with one user's token, throttles off, on data the apps seed (core/tests/contract.py).
Checks: no 5xx, only documented status codes, documented content types, bodies matching the
documented schemas (errors included), and invalid input rejected. New APIs join by existing.
Runs in its own pytest process (`pytest -m contract`, part of `make test`).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.throttling import SimpleRateThrottle

from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from core.asgi_server import ThreadedAsgiServer
from core.tests.contract import contract_seeds

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]
SEED = 20261201
# Examples per operation: the run grows linearly with the number of operations; at ~40 operations
# this keeps it well under 3 minutes on a shared 2-core machine. Raise locally to dig deeper.
MAX_EXAMPLES = int(os.environ.get("CONTRACT_MAX_EXAMPLES", "10"))
TIMEOUT_SECONDS = 600
# Transitional: the trades API joins once its have/want lists have moved to their own app.
NOT_YET_CHECKED_PATHS = r"^/api/v1/(haves|wants|matches|proposals|trades|threads)/"


@pytest.mark.contract
@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema(monkeypatch, tmp_path):
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, None)  # rate None: DRF does not throttle
    user, other = UserFactory(username="contract"), UserFactory(username="contract-other")
    _token, raw = api_token_create(user=user, name="contract", expires_in_days=None)
    for seed in contract_seeds():
        seed(user=user, other=other)

    server = ThreadedAsgiServer().start()
    try:
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "run",
            f"{server.url}/api/schema/?format=json",
            "--url",
            server.url,
            "--checks",
            ",".join(CHECKS),
            "--header",
            f"Authorization: Bearer {raw}",
            "--seed",
            str(SEED),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--workers",
            "1",
            "--phases",
            "examples,coverage,fuzzing",
            "--generation-database",
            "none",
            "--generation-with-security-parameters",
            "false",
            "--exclude-path-regex",
            NOT_YET_CHECKED_PATHS,
            "--no-color",
            "--report-dir",
            str(tmp_path),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, cwd=tmp_path)
    finally:
        server.stop()
    summary = result.stdout[-25_000:] + result.stderr[-5_000:]
    (Path(os.environ.get("CONTRACT_REPORT_DIR", tmp_path)) / "schemathesis.txt").write_text(
        result.stdout + result.stderr
    )
    assert result.returncode == 0, summary
