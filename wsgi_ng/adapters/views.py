"""What a framework's WebSocket view needs around it, written once for the
Django and Pyramid adapters: each supplies its own responses and settings.

A view runs with the handshake still pending, so it can refuse the way it
refuses any request -- ``Http404``, ``PermissionDenied``, ``HTTPForbidden``,
a returned response -- and then calls ``accept()``.  Around the view:

* **the Origin check** against cross-site WebSocket hijacking.  A browser
  opens a WebSocket to any site with that site's cookies, and no CSRF token
  or same-origin rule stops it: only the ``Origin`` header it always sends
  tells a page of this site from a page of another one.  A session cookie
  is how a framework's WebSocket view knows its user, so the check is on by
  default: same origin as the request (scheme and ``Host``), or a trusted
  origin from the framework's CSRF settings.  A request without ``Origin``
  is not from a browser (which never leaves it out of a handshake) and
  passes: a program can send whatever ``Origin`` it likes anyway;
* **the ending**: once the view accepted (or closed) the session, the
  framework answers with its ``101`` response, which the host ignores
  (the spec's "frameworks may answer a WebSocket the way they answer
  everything").  A peer that went away (``ConnectionClosed``,
  ``MessageTooBig``) is an ordinary end; an exception after ``accept()``
  closes the session with 1011 and is reported the framework's way, since
  the framework's own 500 response can no longer be sent.
"""
from wsgi_ng.errors import ConnectionClosed, MessageTooBig
from wsgi_ng.websocket import end_session

#: Said with the 426 a WebSocket view gives to a request that is no
#: handshake, or that its host cannot accept.
NOT_A_HANDSHAKE = "This is a WebSocket endpoint: connect with a WebSocket client.\n"
HOST_CANNOT = ("This server cannot accept a WebSocket on this connection "
               "(a plain WSGI server without socket takeover, or HTTP/2 on a "
               "shared connection): see wsgi-ng's deployment guide.\n")


def is_handshake(environ):
    """True when the request asks for a WebSocket (every host presents the
    handshake as ``GET`` with ``Upgrade: websocket``)."""
    return "websocket" in environ.get("HTTP_UPGRADE", "").lower()


def refusal_text(environ):
    """Why a WebSocket view answers 426: the body of that answer."""
    return HOST_CANNOT if is_handshake(environ) else NOT_A_HANDSHAKE


def origin_allowed(origin, own_origin, trusted=()):
    """May a page from *origin* (the ``Origin`` header, or None) open this
    WebSocket, served at *own_origin* (``scheme://host[:port]``)?

    *trusted* lists further origins in the forms the frameworks' CSRF
    settings use: ``https://example.com`` and ``https://*.example.com``
    (Django 4+), ``example.com``, ``.example.com`` and ``example.com:8080``
    (Django before 4, Pyramid) -- a leading dot or ``*.`` takes the
    subdomains too.
    """
    if origin is None:
        return True  # not a browser: nothing to hijack
    if origin.lower() == own_origin.lower():
        return True
    scheme, separator, netloc = origin.lower().partition("://")
    if not separator:
        return False  # "null" (a sandboxed page, a file) or garbage
    for entry in trusted:
        entry = entry.lower()
        if "://" in entry:
            wanted, _, pattern = entry.partition("://")
            if wanted != scheme:
                continue
            pattern = pattern[1:] if pattern.startswith("*.") else pattern
        else:
            pattern = entry
        if _same_domain(netloc, pattern):
            return True
    return False


def _same_domain(netloc, pattern):
    """*netloc* is *pattern*, or a subdomain of it when *pattern* starts
    with a dot."""
    if pattern.startswith("."):
        return netloc.endswith(pattern) or netloc == pattern[1:]
    return netloc == pattern


def run_view(session, view, report):
    """Call *view()* for the handshake *session*; ``report(exc)`` is called
    inside the ``except`` block of an exception raised after ``accept()``.

    Returns ``(answered, result)``.  *answered* is True when the session
    was accepted or closed: the framework then ends with its ``101``.  It
    is False when the view answered the handshake itself with *result*, an
    HTTP response (a denial), which the framework sends.  An exception
    raised before ``accept()`` propagates: the framework turns it into its
    HTTP answer (404, 403, 500), which denies the handshake.
    """
    try:
        result = view()
    except (ConnectionClosed, MessageTooBig):
        if session.state is session.PENDING:
            raise
        return True, None  # the peer went away: an ordinary end
    except Exception as exc:
        if session.state is session.PENDING:
            raise
        end_session(session, 1011)
        report(exc)
        return True, None
    if session.state is session.PENDING:
        if result is not None:
            return False, result
        session.close()  # no answer at all: denied, the host says 403
    end_session(session, 1000)  # now, before the framework's own teardown
    return True, None
