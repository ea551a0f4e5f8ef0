"""Spreadsheet layout of member records (django-import-export), shared by admin exports and later imports."""

from django.utils.translation import gettext_lazy as _
from import_export import fields, resources

from core.downloads import EscapedResourceMixin

from .masking import mask_id_number, mask_phone
from .models import Member


class MemberResource(EscapedResourceMixin, resources.ModelResource):
    """Columns a secretary's sheet has. ID numbers and phones are masked, and the date of birth (digits 7–14 of
    the ID number) left empty, unless `revealed_ids` holds the row. Every cell goes through the escaper."""

    org_code = fields.Field(attribute="org__code", column_name=_("organization code"))
    org_name = fields.Field(attribute="org__name", column_name=_("party organization"))

    class Meta:
        model = Member
        fields = (
            "id", "name", "gender", "ethnicity", "birth_date", "id_number", "phone", "education", "joined_on",
            "full_member_on", "status", "category", "org_code", "org_name",
        )
        export_order = fields

    def __init__(self, *, revealed_ids=frozenset(), **kwargs):
        super().__init__(**kwargs)
        self.revealed_ids = revealed_ids

    def get_export_headers(self, selected_fields=None):
        headers = []
        for field in self.get_export_fields(selected_fields):
            model_field = Member._meta.fields_map.get(field.attribute) if field.attribute else None
            if model_field is None:
                model_field = next((f for f in Member._meta.fields if f.name == field.attribute), None)
            headers.append(str(model_field.verbose_name) if model_field is not None else str(field.column_name))
        return headers

    def dehydrate_id_number(self, member):
        return member.id_number if member.pk in self.revealed_ids else mask_id_number(member.id_number)

    def dehydrate_birth_date(self, member):
        return self.fields["birth_date"].export(member) if member.pk in self.revealed_ids else ""

    def dehydrate_phone(self, member):
        return member.phone if member.pk in self.revealed_ids else mask_phone(member.phone)

    def dehydrate_gender(self, member):
        return member.get_gender_display()

    def dehydrate_status(self, member):
        return member.get_status_display()

    def dehydrate_category(self, member):
        return member.get_category_display()

    def dehydrate_education(self, member):
        return member.get_education_display()
