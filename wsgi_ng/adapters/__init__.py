"""Adapters between wsgi-ng and other servers and frameworks."""
