"""Celery tasks of the messaging layer (the sending itself: outside the job ledger's transaction)."""

from celery import shared_task

from . import services


@shared_task(acks_late=False, ignore_result=True)
def deliver(ids):
    """Send these just-committed deliveries (INBOX_DELIVER_ASYNC)."""
    return services.deliver_now(ids)


@shared_task(acks_late=False, ignore_result=True)
def deliver_due():
    """Send every due delivery."""
    return services.deliver_due()
