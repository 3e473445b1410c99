"""Staff accounts for the console (/staff) and the staff API: from `SHEBAO_STAFF` ("name:password,…", for a
trial or a test), `$SHEBAO_DATA/staff.toml`, or the shared database when `SHEBAO_DB_URL` is set (scrypt
hashes, written by `python -m ui passwd NAME`). The citizen chat needs no account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
import tomllib
from pathlib import Path

_N, _R, _P = 2 ** 14, 8, 1


def data_dir() -> Path:
    return Path(os.environ.get("SHEBAO_DATA") or Path(__file__).resolve().parent.parent / "data")


def hash_password(password: str, salt: bytes | None = None) -> str:
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def _verify(password: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        want = base64.b64decode(digest)
        got = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=_N, r=_R, p=_P)
        return hmac.compare_digest(want, got)
    except (ValueError, TypeError):
        return False


class Accounts:
    """name → scrypt hash. `check(name, password)` is what Gradio's auth and the staff API call."""

    def __init__(self, hashes: dict[str, str] | None = None):
        self.hashes = dict(hashes or {})

    @classmethod
    def load(cls, path: str | Path | None = None, store=None) -> Accounts:
        """File, then the database (`store`, a ui.feedback.FeedbackStore, when a database URL is set), then
        the environment; a later source wins for the same name."""
        hashes: dict[str, str] = {}
        path = Path(path) if path else data_dir() / "staff.toml"
        if path.exists():
            with path.open("rb") as fh:
                for entry in tomllib.load(fh).get("account", []):
                    if entry.get("name") and entry.get("password"):
                        hashes[entry["name"]] = entry["password"]
        if store is not None and not store.is_sqlite:
            hashes.update(store.accounts())
        for pair in filter(None, (os.environ.get("SHEBAO_STAFF") or "").split(",")):
            name, _, password = pair.partition(":")
            if name.strip() and password:
                hashes[name.strip()] = hash_password(password)
        return cls(hashes)

    def __bool__(self) -> bool:
        return bool(self.hashes)

    def check(self, name: str, password: str) -> bool:
        stored = self.hashes.get(name or "")
        return bool(stored) and _verify(password or "", stored)

    def add(self, name: str, password: str, path: str | Path | None = None, store=None) -> str:
        """Write (or replace) one account: in the shared database when `store` uses one, else in staff.toml;
        returns where."""
        self.hashes[name] = hash_password(password)
        if store is not None and not store.is_sqlite:
            store.set_account(name, self.hashes[name])
            return store.where
        path = Path(path) if path else data_dir() / "staff.toml"
        path.parent.mkdir(parents=True, exist_ok=True)
        lines = []
        for n, h in sorted(self.hashes.items()):
            if "\"" in n or "\\" in n:
                raise ValueError("账号名不能包含引号或反斜杠")
            lines.append(f'[[account]]\nname = "{n}"\npassword = "{h}"\n')
        path.write_text("\n".join(lines), encoding="utf-8")
        path.chmod(0o600)
        return str(path)
