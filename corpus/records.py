"""The record: one register entry, frozen, with a stable id and its provenance."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

SECTIONS = ("service", "power", "duty", "boundary", "supervision")
SECTION_NAMES = {"service": "公共服务事项", "power": "权力事项", "duty": "部门职责", "boundary": "职责边界",
                 "supervision": "事中事后监管"}
# Optional fields written to records.jsonl only when set (most registers have none of them).
OPTIONAL = ("category", "basis", "complaint_phones", "time_limit", "channel", "code", "fee", "remark")
PART_NAMES = {"object": "监督检查对象", "content": "监督检查内容", "method": "监督检查方式",
              "measures": "监督检查措施", "procedure": "监督检查程序", "handling": "监督检查处理"}


@dataclass(frozen=True)
class Contact:
    office: str
    phones: tuple[str, ...] = ()


@dataclass(frozen=True)
class WorkItem:
    text: str
    remark: str = ""
    serial: str = ""


@dataclass(frozen=True)
class Department:
    name: str
    division: str = ""
    basis: str = ""
    case: str = ""


@dataclass(frozen=True)
class Part:
    """One part of a supervision scheme; `name` is one of PART_NAMES or "other"."""

    name: str
    heading: str
    text: str


@dataclass(frozen=True)
class Record:
    id: str
    source: str
    bureau: str
    region: str
    section: str
    n: int
    serial: str
    title: str
    content: str = ""
    contacts: tuple[Contact, ...] = ()
    items: tuple[WorkItem, ...] = ()
    departments: tuple[Department, ...] = ()
    parts: tuple[Part, ...] = ()
    file: str = ""
    lines: tuple[int, int] = (0, 0)
    category: str = ""  # 一级事项 of a catalogue, 职权类型 of a power list
    basis: str = ""  # 设定依据 / 公开依据 / 职权依据
    complaint_phones: tuple[str, ...] = ()  # 监督投诉电话: never the service's own phone
    time_limit: str = ""
    channel: str = ""
    code: str = ""  # 事项编码
    fee: str = ""
    remark: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    @property
    def phones(self) -> list[str]:
        return [p for c in self.contacts for p in c.phones]

    @property
    def offices(self) -> list[str]:
        names = [c.office for c in self.contacts if c.office]
        names += [d.name for d in self.departments]
        return list(dict.fromkeys(names))

    def part(self, name: str) -> str:
        """Text of the supervision part `name` (object, content, method, measures, procedure, handling)."""
        return "\n".join(p.text for p in self.parts if p.name == name)

    def body(self) -> str:
        """All the record's words, for indexing and display; the title is not repeated."""
        chunks = [self.category, self.content]
        chunks += [f"{i.text} {i.remark}".strip() for i in self.items]
        chunks += [f"{d.name} {d.division} {d.basis} {d.case}" for d in self.departments]
        chunks += [f"{p.heading} {p.text}" for p in self.parts]
        chunks += [c.office for c in self.contacts]
        chunks += [self.basis[:300], self.channel]
        return "\n".join(c for c in chunks if c)

    def to_dict(self) -> dict:
        d = asdict(self)
        d["lines"] = list(self.lines)
        for name in OPTIONAL:
            if not d[name]:
                d.pop(name)
        if "complaint_phones" in d:
            d["complaint_phones"] = list(d["complaint_phones"])
        if not d["extra"]:
            d.pop("extra")
        return d

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, sort_keys=False)

    @classmethod
    def from_dict(cls, d: dict) -> Record:
        d = dict(d)
        d["contacts"] = tuple(Contact(c["office"], tuple(c["phones"])) for c in d.get("contacts", ()))
        d["items"] = tuple(WorkItem(**i) for i in d.get("items", ()))
        d["departments"] = tuple(Department(**x) for x in d.get("departments", ()))
        d["parts"] = tuple(Part(**p) for p in d.get("parts", ()))
        d["lines"] = tuple(d.get("lines", (0, 0)))
        d["complaint_phones"] = tuple(d.get("complaint_phones", ()))
        return cls(**d)


def load_records(path: str | Path) -> list[Record]:
    """Read a records.jsonl file written by `python -m corpus build`. A damaged file (cut mid-line or
    mid-character, not UTF-8, a line that is no record, an id twice) is a ValueError naming the file and line
    and saying to rebuild it; nothing is silently skipped."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path} does not exist; run `python -m corpus build` first")
    fix = "rebuild it with `python -m corpus build`"
    data = path.read_bytes()
    lines = data.split(b"\n")
    if lines[-1].strip():  # every line the writer writes ends with a newline: this one was cut off
        raise ValueError(f"{path}:{len(lines)}: the last line is incomplete (the file was cut short); {fix}")
    out, seen = [], set()
    for n, raw in enumerate(lines, 1):
        if not raw.strip():
            continue
        try:
            d = json.loads(raw.decode("utf-8"))
            if not isinstance(d, dict):
                raise TypeError(f"a JSON {type(d).__name__}, not an object")
            r = Record.from_dict(d)
        except UnicodeDecodeError as exc:
            raise ValueError(f"{path}:{n}: not UTF-8 at byte {exc.start} of the line (cut mid-character or "
                             f"damaged); {fix}") from None
        except (ValueError, TypeError, KeyError) as exc:
            raise ValueError(f"{path}:{n}: not a record ({type(exc).__name__}: {exc}); {fix}") from None
        if r.id in seen:
            raise ValueError(f"{path}:{n}: record {r.id} appears twice; {fix}")
        seen.add(r.id)
        out.append(r)
    meta = manifest_of(path)
    if meta.exists():   # the count and hash the build wrote beside the records
        try:
            want = json.loads(meta.read_text(encoding="utf-8"))
            count, digest = int(want["records"]), str(want["sha256"])
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{meta}: not a records manifest ({exc}); {fix}") from None
        import hashlib
        if len(out) != count or hashlib.sha256(data).hexdigest() != digest:
            raise ValueError(f"{path}: holds {len(out)} records, {meta.name} says {count} "
                             f"({'same count, different content' if len(out) == count else 'cut or added to'}); {fix}")
    return out


def manifest_of(path: str | Path) -> Path:
    """`records.jsonl` → `records.meta.json`: the record count and sha256 `write_records` writes beside it."""
    path = Path(path)
    return path.with_name(path.name.removesuffix(".jsonl") + ".meta.json")
