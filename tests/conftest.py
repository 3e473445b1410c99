import pytest

from corpus.build import parse_all


@pytest.fixture(scope="session")
def parsed():
    """Every seed register parsed once: (records, warnings)."""
    return parse_all()


@pytest.fixture(scope="session")
def by_id(parsed):
    return {r.id: r for r in parsed[0]}
