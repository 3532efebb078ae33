"""Real apps are the judges: projects the frameworks make themselves,
served for real and driven by clients nobody here wrote.

A harness of small modules, one job each, for the end-to-end tests here
and for later ones (frameworks' WebSocket views, the compatibility matrix):

``gate``         when these heavy tests run, and the programs they need
``certificate``  a self-signed certificate for 127.0.0.1, made by openssl
``projects``     a project made by ``django-admin startproject``, migrated,
                 with a superuser
``apps/``        apps written the way their frameworks' documentation does
``examples``     the repository's example Django and Pyramid apps, and a new
                 project changed as docs/django.rst and docs/deploy.rst say
``hosts``        ``wsgi-ng serve`` and gunicorn with the worker class, as
                 child processes on an inherited socket, plain or TLS
``curl``         curl used as a browser would: a cookie jar, redirects
                 followed, the protocol of every response recorded
``forms``        the forms of an HTML page, submitted as a browser would
``logins``       the login flows a person goes through, over any client
``chromium``     headless Chromium over the DevTools protocol
``ocr``          what a screenshot shows, read by tesseract
"""
