"""The website's fixtures for the mail tests (a cookie-keeping client that posts forms)."""

from tests.web.conftest import visitor_for  # noqa: F401  (a fixture)
