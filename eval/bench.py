"""Speed and memory benchmark: `python -m eval bench [--scale N] [--json] [--queries Q]`.

One run measures, in this order (peak RSS is a high-water mark, so the order matters):
1. the seed corpus: a fresh in-memory build with the real encoder, save and load in a temporary folder, and
   warm latency p50/p95 of bm25, dense, hybrid and the full bot answer over QUESTIONS;
2. encoder throughput: the real default encoder (e5) on 200 real record texts;
3. N synthetic records (eval.synth): build time split into corpus hash, tokenising, BM25 matrix and FAISS;
   the same latencies; HNSW recall@10 against exact search; peak RSS of the process up to that point;
4. rank-bm25's BM25Okapi on the same tokenised records and queries (built after the RSS reading, so its
   memory is not charged to ours), and the speed-up of our scorer over it on identical token lists;
5. cold start: wall time of a fresh `python -m bot ask "…"` process.

Synthetic dense vectors are not encoded (hours at 100k): each mixes the real encoder's vectors of the two records it
was made from, plus noise (`Synthetic.vectors`). Queries are encoded with the real encoder, so dense and hybrid
latencies at scale include query encoding, and recall is measured on in-distribution vectors (the real
questions' vectors plus held-out synthetic ones); uniform random vectors would understate HNSW recall.
Recombination adds no new words, so the vocabulary stays the registers' few thousand terms and posting lists
are longer than in a real corpus of that size: BM25 latency at scale is a pessimistic figure.
The figures are printed, not asserted: targets get pass/fail in the report."""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from corpus.records import Record, load_records
from corpus.sources import RECORDS
from eval.synth import synthesize
from index.hybrid import METHODS, HybridIndex, data_hash

ROOT = Path(__file__).resolve().parent.parent
COLD_QUESTION = "灵活就业怎么参保？"

# Citizen-style questions, colloquial and register wording interleaved (so --queries Q keeps the mix).
QUESTIONS = (
    "灵活就业怎么参保？", "申报失业登记需要什么材料", "社保卡丢了咋整", "城乡居民基本养老保险参保登记",
    "老板不发工资去哪里投诉", "受理劳动保障违法行为的举报、投诉", "退休了养老金怎么领", "领取养老金资格认证",
    "我想查一下社保交了几年", "社会保险参保缴费记录查询", "个体户能交社保吗", "企业参保登记、申报",
    "被公司辞退了怎么办", "劳动人事争议调解仲裁", "没工作了能领失业金吗", "就业失业登记",
    "农村老人养老保险怎么交", "城乡居民基本养老保险保费补缴", "地被征了有没有社保补贴", "被征地农民社保补贴",
    "社保断交了能补吗", "单位社会保险正常补缴与核定", "在外地看病能报销吗", "异地就医结算",
    "工地上受伤了算工伤吗", "建筑业等高风险行业农民工工伤保险", "小孩在厂里打工有人管吗", "非法使用童工监管",
    "大学毕业找工作有什么帮助", "高校毕业生就业服务月活动", "去哪里打印参保证明", "参保人员缴费明细打印",
    "换工作了养老保险怎么转", "养老医疗保险关系转移", "想招几个工人去哪登记", "免费求职登记、免费进行招聘登记",
    "人事档案放在哪里", "流动人员人事档案基本公共服务", "事业单位招聘谁来监督", "对公开招聘事业单位工作人员过程中的监管",
    "醫保定點醫院誰來管", "基本医疗保障定点医疗机构监管", "女工怀孕被辞退怎么办", "女职工特殊劳动权益保护",
    "身体不好能提前退休吗", "因病或因工致残完全丧失劳动能力的企业职工提前退休", "技能培训有补贴吗", "劳动力技能培训服务",
    "台湾人在这边上班要办什么", "台港澳人员在内地就业许可",
)


def percentiles(ms: list[float]) -> dict[str, float | int]:
    a = np.asarray(ms, dtype=np.float64)
    return {"p50_ms": round(float(np.percentile(a, 50)), 3), "p95_ms": round(float(np.percentile(a, 95)), 3),
            "n": int(len(a))}


def time_calls(fn, inputs, repeats: int = 1) -> dict:
    """Warm latency: one untimed pass over the inputs, then `repeats` timed passes."""
    for x in inputs:
        fn(x)
    ms = []
    for _ in range(repeats):
        for x in inputs:
            t = time.perf_counter()
            fn(x)
            ms.append((time.perf_counter() - t) * 1000)
    return percentiles(ms)


def peak_rss_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


def _log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- 1. seed corpus --------------------------------------------------------------------------------------
def bench_seed(records: list[Record], questions: list[str], repeats: int, notes: list[str]) -> tuple[dict, HybridIndex]:
    idx = HybridIndex(query_cache=0)   # the default encoder; every question encoded (the timing repeats them)
    t = time.perf_counter()
    idx.encoder.encode(["社会保险"])
    encoder_load_s = time.perf_counter() - t
    _log(f"seed: building {len(records)} records (encoder loaded in {encoder_load_s:.1f}s)")
    t = time.perf_counter()
    idx.index(records)
    build_s = time.perf_counter() - t
    with tempfile.TemporaryDirectory(prefix="shebao-bench-") as tmp:
        t = time.perf_counter()
        idx.save(tmp)
        save_s = time.perf_counter() - t
        t = time.perf_counter()
        HybridIndex.load(tmp)  # checksums verified; staleness is not (the dictionary may be edited meanwhile)
        load_s = time.perf_counter() - t
    methods = {}
    for m in METHODS:
        methods[m] = time_calls(lambda q, m=m: idx.search(q, k=10, method=m), questions, repeats)
        _log(f"seed {m}: {methods[m]}")
    encode = time_calls(idx.encode_query, questions, repeats)  # the query-encoding share of dense and hybrid
    _log(f"seed encode_query: {encode}")
    ask, ask_load_s = _bench_ask(questions, repeats, notes)
    methods["ask"] = ask
    return {"n": len(records), "n_vectors": int(len(idx.view_record)), "faiss": idx.vectors.kind,
            "encoder_load_s": round(encoder_load_s, 3), "build_s": round(build_s, 3), "save_s": round(save_s, 3),
            "load_s": round(load_s, 3), "ask_load_s": ask_load_s, "encode_query": encode, "methods": methods}, idx


def _bench_ask(questions: list[str], repeats: int, notes: list[str]) -> tuple[dict | None, float | None]:
    try:
        from bot import Bot
    except ImportError as exc:
        notes.append(f"ask: not timed, the bot is not importable yet ({exc})")
        return None, None
    try:
        t = time.perf_counter()
        bot = Bot.load()
        load_s = round(time.perf_counter() - t, 3)
        bot.index.query_cache = 0   # repeated questions are encoded again, as a citizen's new one would be
        return time_calls(bot.answer, questions, repeats), load_s
    except Exception as exc:  # reported, not hidden: the rest of the benchmark still runs
        notes.append(f"ask: the bot failed ({type(exc).__name__}: {exc})")
        _log(notes[-1])
        return None, None


# -- 2. encoder ------------------------------------------------------------------------------------------
def bench_encoder(idx: HybridIndex, records: list[Record], n: int = 200) -> dict:
    texts = [f"{r.title} {r.body()}" for r in records]
    texts = (texts * (n // len(texts) + 1))[:n]
    t = time.perf_counter()
    idx.encoder.encode(texts)
    dt = time.perf_counter() - t
    return {"name": idx.encoder_spec, "texts": n, "mean_chars": round(float(np.mean([len(x) for x in texts])), 1),
            "seconds": round(dt, 3), "records_per_s": round(n / dt, 1)}


# -- 3. scale --------------------------------------------------------------------------------------------
def _first_view_vectors(idx: HybridIndex) -> np.ndarray:
    """One vector per record: its first view (the title), so synthetic vectors mix real embeddings."""
    rows = np.searchsorted(idx.view_record, np.arange(len(idx.records)), side="left")
    return idx.vectors.vectors[rows]


def bench_scale(seed_idx: HybridIndex, n: int, questions: list[str], repeats: int, seed: int,
                ref_queries: int) -> dict:
    records = seed_idx.records
    rss_before = peak_rss_mb()
    t = time.perf_counter()
    syn = synthesize(records, n, seed=seed)
    synth_s = time.perf_counter() - t
    t = time.perf_counter()
    vectors = syn.vectors(_first_view_vectors(seed_idx), seed=seed)
    vectors_s = time.perf_counter() - t
    _log(f"scale: {n} synthetic records in {synth_s:.1f}s, vectors in {vectors_s:.1f}s; indexing …")

    idx = HybridIndex(encoder=seed_idx.encoder_spec, query_cache=0).use_encoder(seed_idx.encoder)
    t = time.perf_counter()
    data_hash(syn.records)
    hash_s = time.perf_counter() - t

    # Time the BM25 matrix and FAISS builds from inside index() by wrapping the two calls on this instance;
    # the BM25 wrapper also keeps each document's term ids for rank-bm25 (outside the timed part).
    stage: dict[str, float] = {}
    doc_terms: list[np.ndarray] = []
    bm25_index, faiss_index = idx.bm25.index, idx.vectors.index

    def keep_terms(docs):
        """Pass documents through to the BM25 build, keeping each one's term ids (for rank-bm25) once the
        build has read it, so only one document's tokens are alive at a time, as in index()."""
        vocab, weights = idx.bm25.vocab, idx.bm25.weights
        for d in docs:
            yield d
            doc_terms.append(np.fromiter((vocab[t] for f, toks in d.items() if weights.get(f, 1.0) for t in toks),
                                         dtype=np.int32))

    def timed_bm25(docs):
        # index() streams records: tokenising happens inside this call, so it is timed as one stage here
        stage["rss_tokenised_mb"] = peak_rss_mb()
        stage["bm25_start"] = time.perf_counter()
        out = bm25_index(keep_terms(docs))
        stage["bm25_s"] = time.perf_counter() - stage["bm25_start"]
        stage["rss_bm25_mb"] = peak_rss_mb()
        return out

    def timed_faiss(v):
        t0 = time.perf_counter()
        out = faiss_index(v)
        stage["faiss_s"] = time.perf_counter() - t0
        stage["rss_faiss_mb"] = peak_rss_mb()
        return out

    idx.bm25.index, idx.vectors.index = timed_bm25, timed_faiss
    t = time.perf_counter()
    idx.index(syn.records, vectors=vectors, view_record=np.arange(n))
    tokenise_s = stage["bm25_start"] - t - hash_s  # index() hashes the corpus, then tokenises
    del idx.bm25.index, idx.vectors.index, vectors, syn
    build = {"synth_s": synth_s, "vectors_s": vectors_s, "hash_s": hash_s, "tokenise_s": tokenise_s,
             "bm25_s": stage["bm25_s"], "faiss_s": stage["faiss_s"]}
    build = {k: round(v, 3) for k, v in build.items()}
    peaks = {"before": rss_before, "tokenised": stage["rss_tokenised_mb"], "bm25": stage["rss_bm25_mb"],
             "faiss": stage["rss_faiss_mb"]}
    build_s = round(hash_s + tokenise_s + stage["bm25_s"] + stage["faiss_s"], 3)
    _log(f"scale build: {build}")

    methods = {}
    for m in METHODS:
        methods[m] = time_calls(lambda q, m=m: idx.search(q, k=10, method=m), questions, repeats)
        _log(f"scale {m}: {methods[m]}")
    recall = hnsw_recall(idx, seed_idx, questions, seed)
    ref_q = questions[:ref_queries]
    tokens = [idx.tokenizer.query(q) for q in ref_q]
    ours = time_calls(idx.bm25.scores, tokens, repeats=3)
    rss = peak_rss_mb()
    _log(f"scale: recall@10 {recall}, bm25 scores {ours}, peak RSS {rss} MB; building rank-bm25 …")

    ref = bench_rank_bm25(idx, doc_terms, tokens)
    matrix = idx.bm25.matrix
    return {"n": n, "faiss": idx.vectors.kind, "vocab": len(idx.bm25.vocab), "bm25_nnz": int(matrix.nnz),
            "bm25_mb": round((matrix.data.nbytes + matrix.indices.nbytes + matrix.indptr.nbytes) / 2**20, 1),
            "vectors_mb": round(idx.vectors.vectors.nbytes / 2**20, 1),
            "build_s": build_s, "build": build, "methods": methods, "bm25_scores": ours,
            "reference": {"rank_bm25": ref}, "bm25_speedup": round(ref["p50_ms"] / max(ours["p50_ms"], 1e-6), 1),
            "bm25_speedup_end_to_end": round(ref["p50_ms"] / max(methods["bm25"]["p50_ms"], 1e-6), 1),
            "rss_mb": rss, "rss_mb_by_stage": peaks, "rss_mb_with_reference": peak_rss_mb(), "hnsw_recall@10": recall}


def hnsw_recall(idx: HybridIndex, seed_idx: HybridIndex, questions: list[str], seed: int, held_out: int = 200) -> float:
    """Mean overlap of the approximate top-10 with the exact top-10, over the questions' real vectors and
    `held_out` fresh synthetic vectors (same distribution, other seed)."""
    qs = [seed_idx.encode_query(q) for q in questions]
    extra = synthesize(seed_idx.records, held_out, seed=seed + 1).vectors(_first_view_vectors(seed_idx), seed=seed + 1)
    hits = []
    for q in [*qs, *extra]:
        _, approx = idx.vectors.search(q, 10)
        _, exact = idx.vectors.exact(q, 10)
        hits.append(len(set(approx.tolist()) & set(exact.tolist())) / 10)
    return round(float(np.mean(hits)), 4)


# -- 4. rank-bm25 reference ------------------------------------------------------------------------------
def bench_rank_bm25(idx: HybridIndex, doc_terms: list[np.ndarray], tokens: list[list[str]]) -> dict:
    """BM25Okapi over the same documents (all fields concatenated, i.e. field weights off) and token lists."""
    from rank_bm25 import BM25Okapi

    words = list(idx.bm25.vocab)  # position = term id
    corpus = [[words[j] for j in d.tolist()] for d in doc_terms]
    doc_terms.clear()
    t = time.perf_counter()
    ref = BM25Okapi(corpus, k1=idx.bm25.k1, b=idx.bm25.b, epsilon=idx.bm25.epsilon)
    build_s = time.perf_counter() - t
    del corpus
    ms = []
    for toks in tokens:  # no warm-up pass: get_scores has no cache, and each call is slow
        t = time.perf_counter()
        ref.get_scores(toks)
        ms.append((time.perf_counter() - t) * 1000)
    return {**percentiles(ms), "build_s": round(build_s, 3)}


# -- 5. cold start ---------------------------------------------------------------------------------------
def cold_start(runs: int = 2) -> dict:
    """Fastest wall time of `runs` fresh processes answering one question (the first may meet a cold disk)."""
    if importlib.util.find_spec("bot.__main__") is not None:
        cmd = [sys.executable, "-m", "bot", "ask", COLD_QUESTION]
    elif importlib.util.find_spec("index.__main__") is not None:
        cmd = [sys.executable, "-m", "index", "search", COLD_QUESTION]
    else:
        cmd = [sys.executable, "-c", "import sys; from index.store import open_index; "
               "print(open_index().search(sys.argv[1])[0].title)", COLD_QUESTION]
    times, rc, err = [], 0, ""
    for _ in range(runs):
        t = time.perf_counter()
        p = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
        times.append(round(time.perf_counter() - t, 3))
        rc, err = p.returncode, p.stderr[-500:]
        if rc:
            break
    shown = " ".join(cmd[1:3] if cmd[1] == "-c" else cmd[1:])
    return {"seconds": min(times) if rc == 0 else None, "runs_s": times, "command": f"python {shown}",
            "rc": rc, **({"stderr": err} if rc else {})}


# -- report ----------------------------------------------------------------------------------------------
def _get(d: dict, path: str):
    for key in path.split("|"):
        if not isinstance(d, dict) or d.get(key) is None:
            return None
        d = d[key]
    return d


TARGETS = (  # name, path in the result ("|" separated), limit, "<=" or ">="
    ("seed hybrid p95 <= 25 ms", "seed|methods|hybrid|p95_ms", 25.0, "<="),
    ("100k hybrid p95 <= 50 ms", "scale|methods|hybrid|p95_ms", 50.0, "<="),
    ("BM25 >= 50x rank-bm25", "scale|bm25_speedup", 50.0, ">="),
    ("peak RSS <= 3 GB at 100k", "scale|rss_mb", 3072.0, "<="),
    ("cold start <= 3 s", "cold_start_s", 3.0, "<="),
)


def targets(result: dict) -> dict:
    out = {}
    for name, path, limit, op in TARGETS:
        value = _get(result, path)
        ok = None if value is None else (value <= limit if op == "<=" else value >= limit)
        out[name] = {"value": value, "limit": limit, "pass": ok}
    n = _get(result, "scale|n")
    if n is not None and n != 100_000:
        for name in ("100k hybrid p95 <= 50 ms", "peak RSS <= 3 GB at 100k"):
            out[name]["note"] = f"measured at n={n}, not 100000"
    return out


def render(r: dict) -> str:
    def row(label, m):
        return f"  {label:<22}{m['p50_ms']:>10.2f}{m['p95_ms']:>10.2f}" if m else f"  {label:<22}{'—':>10}{'—':>10}"

    s = r["seed"]
    lines = [f"seed corpus: {s['n']} records, {s['n_vectors']} vectors ({s['faiss']})",
             f"  build {s['build_s']:.2f}s (encoder load {s['encoder_load_s']:.2f}s before), save {s['save_s']:.2f}s, "
             f"load {s['load_s']:.2f}s" + (f", bot load {s['ask_load_s']:.2f}s" if s.get("ask_load_s") else ""),
             f"  {'method':<22}{'p50 ms':>10}{'p95 ms':>10}"]
    lines += [row(m, s["methods"][m]) for m in (*METHODS, "ask")] + [row("(encode_query alone)", s["encode_query"])]
    e = r["encoder"]
    lines.append(f"encoder {e['name']}: {e['records_per_s']:.1f} records/s ({e['texts']} record texts, "
                 f"{e['mean_chars']:.0f} chars on average)")
    c = r.get("scale")
    if c:
        b = c["build"]
        lines += [f"scale: {c['n']} synthetic records, vocab {c['vocab']}, BM25 nnz {c['bm25_nnz']} "
                  f"({c['bm25_mb']} MB), vectors {c['vectors_mb']} MB ({c['faiss']})",
                  f"  build {c['build_s']:.1f}s = hash {b['hash_s']:.1f} + tokenise and BM25 (streamed) "
                  f"{b['tokenise_s'] + b['bm25_s']:.1f} + FAISS {b['faiss_s']:.1f}  (synthesis {b['synth_s']:.1f}s, "
                  f"vectors {b['vectors_s']:.1f}s not counted)",
                  f"  {'method':<22}{'p50 ms':>10}{'p95 ms':>10}"]
        lines += [row(m, c["methods"][m]) for m in METHODS]
        ref = c["reference"]["rank_bm25"]
        lines += [row("bm25 scores only", c["bm25_scores"]), row("rank-bm25 get_scores", ref),
                  f"  BM25 speed-up over rank-bm25: {c['bm25_speedup']}x on identical token lists, "
                  f"{c['bm25_speedup_end_to_end']}x counting our tokenising and top-k ({ref['n']} queries; "
                  f"BM25Okapi built in {ref['build_s']:.1f}s)",
                  f"  HNSW recall@10 vs exact: {c['hnsw_recall@10']}",
                  f"  peak RSS {c['rss_mb']:.0f} MB ({c['rss_mb_with_reference']:.0f} MB once rank-bm25 was built); "
                  "peak after each stage: " + ", ".join(f"{k} {v:.0f}" for k, v in c["rss_mb_by_stage"].items())]
    cs = r["cold_start"]
    lines.append(f"cold start `{cs['command']}`: " + (f"{cs['seconds']:.2f}s (runs {cs['runs_s']})"
                                                      if cs["seconds"] is not None else f"failed rc={cs['rc']}"))
    lines.append("targets:")
    for name, t in r["targets"].items():
        mark = "PASS" if t["pass"] else "n/a " if t["pass"] is None else "FAIL"
        lines.append(f"  {mark}  {name:<28} {t['value']}" + (f"  ({t['note']})" if t.get("note") else ""))
    lines.append(f"load average (1, 5, 15 min) at start {r['load_avg_start']}, at end {r['load_avg_end']} on "
                 f"{os.cpu_count()} CPUs; total {r['total_s']}s")
    lines += [f"note: {n}" for n in r["notes"]]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m eval bench", description=__doc__.split("\n")[0])
    p.add_argument("--scale", type=int, default=100_000, help="synthetic records for the scale part (0 skips it)")
    p.add_argument("--queries", type=int, default=len(QUESTIONS), help=f"questions to time (1..{len(QUESTIONS)})")
    p.add_argument("--repeats", type=int, default=2, help="timed passes over the questions (after one warm-up)")
    p.add_argument("--reference-queries", type=int, default=20, help="questions timed with rank-bm25 (slow)")
    p.add_argument("--seed", type=int, default=0, help="seed of the synthetic records and vectors")
    p.add_argument("--json", action="store_true", help="print one JSON object on the last line")
    a = p.parse_args(argv)
    if not 1 <= a.queries <= len(QUESTIONS):
        p.error(f"--queries {a.queries}: use 1..{len(QUESTIONS)}")
    if a.scale < 0 or a.repeats < 1 or a.reference_queries < 1:
        p.error("--scale must be >= 0 (0 skips the scale part), --repeats and --reference-queries >= 1")

    started = time.perf_counter()
    questions = list(QUESTIONS[:a.queries])
    notes: list[str] = []
    records = load_records(RECORDS)
    result: dict = {"load_avg_start": [round(x, 2) for x in os.getloadavg()]}
    result["seed"], seed_idx = bench_seed(records, questions, a.repeats, notes)
    result["encoder"] = bench_encoder(seed_idx, records)
    _log(f"encoder: {result['encoder']}")
    if a.scale:
        result["scale"] = bench_scale(seed_idx, a.scale, questions, a.repeats, a.seed,
                                      min(a.reference_queries, len(questions)))
    else:
        notes.append("scale part skipped (--scale 0)")
    _log("cold start …")
    result["cold_start"] = cold_start()
    result["cold_start_s"] = result["cold_start"]["seconds"]
    if not result["cold_start"]["command"].startswith("python -m bot"):
        notes.append(f"cold start timed `{result['cold_start']['command']}`: the bot has no CLI yet")
    result["targets"] = targets(result)
    result["notes"] = notes
    result["total_s"] = round(time.perf_counter() - started, 1)
    result["load_avg_end"] = [round(x, 2) for x in os.getloadavg()]
    print(json.dumps(result, ensure_ascii=False) if a.json else render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
