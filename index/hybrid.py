"""The retriever: BM25 (field-weighted, sparse matrix) + dense vectors (FAISS) fused into one ranking,
with filters by source and section applied before ranking. An index on disk is a folder."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from corpus.records import Record
from index import domain
from index.bm25 import SparseBM25
from index.encoders import DEFAULT_ENCODER, EmbeddingCache, Encoder, make_encoder
from index.errors import CorruptIndex, IndexNotFound, StaleIndex
from index.features import (RecordTerms, asking_longest_first, candidate_features, expansion_weights, matter_words,
                            own_weights, question_groups, question_intents)
from index.fusion import FusionConfig, confidence, fuse
from index.tokenize import DATA, Tokenizer, bigrams, query_text, sound_table
from index.vectors import VectorStore

VERSION = 8  # 6: params.json covered by params.sha256; 7: a synonym expansion weighs what its phrase weighs;
# 8: learned ranking over per-field features (index/features.py)
MAX_QUERY_CHARS = 500  # a question is cut to this many characters before anything else (bot.text.MAX_CHARS too)
METHODS = ("bm25", "dense", "hybrid")
FILES = ("params.json", "vocab.json", "idf.npy", "bm25.npz", "records.jsonl", "views.npy", "vectors.npy",
         "faiss.index", "sounds.json")
DEFAULT_WEIGHTS = {"title": 3.0, "body": 1.0, "title_chars": 1.0, "place": 3.0, "labels": 2.0}  # tuned: python -m eval tune


@dataclass
class Hit:
    id: str
    score: float
    record: Record
    bm25: float = 0.0
    dense: float = 0.0
    confidence: float | None = None
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = self.record.to_dict()
        d.update(score=round(self.score, 6), bm25=round(self.bm25, 4), dense=round(self.dense, 4),
                 phones=self.record.phones)
        if self.confidence is not None:
            d["confidence"] = round(self.confidence, 4)
        return d


# The register's own column headings for each part: a question asking for 「电话」 or 「职责」 matches the part
# whose table has that column.
SECTION_LABELS = {"service": "公共服务事项 服务事项 办理 承办机构 联系电话 咨询",
                  "power": "权力清单 职权 行使主体 职权依据 审批 许可",
                  "duty": "部门职责 主要职责 具体工作事项 负责",
                  "boundary": "职责边界 管理事项 相关部门 职责分工 相关依据 案例",
                  "supervision": "事中事后监管 监督检查 检查对象 检查内容 检查方式 检查措施 检查程序 处理"}


def record_fields(r: Record, tok: Tokenizer) -> dict[str, list[str]]:
    return {"title": tok.tokens(r.title), "body": tok.tokens(r.body()), "title_chars": bigrams(r.title),
            "place": tok.cached_tokens(f"{r.bureau} {r.region}"), "labels": tok.cached_tokens(SECTION_LABELS.get(r.section, ""))}


def record_views(r: Record, max_views: int = 24) -> list[str]:
    """Texts embedded for one record; its dense score is the best of them (a duty matches by one work item)."""
    views = [r.title, f"{r.title} {r.content[:200]}".strip()]
    views += [i.text for i in r.items]
    views += [f"{r.title} {d.name} {d.division[:150]}" for d in r.departments]
    views += [f"{r.title} {p.heading} {p.text[:150]}" for p in r.parts]
    views = list(dict.fromkeys(v for v in views if v.strip()))[:max_views]
    return views or [f"{r.bureau} {r.region}".strip() or r.id]  # every record has a view: no empty max()


def data_hash(records: list[Record]) -> str:
    """What an index depends on: the records and the tokenizer's dictionary and stopwords."""
    h = hashlib.sha256()
    for r in records:
        h.update(r.to_json().encode("utf-8"))
    for name in ("userdict.txt", "stopwords.txt", "verbs.tsv", "fusion.json", "intents.toml", "domain.npy"):
        if (DATA / name).exists():
            h.update((DATA / name).read_bytes())
    return h.hexdigest()


def _sha(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


PARAMS_SUM = "params.sha256"


def _read_params(folder: Path) -> dict:
    """params.json, checked against the sha256 saved beside it (a changed digit of conf_bias is corruption)."""
    raw = (folder / "params.json").read_bytes()
    sums = folder / PARAMS_SUM
    if not sums.exists():
        try:
            old = json.loads(raw.decode("utf-8")).get("version")
        except (ValueError, AttributeError):
            old = None
        if old is not None and old != VERSION:  # an index from before params.sha256 existed: stale, not damaged
            raise StaleIndex(f"index at {folder} has format version {old}, this code reads {VERSION}; "
                             f"rebuild with `python -m index build`")
        raise CorruptIndex(f"{sums} is missing, so {folder / 'params.json'} cannot be verified; "
                           f"rebuild with `python -m index build`")
    if sums.read_text(encoding="ascii", errors="replace").strip() != hashlib.sha256(raw).hexdigest():
        raise CorruptIndex(f"{folder / 'params.json'} does not match its checksum in {PARAMS_SUM} (damaged or "
                           f"edited); rebuild with `python -m index build`")
    meta = json.loads(raw.decode("utf-8"))
    if not isinstance(meta, dict):
        raise CorruptIndex(f"{folder / 'params.json'} is not a JSON object; rebuild with `python -m index build`")
    return meta


class HybridIndex:
    """`HybridIndex(encoder="e5")` then `.index(records)`, `.search(q, k, method=…)`, `.save(dir)`, `load(dir)`."""

    def __init__(self, encoder: str = DEFAULT_ENCODER, weights: dict[str, float] | None = None, k1: float = 1.2,
                 b: float = 0.75, fusion: FusionConfig | None = None, exact_below: int = 50_000,
                 cache_dir: str | None = None, synonym_weight: float = 1.0, query_cache: int = 4):
        self.encoder_spec = encoder
        self.weights = dict(DEFAULT_WEIGHTS if weights is None else weights)
        self.k1, self.b = k1, b
        self.synonym_weight = synonym_weight  # an expansion's share of one own word (Tokenizer.query_weights)
        self.fusion = fusion or FusionConfig.for_encoder(encoder)
        self.exact_below = exact_below
        self.cache_dir = cache_dir
        self.tokenizer = Tokenizer()
        self.bm25 = SparseBM25(k1=k1, b=b, weights=self.weights)
        self.vectors = VectorStore(exact_below=exact_below)
        self.records: list[Record] = []
        self.view_record = np.zeros(0, dtype=np.int32)   # vector row → record position
        self.corpus_hash = ""
        self._encoder: Encoder | None = None
        # the last `query_cache` questions' vectors (encode_query): the bot searches a question in the chosen bureau,
        # then in all, within one answer; a few entries serve that without letting a load test's repeated questions
        # skip encoding (0: encode every time, as `eval bench` measures)
        self.query_cache = query_cache
        self._query_vectors: dict[str, np.ndarray] = {}
        self.sounds: dict[str, str] = {}
        self._sources = self._sections = self._centroid = None

    # -- settings ----------------------------------------------------------------------------------
    @property
    def params(self) -> dict:
        return {"encoder": self.encoder_spec, "weights": self.weights, "k1": self.k1, "b": self.b, "synonym_weight": self.synonym_weight,
                "fusion": self.fusion.to_dict(), "exact_below": self.exact_below}

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = make_encoder(self.encoder_spec, cache_dir=self.cache_dir)
        return self._encoder

    def use_encoder(self, encoder: Encoder) -> HybridIndex:
        """Use an already-built encoder object (tests pass a fake; the name must match the spec)."""
        self._encoder = encoder
        self._query_vectors = {}
        return self

    # -- building ----------------------------------------------------------------------------------
    def index(self, records: list[Record], vectors: np.ndarray | None = None,
              view_record: np.ndarray | None = None) -> HybridIndex:
        """Index records. `vectors`/`view_record` may be given (benchmarks use random unit vectors)."""
        if not records:
            raise ValueError("no records to index; run `python -m corpus build` first")
        self.records = list(records)
        self.corpus_hash = data_hash(self.records)
        self.bm25.index(record_fields(r, self.tokenizer) for r in self.records)
        self.sounds = sound_table("".join(self.bm25.vocab))
        if vectors is None:
            views, owner = [], []
            for i, r in enumerate(self.records):
                v = record_views(r)
                views += v
                owner += [i] * len(v)
            cache = EmbeddingCache(self.cache_dir, self.encoder) if self.cache_dir else None
            vectors = cache.encode(views) if cache else self.encoder.encode(views)
            if cache:
                cache.save()
            view_record = np.asarray(owner, dtype=np.int32)
        self.view_record = np.asarray(view_record if view_record is not None else np.arange(len(records)),
                                      dtype=np.int32)
        self.vectors.index(vectors)
        self._prepare()
        return self

    def _prepare(self) -> None:
        df = np.diff(self.bm25.matrix.indptr) if self.bm25.matrix is not None else []
        self.tokenizer.use_terms(self.bm25.vocab, self.sounds, {t: int(df[j]) for t, j in self.bm25.vocab.items()})
        self._sources = np.array([r.source for r in self.records])
        self._sections = np.array([r.section for r in self.records])
        self._by_id = {r.id: i for i, r in enumerate(self.records)}
        self.terms = RecordTerms(self.tokenizer, bigrams)  # each record's title/matter words, as it becomes a candidate
        self.place_words = self._place_words()
        c = self.vectors.vectors.mean(axis=0) if self.vectors.vectors is not None and len(self.vectors.vectors) else None
        self._centroid = c / max(float(np.linalg.norm(c)), 1e-12) if c is not None else None

    # -- searching ---------------------------------------------------------------------------------
    def mask(self, source: str | list[str] | None = None, section: str | list[str] | None = None) -> np.ndarray | None:
        if not source and not section:
            return None
        m = np.ones(len(self.records), dtype=bool)
        if source:
            m &= np.isin(self._sources, [source] if isinstance(source, str) else list(source))
        if section:
            m &= np.isin(self._sections, [section] if isinstance(section, str) else list(section))
        return m

    def _bm25_top(self, q_tokens: list[str], k: int, mask) -> dict[int, float]:
        scores = self.bm25.scores(q_tokens)
        if mask is not None:
            scores = np.where(mask, scores, -1.0)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        return {int(i): float(scores[i]) for i in top if scores[i] > 0}

    def _dense_top(self, qv: np.ndarray, k: int, mask) -> dict[int, float]:
        rows = None
        if mask is not None:
            rows = np.flatnonzero(mask[self.view_record])
            if len(rows) == 0:
                return {}
        want = k * 4 if len(self.view_record) > len(self.records) else k
        scores, ids = self.vectors.search(qv, want, rows)
        out: dict[int, float] = {}
        for s, row in zip(scores, ids):
            rec = int(self.view_record[row])
            if rec not in out:
                out[rec] = float(s)
        return dict(list(out.items())[:k])

    def _dense_of(self, qv: np.ndarray, recs: list[int]) -> dict[int, float]:
        if not recs:
            return {}
        if len(self.view_record) == len(self.records):
            rows = np.asarray(recs)
            return dict(zip(recs, (self.vectors.vectors[rows] @ qv).tolist()))
        starts = np.searchsorted(self.view_record, recs, side="left")
        ends = np.searchsorted(self.view_record, recs, side="right")
        return {r: float((self.vectors.vectors[s:e] @ qv).max()) if e > s else 0.0
                for r, s, e in zip(recs, starts, ends)}

    def query_terms(self, question: str, fixed: str | None = None) -> dict[str, float]:
        """BM25 query terms with weights: the citizen's own words 1, synonym expansions less."""
        return self.tokenizer.query_weights(question, fixed, self.synonym_weight)

    def encode_query(self, question: str, fixed: str | None = None) -> np.ndarray:
        """The question's vector, from its typo-corrected text (`fixed`, when the caller already has it)."""
        text = [self.tokenizer.correct(question) if fixed is None else fixed]
        cached = self._query_vectors.get(text[0]) if self.query_cache > 0 else None
        if cached is not None:   # the bot asks the same question twice (its bureau, then all): encode it once
            return cached
        enc = self.encoder
        qv = (enc.encode_queries(text) if hasattr(enc, "encode_queries") else enc.encode(text))[0]
        if self.query_cache <= 0:
            return qv
        try:
            if len(self._query_vectors) >= self.query_cache:
                self._query_vectors.pop(next(iter(self._query_vectors)))
        except (KeyError, RuntimeError, StopIteration):   # another thread trimmed it first
            pass
        self._query_vectors[text[0]] = qv
        return qv

    def search(self, question: str, k: int = 10, method: str = "hybrid", source=None, section=None) -> list[Hit]:
        if method not in METHODS:
            raise ValueError(f"method must be one of {', '.join(METHODS)}, not {method!r}")
        if k < 1:
            raise ValueError(f"k={k}; use k>=1")
        question = query_text(question[:MAX_QUERY_CHARS])  # bounded work for any caller (the CLIs say so on stderr)
        if not self.records:
            raise IndexNotFound("the index is empty; call index(records) or HybridIndex.load(folder)")
        mask = self.mask(source, section)
        cfg = self.fusion
        if method == "bm25":
            top = self._bm25_top(self.query_terms(question), k, mask)
            ranked = sorted(top.items(), key=lambda x: (-x[1], x[0]))[:k]
            return [Hit(self.records[i].id, s, self.records[i], bm25=s) for i, s in ranked]
        fixed = self.tokenizer.correct(question)  # once: tokens, vector and confidence features all use it
        qv = self.encode_query(question, fixed)
        if method == "dense":
            top = self._dense_top(qv, k, mask)
            ranked = sorted(top.items(), key=lambda x: (-x[1], x[0]))[:k]
            return [Hit(self.records[i].id, s, self.records[i], dense=s) for i, s in ranked]
        terms, own = self.query_terms(question, fixed), self.own_words(fixed)   # once for both uses below
        qf = self.query_features(question, qv, fixed, terms, own)
        sparse, dense, feats = self.candidates(question, qv, fixed, max(cfg.candidates, k), mask, terms, own)
        ranked = fuse(sparse, dense, cfg, {i: self.records[i].section for i in feats}, feats)
        qf["margin"] = ranked[0][1] - ranked[1][1] if len(ranked) > 1 else (ranked[0][1] if ranked else 0.0)
        return [Hit(self.records[i].id, s, self.records[i], bm25=sparse.get(i, 0.0), dense=dense.get(i, 0.0),
                    confidence=confidence(qf | feats[i] | {"score": s}, cfg), extra=feats[i])
                for i, s in ranked[:k]]

    def candidates(self, question: str, qv: np.ndarray, fixed: str, n: int, mask=None,
                   terms: dict[str, float] | None = None, own: dict[str, float] | None = None):
        """Both retrievers' top n for a question, each candidate scored by both, with its RANK_FEATURES
        (index/features.py): (bm25 {pos: score}, dense {pos: cosine}, features {pos: {name: value}}).
        `terms` (`query_terms`) and `own` (`own_words`) when the caller already has them."""
        sparse = self._bm25_top(self.query_terms(question, fixed) if terms is None else terms, n, mask)
        dense = self._dense_top(qv, n, mask)
        dense.update(self._dense_of(qv, [i for i in sparse if i not in dense]))
        ids = sorted(set(sparse) | set(dense))
        own = self.own_words(fixed) if own is None else own
        terms = self.query_terms(question, fixed) if terms is None else terms
        vocab, idf = self.bm25.vocab, self.bm25.idf
        idf_of = lambda t: float(idf[vocab[t]]) if t in vocab else 0.0  # noqa: E731
        feats = candidate_features(sparse, dense, self.records, self.terms, own, question_intents(fixed),
                                   self.fusion.bm25_half, self._dense_title(qv, ids), vocab, idf_of,
                                   expansion_weights(terms, own, idf_of), question_groups(fixed, terms),
                                   self.tokenizer.concepts(fixed, own))
        return sparse, dense, feats

    def _place_words(self) -> frozenset[str]:
        """Words naming the records' places: each record's region's place tokens (海南省定安县 → 海南省, 海南, 定安县,
        定安) and the names citizens use for the registers' regions (corpus/sources.toml `places`: 崖城, 新英湾 …)."""
        words: set[str] = set()
        for region in {r.region for r in self.records if r.region}:   # 海南省, 定安县 and 海南, 定安 (not 开发区)
            for t in self.tokenizer.cached_tokens(region):
                if len(t) >= 3 and t[-1] in "省市县区" and "开发" not in t:
                    words.update((t, t[:-1]))
        try:
            from corpus.sources import load_sources
            for s in load_sources():
                words.update(s.places)
        except Exception:   # no manifest (a test corpus, a province index): the records' regions suffice
            pass
        return frozenset(w for w in words if len(w) >= 2)

    def _dense_title(self, qv: np.ndarray, recs: list[int]) -> dict[int, float]:
        """Cosine of each record's first view (its title, see record_views)."""
        if not recs:
            return {}
        rows = np.searchsorted(self.view_record, recs, side="left") if len(self.view_record) > len(self.records) \
            else np.asarray(recs)
        return dict(zip(recs, (self.vectors.vectors[rows] @ qv).tolist()))

    def own_words(self, fixed: str) -> dict[str, float]:
        """The question's matter words with their idf (index.features.own_weights)."""
        return own_weights(self.tokenizer.tokens(fixed), self.bm25.vocab, self.bm25.idf, self.place_words)

    def query_features(self, question: str, qv: np.ndarray | None = None, fixed: str | None = None,
                       terms: dict[str, float] | None = None, own: dict[str, float] | None = None) -> dict[str, float]:
        """What the confidence knows about a question apart from its hits (see FusionConfig). `terms` and `own`
        as in `candidates`."""
        fixed = self.tokenizer.correct(question) if fixed is None else fixed
        own = self.own_words(fixed) if own is None else own
        known = [t for t in own if t in self.bm25.vocab]
        total = sum(own.values())
        qv = self.encode_query(question, fixed) if qv is None else qv
        model = domain.load()
        words = self.text_words(question, fixed, terms)
        return {"text": model.probability(domain.reading(fixed), words) if model is not None else 0.5,
                "amount": 1.0 if "amount" in question_intents(fixed) else 0.0,
                "coverage": len(known) / len(own) if own else 0.0,
                "idf_coverage": sum(own[t] for t in known) / total if total else 0.0,
                "domain": float(qv @ self._centroid) if self._centroid is not None else 0.0}

    def text_words(self, question: str, fixed: str | None = None, terms: dict[str, float] | None = None) -> list[str]:
        """What the question-text model reads: the matter words of the query terms, the citizen's own and the
        register words their colloquial phrases stand for (摔伤 → 工伤), as the retrieval reads them, without the
        words of asking (补办, 怎么办: index.features.asking_longest_first)."""
        asking = set(asking_longest_first())
        return [w for w in matter_words(list(self.query_terms(question, fixed) if terms is None else terms))
                if w not in asking]

    def get(self, record_id: str) -> Record | None:
        i = self._by_id.get(record_id)
        return self.records[i] if i is not None else None

    # -- persistence -------------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.bm25.save(folder)
        self.vectors.save(folder)
        np.save(folder / "views.npy", self.view_record)
        (folder / "sounds.json").write_text(json.dumps(self.sounds, ensure_ascii=False), encoding="utf-8")
        with (folder / "records.jsonl").open("w", encoding="utf-8", newline="\n") as fh:
            for r in self.records:
                fh.write(r.to_json() + "\n")
        checksums = {name: _sha(folder / name) for name in FILES if name != "params.json"}
        params = {"version": VERSION, "params": self.params, "bm25": self.bm25.params,
                  "vectors": self.vectors.params, "corpus_hash": self.corpus_hash,
                  "n_records": len(self.records), "n_vectors": int(len(self.view_record)),
                  "faiss": self.vectors.kind, "built": time.strftime("%Y-%m-%dT%H:%M:%S"), "files": checksums}
        text = json.dumps(params, ensure_ascii=False, indent=1)
        (folder / "params.json").write_text(text, encoding="utf-8")
        # params.json holds the other files' checksums; its own lives beside it, so no edit of it goes unseen
        (folder / PARAMS_SUM).write_text(hashlib.sha256(text.encode("utf-8")).hexdigest() + "\n", encoding="utf-8")
        return folder

    @classmethod
    def load(cls, folder: str | Path, records: list[Record] | None = None, verify: bool = True,
             encoder: str | None = None) -> HybridIndex:
        """Load an index folder. With `records`, an index built from other records is a StaleIndex; with
        `encoder`, so is an index built with another encoder."""
        folder = Path(folder)
        if not (folder / "params.json").exists():
            raise IndexNotFound(f"no index at {folder}; build one with `python -m index build`")
        try:
            meta = _read_params(folder)
            if meta.get("version") != VERSION:
                raise StaleIndex(f"index at {folder} has format version {meta.get('version')}, this code reads "
                                 f"{VERSION}; rebuild with `python -m index build`")
            listed = meta.get("files")
            if not isinstance(listed, dict) or set(listed) != set(FILES) - {"params.json"}:
                raise CorruptIndex(f"{folder / 'params.json'} does not list a checksum for every index file "
                                   f"({', '.join(sorted(set(FILES) - {'params.json'} - set(listed or {}))) or 'extra names'}); "
                                   f"rebuild with `python -m index build`")
            if verify:
                for name, digest in listed.items():
                    if not (folder / name).exists():
                        raise CorruptIndex(f"{folder / name} is missing; rebuild with `python -m index build`")
                    if _sha(folder / name) != digest:
                        raise CorruptIndex(f"{folder / name} does not match its checksum (damaged or edited); "
                                           f"rebuild with `python -m index build`")
            p = dict(meta["params"])
            if encoder is not None and p.get("encoder") != encoder:
                raise StaleIndex(f"index at {folder} was built with encoder {p.get('encoder')!r}, not {encoder!r}; "
                                 f"rebuild with `python -m index build --encoder {encoder}`")
            p["fusion"] = FusionConfig(**p["fusion"])
            self = cls(**p)
            from corpus.records import load_records
            self.records = load_records(folder / "records.jsonl")
            self.bm25 = SparseBM25.load(folder, meta["bm25"])
            self.vectors = VectorStore.load(folder, meta["vectors"])
            self.view_record = np.load(folder / "views.npy")
            self.sounds = json.loads((folder / "sounds.json").read_text(encoding="utf-8"))
            self.corpus_hash = meta["corpus_hash"]
        except (StaleIndex, CorruptIndex):
            raise
        except Exception as exc:  # any unreadable file: say which index and what to do
            raise CorruptIndex(f"index at {folder} cannot be read ({type(exc).__name__}: {exc}); "
                               f"rebuild with `python -m index build`") from exc
        if len(self.records) != meta["n_records"] or self.bm25.matrix.shape[0] != len(self.records) \
                or len(self.view_record) != len(self.vectors.vectors):
            raise CorruptIndex(f"index at {folder} is inconsistent (record and row counts differ); rebuild it")
        if records is not None and data_hash(records) != self.corpus_hash:
            raise StaleIndex(f"index at {folder} was built from other records than corpus/records.jsonl "
                             f"(the corpus or dictionary changed); rebuild with `python -m index build`")
        self._prepare()
        return self
