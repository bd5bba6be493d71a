"""The website fixtures (a cookie-keeping Visitor per person) for the organisation space's tests."""

from tests.web.conftest import visitor_for  # noqa: F401  (a fixture)
