import pytest

from corpus.build import parse_all


# The five registers the project ships. Exact-count tests pin these explicitly, so a bureau that adds its own
# register to corpus/sources.toml (as README says) keeps the suite green.
SEEDS = ("yazhou", "dingan", "yangpu", "hongjiang", "lingao")


@pytest.fixture(scope="session")
def parsed():
    """Every seed register parsed once: (records, warnings)."""
    return parse_all(only=SEEDS)


@pytest.fixture(scope="session")
def by_id(parsed):
    return {r.id: r for r in parsed[0]}


@pytest.fixture(scope="session")
def seed_index():
    """The real seed index with the bundled USE encoder (built once if missing or stale)."""
    from index.store import open_index
    return open_index()


@pytest.fixture(scope="session")
def bot(seed_index):
    from bot import Bot
    return Bot(seed_index)


@pytest.fixture(scope="session")
def ui_url(bot, tmp_path_factory):
    """The real Gradio app on a free loopback port, with its own feedback store (started once)."""
    from ui.app import serve
    from ui.feedback import FeedbackStore
    demo, url = serve(bot, feedback=FeedbackStore(tmp_path_factory.mktemp("ui") / "feedback.sqlite3"))
    yield url
    demo.close()
