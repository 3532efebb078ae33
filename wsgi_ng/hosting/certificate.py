"""A self-signed certificate for 127.0.0.1, as a developer makes one to
try HTTPS locally (clients are told to accept it), for the TLS hosts."""
import os

from wsgi_ng.hosting.process import run_bounded


def openssl():
    """The path of the ``openssl`` program, or None."""
    for folder in os.environ.get("PATH", os.defpath).split(os.pathsep):
        path = os.path.join(folder, "openssl")
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def self_signed(folder):
    """``(certfile, keyfile)`` made by openssl in *folder*."""
    program = openssl()
    if program is None:
        raise OSError("openssl is not installed (it makes the test "
                      "certificate of the TLS hosts): apt-get install openssl")
    cert, key = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    code, output = run_bounded([
        program, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        "-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1",
        "-addext", "subjectAltName=IP:127.0.0.1"])
    if code != 0:
        raise OSError("openssl could not make a certificate:\n" + output)
    return cert, key
