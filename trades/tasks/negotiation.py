"""Celery tasks for this area of trades."""
