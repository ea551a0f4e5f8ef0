"""simple-history's HistoricalRecords, with its manager class built once per model.

simple-history's descriptor builds `HistoryManager.from_queryset(...)` (a new class, made by inspecting every
method of the queryset) on every `instance.history` access, and every historical record it writes reads it once:
about a tenth of a booking's time in Python. Here the class is built once and reused; what it does is unchanged.
"""

from simple_history.manager import HistoryManager as _HistoryManager
from simple_history.models import HistoricalRecords as _HistoricalRecords

_classes = {}


class HistoryManager(_HistoryManager):
    @classmethod
    def from_queryset(cls, queryset_class, class_name=None):
        key = (cls, queryset_class, class_name)
        made = _classes.get(key)
        if made is None:
            made = _classes[key] = super().from_queryset(queryset_class, class_name)
        return made


class HistoricalRecords(_HistoricalRecords):
    def __init__(self, *args, history_manager=HistoryManager, **kwargs):
        super().__init__(*args, history_manager=history_manager, **kwargs)

