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
from drf_spectacular.generators import SchemaGenerator
from rest_framework.throttling import SimpleRateThrottle

from accounts.services import api_token_create
from accounts.tests.factories import UserFactory
from core.asgi_server import ThreadedAsgiServer
from core.tests.contract import schemathesis_config, seed_all

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
]
SEED = 20261201
# Fuzzed examples per operation, shrinking as the API grows so the run stays near its budget
# (the coverage phase adds its systematic boundary and negative cases on top, ~1.4 s per operation
# on a loaded 2-core machine). CONTRACT_MAX_EXAMPLES overrides it, e.g. to dig deeper locally.
EXAMPLES_BUDGET = 400


def max_examples(operations: int) -> int:
    if "CONTRACT_MAX_EXAMPLES" in os.environ:
        return int(os.environ["CONTRACT_MAX_EXAMPLES"])
    return max(3, min(10, EXAMPLES_BUDGET // max(operations, 1)))


TIMEOUT_SECONDS = 600


@pytest.mark.contract
@pytest.mark.django_db(transaction=True)
def test_api_conforms_to_its_schema(monkeypatch, tmp_path):
    for scope in list(SimpleRateThrottle.THROTTLE_RATES):
        monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, scope, None)  # rate None: DRF does not throttle
    user, other = UserFactory(username="contract"), UserFactory(username="contract-other")
    _token, raw = api_token_create(user=user, name="contract", expires_in_days=None)
    config = tmp_path / "schemathesis.toml"
    config.write_text(schemathesis_config(seed_all(user=user, other=other)))

    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = sum(len(methods) for methods in schema["paths"].values())
    assert operations >= 40, "the contract run should see the whole API"

    server = ThreadedAsgiServer().start()
    try:
        command = [
            str(Path(sys.executable).parent / "schemathesis"),
            "--config-file",
            str(config),
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
            str(max_examples(operations)),
            "--workers",
            "1",  # the ASGI server runs sync views on one thread anyway; one worker keeps runs repeatable
            "--phases",
            "examples,coverage,fuzzing",
            "--generation-database",
            "none",
            "--generation-with-security-parameters",
            "false",
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
