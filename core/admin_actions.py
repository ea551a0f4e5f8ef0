"""One batch policy for the admin's bulk actions."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .errors import error_messages


class BulkActionMixin:
    """Mixed into a ModelAdmin whose list actions call a service once per selected record.

    The policy, the same for every list: each record is its own transaction (a refusal undoes that record
    only), the records the service accepts stay done, and the refusals are reported once per reason, naming
    up to five of the records it stopped.
    """

    #: Relations loaded with the selected records (the service reads them; no query per row).
    bulk_select_related = ()

    def run_bulk(self, request, queryset, call, done_message):
        done, refused = 0, {}
        if self.bulk_select_related:
            queryset = queryset.select_related(*self.bulk_select_related)
        for obj in queryset:
            try:
                with transaction.atomic():
                    call(obj)
                done += 1
            except (ValidationError, PermissionDenied) as exc:
                refused.setdefault("; ".join(error_messages(exc)), []).append(str(obj))
        for text, names in refused.items():
            more = "…" if len(names) > 5 else ""
            self.message_user(request, f"{text} ({'、'.join(names[:5])}{more})", messages.ERROR)
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)
        return done
