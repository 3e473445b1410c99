"""python -m index build [--encoder use|st:PATH] | search "问题"|- [--k 10] [--method …] [--source S] [--section X] [--json]"""

from __future__ import annotations

import argparse
import json
import sys

from corpus.records import SECTIONS

from index.encoders import DEFAULT_ENCODER
from index.errors import IndexError_
from index.hybrid import MAX_QUERY_CHARS, METHODS
from index.store import build, default_folder, open_index


def _print_hits(hits, as_json: bool) -> None:
    if as_json:
        print(json.dumps([h.to_dict() for h in hits], ensure_ascii=False))
        return
    for n, h in enumerate(hits, 1):
        conf = f" conf {h.confidence:.2f}" if h.confidence is not None else ""
        print(f"{n:>2}. {h.score:7.3f}{conf}  {h.id:<24} {h.record.title[:40]}  {'、'.join(h.record.phones[:2])}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m index", description="Build and query the hybrid index.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="index corpus/records.jsonl into a folder")
    b.add_argument("--encoder", default=DEFAULT_ENCODER, help="e5 (bundled, default), use (bundled) or st:PATH_OR_NAME")
    b.add_argument("--out", help="index folder (default index/store/seed)")
    s = sub.add_parser("search", help="search; use - to read one question per line from stdin")
    s.add_argument("question", help=f"the question, or - for one per line on stdin; each is cut to "
                                    f"{MAX_QUERY_CHARS} characters (a note on stderr says so)")
    s.add_argument("--k", type=int, default=10)
    s.add_argument("--method", choices=METHODS, default="hybrid")
    s.add_argument("--source", help="restrict to a bureau slug (yazhou, dingan, yangpu, hongjiang, lingao)")
    s.add_argument("--section", choices=list(SECTIONS))
    s.add_argument("--encoder", default=DEFAULT_ENCODER)
    s.add_argument("--index", help="index folder (default index/store/seed)")
    s.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    try:
        if args.cmd == "build":
            build(folder=args.out or default_folder(args.encoder), encoder=args.encoder,
                  log=lambda m: print(m, file=sys.stderr))
            return 0
        idx = open_index(args.index, encoder=args.encoder)
        if args.source and args.source not in set(idx._sources.tolist()):
            print(f"error: unknown source {args.source!r}; known: {', '.join(sorted(set(idx._sources.tolist())))}",
                  file=sys.stderr)
            return 2
        questions = (line.strip() for line in sys.stdin) if args.question == "-" else [args.question]
        for n, q in enumerate(questions, 1):
            if len(q) > MAX_QUERY_CHARS:  # the index cuts it anyway; say so, once per question
                where = f"line {n}" if args.question == "-" else "the question"
                print(f"note: {where} has {len(q)} characters; searching only the first {MAX_QUERY_CHARS}",
                      file=sys.stderr)
                q = q[:MAX_QUERY_CHARS]
            if not q:
                if args.question == "-":
                    print("[]")
                continue
            hits = idx.search(q, k=args.k, method=args.method, source=args.source, section=args.section)
            _print_hits(hits, args.json or args.question == "-")
            sys.stdout.flush()
    except (IndexError_, ValueError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
