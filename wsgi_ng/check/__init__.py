"""``wsgi-ng check MODULE:APP``: migration testing for a user's own app.

The app is served for real on the hosts of this machine (or those named
with ``--host``), the same requests are played on each -- given on the
command line, in a file, or found by crawling the app from its root -- and
each reply is judged against the first host's (``compare``).  What is not
the same is shown with what differs, and with the shim that makes it the
same where one does (``run``).  ``report`` prints the table and writes the
HTML page; ``progress`` says what it is doing meanwhile.

Needs the ``server`` extra (its clients speak HTTP/1.1 and HTTP/2).
"""
