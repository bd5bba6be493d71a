"""Notification tests use the website's cookie-keeping visitor (tests/web/conftest.py)."""

from tests.web.conftest import visitor_for  # noqa: F401  (a fixture)
