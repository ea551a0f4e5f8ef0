"""Backward compatibility of the REST API: the schema generated now against the committed copy
(tests/jinshui/api_schema_v1.yaml). `breaking_changes(old, new)` lists what would break a client written against
`old`: a path or operation removed, a parameter removed or newly required, a field removed from a successful
answer, a new required field of a request body, a field whose type (or format, or list of choices accepted) changed.
Additions (paths, operations, optional fields and parameters, answer fields) are not breaking.

`generate()` builds the schema as the docs page serves it, in English (the copy is compared in one language), and
`SNAPSHOT` is where the copy lives; `manage.py api_schema_snapshot` writes it (`--check` reports only)."""

from pathlib import Path

from django.conf import settings

SNAPSHOT = Path(settings.BASE_DIR) / "tests" / "jinshui" / "api_schema_v1.yaml"
METHODS = ("get", "put", "post", "patch", "delete")


def generate():
    """The OpenAPI schema of /api/ as a dict, with English labels. Generated on PostgreSQL (integer ranges and
    formats come from the database backend), as the suite runs."""
    from django.db import connection
    from django.utils import translation

    if connection.vendor != "postgresql":
        raise RuntimeError("Generate the API schema on PostgreSQL (DATABASE_URL=postgres://...), as the suite runs.")
    from drf_spectacular.generators import SchemaGenerator

    with translation.override("en"):
        schema = SchemaGenerator().get_schema(request=None, public=True)
        return _plain(schema)


def _plain(value):
    """Lazy strings and ordered mappings made plain (so that the schema compares and dumps as YAML)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return str(value)


def dump(schema):
    import yaml

    return yaml.safe_dump(schema, allow_unicode=True, sort_keys=True, width=120)


def load(path=SNAPSHOT):
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


class _Resolver:
    def __init__(self, schema):
        self.components = schema.get("components", {}).get("schemas", {})

    def __call__(self, node):
        seen = set()
        while isinstance(node, dict) and "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[-1]
            if name in seen:
                break
            seen.add(name)
            node = self.components.get(name, {})
        if isinstance(node, dict) and "allOf" in node and len(node["allOf"]) == 1:
            return self(node["allOf"][0])
        return node or {}


def _kind(node):
    """A schema's type as a client sees it: type and format (an enum's values are compared apart; an integer's
    int32/int64 follows the database's ranges and is the same JSON number)."""
    if "oneOf" in node or "anyOf" in node:
        return "union"
    if node.get("type") == "integer":
        return ("integer", None)
    return (node.get("type"), node.get("format"))


def _compare(old, new, where, problems, side, ro, rn, depth=0):
    """Walk two schemas of one body. side "response": fields removed break; "request": new required fields and
    choices no longer accepted break. A changed type breaks on both sides."""
    old, new = ro(old), rn(new)
    if depth > 12 or not old or not new:
        return
    if _kind(old) != _kind(new) and "union" not in (_kind(old), _kind(new)):
        problems.append(f"{where}: type changed from {_kind(old)} to {_kind(new)}")
        return
    if side == "request" and "enum" in old and "enum" in new:
        gone = [v for v in old["enum"] if v not in new["enum"]]
        if gone:
            problems.append(f"{where}: no longer accepts {gone}")
    if side == "response" and "enum" in old and "enum" in new:
        added = [v for v in new["enum"] if v not in old["enum"]]
        if added and depth == 0:
            pass  # new values in an answer: clients should tolerate them (documented in README)
    old_props, new_props = old.get("properties", {}), new.get("properties", {})
    for name, sub in old_props.items():
        if name not in new_props:
            if side == "response":
                problems.append(f"{where}.{name}: removed from the answer")
            continue
        _compare(sub, new_props[name], f"{where}.{name}", problems, side, ro, rn, depth + 1)
    if side == "request":
        for name in set(new.get("required", [])) - set(old.get("required", [])):
            problems.append(f"{where}.{name}: newly required in the request")
    if "items" in old and "items" in new:
        _compare(old["items"], new["items"], f"{where}[]", problems, side, ro, rn, depth + 1)


def _params(operation):
    return {(p.get("in"), p.get("name")): p for p in operation.get("parameters", [])}


def _body_schema(part):
    content = (part or {}).get("content", {})
    media = content.get("application/json") or next(iter(content.values()), None)
    return (media or {}).get("schema")


def breaking_changes(old, new):
    """What in `new` breaks a client of `old` (a list of plain English lines; empty: compatible)."""
    ro, rn = _Resolver(old), _Resolver(new)
    problems = []
    for path, old_item in old.get("paths", {}).items():
        new_item = new.get("paths", {}).get(path)
        if new_item is None:
            problems.append(f"{path}: path removed")
            continue
        for method in METHODS:
            if method not in old_item:
                continue
            label = f"{method.upper()} {path}"
            if method not in new_item:
                problems.append(f"{label}: operation removed")
                continue
            old_op, new_op = old_item[method], new_item[method]
            old_params, new_params = _params(old_op), _params(new_op)
            for key, param in old_params.items():
                if key not in new_params:
                    problems.append(f"{label}: parameter {key[1]} ({key[0]}) removed")
                else:
                    _compare(param.get("schema", {}), new_params[key].get("schema", {}),
                             f"{label} parameter {key[1]}", problems, "request", ro, rn)
            for key, param in new_params.items():
                if param.get("required") and not old_params.get(key, {}).get("required"):
                    problems.append(f"{label}: parameter {key[1]} ({key[0]}) newly required")
            old_req, new_req = _body_schema(old_op.get("requestBody")), _body_schema(new_op.get("requestBody"))
            if old_req and new_req:
                _compare(old_req, new_req, f"{label} request", problems, "request", ro, rn)
            elif new_req and new_op.get("requestBody", {}).get("required") and not old_req:
                problems.append(f"{label}: now requires a request body")
            for status, old_resp in old_op.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                new_resp = new_op.get("responses", {}).get(status)
                if new_resp is None:
                    problems.append(f"{label}: answer {status} removed")
                    continue
                old_body, new_body = _body_schema(old_resp), _body_schema(new_resp)
                if old_body and not new_body:
                    problems.append(f"{label}: answer {status} lost its body")
                elif old_body and new_body:
                    _compare(old_body, new_body, f"{label} answer {status}", problems, "response", ro, rn)
    return problems


__all__ = ["SNAPSHOT", "generate", "dump", "load", "breaking_changes"]
