"""A workbench section: a titled list of open work, capped, each item leading to where the work is done."""

from dataclasses import dataclass, field

#: Items shown per section; the rest are counted and reached through the section's "and N more" link.
CAP = 10


@dataclass
class Item:
    label: str
    url: str
    detail: str = ""
    #: "warn" (overdue, failed), "info" or "" for the badge.
    tone: str = ""
    badge: str = ""


@dataclass
class Section:
    key: str
    title: str
    items: list = field(default_factory=list)
    total: int = 0
    #: The page listing everything (the "and N more" link, and the section title's link).
    more_url: str = ""
    empty: str = ""

    @property
    def more(self):
        return max(self.total - len(self.items), 0)


def capped(queryset, cap=CAP):
    """(the first `cap` rows, their total): one query, two when there are more than `cap`."""
    rows = list(queryset[:cap + 1])
    if len(rows) <= cap:
        return rows, len(rows)
    return rows[:cap], queryset.order_by().count()


def capped_list(rows, cap=CAP):
    """The same for a list computed in Python."""
    return rows[:cap], len(rows)
