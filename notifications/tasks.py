"""Celery tasks for notifications: ids in, one service call, retry on transient mail errors."""

import smtplib

from celery import shared_task

from .services import notification_email_deliver


@shared_task(
    bind=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    max_retries=5,
    time_limit=60,
    soft_time_limit=50,
)
def notification_email_send(self, notification_id: int) -> bool:
    return notification_email_deliver(notification_id=notification_id)
