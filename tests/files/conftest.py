"""The website's browser-like visitor (tests/web/conftest.py) for the files' tests."""

from tests.web.conftest import visitor_for  # noqa: F401  (a fixture)
