"""Spreadsheet layout of dues refunds (django-import-export), for the admin's export."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from core.downloads import EscapedResourceMixin

from .models import DuesRefund


class DuesRefundResource(EscapedResourceMixin, resources.ModelResource):
    """One row per refund: the organization, its party organization in the tree, the amounts and each step.

    No personal data: the organization is a legal person and the people of each step appear by account name.
    """

    org_name = fields.Field(attribute="org__name", column_name=_("two-new organization"))
    credit_code = fields.Field(attribute="org__credit_code", column_name=_("unified social credit code"))
    node_name = fields.Field(attribute="org__node__name", column_name=_("party organization"))
    status = fields.Field(attribute="status", column_name=_("refund status"))
    proposed_by = fields.Field(attribute="proposed_by__username", column_name=_("proposed by (community)"))
    reviewed_by = fields.Field(attribute="reviewed_by__username", column_name=_("reviewed by (street)"))
    paid_by = fields.Field(attribute="paid_by__username", column_name=_("payment recorded by (district)"))

    class Meta:
        model = DuesRefund
        fields = (
            "id", "year", "org_name", "credit_code", "node_name", "dues_collected", "amount", "purpose", "status",
            "proposed_by", "proposed_at", "reviewed_by", "reviewed_at", "return_reason", "paid_by", "paid_on",
            "voucher_number",
        )
        export_order = fields

    def get_export_headers(self, selected_fields=None):
        headers = []
        for field in self.get_export_fields(selected_fields):
            model_field = next((f for f in DuesRefund._meta.fields if f.name == field.attribute), None)
            headers.append(str(model_field.verbose_name) if model_field is not None else str(field.column_name))
        return headers

    def dehydrate_status(self, refund):
        return refund.get_status_display()

    def _local(self, value):
        from django.utils import timezone

        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""

    def dehydrate_proposed_at(self, refund):
        return self._local(refund.proposed_at)

    def dehydrate_reviewed_at(self, refund):
        return self._local(refund.reviewed_at)
