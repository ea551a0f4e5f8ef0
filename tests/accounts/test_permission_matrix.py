"""Every admin page and API route, for every role, against an own and a foreign object, read and write.

The routes are read from the URL configuration and the admin registry: a new route or admin that has
no rule here makes this suite fail, so nothing ships without a decided scope.
"""

import pytest
from django.contrib import admin
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from rest_framework.test import APIClient

from accounts.admin_scoping import ScopedAdminMixin
from tests.factories import Role, UserFactory, grant

pytestmark = pytest.mark.django_db

# Admins not cut by tree scope: only district staff may use them at all.
SUPERUSER_ONLY_ADMINS = {"auth.group", "authtoken.tokenproxy", "otp_totp.totpdevice", "otp_static.staticdevice"}
DISTRICT_ONLY_ADMINS = SUPERUSER_ONLY_ADMINS | {
    "auth.user", "django_celery_beat.periodictask",
    "django_celery_beat.clockedschedule", "django_celery_beat.crontabschedule", "django_celery_beat.solarschedule",
    "django_celery_beat.intervalschedule", "axes.accessattempt", "axes.accesslog", "axes.accessfailurelog",
    "accounts.rolegrant", "members.personaldatareveal", "inbox.message", "jobs.jobrun", "jobs.outbox",
}
#: Scoped admins that show records nobody changes by hand (the server wrote them): viewing follows the scope,
#: every write is 403.
READ_ONLY_ADMINS = set()

# For each scoped admin: (own object, foreign object) relative to community S01C01, from the `tree` fixture.
SCOPED_OBJECTS = {
    "grids.orgnode": ("grid", "other_grid"),
    "grids.street": ("street", "other_street"),
    "grids.community": ("community", "other_community"),
    "grids.grid": ("grid", "other_grid"),
    "grids.buildinggroup": ("building", None),
    "members.member": ("member", "other_member"),
}

# Named routes outside the admin and the API's scoped resources, with who may reach them.
OTHER_ROUTES = {"home": "public", "healthz": "public", "favicon": "public", "schema": "public", "api-docs": "public", "set_language": "public",
                "accounts:second-factor-setup": "signed_in", "accounts:second-factor-verify": "signed_in"}
API_ROUTES = {
    "v1:api-root": "signed_in",
    "v1:token": "public",
    "v1:org-list": "scoped", "v1:org-detail": "scoped",
    "v1:member-list": "scoped", "v1:member-detail": "scoped",
}



def _load_app_rules():
    """Apps may keep their rules beside their own tests, in tests/<app>/matrix_rules.py, with any of:
    DISTRICT_ONLY_ADMINS / SUPERUSER_ONLY_ADMINS / READ_ONLY_ADMINS (sets of model labels), SCOPED_OBJECTS
    (label → a function taking the `tree` fixture and returning (own object, foreign object or None), where
    "own" lies under community S01C01 and "foreign" under street S02), OTHER_ROUTES and API_ROUTES (name → rule).
    """
    import importlib
    import pkgutil
    from pathlib import Path

    tests_dir = Path(__file__).resolve().parents[1]
    for info in pkgutil.iter_modules([str(tests_dir)]):
        if (tests_dir / info.name / "matrix_rules.py").exists():
            rules = importlib.import_module(f"tests.{info.name}.matrix_rules")
            SUPERUSER_ONLY_ADMINS.update(getattr(rules, "SUPERUSER_ONLY_ADMINS", set()))
            DISTRICT_ONLY_ADMINS.update(getattr(rules, "SUPERUSER_ONLY_ADMINS", set()))
            DISTRICT_ONLY_ADMINS.update(getattr(rules, "DISTRICT_ONLY_ADMINS", set()))
            READ_ONLY_ADMINS.update(getattr(rules, "READ_ONLY_ADMINS", set()))
            SCOPED_OBJECTS.update(getattr(rules, "SCOPED_OBJECTS", {}))
            OTHER_ROUTES.update(getattr(rules, "OTHER_ROUTES", {}))
            API_ROUTES.update(getattr(rules, "API_ROUTES", {}))


_load_app_rules()

ROLES = ["district", "street", "community", "grid_leader", "inspector", "resident", "anonymous"]
# What each role reaches of the street S01 > community S01C01 > grid S01C01G01 > building group.
SEES = {
    "district": {"street", "community", "grid", "building", "member", "other_street", "other_community",
                 "other_grid", "other_member"},
    "inspector": {"street", "community", "grid", "building", "member", "other_street", "other_community",
                  "other_grid", "other_member"},
    "street": {"street", "community", "grid", "building", "member"},
    "community": {"community", "grid", "building", "member"},
    "grid_leader": {"grid", "building", "member"},
    "resident": set(),
    "anonymous": set(),
}
WRITES = {**SEES, "inspector": set()}


@pytest.fixture
def users(tree):
    return {
        "district": grant(UserFactory(username="m-district"), Role.DISTRICT_STAFF),
        "street": grant(UserFactory(username="m-street"), Role.STREET_SECRETARY, tree.street),
        "community": grant(UserFactory(username="m-community"), Role.COMMUNITY_SECRETARY, tree.community),
        "grid_leader": grant(UserFactory(username="m-grid"), Role.GRID_LEADER, tree.grid),
        "inspector": grant(UserFactory(username="m-inspector"), Role.INSPECTOR),
        "resident": grant(UserFactory(username="m-resident", is_staff=False), Role.RESIDENT),
        "anonymous": None,
    }


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{prefix}{p.namespace}:" if p.namespace else prefix
            yield from _walk(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            yield prefix + p.name


def _label(model):
    return model._meta.label_lower


def test_every_route_has_a_rule():
    registered = {_label(m) for m in admin.site._registry}
    unruled_admins = registered - DISTRICT_ONLY_ADMINS - set(SCOPED_OBJECTS)
    assert not unruled_admins, f"admin without a scope rule: {unruled_admins}"
    for label in SCOPED_OBJECTS:
        model_admin = next(a for m, a in admin.site._registry.items() if _label(m) == label)
        assert isinstance(model_admin, ScopedAdminMixin), f"{label} is listed as scoped but does not use the scope"
    admin_models = {f"admin:{m._meta.app_label}_{m._meta.model_name}" for m in admin.site._registry}
    for name in set(_walk(get_resolver().url_patterns)):
        if name.startswith("admin:"):
            assert any(name.startswith(m + "_") for m in admin_models) or name in {
                "admin:index", "admin:login", "admin:logout", "admin:password_change",
                "admin:password_change_done", "admin:autocomplete", "admin:jsi18n", "admin:view_on_site",
                "admin:app_list",
            }, f"admin route without a rule: {name}"
        elif name.startswith("v1:"):
            assert name in API_ROUTES, f"API route without a rule: {name}"
        else:
            assert name in OTHER_ROUTES, f"route without a rule: {name}"


def own_attr_sees(role):
    """Who sees an object placed under building group S01C01G01B01 (the deepest own node)."""
    return role in ("district", "inspector", "street", "community", "grid_leader")


def _client(client, user):
    if user is not None:
        client.force_login(user)
    return client


@pytest.mark.parametrize("role", ROLES)
def test_admin_matrix(client, tree, users, role):
    c = _client(client, users[role])
    is_staff_role = role in {"district", "street", "community", "grid_leader", "inspector"}
    failures = []
    for model, model_admin in admin.site._registry.items():
        label, info = _label(model), (model._meta.app_label, model._meta.model_name)
        changelist = reverse("admin:%s_%s_changelist" % info)
        status = c.get(changelist).status_code
        if label in DISTRICT_ONLY_ADMINS:
            allowed = role == "district" and label not in SUPERUSER_ONLY_ADMINS
            want = 200 if allowed else (302 if not is_staff_role else 403)
            if status != want:
                failures.append((label, "changelist", status, want))
            continue
        want = 200 if is_staff_role else 302
        if status != want:
            failures.append((label, "changelist", status, want))
        rule = SCOPED_OBJECTS[label]
        if callable(rule):
            own, foreign = rule(tree)
            pairs = [("own", own, own_attr_sees(role)), ("foreign", foreign, role in ("district", "inspector"))]
        else:
            pairs = [(attr, getattr(tree, attr), attr in SEES[role]) for attr in rule if attr]
        for attr, obj, sees in pairs:
            if obj is None:
                continue
            writes = sees and role != "inspector" and label not in READ_ONLY_ADMINS
            url = reverse("admin:%s_%s_change" % info, args=[obj.pk])
            status = c.get(url).status_code
            if not is_staff_role:
                want = 302
            else:
                want = 200 if sees else 404
            if status != want:
                failures.append((label, f"view {attr}", status, want))
            # Write: a POST with no data is a form error (200) where the user may change, 403/404 otherwise.
            status = c.post(url, {}).status_code
            if not is_staff_role:
                want = 302
            elif not sees:
                want = 404
            else:
                want = 200 if writes else 403
            if status != want:
                failures.append((label, f"write {attr}", status, want))
            history = reverse("admin:%s_%s_history" % info, args=[obj.pk])
            status = c.get(history, follow=is_staff_role).status_code
            want = 302 if not is_staff_role else (200 if sees else 404)
            if status != want:
                failures.append((label, f"history {attr}", status, want))
            version = obj.history.first() if hasattr(obj, "history") else None
            if version is None:
                continue
            old = reverse("admin:%s_%s_simple_history" % info, args=[obj.pk, version.history_id])
            status = c.get(old, follow=is_staff_role).status_code
            if status != want:
                failures.append((label, f"old version {attr}", status, want))
    assert not failures, failures


@pytest.mark.parametrize("role", ROLES)
def test_api_matrix(tree, users, role):
    api = APIClient()
    if users[role] is not None:
        api.force_authenticate(users[role])
    is_staff_role = role in {"district", "street", "community", "grid_leader", "inspector"}
    failures = []
    for resource, own, foreign in (("orgs", "grid", "other_grid"), ("members", "member", "other_member")):
        status = api.get(f"/api/v1/{resource}/").status_code
        want = 200 if is_staff_role else (401 if role == "anonymous" else 403)
        if status != want:
            failures.append((resource, "list", status, want))
        for attr in (own, foreign):
            obj = getattr(tree, attr)
            url = f"/api/v1/{resource}/{obj.pk}/"
            status = api.get(url).status_code
            want = (200 if attr in SEES[role] else 404) if is_staff_role else (401 if role == "anonymous" else 403)
            if status != want:
                failures.append((resource, f"get {attr}", status, want))
            status = api.patch(url, {"name": obj.name}, format="json").status_code
            if not is_staff_role:
                want = 401 if role == "anonymous" else 403
            elif attr not in SEES[role]:
                want = 404
            else:
                want = 200 if attr in WRITES[role] else 403
            if status != want:
                failures.append((resource, f"patch {attr}", status, want))
    assert not failures, failures


@pytest.mark.parametrize("role", ["street", "community", "grid_leader"])
def test_filter_choices_and_autocomplete_are_own_only(client, tree, users, role):
    c = _client(client, users[role])
    body = c.get(reverse("admin:members_member_changelist")).content.decode()
    assert "北林路街道" not in body and "鑫苑社区" not in body
    response = c.get(
        reverse("admin:autocomplete"),
        {"app_label": "members", "model_name": "member", "field_name": "org", "term": ""},
    )
    names = {row["text"] for row in response.json()["results"]}
    assert names and not any("S02" in n for n in names)


def test_secretary_cannot_find_a_foreign_member_by_search(client, tree, users):
    c = _client(client, users["community"])
    body = c.get(reverse("admin:members_member_changelist"), {"q": tree.other_member.id_number}).content.decode()
    assert tree.other_member.name not in body
    api = APIClient()
    api.force_authenticate(users["community"])
    assert api.get("/api/v1/members/", {"search": tree.other_member.name}).json()["count"] == 0
    assert api.get("/api/v1/members/", {"subtree": tree.other_street.pk}).json()["count"] == 0
    assert api.get("/api/v1/members/", {"org": tree.other_grid.pk}).json()["count"] == 0
