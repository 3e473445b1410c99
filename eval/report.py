"""The human-readable report of one run: `latest.md` (tables, worst misses) and `latest.png` (bar chart)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from corpus.records import SECTION_NAMES, Record
from eval import metrics as m
from eval.dataset import DevSet, display_path

REPORTS = Path(__file__).resolve().parent / "reports"
PLOT_METRICS = ("top1", "recall@3", "recall@5", "mrr@10")
TABLE_METRICS = ("top1", "recall@3", "recall@5", "recall@10", "mrr@10", "ndcg@10")
WORST = 15
TITLE = 30  # characters of a record title shown in the misses table (duty titles are whole paragraphs)
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans CJK TC", "Noto Sans CJK JP", "Source Han Sans SC", "WenQuanYi Zen Hei")


def write_report(res: dict, outcomes: Sequence, dev: DevSet, records: list[Record],
                 out_dir: str | Path = REPORTS) -> tuple[Path, Path]:
    """Write latest.md and latest.png into `out_dir`; returns both paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    md, png = out_dir / "latest.md", out_dir / "latest.png"
    md.write_text(markdown(res, outcomes, dev, {r.id: r for r in records}), encoding="utf-8")
    plot(res, png)
    return md, png


def markdown(res: dict, outcomes: Sequence, dev: DevSet, by_id: dict[str, Record]) -> str:
    d, methods = res["dataset"], res["methods"]
    out = ["# 社保问答 evaluation: latest run", "",
           f"Dev set `{display_path(dev.folder)}/`: {d['n']} questions, {d['oos']} out-of-scope questions, "
           f"{d['cases']} eligibility cases. Written by `python -m eval run`; Recall@k is the fraction of "
           "questions with any gold record in the top k.", "", "## Retrieval", ""]
    out += _table(["method", *TABLE_METRICS], [[n, *(_f(s[k]) for k in TABLE_METRICS)] for n, s in methods.items()])
    out += ["", "## Latency (ms per question; not compared between runs)", ""]
    out += _table(["method", "mean", "p95", "asked"],
                  [[n, _f(v["mean_ms"], 1), _f(v["p95_ms"], 1), str(v["n"])] for n, v in res["latency"].items()])
    if res["oos"]:
        o = res["oos"]
        out += ["", "## Out of scope (bot)", ""]
        out += _table(["precision", "recall", "in-scope false rejection", "oos questions", "in-scope questions",
                       "answered in-scope with a phone"],
                      [[_f(o["precision"]), _f(o["recall"]), _f(o["false_rejection"]), str(o["n_oos"]),
                        str(o["n_in"]), _f(o["with_phone"]) if o.get("with_phone") is not None else "-"]])
        out += _oos_mistakes(next(x for x in outcomes if x.oos_flags), dev)
    out += ["", "## Eligibility rules", ""] + _rules(res["rules"], outcomes, dev)
    for key, title, names in (("sections", "By register part", SECTION_NAMES), ("sources", "By bureau", {})):
        out += ["", f"## {title} (top1 / recall@5)", ""]
        groups = sorted({g for s in methods.values() for g in s[key]})
        rows = []
        for g in groups:
            n = next(s[key][g]["n"] for s in methods.values() if g in s[key])
            cells = [f"{_f(s[key][g]['top1'])} / {_f(s[key][g]['recall@5'])}" if g in s[key] else "-"
                     for s in methods.values()]
            rows.append([f"{g} {names.get(g, '')}".strip(), str(n), *cells])
        out += _table(["group", "questions", *methods], rows)
    out += ["", "## Dataset", ""]
    out += _table(["count of", "values"], [[k, ", ".join(f"{a} {b}" for a, b in d[k].items())]
                                           for k in ("sources", "sections", "styles")])
    for o in outcomes:
        out += ["", f"## Worst misses: {o.name}", ""] + _misses(o, dev, by_id)
    return "\n".join(out) + "\n"


def _misses(o, dev: DevSet, by_id: dict[str, Record]) -> list[str]:
    """Questions whose gold is not first, the ones not found at all first, then the lowest-ranked."""
    ranks = [(m.rank_of(r, q.gold), i) for i, (r, q) in enumerate(zip(o.ranked, dev.questions))]
    worst = sorted(((rk or 10**6, i) for rk, i in ranks if rk != 1), key=lambda x: (-x[0], x[1]))[:WORST]
    if not worst:
        return ["None: every gold record came first."]
    rows = []
    for rk, i in worst:
        q = dev.questions[i]
        gold = "; ".join(_label(g, by_id) for g in q.gold[:3]) + (f" (+{len(q.gold) - 3})" if len(q.gold) > 3 else "")
        got = "; ".join(_label(g, by_id) for g in o.ranked[i][:3]) or "(nothing)"
        rows.append([q.id, q.question, gold, "-" if rk == 10**6 else str(rk), got])
    return _table(["id", "question", "gold", "gold rank", "returned instead (top 3)"], rows)


def _oos_mistakes(o, dev: DevSet) -> list[str]:
    """The first WORST in-scope questions refused, and out-of-scope questions answered."""
    refused = [[q.id, q.question, "refused an in-scope question"] for q, f in zip(dev.questions, o.in_flags) if f]
    answered = [[q.id, q.question, f"answered ({q.category})"] for q, f in zip(dev.oos, o.oos_flags) if not f]
    rows = refused[:WORST] + answered[:WORST]
    if not rows:
        return []
    return ["", f"Mistakes ({len(refused)} refused, {len(answered)} answered; at most {WORST} of each shown):", ""] \
        + _table(["id", "question", "mistake"], rows)


def _rules(rules: dict, outcomes: Sequence, dev: DevSet) -> list[str]:
    if rules.get("accuracy") is None:
        return [f"Not measured ({rules['n']} cases): no method that judges rules (the bot) was run."]
    out = [f"Accuracy {_f(rules['accuracy'])} ({rules['correct']}/{rules['n']} cases).", ""]
    judged = next(o for o in outcomes if o.name == rules["method"])
    wrong = [[c.id, " / ".join(c.turns), c.rule, c.verdict, v or "(rule not listed)"]
             for c, v in zip(dev.cases, judged.verdicts) if v != c.verdict]
    return out + (_table(["case", "turns", "rule", "expected", "got"], wrong) if wrong else ["No wrong verdicts."])


def plot(res: dict, path: Path) -> Path:
    """Grouped bars: one group per metric, one bar per method (Agg canvas, no pyplot state)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    font = cjk_font()
    names = list(res["methods"])
    fig = Figure(figsize=(8, 4.5), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    width = 0.8 / max(len(names), 1)
    for j, name in enumerate(names):
        xs = [i + (j - (len(names) - 1) / 2) * width for i in range(len(PLOT_METRICS))]
        values = [res["methods"][name][k] for k in PLOT_METRICS]
        bars = ax.bar(xs, values, width, label=name)
        ax.bar_label(bars, labels=[f"{v:.2f}" for v in values], fontsize=7, padding=1)
    ax.set_xticks(range(len(PLOT_METRICS)), PLOT_METRICS)
    ax.set_ylim(0, 1.15)
    ax.set_ylabel("score")
    title = f"{res['dataset']['n']} dev questions"
    ax.set_title(f"社保问答 检索评测 ({title})" if font else f"shebao-qa retrieval ({title})",
                 fontfamily=font or "sans-serif")
    ax.legend(loc="upper left", ncols=len(names), fontsize=8)
    ax.grid(axis="y", alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, format="png")
    return path


def cjk_font() -> str | None:
    """A font family that can draw Chinese, if one is installed (Debian: fonts-noto-cjk), else None."""
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def _label(record_id: str, by_id: dict[str, Record]) -> str:
    r = by_id.get(record_id)
    if r is None:
        return record_id
    return f"{record_id} {r.title if len(r.title) <= TITLE else r.title[:TITLE - 1] + '…'}"


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    cell = lambda s: str(s).replace("|", "\\|").replace("\n", " ")  # noqa: E731
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + \
           ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]


def _f(x: float | None, digits: int = 4) -> str:
    return "-" if x is None else f"{x:.{digits}f}"
