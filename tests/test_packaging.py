"""What ``pip install wsgi-ng`` puts on a machine."""
import io
import os

import wsgi_ng


def read(folder, name):
    with io.open(os.path.join(folder, name), encoding="utf-8") as handle:
        return handle.read()


def test_only_wsgi_ng_lands_at_the_top_of_site_packages(installed_metadata):
    assert read(installed_metadata, "top_level.txt").split() == ["wsgi_ng"]
    if installed_metadata.endswith(".dist-info"):
        record = read(installed_metadata, "RECORD").splitlines()
        tops = set(line.split(",")[0].split("/")[0] for line in record if line)
        assert tops <= set(["wsgi_ng", os.path.basename(installed_metadata), ".."])


def test_the_command_and_the_pytest_plugin_are_registered(installed_metadata):
    entry_points = read(installed_metadata, "entry_points.txt")
    assert "wsgi-ng = wsgi_ng.cli:main" in entry_points
    assert "wsgi_ng = wsgi_ng.pytest_plugin" in entry_points


def test_public_api():
    for name in wsgi_ng.__all__:
        assert hasattr(wsgi_ng, name), name
    assert issubclass(wsgi_ng.MessageTooBig, wsgi_ng.RemoteProtocolError)
    assert issubclass(wsgi_ng.HeaderError, wsgi_ng.LocalProtocolError)
    assert issubclass(wsgi_ng.LocalProtocolError, wsgi_ng.WsgiNgError)
