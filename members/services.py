"""Member work's services live in the topic packages (members.records.services, members.development.services, …).

What is left here is the one name members.jobs still imports from this module (its checklist reminders read
duty_period); it goes once that import reads members.rules."""

from .rules import duty_period  # noqa: F401
