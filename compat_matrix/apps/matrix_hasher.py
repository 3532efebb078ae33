"""A quick password hasher for the matrix's Django project, as Django's
testing documentation advises ("use a faster password hasher"): each
host logs in twice, and a million PBKDF2 rounds cost 0.6 s a login.  Same
algorithm, fewer rounds, so hashes stay readable by the default one."""
from django.contrib.auth.hashers import PBKDF2PasswordHasher


class QuickPBKDF2(PBKDF2PasswordHasher):
    iterations = 1000
