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


def test_the_asgi_extra_brings_what_the_bridges_import(installed_metadata):
    """wsgi_ng.adapters.asgi runs requests through wsgi_ng.server, whose
    package imports h11 and h2: ``pip install wsgi-ng[asgi]`` has them."""
    if installed_metadata.endswith(".dist-info"):
        metadata = read(installed_metadata, "METADATA")
        assert "Provides-Extra: asgi" in metadata.splitlines()
        asgi = [line for line in metadata.splitlines()  # 'asgi' on 2.7
                if line.startswith("Requires-Dist:") and
                line.replace("'", '"').endswith('extra == "asgi"')]
    else:  # an egg-info: requires.txt, by section
        sections = read(installed_metadata, "requires.txt").split("\n[")
        asgi = [section for section in sections if section.startswith("asgi")]
    assert [name for name in ("h11", "h2") if name not in " ".join(asgi)] == []
