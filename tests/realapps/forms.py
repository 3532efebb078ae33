"""The forms of an HTML page, submitted as a browser would: every named
field with the value the page gave it (hidden CSRF tokens, ``next``...),
the ones a person types filled in, to the form's ``action`` resolved
against the page's address."""
from six.moves.html_parser import HTMLParser
from six.moves.urllib.parse import urljoin

FIELDS = ("input", "button", "select", "textarea")
NOT_SENT = ("submit", "button", "reset", "image", "file", "checkbox", "radio")


class Form(object):
    def __init__(self, attributes, page_url):
        self.id = attributes.get("id")
        self.method = (attributes.get("method") or "get").upper()
        self.action = urljoin(page_url, attributes.get("action") or page_url)
        self.fields = []  # (name, value) in page order

    def filled(self, **typed):
        """The fields to send, with *typed* replacing what the page had;
        each typed field must be one the form has."""
        names = [name for name, _ in self.fields]
        missing = set(typed) - set(names)
        assert not missing, "the form has no field %s: %s" % (
            ", ".join(sorted(missing)), names)
        return [(name, typed.get(name, value)) for name, value in self.fields]


class _FormParser(HTMLParser):
    def __init__(self, page_url):
        HTMLParser.__init__(self)
        self.page_url = page_url
        self.forms = []
        self._open = None

    def handle_starttag(self, tag, attrs):
        attributes = dict((name, value or "") for name, value in attrs)
        if tag == "form":
            self._open = Form(attributes, self.page_url)
            self.forms.append(self._open)
        elif tag in FIELDS and self._open is not None and "name" in attributes \
                and attributes.get("type", "text").lower() not in NOT_SENT:
            self._open.fields.append((attributes["name"],
                                      attributes.get("value", "")))

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def find_form(html, page_url, form_id):
    """The form with id *form_id* on the page at *page_url*."""
    parser = _FormParser(page_url)
    parser.feed(html)
    parser.close()
    found = [form for form in parser.forms if form.id == form_id]
    assert found, "no form with id %r in:\n%s" % (form_id, html)
    return found[0]
