"""The staff navigation: one list of links, shown by templates/workbench/_nav.html on every staff page (the admin,
the assessment, accountability, dashboard, member work, inbox, tree and workbench pages, and the phone pages a
member of staff opens). The context processor costs nothing until a template reads `portal_nav`; the links are
cut to what the user may open (accounts.scopes)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from accounts.scopes import resolve_scope, works_at_centers

from .roles import is_staff_member, works_on_tree

#: The layouts a page shared by staff and residents (the inbox) extends.
STAFF_LAYOUT = "workbench/base.html"
PHONE_LAYOUT = "servicecenters/base_mobile.html"


@dataclass(frozen=True)
class NavLink:
    key: str
    label: str
    url: str
    #: URL prefixes that mark the link as the current section.
    prefixes: tuple


class StaffNav:
    def __init__(self, request):
        self.request = request
        user = request.user
        self.is_staff = is_staff_member(user)
        self.links = self._links(user) if self.is_staff else []

    @staticmethod
    def _links(user):
        scope = resolve_scope(user)
        links = [NavLink("workbench", _("Workbench"), reverse("workbench:index"), ("/workbench/",))]
        if works_on_tree(user):
            links += [
                NavLink("dashboard", _("Dashboard"), reverse("dashboard:index"), ("/dashboard/",)),
                NavLink("assessment", _("Assessment"), reverse("assessment:ranking"),
                        ("/assessment/", "/accountability/")),
                NavLink("members", _("Member work"), reverse("admin:app_list", args=["members"]),
                        ("/admin/members/", "/members/")),
                NavLink("tree", _("Organization tree"), reverse("workbench:tree"), ("/workbench/tree/",)),
            ]
        if works_at_centers(user, read=True):
            links.append(NavLink("centers", _("Service center"), reverse("sc:staff"), ("/m/staff/",)))
        links.append(NavLink("inbox", _("Inbox"), reverse("inbox:list"), ("/inbox/",)))
        if user.is_staff and scope.is_staff_user:
            links.append(NavLink("admin", _("Admin"), reverse("admin:index"), ("/admin/",)))
        return links

    @property
    def active(self):
        """The key of the link whose section the page is in (the longest matching prefix wins)."""
        path = self.request.path_info
        best, length = None, 0
        for link in self.links:
            for prefix in link.prefixes:
                if path.startswith(prefix) and len(prefix) > length:
                    best, length = link.key, len(prefix)
        return best

    @property
    def layout(self):
        return STAFF_LAYOUT if self.is_staff else PHONE_LAYOUT


def staff_nav(request):
    """Context processor: `portal_nav` (links, active, is_staff, layout), computed on first use."""
    return {"portal_nav": SimpleLazyObject(lambda: StaffNav(request))}
