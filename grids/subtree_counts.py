"""Counts of other apps' rows per subtree of the tree, registered by those apps: grids imports none of them.

An app above grids (party members, …) registers from its AppConfig.ready how many of its rows stand under a
node (`register_subtree_count`). The tree's selector annotates every listed node with each count (one correlated
scalar subquery per count, so a list page costs the same whatever its length), the tree's admin shows each as a
column linking to the app's own list cut to that subtree, and a node with such rows is not deleted.
"""

from dataclasses import dataclass
from typing import Callable

_COUNTS = {}


@dataclass(frozen=True)
class SubtreeCount:
    #: The annotation on the nodes, e.g. "member_count".
    name: str
    #: `rows()`: a queryset of the app's rows.
    rows: Callable
    #: The lookup from a row to its node's path, e.g. "org__path".
    path: str
    #: The admin column's title.
    label: str
    #: The admin list the column links to (URL name), and that list's subtree filter parameter.
    url_name: str | None = None
    url_param: str | None = None
    #: Why a node holding such rows may not be deleted (None: they do not stop a deletion).
    refuses_delete: str | None = None

    def under(self, path):
        """The app's rows in the subtree whose root has `path` (a string, or an OuterRef to the node's path)."""
        return self.rows().filter(**{f"{self.path}__startswith": path})


def register_subtree_count(name, *, rows, path, label, url_name=None, url_param=None, refuses_delete=None):
    """Count `rows()` per subtree as annotation `name`; see SubtreeCount for the other arguments."""
    _COUNTS[name] = SubtreeCount(name, rows, path, label, url_name, url_param, refuses_delete)


def subtree_counts():
    """The registered counts, in registration order."""
    return list(_COUNTS.values())
