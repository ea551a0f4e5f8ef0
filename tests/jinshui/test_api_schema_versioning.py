"""/api/v1/ stays backward compatible: the schema generated now is compared with the committed copy
(tests/jinshui/api_schema_v1.yaml). A breaking change fails with the list of what breaks; an addition only asks
for the copy to be refreshed with `manage.py api_schema_snapshot`. The comparison itself is tested on small
schemas below, one case per kind of change."""

import copy

import pytest

from core.api_compat import SNAPSHOT, breaking_changes, generate, load

REFRESH = "python manage.py api_schema_snapshot"


@pytest.fixture(scope="module")
def current():
    return generate()


def test_no_change_breaks_the_committed_api(current):
    problems = breaking_changes(load(), current)
    assert not problems, (
        f"These changes break clients of /api/v1/ (compared with {SNAPSHOT.name}):\n  " + "\n  ".join(problems)
        + "\nKeep the old routes and fields (add new ones beside them); a new API version is agreed with its "
          f"clients first, then `{REFRESH} --allow-breaking`."
    )


def test_the_committed_copy_is_up_to_date(current):
    assert load() == current, (
        f"The API changed compatibly, but {SNAPSHOT.name} is out of date: run `{REFRESH}` and commit the copy."
    )


def test_every_operation_declares_its_error_answers(current):
    missing = []
    for path, item in current["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "put", "patch", "delete") or path == "/api/v1/auth/token/":
                continue
            wanted = {"401", "403"} | ({"404"} if "{" in path else set()) | (
                {"400"} if method in ("post", "put", "patch") else set())
            if not wanted <= set(operation["responses"]):
                missing.append(f"{method.upper()} {path}: {sorted(wanted - set(operation['responses']))}")
    assert not missing, "\n".join(missing)


# --- the comparison, on small schemas ------------------------------------------------------------------------

BASE = {
    "paths": {
        "/api/v1/things/": {
            "get": {"parameters": [{"in": "query", "name": "kind", "schema": {"type": "string"}}],
                    "responses": {"200": {"content": {"application/json": {
                        "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Thing"}}}}}}},
            "post": {"requestBody": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/ThingRequest"}}}},
                "responses": {"201": {"content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Thing"}}}}}},
        },
    },
    "components": {"schemas": {
        "Thing": {"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                                                   "on": {"type": "string", "format": "date"}}},
        "ThingRequest": {"type": "object", "required": ["name"],
                         "properties": {"name": {"type": "string"},
                                        "kind": {"type": "string", "enum": ["a", "b"]}}},
    }},
}


def changed(edit):
    schema = copy.deepcopy(BASE)
    edit(schema)
    return breaking_changes(BASE, schema)


def test_the_same_schema_has_no_breaking_change():
    assert breaking_changes(BASE, copy.deepcopy(BASE)) == []


def test_a_removed_path_or_operation_breaks():
    assert changed(lambda s: s["paths"].pop("/api/v1/things/")) == ["/api/v1/things/: path removed"]
    assert changed(lambda s: s["paths"]["/api/v1/things/"].pop("post")) == ["POST /api/v1/things/: operation removed"]


def test_a_field_removed_from_an_answer_breaks():
    problems = changed(lambda s: s["components"]["schemas"]["Thing"]["properties"].pop("name"))
    assert "GET /api/v1/things/ answer 200[].name: removed from the answer" in problems
    assert "POST /api/v1/things/ answer 201.name: removed from the answer" in problems


def test_a_new_required_request_field_breaks():
    def edit(s):
        s["components"]["schemas"]["ThingRequest"]["required"].append("kind")

    assert changed(edit) == ["POST /api/v1/things/ request.kind: newly required in the request"]


def test_a_changed_type_or_time_format_breaks():
    def edit(s):
        s["components"]["schemas"]["Thing"]["properties"]["on"]["format"] = "date-time"

    assert any("answer 201.on: type changed" in line for line in changed(edit))

    def to_int(s):
        s["components"]["schemas"]["ThingRequest"]["properties"]["name"] = {"type": "integer"}

    assert any("request.name: type changed" in line for line in changed(to_int))


def test_a_removed_parameter_or_choice_breaks():
    assert changed(lambda s: s["paths"]["/api/v1/things/"]["get"].update(parameters=[])) == [
        "GET /api/v1/things/: parameter kind (query) removed"]

    def fewer(s):
        s["components"]["schemas"]["ThingRequest"]["properties"]["kind"]["enum"] = ["a"]

    assert changed(fewer) == ["POST /api/v1/things/ request.kind: no longer accepts ['b']"]


def test_additions_do_not_break():
    def add(s):
        s["paths"]["/api/v1/more/"] = {"get": {"responses": {}}}
        s["components"]["schemas"]["Thing"]["properties"]["extra"] = {"type": "string"}
        s["components"]["schemas"]["ThingRequest"]["properties"]["note"] = {"type": "string"}
        s["paths"]["/api/v1/things/"]["get"]["parameters"].append(
            {"in": "query", "name": "page", "schema": {"type": "integer"}})

    assert changed(add) == []


def test_a_request_refused_as_a_whole_answers_in_the_400_shape(db, district_user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(district_user)
    answer = client.get("/api/v1/resident-issues/", {"search": "a\x00b"})
    assert answer.status_code == 400
    assert isinstance(answer.json(), dict) and answer.json()["non_field_errors"]
