"""python -m bot ask "问题"|- [--json] [--region SLUG] [--today DATE] | chat [--json] [--region SLUG] [--today DATE]"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date

from bot.core import Bot, Session


def _emit(ans, as_json: bool) -> None:
    if as_json:
        print(json.dumps(ans.to_dict(), ensure_ascii=False))
    else:
        print(ans.answer)
        if ans.eligibility:
            print("\n[eligibility] " + "; ".join(f"{v.rule}={v.verdict}" for v in ans.eligibility))
        print()
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bot", description="Ask the bot.")
    sub = ap.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("ask", help="answer one question; - reads one question per line, each independent")
    a.add_argument("question")
    a.add_argument("--json", action="store_true")
    a.add_argument("--region", help="bureau slug to answer from")
    a.add_argument("--today", help="the date the question is asked on (YYYY-MM-DD; default: today)")
    c = sub.add_parser("chat", help="one dialogue: each stdin line is the citizen's next turn")
    c.add_argument("--json", action="store_true")
    c.add_argument("--region", help="the bureau the citizen chose")
    c.add_argument("--today", help="the date the dialogue happens on (YYYY-MM-DD; default: today)")
    args = ap.parse_args(argv)
    if args.today:
        try:
            date.fromisoformat(args.today)
        except ValueError:
            ap.error(f"--today {args.today!r} is not a date; use YYYY-MM-DD such as 2026-11-30")
    try:
        bot = Bot.load()
    except Exception as exc:  # an index that cannot be opened or rebuilt
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.cmd == "ask":
        if args.question == "-":
            for line in sys.stdin:
                _emit(bot.answer(line.rstrip("\n"), Session(today=args.today), args.region), True)
        else:
            _emit(bot.answer(args.question, Session(today=args.today), args.region), args.json)
    else:
        session = Session(region=args.region, today=args.today)
        for line in sys.stdin:
            _emit(bot.answer(line.rstrip("\n"), session), args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
