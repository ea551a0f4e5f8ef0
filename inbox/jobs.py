"""The inbox's periodic job: send the deliveries that are due (retries, the end of quiet hours, a phone's rate
limit passed).

The ledger runs a job inside one transaction; a delivery must instead be committed as `sending` before the
provider is called and as `sent` right after, each in its own transaction (or a crash would roll back the record
of an SMS that went out, and it would go again). So the job only hands the work to a task once the ledger's
transaction commits: inbox.services.deliver_due_task, which claims each delivery under a row lock."""

from django.db import transaction

from jobs.registry import job

DELIVER_JOB = "inbox.deliver"


@job(DELIVER_JOB, period="hour", ready="started", schedule={"minute": "0"}, title="inbox: send due e-mail and SMS",
     description="Sends the e-mail and SMS that are due: retries after a failure, messages held back by quiet "
                 "hours (22:00–07:00) or by a phone's rate limit. New messages go out at once without it.")
def deliver(period):
    from .services import deliver_due_task, hand_to_worker

    transaction.on_commit(lambda: hand_to_worker(deliver_due_task))
    return {"queued": True}
