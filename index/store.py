"""Where the default index lives, and opening it: load if current, rebuild (saying why) if missing, stale or corrupt."""

from __future__ import annotations

import sys
from pathlib import Path

from corpus.records import load_records
from corpus.sources import RECORDS
from index.errors import CorruptIndex, IndexNotFound, StaleIndex
from index.hybrid import HybridIndex

STORE = Path(__file__).resolve().parent / "store"


def default_folder(encoder: str = "use") -> Path:
    name = "seed" if encoder == "use" else "seed-" + "".join(c if c.isalnum() else "_" for c in encoder)[-40:]
    return STORE / name


def build(records_path: str | Path = RECORDS, folder: str | Path | None = None, encoder: str = "use",
          log=None, **kw) -> HybridIndex:
    records = load_records(records_path)
    folder = Path(folder) if folder else default_folder(encoder)
    if log:
        log(f"indexing {len(records)} records with encoder {encoder} …")
    idx = HybridIndex(encoder=encoder, cache_dir=str(STORE / "cache"), **kw).index(records)
    idx.save(folder)
    if log:
        log(f"index saved to {folder}")
    return idx


def open_index(folder: str | Path | None = None, records_path: str | Path = RECORDS, encoder: str = "use",
               rebuild: bool = True, log=lambda m: print(m, file=sys.stderr)) -> HybridIndex:
    """The index for the current corpus. A missing, stale or corrupt index is rebuilt (rebuild=True, the
    default) or refused with the reason (rebuild=False)."""
    folder = Path(folder) if folder else default_folder(encoder)
    if not Path(records_path).exists() and Path(records_path) == RECORDS:
        from corpus.build import parse_all, write_records
        if log:
            log(f"no {RECORDS.name} yet — parsing the registers in corpus/sources.toml (first start)")
        parsed, warnings = parse_all()
        write_records(parsed, RECORDS)
        if log:
            log(f"wrote {len(parsed)} records ({len(warnings)} warnings)")
    records = load_records(records_path)
    try:
        idx = HybridIndex.load(folder, records=records)
        idx.cache_dir = str(STORE / "cache")
        return idx
    except (IndexNotFound, StaleIndex, CorruptIndex) as exc:
        if not rebuild:
            raise
        if log and not isinstance(exc, IndexNotFound):
            log(f"{exc} — rebuilding")
        elif log:
            log(f"no index at {folder} yet — building it (first start)")
        return build(records_path, folder, encoder, log=log)
