"""Project package: settings, URLs, the Celery app and cross-cutting helpers."""

from mutualaid.celery import app as celery_app

__all__ = ["celery_app"]
