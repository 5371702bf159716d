"""`run_stripe_emulator` serves the emulator as its own process."""

import subprocess
import sys
import time
from pathlib import Path

import requests

from core.asgi_server import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_run_stripe_emulator_serves_the_api_until_stopped():
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "run_stripe_emulator", "--port", str(port), "--webhook-url", ""],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = requests.get(
                    f"http://127.0.0.1:{port}/v1/account",
                    headers={"Authorization": "Bearer sk_test_" + "c" * 24},
                    timeout=1,
                )
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline, "the emulator did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and response.json()["object"] == "account"
    finally:
        process.terminate()
        process.wait(timeout=10)
