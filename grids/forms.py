from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import ValidationError
from core.forms import add_service_error

from .models import OrgNode, label_related
from .services import check_placement


class OrgNodeForm(forms.ModelForm):
    class Meta:
        model = OrgNode
        fields = ["code", "name", "kind", "parent", "secretary_name", "secretary_phone", "address"]
        help_texts = {
            "parent": _("Leave empty for a street. A community or village goes under a street, a grid under a "
                        "community or village, a building group under a grid."),
        }

    def clean(self):
        cleaned = super().clean()
        kind, parent = cleaned.get("kind"), cleaned.get("parent")
        if kind:
            try:
                check_placement(kind=kind, parent=parent, node=self.instance if self.instance.pk else None)
            except ValidationError as exc:
                add_service_error(self, exc)
        return cleaned


class OrgChoiceField(forms.ModelChoiceField):
    """A choice of tree nodes named with their community ("龙子湖社区 · 第二网格"), in one query."""

    def __init__(self, queryset, **kwargs):
        super().__init__(queryset.select_related(label_related()).order_by("path"), **kwargs)

    def label_from_instance(self, obj):
        return obj.label


def org_choice_labels(field):
    """Make an existing ModelChoiceField of nodes (an admin's foreign key) name them as OrgChoiceField does."""
    field.queryset = field.queryset.select_related(label_related()).order_by("path")
    field.label_from_instance = lambda obj: obj.label
    return field
