"""The front door, each role's workbench and the tree browser."""

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


from .roles import is_staff_member, works_on_tree
from .selectors import workbench_for
from .tree import tree_for


def landing_url(user):
    """Where a signed-in user starts: staff on their workbench, residents on the phone pages."""
    return reverse("workbench:index") if is_staff_member(user) else reverse("sc:home")


class FrontDoor(LoginView):
    """`/`: a signed-out visitor signs in here; a signed-in one is sent to where they start."""

    template_name = "workbench/sign_in.html"
    redirect_authenticated_user = False

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return redirect(landing_url(request.user))
        return super().dispatch(request, *args, **kwargs)

    def get_default_redirect_url(self):
        # After the password: the workbench (whose second-factor guard asks for the code) or the phone pages.
        return landing_url(self.request.user)


front_door = FrontDoor.as_view()


def staff_required(view):
    """Signed-in staff (tree or service centers); residents are sent to their phone pages, visitors to `/`."""

    @login_required(login_url=reverse_lazy("home"))
    def wrapped(request, *args, **kwargs):
        if not is_staff_member(request.user):
            return redirect("sc:home")
        return view(request, *args, **kwargs)

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return wrapped


@staff_required
def workbench(request):
    """The open work of each of the user's roles, each item leading to where it is done."""
    return render(request, "workbench/index.html", {
        "title": _("Workbench"), "roles": workbench_for(user=request.user),
    })


@staff_required
def tree(request, pk=None):
    """The tree from the user's top nodes (or from one node) down two levels, with counts and each node's links."""
    if not works_on_tree(request.user):
        raise Http404
    found = tree_for(user=request.user, root_pk=pk)
    if found is None:
        raise Http404
    focus, roots, ancestors = found
    shown = focus.children if focus else roots
    # The whole district's first page lists the streets and their communities (a community opens its grids):
    # three levels of 17 streets would be 782 rows; a street or a secretary's own subtree shows three.
    return render(request, "workbench/tree.html", {
        "title": focus.name if focus else TREE_TITLE, "focus": focus, "nodes": shown, "ancestors": ancestors,
        "deep": focus is not None or len(shown) == 1,
    })


TREE_TITLE = gettext_lazy("Organization tree")
