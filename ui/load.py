"""`python -m ui.load [--url URL] [--n 50] [--turns 1] [--json]`: N concurrent citizens, each asking through
the JSON API (`/api/v1/ask`, carrying its dialogue state for --turns turns), from one asyncio client so the
figures measure the server, not the client's threads. Prints errors (must be 0), answers/s, p50/p95; with
--json one object {"answers_per_s", "p50_ms", "p95_ms", "errors", "n", "turns", "rss_mb"}. Without --url it
starts the app itself (`python -m ui`) on a free loopback port and reports that process's RSS afterwards.

Not a test: a benchmark to run by hand. Loopback only, bounded in count and time."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlparse

QUESTIONS = ["灵活就业怎么参保？", "社保卡丢了怎么补办？", "养老金资格认证什么时候做？", "定安县劳动用工备案要带什么材料？",
             "我60岁了，交了12年，能领养老金吗？", "洋浦的单位怎么办理社保登记？", "工伤认定", "今天天气怎么样？"]
FOLLOW_UPS = ["我在定安", "电话多少", "要带什么材料"]
MAX_N = 2000
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * p // 100))          # ceil(n·p/100), at least 1
    return ordered[int(rank) - 1]


async def citizens(url: str, n: int, turns: int, timeout_s: float) -> tuple[list[float], list[str]]:
    """n concurrent dialogues of `turns` turns each; (latency per answer in s, error messages)."""
    import httpx

    latencies: list[float] = []
    errors: list[str] = []
    limits = httpx.Limits(max_connections=n, max_keepalive_connections=n)
    async with httpx.AsyncClient(base_url=url.rstrip("/"), timeout=timeout_s, limits=limits) as client:
        async def one(i: int) -> None:
            state = None
            for t in range(turns):
                question = QUESTIONS[i % len(QUESTIONS)] if t == 0 else FOLLOW_UPS[(t - 1) % len(FOLLOW_UPS)]
                started = time.perf_counter()
                try:
                    r = await client.post("/api/v1/ask", json={"question": question, "state": state})
                    r.raise_for_status()
                    body = r.json()
                    if not body.get("view", {}).get("html"):
                        raise RuntimeError(f"empty answer to {question!r}")
                    state = body["state"]
                    latencies.append(time.perf_counter() - started)
                except Exception as exc:             # every failure is counted and printed, none hidden
                    errors.append(f"citizen {i} turn {t}: {type(exc).__name__}: {exc}")
                    return
        await asyncio.gather(*(one(i) for i in range(n)))
    return latencies, errors


def rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def start_server(timeout_s: float) -> tuple[subprocess.Popen, str, Path]:
    """`python -m ui` on a free loopback port in its own process, its log in a temporary file; returns
    (process, url, log) once the app answers."""
    from ui.replicas import free_port
    url = f"http://127.0.0.1:{free_port()}"
    log = tempfile.NamedTemporaryFile("w+", prefix="shebao-ui-", suffix=".log", delete=False)
    print(f"starting the app on {url} (log: {log.name}) …", file=sys.stderr, flush=True)
    proc = subprocess.Popen([sys.executable, "-m", "ui", "--host", "127.0.0.1", "--port", url.rsplit(":", 1)[1]],
                            stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    from ui.replicas import wait_healthy
    try:
        wait_healthy(url, proc, timeout_s, Path(log.name))
    except SystemExit:
        proc.terminate()
        raise
    return proc, url, Path(log.name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui.load", description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running app on this machine (default: start one on a free port)")
    parser.add_argument("--n", type=int, default=50, help=f"concurrent citizens (default 50, at most {MAX_N})")
    parser.add_argument("--turns", type=int, default=1, help="turns per citizen's dialogue (default 1)")
    parser.add_argument("--rounds", type=int, default=1, help="repeat the whole run (a soak: new citizens each round)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for an answer (default 300)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= MAX_N:
        parser.error(f"--n={args.n}; use 1..{MAX_N}")
    if args.url and urlparse(args.url).hostname not in LOOPBACK:
        parser.error(f"--url={args.url} is not on this machine; the load script only targets 127.0.0.1/localhost")

    server, url, log = None, args.url, None
    if url is None:
        server, url, log = start_server(args.timeout)
    rss = None
    try:
        started = time.perf_counter()
        latencies, errors = [], []
        for _ in range(args.rounds):
            lat, err = asyncio.run(citizens(url, args.n, args.turns, args.timeout))
            latencies += lat
            errors += err
        wall = time.perf_counter() - started
        if server is not None:
            rss = rss_mb(server.pid)
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    result = {"answers_per_s": round(len(latencies) / wall, 1) if wall else 0.0,
              "p50_ms": round(percentile(latencies, 50) * 1000) if latencies else None,
              "p95_ms": round(percentile(latencies, 95) * 1000) if latencies else None,
              "errors": len(errors), "n": args.n, "turns": args.turns, "rounds": args.rounds,
              "rss_mb": round(rss) if rss else None}
    for e in errors[:20]:
        print("error:", e, file=sys.stderr)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"url {url}  citizens {args.n} × {args.turns} turns × {args.rounds} rounds  answers {len(latencies)}  "
              f"errors {len(errors)}  wall {wall:.2f} s  {result['answers_per_s']} answers/s")
        if latencies:
            print(f"latency p50 {result['p50_ms']} ms  p95 {result['p95_ms']} ms  max {max(latencies) * 1000:.0f} ms  "
                  f"mean {statistics.fmean(latencies) * 1000:.0f} ms" + (f"  server RSS {rss:.0f} MB" if rss else ""))
    if log is not None:
        if errors:
            print(f"the app's log: {log}", file=sys.stderr)
        else:
            log.unlink(missing_ok=True)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
