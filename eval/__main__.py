"""python -m eval run [--methods M,…] [--json] [--data DIR] [--out DIR] | gate [--thresholds FILE] | bench … | feedback …
| tune …"""

from __future__ import annotations

import argparse
import json
import sys

from eval.dataset import DATA, DatasetError, load_dataset
from eval.report import REPORTS
from eval.run import ALL_METHODS, THRESHOLDS, gate_failures, load_methods, load_thresholds, run


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["bench"]:
        from eval.bench import main as bench
        return bench(argv[1:])
    if argv[:1] == ["feedback"]:
        from eval.feedback import main as feedback
        return feedback(argv[1:])
    if argv[:1] == ["tune"]:
        from eval.tune import main as tune
        return tune(argv[1:])

    ap = argparse.ArgumentParser(prog="python -m eval", description="Score retrieval and answers on the dev set.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    for name, help_ in (("run", "score each method; write eval/reports/latest.md and latest.png"),
                        ("gate", "run, then fail (exit 1) when a figure is below eval/thresholds.toml")):
        p = sub.add_parser(name, help=help_)
        p.add_argument("--methods", help=f"comma-separated, from {','.join(ALL_METHODS)} (default: all; "
                                         "the bot is skipped with a note while it cannot be imported)")
        p.add_argument("--data", default=str(DATA), help="dev set folder (default: eval/data)")
        p.add_argument("--out", default=str(REPORTS), help="report folder (default: eval/reports)")
        p.add_argument("--json", action="store_true", help="print the results as one JSON object on the last line")
    sub.choices["gate"].add_argument("--thresholds", default=str(THRESHOLDS), help="default: eval/thresholds.toml")
    sub.add_parser("bench", help="speed and memory benchmark (eval/bench.py; `bench --help` for options)")
    sub.add_parser("feedback", help="questions citizens marked 没帮助, as dev-set candidates (`feedback --help`)")
    sub.add_parser("tune", help="re-fit fusion and refusal confidence on the dev set (`tune --help`)")
    args = ap.parse_args(argv)

    log = lambda msg: print(msg, file=sys.stderr)  # noqa: E731  progress on stderr keeps stdout for results
    if args.cmd == "gate" and args.out == str(REPORTS):
        import tempfile  # the gate (run by CI) never rewrites the committed report
        args.out = tempfile.mkdtemp(prefix="shebao-gate-")
    names = args.methods.split(",") if args.methods else list(ALL_METHODS)
    try:
        from corpus.records import load_records
        from corpus.sources import RECORDS
        thresholds = load_thresholds(args.thresholds) if args.cmd == "gate" else {}
        records = load_records(RECORDS)
        dev = load_dataset(records, args.data)
        by_id = {r.id: r.source for r in records}
        covered = {by_id[g] for q in dev.questions for g in q.gold} | {q.region for q in dev.questions if q.region}
        subset = None
        if covered and {r.source for r in records} - covered:
            # a bureau's own registers beside the ones this dev set was written for: measure on those alone,
            # so adopting a register never moves the gate
            subset = [r for r in records if r.source in covered]
            log(f"note: measuring on the {len(covered)} registers the dev set covers ({len(subset)} of "
                f"{len(records)} records)")
        methods = load_methods([n.strip() for n in names if n.strip()], bot_optional=not args.methods, log=log,
                               records=subset)
        res = run(methods, dev, records, args.out, log=log)
    except (DatasetError, ValueError, ImportError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    print(human(res))
    code = 0
    if args.cmd == "gate":
        fails, notes = gate_failures(res, thresholds)
        for n in notes:
            print(f"note: {n}")
        if fails:
            print(f"gate FAILED ({len(fails)} check(s)):")
            print("\n".join(f"  - {f}" for f in fails))
            code = 1
        else:
            print("gate passed")
    if args.json:
        print(json.dumps(res, ensure_ascii=False, sort_keys=False))
    return code


def human(res: dict) -> str:
    """A short plain-text summary of a results object."""
    d = res["dataset"]
    lines = [f"dev set: {d['n']} questions, {d['oos']} out-of-scope, {d['cases']} eligibility cases",
             f"{'method':8} {'top1':>7} {'R@3':>7} {'R@5':>7} {'R@10':>7} {'MRR@10':>7} {'nDCG@10':>7} "
             f"{'mean ms':>8} {'p95 ms':>8}"]
    for name, s in res["methods"].items():
        lat = res["latency"][name]
        lines.append(f"{name:8} " + " ".join(f"{s[k]:7.4f}" for k in
                                             ("top1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10"))
                     + f" {lat['mean_ms']:8.1f} {lat['p95_ms']:8.1f}")
    if res["oos"]:
        o = res["oos"]
        lines.append(f"out of scope (bot): precision {o['precision']:.4f}, recall {o['recall']:.4f}, "
                     f"in-scope false rejection {o['false_rejection']:.4f}")
    r = res["rules"]
    lines.append(f"rules: accuracy {r['accuracy']:.4f} ({r['correct']}/{r['n']})" if r["accuracy"] is not None
                 else f"rules: not measured ({r['n']} cases; the bot was not run)")
    lines.append(f"report: {res['report']}  plot: {res['plot']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
