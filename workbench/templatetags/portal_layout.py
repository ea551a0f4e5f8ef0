"""`{% same_for_everyone %}…{% end_same_for_everyone %}`: a part of the layout every staff page draws
(templates/workbench/_nav.html, _language.html, dashboard/base.html) that is the same for every request in a
language — static files, URLs without arguments, translated text — rendered once per process and language instead
of on every page.

It is rendered from an empty context: a variable of the request's, the user's or the view's put inside renders
empty for everyone, and a form token is left out, so nothing of one user's (a name, a CSRF token, a CSP nonce) can
be kept and shown to another. Those stay outside, rendered per request."""

from django import template
from django.utils.translation import get_language

from workbench.layout_cache import urls_key

register = template.Library()


class SameForEveryoneNode(template.Node):
    def __init__(self, nodelist):
        self.nodelist = nodelist
        #: {(language, settings' generation, URL conf, script prefix): HTML}, kept on the node: a template
        #: reloaded (a changed file, in development) starts afresh.
        self.kept = {}

    def render(self, context):
        key = (get_language(), *urls_key())
        html = self.kept.get(key)
        if html is None:
            if len(self.kept) >= 64:  # a couple of languages and one URL conf in practice
                self.kept.clear()
            # context.new(): the same template and engine, none of the context's variables.
            html = self.kept[key] = self.nodelist.render(context.new())
        return html


@register.tag("same_for_everyone")
def same_for_everyone(parser, token):
    nodelist = parser.parse(("end_same_for_everyone",))
    parser.delete_first_token()
    return SameForEveryoneNode(nodelist)
