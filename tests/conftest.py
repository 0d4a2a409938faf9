"""Shared fixtures live in tests/fixtures/, one module per concern."""

pytest_plugins = [
    "tests.fixtures.aws",
    "tests.fixtures.databases",
    "tests.fixtures.events",
]
