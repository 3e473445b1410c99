"""A throwaway PostgreSQL server for the tests, from Debian's packages (`apt-get install -y postgresql`):
initdb into a temporary folder, started on a free loopback port, stopped and removed afterwards. As root the
server runs as the `postgres` user the package creates (PostgreSQL refuses to run as root)."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path


def bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


@contextmanager
def postgres():
    """Yields an SQLAlchemy URL of a fresh, empty server."""
    bins = bin_dir()
    if bins is None:
        raise RuntimeError("PostgreSQL is not installed: apt-get install -y postgresql")
    root = os.geteuid() == 0
    folder = Path(tempfile.mkdtemp(prefix="shebao-pg-"))
    data, sock = folder / "data", folder / "sock"
    sock.mkdir()
    as_user: list[str] = []
    if root:
        user = pwd.getpwnam("postgres")
        for p in (folder, sock):
            os.chown(p, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    log = folder / "server.log"
    subprocess.run(as_user + [str(bins / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "-E", "UTF8",
                              "--locale=C.UTF-8"], check=True, capture_output=True)
    subprocess.run(as_user + [str(bins / "pg_ctl"), "-D", str(data), "-l", str(log), "-w", "-t", "60", "-o",
                              f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off", "start"],
                   check=True, capture_output=True)
    try:
        deadline = time.time() + 30
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(as_user + [str(bins / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
