"""A self-signed certificate for 127.0.0.1 (``wsgi_ng.hosting``'s, made by
openssl); clients are told to accept it (curl ``-k``, Chromium
``--ignore-certificate-errors``)."""
from realapps.gate import require_program
from wsgi_ng.hosting.certificate import self_signed as _self_signed


def self_signed(folder):
    """``(certfile, keyfile)`` made by openssl in *folder*."""
    require_program("openssl")
    return _self_signed(folder)
