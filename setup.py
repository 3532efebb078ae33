"""wsgi-ng: WSGI for a world of HTTP/2 and WebSocket on one port."""
import io
import re

from setuptools import find_packages, setup

with io.open("wsgi_ng/__init__.py", encoding="utf-8") as init:
    VERSION = re.search(r'^__version__ = "([^"]+)"', init.read(), re.M).group(1)
with io.open("README.md", encoding="utf-8") as readme:
    LONG_DESCRIPTION = readme.read()

PY2 = 'python_version < "3"'
PY3 = 'python_version >= "3"'

setup(
    name="wsgi-ng",
    version=VERSION,
    description="PEP 3333 plus WebSocket, HTTP/2 push, early hints and "
                "trailers, on any WSGI host",
    long_description=LONG_DESCRIPTION,
    long_description_content_type="text/markdown",
    license="MIT",
    # Only wsgi_ng lands at the top of site-packages (tests check it).
    packages=find_packages(include=["wsgi_ng", "wsgi_ng.*"]),
    # the report page of wsgi-ng check (and of the compatibility matrix)
    package_data={"wsgi_ng.hosting": ["page.html"]},
    python_requires=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, "
                    "!=3.5.*",
    install_requires=[
        "six>=1.12",
        "wsproto>=0.14,<0.15; " + PY2,
        "wsproto>=1.0; " + PY3,
    ],
    extras_require={
        "server": [
            "h11>=0.11,<0.12; " + PY2,
            "h11>=0.13; " + PY3,
            "h2>=3.2,<4; " + PY2,
            "h2>=4.1; " + PY3,
            # the fast HTTP/1.1 parser (h11 stays the fallback)
            'httptools>=0.6.4; python_version >= "3.8" and '
            'platform_python_implementation == "CPython"',
        ],
        # The ASGI bridges (Python 3 only) run apps through the reference
        # server's Exchange, thread pool and environ code, which live in
        # wsgi_ng.server and so import its protocol stacks with it.
        "asgi": [
            "h11>=0.13; " + PY3,
            "h2>=4.1; " + PY3,
        ],
        "test": [
            "pytest>=4.6,<5; " + PY2,
            "pytest>=7; " + PY3,
            "coverage>=5.5,<6; " + PY2,
            "coverage>=6.2; " + PY3,
        ],
    },
    entry_points={
        "console_scripts": ["wsgi-ng = wsgi_ng.cli:main"],
        "pytest11": ["wsgi_ng = wsgi_ng.pytest_plugin"],
    },
    classifiers=[
        "Development Status :: 3 - Alpha",
        "Intended Audience :: Developers",
        "License :: OSI Approved :: MIT License",
        "Programming Language :: Python :: 2.7",
        "Programming Language :: Python :: 3",
        "Topic :: Internet :: WWW/HTTP :: WSGI",
        "Topic :: Internet :: WWW/HTTP :: WSGI :: Server",
        "Topic :: Internet :: WWW/HTTP :: WSGI :: Middleware",
    ],
)
