"""Registers a bureau adds from the staff console, kept in the data folder (never in the repository):

    $SHEBAO_DATA/registers/<slug>.<ext>      the uploaded files
    $SHEBAO_DATA/sources.toml                 their manifest entries
    $SHEBAO_DATA/published/                   the published corpus: sources.toml (shipped + added, absolute
                                              paths), records.jsonl, index/ (a complete index folder)

Preview parses an upload and compares it with what is published; publish copies it in, rebuilds records
and index beside the old ones and switches to them in one rename, so the running app answers from the new
corpus without a restart."""

from __future__ import annotations

import shutil
from dataclasses import asdict
from pathlib import Path

from corpus.build import parse_all, write_records
from corpus.parse import parse_file
from corpus.records import Record, load_records
from corpus.sources import MANIFEST, RECORDS, Source, load_sources

EXTENSIONS = (".docx", ".xlsx", ".txt", ".pdf", ".doc", ".xls", ".wps")
SLUG_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_")


def _toml(sources: list[Source]) -> str:
    out = []
    for s in sources:
        d = asdict(s)
        lines = ["[[source]]"]
        for k, v in d.items():
            if isinstance(v, (list, tuple)):
                lines.append(f"{k} = [" + ", ".join(_q(x) for x in v) + "]")
            else:
                lines.append(f"{k} = {_q(v)}")
        out.append("\n".join(lines))
    return "\n\n".join(out) + "\n"


def _q(value) -> str:
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


class Registry:
    def __init__(self, data: str | Path, manifest: str | Path = MANIFEST):
        self.data, self.manifest = Path(data), Path(manifest)

    @property
    def published(self) -> Path:
        return self.data / "published"

    def added(self) -> list[Source]:
        path = self.data / "sources.toml"
        return load_sources(path) if path.exists() else []

    def sources(self, extra: Source | None = None) -> list[Source]:
        """Shipped sources then added ones (an added slug replaces a shipped one), files as absolute paths."""
        shipped = [Source(**{**asdict(s), "file": str(s.path(self.manifest.parent))}) for s in load_sources(self.manifest)]
        added = [Source(**{**asdict(s), "file": str(self.data / s.file)}) for s in self.added()]
        if extra is not None:
            added = [s for s in added if s.slug != extra.slug] + [extra]
        merged = {s.slug: s for s in shipped}
        merged.update({s.slug: s for s in added})
        return list(merged.values())

    def current_records(self) -> list[Record]:
        path = self.published / "records.jsonl"
        return load_records(path if path.exists() else RECORDS)

    @staticmethod
    def validate(source: Source, filename: str) -> None:
        """ValueError with a Chinese message for anything the form got wrong."""
        if not source.slug or set(source.slug) - SLUG_CHARS or len(source.slug) > 30:
            raise ValueError("单位代码只能用小写字母、数字和下划线（如 pingwu），不超过30个字符。")
        if not source.bureau.strip():
            raise ValueError("请填写单位名称（如 平武县人力资源和社会保障局）。")
        if source.area_code and not (source.area_code.isdigit() and source.area_code.startswith("0")):
            raise ValueError("区号应是以0开头的数字，如 0816。")
        if Path(filename).suffix.lower() not in EXTENSIONS:
            raise ValueError(f"只能上传 {'、'.join(EXTENSIONS)} 格式的登记表。")

    def preview(self, upload: str | Path, source: Source) -> tuple[list[Record], list, dict]:
        """(records, warnings, diff) for an upload, nothing written. diff: {"added", "removed", "changed"}:
        titles compared with the published records of the same slug."""
        self.validate(source, str(upload))
        records, warnings = parse_file(upload, source, display=Path(upload).name)
        old = {r.title: r for r in self.current_records() if r.source == source.slug}
        new = {r.title: r for r in records}
        changed = [t for t in new if t in old and (new[t].content, new[t].contacts) != (old[t].content, old[t].contacts)]
        diff = {"added": [t for t in new if t not in old], "removed": [t for t in old if t not in new],
                "changed": changed}
        return records, warnings, diff

    def publish(self, upload: str | Path, source: Source, build_index) -> tuple[Path, list[Source]]:
        """Copy the upload in, rebuild records and index beside the published ones, switch in one rename.
        `build_index(records_path, folder)` builds an index folder. Returns (published folder, sources)."""
        self.preview(upload, source)  # refuses a file that does not parse before anything is written
        ext = Path(upload).suffix.lower()
        (self.data / "registers").mkdir(parents=True, exist_ok=True)
        stored = self.data / "registers" / f"{source.slug}{ext}"
        shutil.copyfile(upload, stored)
        entry = Source(**{**asdict(source), "file": f"registers/{source.slug}{ext}"})
        added = [s for s in self.added() if s.slug != source.slug] + [entry]
        (self.data / "sources.toml").write_text(_toml(added), encoding="utf-8")
        return self.rebuild(build_index)

    def base(self) -> str:
        """The shipped corpus the published one was built over: corpus/records.jsonl's sha256."""
        import hashlib
        return hashlib.sha256(RECORDS.read_bytes()).hexdigest() if RECORDS.exists() else ""

    def stale(self) -> bool:
        """True when registers were added from the console and the shipped corpus changed since (a register
        added with `python -m corpus build`): the published corpus must be rebuilt to include it."""
        mark = self.published / "base.sha256"
        return self.published.exists() and (not mark.exists() or mark.read_text().strip() != self.base())

    def rebuild(self, build_index) -> tuple[Path, list[Source]]:
        """The published corpus (shipped registers + added ones) built beside the current one and switched in
        by one rename. Returns (published folder, sources)."""
        sources = self.sources()
        staging = self.data / "published.new"
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        manifest = staging / "sources.toml"
        manifest.write_text(_toml(sources), encoding="utf-8")
        records, _ = parse_all(manifest)
        write_records(records, staging / "records.jsonl")
        build_index(staging / "records.jsonl", staging / "index")
        (staging / "base.sha256").write_text(self.base() + "\n", encoding="utf-8")
        old = self.data / "published.old"
        shutil.rmtree(old, ignore_errors=True)
        if self.published.exists():
            self.published.rename(old)
        staging.rename(self.published)
        shutil.rmtree(old, ignore_errors=True)
        return self.published, load_sources(self.published / "sources.toml")
