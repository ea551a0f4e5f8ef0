"""The tree browser's reads: the user's part of the four-level tree with counts, in a fixed number of queries.

One query reads the visible nodes under the page's root (id, path, name, level, parent; 2,058 rows for the whole
district), one counts the party members per node under it (grouped in SQL), and Python adds each node's count
up its path: no query per node, whatever the depth. A user sees their subtree, and the names on the path down
to it.
"""

from dataclasses import dataclass, field

from django.db.models import Count

from accounts.scopes import resolve_scope
from grids.models import Level, OrgNode
from grids.selectors import org_list
from members.records.selectors import member_list

SEP = "/"


@dataclass
class TreeNode:
    pk: int
    code: str
    name: str
    kind: str
    level: int
    path: str
    parent_id: int | None
    children: list = field(default_factory=list)
    members: int = 0

    @property
    def level_label(self):
        return Level(self.level).label

    @property
    def child_count(self):
        return len(self.children)

    @property
    def descendant_count(self):
        return sum(1 + c.descendant_count for c in self.children)


def _prefixes(path):
    """"/A/A-B/A-B-C/" → ["/A/", "/A/A-B/", "/A/A-B/A-B-C/"]."""
    parts = [p for p in path.split(SEP) if p]
    return [SEP + SEP.join(parts[:i]) + SEP for i in range(1, len(parts) + 1)]


def tree_for(*, user, root_pk=None):
    """(focus, roots, ancestors): the node `root_pk` (None: the user's top nodes) with its subtree built, the
    top-level TreeNodes to show, and the names on the path down to the focus. None when `root_pk` is not a node
    the user may see."""
    scope = resolve_scope(user)
    visible = org_list(user=user)
    if root_pk is not None:
        focus_row = visible.filter(pk=root_pk).values_list("path", flat=True).first()
        if focus_row is None:
            return None
        bases = [focus_row]
    elif scope.read_all:
        bases = None
    else:
        bases = list(scope.read_paths)
    nodes_qs = visible if bases is None else visible.subtree_of(*bases)
    rows = nodes_qs.order_by("path").values_list("pk", "code", "name", "kind", "level", "path", "parent_id")
    nodes = {r[5]: TreeNode(*r) for r in rows}

    member_rows = member_list(user=user)
    if bases is not None:
        member_rows = member_rows.filter(_paths_q(bases))
    path_of = {node.pk: path for path, node in nodes.items()}
    # Grouped by the node's id (no join for the whole district); each count is added up the node's path.
    for org_id, n in member_rows.order_by().values("org_id").annotate(n=Count("pk")).values_list("org_id", "n"):
        for prefix in _prefixes(path_of.get(org_id, "")):
            node = nodes.get(prefix)
            if node is not None:
                node.members += n

    by_pk = {n.pk: n for n in nodes.values()}
    roots = []
    for node in nodes.values():  # ordered by path: parents before their children
        parent = by_pk.get(node.parent_id)
        (parent.children if parent is not None else roots).append(node)

    focus = nodes.get(bases[0]) if root_pk is not None else None
    ancestors = []
    top = focus.path if focus else (roots[0].path if len(roots) == 1 else None)
    if top:
        above = [p for p in _prefixes(top)[:-1]]
        if above:
            ancestors = list(OrgNode.objects.filter(path__in=above).order_by("level").values("pk", "name", "path"))
            for a in ancestors:
                a["visible"] = scope.covers_path(a["path"])
    return focus, roots, ancestors


def _paths_q(paths):
    from django.db.models import Q

    condition = Q()
    for path in paths:
        condition |= Q(org__path__startswith=path)
    return condition
