"""`python -m ui [--host 127.0.0.1] [--port 7860]`: load (building on first start) the index and serve the app.
`python -m ui passwd NAME`: add or change a staff account (asks for the password).
`python -m ui serve --replicas N --port P`: N replicas behind nginx on this machine (see ui/replicas.py)."""

from __future__ import annotations

import argparse
import getpass
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui",
                                     description="社保问答 web app: citizen page, JSON API, staff console")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; use 0.0.0.0 only behind a proxy you trust)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    sub = parser.add_subparsers(dest="cmd")
    pw = sub.add_parser("passwd", help="add or change a staff account ($SHEBAO_DB_URL's database, else "
                                       "$SHEBAO_DATA/staff.toml)")
    pw.add_argument("name")
    sv = sub.add_parser("serve", help="N replicas behind nginx on this machine, in the foreground (a trial of the "
                                      "deployment; needs Debian's nginx)")
    sv.add_argument("--replicas", type=int, default=2, help="replicas (default 2; about one per core)")
    sv.add_argument("--port", type=int, default=8080, help="nginx's port (default 8080)")
    sv.add_argument("--host", default="127.0.0.1", help="nginx's address (default 127.0.0.1)")
    args = parser.parse_args(argv)

    if args.cmd == "serve":
        from ui.replicas import serve
        return serve(args.replicas, args.port, args.host)

    if args.cmd == "passwd":
        from ui.accounts import Accounts
        from ui.feedback import FeedbackStore
        password = getpass.getpass(f"{args.name} 的新密码：") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
        if len(password) < 8:
            print("密码至少8位。", file=sys.stderr)
            return 2
        store = FeedbackStore()
        path = Accounts.load(store=store).add(args.name, password, store=store)
        print(f"已保存账号 {args.name} 到 {path}")
        return 0

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("httpx", "httpcore", "urllib3", "jieba", "faiss", "faiss.loader"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    import uvicorn

    from ui.server import AppState, create_app, load_bot

    print("loading the index (built on first start) …", file=sys.stderr, flush=True)
    bot = load_bot()
    bot.lookup("社会保险")  # load the encoder once, before requests arrive
    state = AppState(bot)
    problem = state.store.check()
    if problem:
        print(f"warning: {problem}; ratings go to a fallback file until it is fixed", file=sys.stderr)
    if not state.accounts:
        print("note: no staff account yet — the console at /staff is off; run `python -m ui passwd NAME`",
              file=sys.stderr)
    print(f"社保问答 running at http://{args.host}:{args.port}  (staff console: /staff, API: /api/docs; "
          f"Ctrl+C to stop)", flush=True)
    uvicorn.run(create_app(state), host=args.host, port=args.port, log_level="warning")
    return 0


if __name__ == "__main__":
    sys.exit(main())
