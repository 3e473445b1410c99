"""Where the default index lives, and opening it: load if current, rebuild (saying why) if missing, stale or corrupt."""

from __future__ import annotations

import sys
from pathlib import Path

from corpus.records import load_records
from corpus.sources import RECORDS
from index.encoders import DEFAULT_ENCODER
from index.errors import CorruptIndex, IndexNotFound, StaleIndex
from index.hybrid import HybridIndex

STORE = Path(__file__).resolve().parent / "store"


def default_folder(encoder: str = DEFAULT_ENCODER) -> Path:
    name = "seed" if encoder == DEFAULT_ENCODER else "seed-" + "".join(c if c.isalnum() else "_" for c in encoder)[-40:]
    return STORE / name


def build(records_path: str | Path = RECORDS, folder: str | Path | None = None, encoder: str = DEFAULT_ENCODER,
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


def newer_registers(records_path: Path = RECORDS, slack_s: float = 2.0) -> list[str]:
    """A line for each register in corpus/sources.toml edited after records.jsonl was written (the running
    corpus does not have its changes yet), saying what to run."""
    from corpus.sources import load_sources
    try:
        built = Path(records_path).stat().st_mtime
        sources = load_sources()
    except (OSError, ValueError):
        return []
    out = []
    for src in sources:
        path = src.path()
        if path.exists() and path.stat().st_mtime > built + slack_s:
            out.append(f"{_shown(path)} is newer than {Path(records_path).name}: the answers do not include its "
                       f"changes yet; run `python -m corpus build` (the index is rebuilt at the next start)")
    return out


def _shown(path: Path) -> str:
    """A register's path as a person types it: relative to the checkout when inside it."""
    try:
        return str(path.resolve().relative_to(Path(__file__).resolve().parents[1]))
    except ValueError:
        return str(path)


def _indexed_ids(folder: Path) -> list[str]:
    """Record ids of the index in `folder` (its records.jsonl, already verified by its checksum)."""
    try:
        return [r.id for r in load_records(folder / "records.jsonl")]
    except (OSError, ValueError):
        return []


def _refuse_a_cut_corpus(folder: Path, records_path, records, log) -> None:
    """A records.jsonl holding only the first records the index was built from is what a file cut short at a
    line boundary looks like. For corpus/records.jsonl the registers decide: if they give more than the file
    holds, it is damaged (an error, never an index of a subset); otherwise the corpus really shrank."""
    old = _indexed_ids(folder)
    ids = [r.id for r in records]
    if not (len(ids) < len(old) and old[:len(ids)] == ids):
        return
    said = (f"{records_path} holds {len(ids)} records, only the first {len(ids)} of the {len(old)} the index at "
            f"{folder} was built from")
    if Path(records_path) != RECORDS:
        if log:
            log(f"warning: {said}; was the file cut short?")
        return
    from corpus.build import parse_all
    parsed, _ = parse_all()
    if [r.id for r in parsed] != ids:
        raise ValueError(f"{said}, while the registers in corpus/sources.toml give {len(parsed)}: the file was "
                         f"cut short or edited; run `python -m corpus build`")


def open_index(folder: str | Path | None = None, records_path: str | Path = RECORDS, encoder: str = DEFAULT_ENCODER,
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
    if log and Path(records_path) == RECORDS:
        for line in newer_registers(RECORDS):
            log(line)
    try:
        idx = HybridIndex.load(folder, records=records, encoder=encoder)
        idx.cache_dir = str(STORE / "cache")
        return idx
    except (IndexNotFound, StaleIndex, CorruptIndex) as exc:
        if isinstance(exc, StaleIndex):
            _refuse_a_cut_corpus(folder, records_path, records, log)
        if not rebuild:
            raise
        if log and not isinstance(exc, IndexNotFound):
            log(f"{exc} — rebuilding")
        elif log:
            log(f"no index at {folder} yet — building it (first start)")
        return build(records_path, folder, encoder, log=log)
