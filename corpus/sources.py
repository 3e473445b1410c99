"""The manifest of registers (`corpus/sources.toml`): slug, file, bureau, region, area code, place names."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

CORPUS_DIR = Path(__file__).resolve().parent
MANIFEST = CORPUS_DIR / "sources.toml"
RECORDS = CORPUS_DIR / "records.jsonl"


@dataclass(frozen=True)
class Source:
    slug: str
    file: str
    bureau: str
    province: str = ""
    city: str = ""
    county: str = ""
    area_code: str = ""
    places: tuple[str, ...] = ()

    @property
    def region(self) -> str:
        return f"{self.province}{self.city}{self.county}"

    def path(self, base: Path = CORPUS_DIR) -> Path:
        return base / self.file


def load_sources(path: str | Path = MANIFEST) -> list[Source]:
    path = Path(path)
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    out = []
    for n, entry in enumerate(data.get("source", []), 1):
        missing = [k for k in ("slug", "file", "bureau") if not entry.get(k)]
        if missing:
            raise ValueError(f"{path}: source #{n} lacks {', '.join(missing)}")
        entry = dict(entry)
        entry["places"] = tuple(entry.get("places", ()))
        out.append(Source(**entry))
    slugs = [s.slug for s in out]
    if len(set(slugs)) != len(slugs):
        raise ValueError(f"{path}: duplicate slugs in {slugs}")
    return out
