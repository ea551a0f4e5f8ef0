"""The staff navigation: one list of links, shown by templates/workbench/_nav.html on every staff page (the admin,
the assessment, accountability, dashboard, member work, inbox, tree and workbench pages, and the phone pages a
member of staff opens). The context processor costs nothing until a template reads `portal_nav`; the links are
cut to what the user may open (accounts.scopes).

Every staff page draws the navigation, so it is built once per process, not per request: the links of each
combination of what a user may open (their URLs reversed once), and their HTML per combination, current section and
language. Neither holds anything of one user's (no name, no form token, no CSRF or CSP nonce): those stay in the
template, per request (see workbench.layout_cache)."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.scopes import resolve_scope, works_at_centers

from .layout_cache import kept, urls_key
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


def _build_links(tree, centers, admin):
    links = [NavLink("workbench", _("Workbench"), reverse("workbench:index"), ("/workbench/",))]
    if tree:
        links += [
            NavLink("dashboard", _("Dashboard"), reverse("dashboard:index"), ("/dashboard/",)),
            NavLink("assessment", _("Assessment"), reverse("assessment:ranking"),
                    ("/assessment/", "/accountability/")),
            NavLink("members", _("Member work"), reverse("admin:app_list", args=["members"]),
                    ("/admin/members/", "/members/")),
            NavLink("tree", _("Organization tree"), reverse("workbench:tree"), ("/workbench/tree/",)),
        ]
    if centers:
        links.append(NavLink("centers", _("Service center"), reverse("sc:staff"), ("/m/staff/",)))
    links.append(NavLink("inbox", _("Inbox"), reverse("inbox:list"), ("/inbox/",)))
    if admin:
        links.append(NavLink("admin", _("Admin"), reverse("admin:index"), ("/admin/",)))
    return tuple(links)


class StaffNav:
    def __init__(self, request):
        self.request = request
        user = request.user
        self.is_staff = is_staff_member(user)
        if self.is_staff:
            scope = resolve_scope(user)
            reaches = (works_on_tree(user), works_at_centers(user, read=True),
                       bool(user.is_staff and scope.is_staff_user))
            self._key = (*urls_key(), *reaches)
            self.links = kept(("nav-links", *self._key), lambda: _build_links(*reaches))
        else:
            self._key, self.links = None, ()

    @property
    def links_html(self):
        """The links as HTML (`<a>` per link, the current section's marked), the same for everyone who may open
        the same links, on the same section, in the same language."""
        active = self.active

        def render():
            return format_html_join("", "<a href=\"{}\" data-nav=\"{}\"{}>{}</a>", (
                (link.url, link.key, mark_safe(' class="on" aria-current="page"') if link.key == active else "",
                 link.label) for link in self.links))

        return kept(("nav-html", *self._key, active, get_language()), render)

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
