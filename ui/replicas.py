"""`python -m ui serve --replicas N --port P`: a trial of the deployment on one machine: N replicas of
`python -m ui` on free loopback ports and nginx (Debian's package) in front of them on port P, all in the
foreground; Ctrl-C or SIGTERM stops everything it started. The replicas share $SHEBAO_DATA (published
registers, the rating secret) and, when set, $SHEBAO_DB_URL (PostgreSQL)."""

from __future__ import annotations

import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

TEMPLATE = Path(__file__).resolve().parent.parent / "deploy" / "nginx.conf.template"
NGINX = ("nginx", "/usr/sbin/nginx")


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def nginx_binary() -> str:
    for name in NGINX:
        found = shutil.which(name) or (name if Path(name).exists() else None)
        if found:
            return found
    raise SystemExit("nginx is not installed: `apt-get install -y nginx` (Debian), then run this again")


def nginx_conf(prefix: Path, listen: str, ports: list[int]) -> str:
    """The deploy template filled in for replicas on 127.0.0.1:`ports`, nginx listening on `listen`."""
    servers = "\n".join(f"        server 127.0.0.1:{p} max_fails=2 fail_timeout=10s;" for p in ports)
    text = TEMPLATE.read_text(encoding="utf-8")
    return text.replace("{prefix}", str(prefix)).replace("{listen}", listen).replace("{servers}", servers)


def wait_healthy(url: str, proc: subprocess.Popen, timeout_s: float, log: Path) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"{url}: the process exited with code {proc.returncode}; see {log}")
        try:
            with urllib.request.urlopen(url + "/api/v1/health", timeout=2):
                return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"{url} did not become healthy within {timeout_s:.0f} s; see {log}")


def serve(replicas: int, port: int, host: str = "127.0.0.1", timeout_s: float = 300.0) -> int:
    if not 1 <= replicas <= 64:
        raise SystemExit(f"--replicas={replicas}; use 1..64")
    nginx = nginx_binary()
    prefix = Path(tempfile.mkdtemp(prefix="shebao-serve-"))     # nginx's files; logs go to the data folder
    from ui.accounts import data_dir
    logs = data_dir() / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    env.setdefault("SHEBAO_SECRET", secrets.token_hex(32))  # every replica verifies every other's rating tokens
    procs: list[subprocess.Popen] = []

    def stop(*_):
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
        for p in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
        shutil.rmtree(prefix, ignore_errors=True)

    signal.signal(signal.SIGTERM, lambda *_: (stop(), sys.exit(0)))
    try:
        # the first replica builds anything missing (index, records) before the others start reading it
        ports = [free_port() for _ in range(replicas)]
        for n, p in enumerate(ports):
            log = logs / f"replica-{p}.log"
            procs.append(subprocess.Popen([sys.executable, "-m", "ui", "--host", "127.0.0.1", "--port", str(p)],
                                          env={**env, "SHEBAO_REPLICA": str(p)}, stdout=log.open("w"),
                                          stderr=subprocess.STDOUT))
            if n == 0:
                wait_healthy(f"http://127.0.0.1:{p}", procs[0], timeout_s, log)
        for p, proc in zip(ports, procs):
            wait_healthy(f"http://127.0.0.1:{p}", proc, timeout_s, logs / f"replica-{p}.log")
        for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (prefix / d).mkdir()
        conf = prefix / "nginx.conf"
        conf.write_text(nginx_conf(prefix, f"{host}:{port}", ports), encoding="utf-8")
        check = subprocess.run([nginx, "-t", "-q", "-c", str(conf), "-p", str(prefix)], capture_output=True, text=True)
        if check.returncode != 0:
            raise SystemExit(f"nginx refused the configuration:\n{check.stderr}")
        procs.append(subprocess.Popen([nginx, "-c", str(conf), "-p", str(prefix), "-g", "daemon off;"]))
        url = f"http://{host}:{port}"
        wait_healthy(url, procs[-1], 30, prefix / "error.log")
        print(f"社保问答: {replicas} replicas behind nginx at {url}  (replica logs in {logs}; Ctrl+C to stop)",
              flush=True)
        while all(p.poll() is None for p in procs[-1:]):
            time.sleep(0.5)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        stop()
