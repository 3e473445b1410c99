"""`python -m ui [--host 127.0.0.1] [--port 7860]`: load (building on first start) the index and serve the app."""

from __future__ import annotations

import argparse
import logging
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ui",
                                     description="社保问答 web app: citizen chat, staff lookup, eligibility self-check")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default 127.0.0.1; use 0.0.0.0 only behind a proxy you trust)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("httpx", "httpcore", "urllib3", "jieba", "faiss", "faiss.loader"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    from bot import Bot
    from ui.app import build_app, launch, warm_up

    print("loading the index (built on first start) …", file=sys.stderr, flush=True)
    bot = Bot.load()
    warm_up(bot)
    demo = build_app(bot)
    print(f"社保问答 running at http://{args.host}:{args.port}  (Ctrl+C to stop)", flush=True)
    launch(demo, args.host, args.port, quiet=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
