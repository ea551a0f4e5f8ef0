"""The API's JSON parser: DRF's, with a limit on how deeply a body may nest (the default parser, settings)."""

from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers

#: How deep a JSON body may nest (objects and arrays); the API's own bodies nest two levels.
MAX_JSON_DEPTH = 32


def json_depth(data):
    """How deeply `data` (parsed JSON) nests objects and arrays; counted without recursion."""
    deepest, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            node = node.values()
        elif not isinstance(node, list):
            continue
        deepest = max(deepest, depth)
        stack.extend((child, depth + 1) for child in node if isinstance(child, (dict, list)))
    return deepest


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, refusing (400) a body nested deeper than MAX_JSON_DEPTH: deep nesting is never a real
    request and would otherwise end in a RecursionError (a 500) in the parser or a serializer."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            data = None
            depth = MAX_JSON_DEPTH + 1
        else:
            depth = json_depth(data)
        if depth > MAX_JSON_DEPTH:
            raise exceptions.ParseError(_("The JSON body nests deeper than %(max)s levels.") % {
                "max": MAX_JSON_DEPTH})
        return data
