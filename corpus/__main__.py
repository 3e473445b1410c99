"""python -m corpus build | stats [--json] | export | show ID | parse FILE [--source S] | check FILE"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from corpus.build import parse_all, stats, write_records
from corpus.errors import RegisterFormatError
from corpus.records import SECTION_NAMES, Record, load_records
from corpus.sources import MANIFEST, RECORDS, Source, load_sources


def show(r: Record) -> str:
    out = [f"{r.id}  [{SECTION_NAMES[r.section]}] {r.title}", f"来源: {r.bureau} ({r.region}) 序号 {r.serial or '-'}",
           f"出处: {r.file}:{r.lines[0]}-{r.lines[1]}"]
    if r.category:
        out.append(f"类别: {r.category}")
    if r.content:
        out.append(r.content)
    for label, value in (("依据", r.basis), ("时限", r.time_limit), ("渠道", r.channel), ("编码", r.code),
                         ("收费", r.fee), ("备注", r.remark), ("监督投诉电话", "、".join(r.complaint_phones))):
        if value:
            out.append(f"{label}: {value}")
    for c in r.contacts:
        out.append(f"承办: {c.office}  电话: {'、'.join(c.phones) or '-'}")
    for i in r.items:
        out.append(f"  · {i.text}" + (f"  （备注: {i.remark}）" if i.remark else ""))
    for d in r.departments:
        out.append(f"  [{d.name}] {d.division}" + (f"\n    依据: {d.basis}" if d.basis else "")
                   + (f"\n    案例: {d.case}" if d.case else ""))
    for p in r.parts:
        out.append(f"  {p.heading}: {p.text}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m corpus", description="Parse bureau registers into records.")
    ap.add_argument("--manifest", default=str(MANIFEST), help="sources.toml to read (default: the bundled one)")
    ap.add_argument("--records", default=str(RECORDS), help="records.jsonl to write/read")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("build", help="parse every register in the manifest and write records.jsonl")
    st = sub.add_parser("stats", help="counts per source and register part")
    st.add_argument("--json", action="store_true")
    sub.add_parser("export", help="every record as one JSON line")
    sh = sub.add_parser("show", help="one record, readable")
    sh.add_argument("id")
    for name, text in (("parse", "parse one register file and print its records, one JSON line each (warnings on "
                                 "stderr)"),
                       ("check", "parse one register file and report what a clerk should check: parts, rows, "
                                 "column mapping, warnings, records without office or phone")):
        pa = sub.add_parser(name, help=f"{text}; .txt (UTF-8/GBK/UTF-16), .docx, .xlsx, .pdf, .doc")
        pa.add_argument("file")
        pa.add_argument("--source", help="slug (from the manifest, or a new one)")
        pa.add_argument("--area-code", default="", help="area code for phones of a register not in the manifest")
    args = ap.parse_args(argv)

    try:
        if args.cmd == "build":
            records, warnings = parse_all(args.manifest)
            for w in warnings:
                print(f"warning: {w}", file=sys.stderr)
            path = write_records(records, args.records)
            print(f"wrote {len(records)} records to {path} ({len(warnings)} warnings)")
        elif args.cmd == "stats":
            records, warnings = parse_all(args.manifest)
            s = stats(records, warnings)
            if args.json:
                print(json.dumps(s, ensure_ascii=False))
            else:
                print(f"{'source':<10} {'service':>7} {'power':>5} {'duty':>5} {'items':>5} {'boundary':>8} "
                      f"{'supervision':>11}")
                for slug, c in s["sources"].items():
                    print(f"{slug:<10} {c['service']:>7} {c['power']:>5} {c['duty']:>5} {c['duty_items']:>5} "
                          f"{c['boundary']:>8} {c['supervision']:>11}")
                print(f"{s['records']} records, {s['warnings']} warnings")
        elif args.cmd == "export":
            for r in load_records(args.records):
                print(r.to_json())
        elif args.cmd == "show":
            found = [r for r in load_records(args.records) if r.id == args.id]
            if not found:
                print(f"no record {args.id!r}; ids look like yazhou-service-7 (see `python -m corpus export`)",
                      file=sys.stderr)
                return 1
            print(show(found[0]))
        elif args.cmd in ("parse", "check"):
            from corpus.parse import parse_file
            known = {s.slug: s for s in load_sources(args.manifest)}
            slug = args.source or Path(args.file).stem
            src = known.get(slug) or Source(slug=slug, file=args.file, bureau=slug, area_code=args.area_code)
            if args.cmd == "check":
                from corpus.check import report
                print(report(args.file, src))
                return 0
            records, warnings = parse_file(args.file, src)
            for w in warnings:
                print(f"warning: {w}", file=sys.stderr)
            for r in records:
                print(r.to_json())
    except RegisterFormatError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except (FileNotFoundError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
