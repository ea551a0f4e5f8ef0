from django.shortcuts import redirect

from .scopes import resolve_scope


def home(request):
    """The portal's front door: staff land on their dashboard, residents and visitors on the booking pages."""
    if request.user.is_authenticated and resolve_scope(request.user).is_staff_user:
        return redirect("/dashboard/")
    return redirect("/m/")
