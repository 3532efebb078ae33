"""A self-signed certificate for 127.0.0.1, as a developer makes one to
try HTTPS locally; clients are told to accept it (curl ``-k``, Chromium
``--ignore-certificate-errors``)."""
import os

from process import run_bounded
from realapps.gate import require_program


def self_signed(folder):
    """``(certfile, keyfile)`` made by openssl in *folder*."""
    openssl = require_program("openssl")
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    code, output = run_bounded([
        openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1"])
    assert code == 0, output
    return cert, key
