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
def seed_index(tmp_path_factory):
    """The real index of the five seeds with the bundled default encoder (e5): the default one (built once if missing
    or stale), or — when a bureau has added its own registers to the manifest — one of the seeds alone, so
    the exact expectations below hold in every adopting bureau's checkout."""
    from corpus.build import write_records
    from corpus.records import load_records
    from corpus.sources import RECORDS
    from index.store import open_index
    if {r.source for r in load_records(RECORDS)} <= set(SEEDS):
        return open_index()
    folder = tmp_path_factory.mktemp("seed-index")
    write_records(parse_all(only=SEEDS)[0], folder / "records.jsonl")
    return open_index(folder / "idx", folder / "records.jsonl", log=None)


@pytest.fixture(scope="session")
def bot(seed_index):
    from bot import Bot
    from corpus.sources import load_sources
    return Bot(seed_index, sources=[s for s in load_sources() if s.slug in SEEDS])


STAFF = ("clerk", "秘密-口令-2026")  # the staff account of the test server


@pytest.fixture(scope="session")
def app_state(bot, tmp_path_factory):
    """The app's state over the seed bot, with its own data folder (feedback, published registers)."""
    from ui.accounts import Accounts, hash_password
    from ui.server import AppState
    data = tmp_path_factory.mktemp("ui-data")
    return AppState(bot, accounts=Accounts({STAFF[0]: hash_password(STAFF[1])}), data=data)


@pytest.fixture(scope="session")
def ui_url(app_state):
    """The real app (page, JSON API, staff console, Gradio /ask) on a free loopback port, started once."""
    from ui.server import serve
    server, url = serve(app_state)
    yield url
    server.should_exit = True
