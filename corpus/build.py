"""Builds `corpus/records.jsonl` from every register in the manifest, atomically and deterministically."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from corpus.errors import ParseWarning
from corpus.parse import parse_file
from corpus.records import SECTIONS, Record
from corpus.sources import CORPUS_DIR, MANIFEST, RECORDS, load_sources


def parse_all(manifest: str | Path = MANIFEST, only: tuple[str, ...] | None = None
              ) -> tuple[list[Record], list[ParseWarning]]:
    """Every register in the manifest (or only the slugs in `only`), in manifest order: (records, warnings)."""
    manifest = Path(manifest)
    base = manifest.parent
    records, warnings = [], []
    for src in load_sources(manifest):
        if only is not None and src.slug not in only:
            continue
        path = src.path(base)
        shown = os.path.relpath(path, base.parent) if base == CORPUS_DIR else str(path)
        recs, warns = parse_file(path, src, shown)
        records += recs
        warnings += warns
    return records, warnings


def write_records(records: list[Record], out: str | Path = RECORDS) -> Path:
    """Write one JSON line per record, and beside it `records.meta.json` with their count and sha256 (which
    `load_records` checks); each file is replaced only once its new version is complete."""
    import hashlib
    import json

    from corpus.records import manifest_of

    out = Path(out)
    body = "".join(r.to_json() + "\n" for r in records).encode("utf-8")
    meta = json.dumps({"records": len(records), "sha256": hashlib.sha256(body).hexdigest()}) + "\n"
    for target, data in ((out, body), (manifest_of(out), meta.encode("utf-8"))):
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".records-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    return out


def stats(records: list[Record], warnings: list[ParseWarning]) -> dict:
    sources: dict[str, dict[str, int]] = {}
    for r in records:
        s = sources.setdefault(r.source, {k: 0 for k in SECTIONS} | {"duty_items": 0})
        s[r.section] += 1
        s["duty_items"] += len(r.items)
    return {"sources": sources, "records": len(records), "warnings": len(warnings)}
