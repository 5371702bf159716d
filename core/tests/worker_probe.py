"""A task for the real-worker test only (loaded into that worker with --include).

`die_once` kills the pool child that runs it the first time, as an OOM kill or a crash would;
the project's acks-late and reject-on-worker-lost settings must bring the message back.
"""

import os
import signal

import redis
from celery import shared_task
from django.conf import settings


@shared_task(name="core.tests.worker_probe.die_once")
def die_once(key: str) -> None:
    client = redis.Redis.from_url(settings.REDIS_URL)
    attempt = client.incr(f"{key}:attempts")
    client.expire(f"{key}:attempts", 300)
    if attempt == 1:
        os.kill(os.getpid(), signal.SIGKILL)
    client.set(f"{key}:done", attempt, ex=300)
