"""`python -m ui.load [--url URL] [--n 50]`: fire N concurrent `/ask` calls through gradio_client and print the
error count (must be 0) and p50/p95 latency. Without --url it starts the app itself (`python -m ui`) on a free
loopback port.

Not a test: a check to run by hand after changing the queue or the bot. Loopback only, bounded in count and time.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path
from urllib.parse import urlparse

QUESTIONS = ["灵活就业怎么参保？", "社保卡丢了怎么补办？", "养老金资格认证什么时候做？", "定安县劳动用工备案要带什么材料？",
             "我60岁了，交了12年，能领养老金吗？", "洋浦的单位怎么办理社保登记？", "工伤认定", "今天天气怎么样？"]
MAX_N = 500
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))          # ceil(n·p/100), at least 1
    return ordered[int(rank) - 1]


def fire(url: str, n: int, timeout_s: float) -> tuple[list[float], list[str]]:
    """n concurrent /ask calls, one client (one browser session) per thread, released together once all are
    connected; (latencies of the successes in s, error messages)."""
    from gradio_client import Client

    ready = threading.Barrier(n, timeout=timeout_s)

    def one(i: int) -> float:
        client = Client(url, verbose=False)
        ready.wait()                                     # all clients connected: the calls start together
        started = time.perf_counter()
        answer = client.predict(QUESTIONS[i % len(QUESTIONS)], api_name="/ask")
        if not isinstance(answer, str) or not answer.strip():
            raise RuntimeError(f"call {i}: empty answer {answer!r}")
        return time.perf_counter() - started

    latencies, errors = [], []
    with ThreadPoolExecutor(max_workers=n) as pool:
        futures = [pool.submit(one, i) for i in range(n)]
        done, not_done = wait(futures, timeout=timeout_s)
        for f in not_done:
            f.cancel()
            errors.append(f"no answer within {timeout_s:.0f} s")
        for f in done:
            try:
                latencies.append(f.result())
            except Exception as exc:                     # every failure is counted and printed, none hidden
                errors.append(f"{type(exc).__name__}: {exc}")
    return latencies, errors


def start_server(timeout_s: float) -> tuple[subprocess.Popen, str, Path]:
    """`python -m ui` on a free loopback port in its own process (so the clients' threads do not share its
    interpreter), its log in a temporary file; returns (process, url, log) once the app answers."""
    from ui.app import free_port

    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tempfile.NamedTemporaryFile("w+", prefix="shebao-ui-", suffix=".log", delete=False)
    print(f"starting the app on {url} (log: {log.name}) …", file=sys.stderr, flush=True)
    proc = subprocess.Popen([sys.executable, "-m", "ui", "--host", "127.0.0.1", "--port", str(port)],
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the app exited with code {proc.returncode}; see {log.name}")
        try:
            with urllib.request.urlopen(url + "config", timeout=2):
                return proc, url, Path(log.name)
        except OSError:
            time.sleep(0.5)
    proc.terminate()
    raise SystemExit(f"the app did not answer within {timeout_s:.0f} s; see {log.name}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.load", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app on this machine (default: start one on a free port)")
    parser.add_argument("--n", type=int, default=50, help=f"concurrent /ask calls (default 50, at most {MAX_N})")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for all answers (default 120)")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= MAX_N:
        parser.error(f"--n={args.n}; use 1..{MAX_N}")
    if args.url and urlparse(args.url).hostname not in LOOPBACK:
        parser.error(f"--url={args.url} is not on this machine; the load script only targets 127.0.0.1/localhost")

    server, url, log = None, args.url, None
    if url is None:
        server, url, log = start_server(args.timeout)
    try:
        started = time.perf_counter()
        latencies, errors = fire(url, args.n, args.timeout)
        wall = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()

    for e in errors[:20]:
        print("error:", e)
    print(f"url {url}  calls {args.n}  ok {len(latencies)}  errors {len(errors)}  wall {wall:.2f} s")
    if latencies:
        print(f"latency p50 {percentile(latencies, 50) * 1000:.0f} ms  p95 {percentile(latencies, 95) * 1000:.0f} ms  "
              f"max {max(latencies) * 1000:.0f} ms  mean {statistics.fmean(latencies) * 1000:.0f} ms")
    if log is not None:
        if errors:
            print(f"the app's log: {log}")
        else:
            log.unlink(missing_ok=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
