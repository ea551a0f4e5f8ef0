"""The service centers as accounts sees them: a center role's grant stores the center's id only.

accounts is the ground floor and the centers belong to a feature app above it. That app registers, from its
AppConfig.ready, where its centers are (`register_centers`); the role-grant admin offers them and a grant
names its center through this module, so that accounts imports nothing above it.
"""

_source = None


def register_centers(queryset):
    """`queryset()` returns the centers (model instances with a pk and a name), in the order to offer them."""
    global _source
    _source = queryset


def center_queryset():
    """The registered centers, or None when no app registered any."""
    return _source() if _source is not None else None


def center_label(center_id):
    """The name of center `center_id` (its id when the center or the app holding centers is gone)."""
    centers = center_queryset()
    center = centers.filter(pk=center_id).first() if centers is not None and center_id is not None else None
    return str(center) if center is not None else f"#{center_id}"
