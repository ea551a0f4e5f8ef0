"""Writes to the organization tree. Every function is atomic, checks the actor's scope and keeps history."""

from django.db import IntegrityError, models, transaction
from django.db.models import Case, F, Value, When
from django.db.models.functions import Concat, Length, Substr
from django.utils.translation import gettext as _

from accounts.scopes import resolve_scope
from core.errors import PermissionDenied, ValidationError

from .models import KINDS_BY_LEVEL, Kind, Level, OrgNode
from .subtree_counts import subtree_counts

EDITABLE_FIELDS = ("name", "kind", "secretary_name", "secretary_phone", "address")


def _level_for(parent):
    # May return 5 (below a building group): _check_kind refuses it with a clear message.
    return Level.STREET if parent is None else parent.level + 1


def _check_kind(kind, level):
    if level > Level.BUILDING_GROUP:
        raise ValidationError({"parent": _("A building group cannot have organizations below it.")})
    if kind not in KINDS_BY_LEVEL[Level(level)]:
        allowed = "、".join(str(Kind(k).label) for k in KINDS_BY_LEVEL[level])
        raise ValidationError(
            {"kind": _("Under this parent the organization must be: %(allowed)s.") % {"allowed": allowed}}
        )


def check_placement(*, kind, parent, node=None):
    """Raise ValidationError unless a node of `kind` may stand under `parent` (and, if it exists, move there)."""
    if node is not None and node.pk:
        if (parent is None) != (node.parent_id is None):
            raise ValidationError({"parent": _("A street stays at the top of the tree.")})
        if parent is not None and parent.path.startswith(node.path):
            raise ValidationError({"parent": _("An organization cannot be moved under itself.")})
        if kind != node.kind and len(KINDS_BY_LEVEL[Level(node.level)]) == 1:
            raise ValidationError({"kind": _("The kind of an organization follows from its level.")})
    _check_kind(kind, _level_for(parent))


def _check_write(actor, node):
    if not resolve_scope(actor).covers(node, write=True):
        raise PermissionDenied(_("This organization is outside your area."))


def org_create(*, actor, code, name, kind, parent=None, **details):
    """Create a tree node under `parent` (a street when parent is None); level and path follow from the parent."""
    scope = resolve_scope(actor)
    if parent is None:
        if not scope.write_all:
            raise PermissionDenied(_("Only district staff may create a street."))
    elif not scope.covers(parent, write=True):
        raise PermissionDenied(_("This organization is outside your area."))
    check_placement(kind=kind, parent=parent)
    level = _level_for(parent)
    node = OrgNode(
        code=code,
        name=name,
        kind=kind,
        parent=parent,
        level=level,
        path=OrgNode.path_for(code, parent),
        **{k: v for k, v in details.items() if k in EDITABLE_FIELDS and k != "kind"},
    )
    node.full_clean()
    node._history_user = actor
    try:
        with transaction.atomic():
            node.save(force_insert=True)
    except IntegrityError as exc:
        raise ValidationError({"code": _("An organization with this code already exists.")}) from exc
    return node


@transaction.atomic
def org_update(*, actor, node, **changes):
    """Change a node's name, secretary and contact details (not its place in the tree: see org_move)."""
    _check_write(actor, node)
    for field, value in changes.items():
        if field not in EDITABLE_FIELDS:
            raise ValidationError({field: _("This field cannot be changed here.")})
        setattr(node, field, value)
    _check_kind(node.kind, Level(node.level))
    node.full_clean()
    node._history_user = actor
    node.save()
    return node


@transaction.atomic
def org_move(*, actor, node, new_parent):
    """Move a node with its whole subtree under another parent of the same level as its current one.

    Descendant paths are rewritten in one UPDATE; levels stay right because a node may only move
    to a parent of its current parent's level (which also makes a cycle impossible).
    """
    scope = resolve_scope(actor)
    node = OrgNode.objects.select_for_update().get(pk=node.pk)
    if not scope.covers(node, write=True) or scope.is_grant_root(node):
        raise PermissionDenied(_("You may not move this organization."))
    if new_parent is None or node.parent_id is None:
        raise ValidationError({"parent": _("A street stays at the top of the tree.")})
    new_parent = OrgNode.objects.select_for_update().get(pk=new_parent.pk)
    if not scope.covers(new_parent, write=True):
        raise PermissionDenied(_("The new parent organization is outside your area."))
    if new_parent.path.startswith(node.path):
        raise ValidationError({"parent": _("An organization cannot be moved under itself.")})
    if new_parent.level != node.level - 1:
        raise ValidationError(
            {"parent": _("The new parent must be a %(level)s.") % {"level": Level(node.level - 1).label}}
        )
    if new_parent.pk == node.parent_id:
        return node
    old_path, new_path = node.path, OrgNode.path_for(node.code, new_parent)
    # One statement moves the node and rewrites every descendant's path, so that the tree is
    # consistent at the end of the statement, when PostgreSQL's constraint trigger checks it.
    OrgNode.objects.filter(path__startswith=old_path).update(
        path=Concat(Value(new_path), Substr(F("path"), len(old_path) + 1, Length(F("path")))),
        parent=Case(
            When(pk=node.pk, then=Value(new_parent.pk)), default=F("parent"), output_field=models.BigIntegerField()
        ),
    )
    node.refresh_from_db()
    # queryset.update() is invisible to simple-history: record the move on the moved node itself.
    node._history_user = actor
    node.save()
    return node


#: org_change's default for `new_parent`: the node stays where it is.
UNCHANGED = object()


@transaction.atomic
def org_change(*, actor, node, new_parent=UNCHANGED, **changes):
    """Change a node in one transaction: move it under `new_parent` when given and not its parent already
    (org_move), then change its editable fields (org_update). All or nothing: a refused change leaves the node
    where it was. Returns the node as changed."""
    if new_parent is not UNCHANGED and (new_parent.pk if new_parent is not None else None) != node.parent_id:
        node = org_move(actor=actor, node=node, new_parent=new_parent)
    return org_update(actor=actor, node=node, **changes)


@transaction.atomic
def org_delete(*, actor, node):
    """Delete an empty node (no organizations below it, nor rows of another app that refuse it: party members)."""
    scope = resolve_scope(actor)
    if not scope.covers(node, write=True) or scope.is_grant_root(node):
        raise PermissionDenied(_("You may not delete this organization."))
    if node.children.exists():
        raise ValidationError(_("Remove or move the organizations below it first."))
    for count in subtree_counts():
        # With no organization below it, the node's subtree is the node itself.
        if count.refuses_delete and count.under(node.path).exists():
            raise ValidationError(str(count.refuses_delete))
    node._history_user = actor
    node.delete()
