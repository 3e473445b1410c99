"""The deployment: the shared store on SQLite and on PostgreSQL (the same tests), and two replicas behind
Debian's nginx (`python -m ui serve --replicas 2`), started by the tests themselves."""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest

from eval.feedback import candidates
from tests import pg
from ui.feedback import FeedbackStore

ROOT = Path(__file__).resolve().parents[1]
NGINX = Path("/usr/sbin/nginx")


@pytest.fixture(scope="module")
def postgres_url():
    with pg.postgres() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path, postgres_url):
    if request.param == "sqlite":
        return FeedbackStore(tmp_path / "feedback.sqlite3")
    from sqlalchemy import create_engine, text
    engine = create_engine(postgres_url)
    with engine.begin() as con:             # each test starts from an empty database
        con.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    s = FeedbackStore(url=postgres_url)
    s.path = tmp_path / "feedback.sqlite3"   # where the fallback file goes
    return s


def test_store_round_trip_on_both_backends(store):
    a = store.add("社保卡丢了 13812345678", "yazhou-service-17", "unhelpful", "yazhou")
    b = store.add("灵活就业怎么参保", "yazhou-service-7", "helpful")
    assert (a, b) == (1, 2)
    assert [r["question"] for r in store.rows()] == ["社保卡丢了 138****5678", "灵活就业怎么参保"]
    assert [r["id"] for r in store.pending()] == [1]
    store.review(1, ["yazhou-service-17"])
    store.review(1, ["yazhou-service-17", "dingan-duty-4"])     # a second review replaces the first
    assert store.pending() == [] and store.reviews() == {1: ["yazhou-service-17", "dingan-duty-4"]}
    store.log_question("身份证110101199003071234丢了", None, None, "text")
    assert "1990" not in store.questions()[0]["question"]
    store.set_account("clerk", "scrypt$x$y")
    store.set_account("clerk", "scrypt$x$z")
    if not store.is_sqlite:
        assert store.accounts() == {"clerk": "scrypt$x$z"}
    from ui.feedback import AlreadyRated
    first = store.add("再问一次", None, "helpful", turn="t-1")
    with pytest.raises(AlreadyRated):                          # one rating per answer, whichever replica takes it
        store.add("再问一次", None, "unhelpful", turn="t-1")
    assert store.add("再问一次", None, "helpful", turn="t-1") == first   # the same rating retried: stored once
    assert sum(r["question"] == "再问一次" for r in store.rows()) == 1
    url = store.url if not store.is_sqlite else store.path
    (case,) = candidates(url)
    assert case["gold"] == ["yazhou-service-17", "dingan-duty-4"] and case["reviewed"]


def test_migrations_are_recorded_once(store):
    store.check()
    from sqlalchemy import text
    with store._connect().connect() as con:
        assert [r[0] for r in con.execute(text("SELECT version FROM schema_version ORDER BY version"))] == [1, 2, 3]
    store._engine = None
    store.check()                                              # a second start migrates nothing
    with store._connect().connect() as con:
        assert con.execute(text("SELECT COUNT(*) FROM schema_version")).scalar() == 3


def test_an_unreachable_database_keeps_ratings_in_the_fallback_file(tmp_path):
    s = FeedbackStore(url="postgresql+psycopg://nobody@127.0.0.1:1/none")
    s.path = tmp_path / "feedback.sqlite3"
    assert "SHEBAO_DB_URL" in s.check()
    assert s.add("问题", None, "helpful") is None
    kept = json.loads((tmp_path / "feedback-fallback.jsonl").read_text(encoding="utf-8"))
    assert kept["values"]["question"] == "问题"


# -- two replicas behind nginx ------------------------------------------------------------------
@pytest.fixture(scope="module")
def cluster(postgres_url, tmp_path_factory):
    """`python -m ui serve --replicas 2` in its own process group, with PostgreSQL; yields its URL."""
    if not NGINX.exists():
        pytest.fail("nginx is not installed: the README test command installs it (apt-get install -y nginx)")
    from ui.replicas import free_port
    port = free_port()
    data = tmp_path_factory.mktemp("cluster-data")
    env = {**os.environ, "SHEBAO_DATA": str(data), "SHEBAO_DB_URL": postgres_url, "SHEBAO_STAFF": "clerk:口令-2026"}
    log = (data / "serve.log").open("w")
    proc = subprocess.Popen([sys.executable, "-m", "ui", "serve", "--replicas", "2", "--port", str(port)],
                            cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 240
    while time.time() < deadline:
        try:
            if httpx.get(url + "/api/v1/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail(f"the cluster did not start; see {data / 'serve.log'}")
    yield url, proc
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)


def replicas_of(proc) -> list[int]:
    """The replica processes' pids (children of the serve process running `-m ui --host`)."""
    out = subprocess.run(["pgrep", "-P", str(proc.pid), "-f", "ui --host 127"], capture_output=True, text=True)
    return [int(x) for x in out.stdout.split()]


def test_a_dialogue_across_replicas_gets_the_verdicts_of_one_process(cluster, bot):
    from bot import Session
    url, _ = cluster
    turns = ["我想问问按月领城乡居民养老金的事", "我今年61岁", "交了16年了"]
    state, seen, verdicts = None, set(), []
    with httpx.Client(base_url=url, timeout=60) as c:
        for t in turns:
            r = c.post("/api/v1/ask", json={"question": t, "state": state})
            assert r.status_code == 200
            seen.add(r.headers["x-shebao-replica"])
            state = r.json()["state"]
            verdicts.append([(v["rule"], v["verdict"]) for v in r.json()["eligibility"]])
    assert len(seen) == 2                                      # the turns landed on both replicas
    session = Session()
    one = [[(v.rule, v.verdict) for v in bot.answer(t, session).eligibility] for t in turns]
    assert verdicts == one and verdicts[-1] == [("resident_pension_monthly", "eligible")]


def test_killing_a_replica_mid_load_loses_no_feedback(cluster, postgres_url):
    url, proc = cluster
    before = len(FeedbackStore(url=postgres_url).rows())
    results, errors = [], []

    def post(c, path, body):
        """As the citizen page does (ui/static/app.js `post`): a request whose answer was cut off by a dying
        replica is sent once more — asking is a read, and the same rating twice is stored once."""
        try:
            r = c.post(path, json=body)
            r.read()
        except httpx.TransportError:
            r = c.post(path, json=body)
        r.raise_for_status()
        return r.json()

    def citizen(i: int) -> None:
        with httpx.Client(base_url=url, timeout=60) as c:
            for k in range(6):
                try:
                    d = post(c, "/api/v1/ask", {"question": ["社保卡丢了怎么补办？", "灵活就业怎么参保？"][k % 2]})
                    f = post(c, "/api/v1/feedback", {"turn": d["turn"], "verdict": "unhelpful"})
                    results.append(f["saved"])
                except Exception as exc:
                    errors.append(f"{i}/{k}: {exc}")

    threads = [threading.Thread(target=citizen, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    time.sleep(1.0)
    victims = replicas_of(proc)
    assert len(victims) == 2
    os.kill(victims[0], signal.SIGKILL)                        # one replica dies in the middle of the run
    for t in threads:
        t.join(120)
    assert errors == [] and len(results) == 48
    rows = FeedbackStore(url=postgres_url).rows()
    assert len(rows) - before == 48                            # every rating is in PostgreSQL


def test_gradio_clients_and_the_staff_login_stay_on_one_replica(cluster):
    """Gradio keeps its queue and its logins in the replica's memory: nginx keeps one client on one replica."""
    from gradio_client import Client
    url, _ = cluster
    for _ in range(3):
        assert "0898-88841728" in Client(url, verbose=False).predict("灵活就业怎么参保？", "", api_name="/ask")
        staff = Client(url + "/staff/", auth=("clerk", "口令-2026"), verbose=False)
        assert staff.predict("0898-63827235", "", "", api_name="/lookup")[0][0] == "dingan-service-5"
