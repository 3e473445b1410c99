"""Synthetic register records for the scale benchmark: the real registers' sentences recombined.

Titles and bodies of the real records are split into clauses on 。；，and line breaks; a synthetic record takes
one or two title clauses as its title and enough body clauses to match the length of a real record's body, so
the vocabulary, term frequencies and lengths look like the registers' own. Everything is drawn from one seeded
`random.Random`, so the same (records, n, seed) always gives the same records.

Dense vectors for the synthetic records are not encoded (that would take hours); `Synthetic.vectors` mixes
the real vectors of the two records each synthetic one was made from, plus noise, which gives FAISS data
with the clustered shape of real embeddings (uniform random vectors are the worst case for HNSW recall)."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, replace

import numpy as np

from corpus.records import Record

_SPLIT = re.compile(r"[。；，;\n]+")


def clauses(text: str) -> list[str]:
    """The clauses of a register text: split on 。；，and line breaks, blanks and one-character bits dropped."""
    return [c.strip() for c in _SPLIT.split(text) if len(c.strip()) > 1]


def _pools(records: list[Record]) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    """(clause, record position) pools for titles and bodies, first occurrence kept, in corpus order."""
    titles: dict[str, int] = {}
    bodies: dict[str, int] = {}
    for pos, r in enumerate(records):
        for c in clauses(r.title):
            titles.setdefault(c, pos)
        texts = [r.content] + [i.text for i in r.items] + [d.division for d in r.departments]
        texts += [p.text for p in r.parts]
        for t in texts:
            for c in clauses(t):
                bodies.setdefault(c, pos)
    return list(titles.items()), list(bodies.items())


@dataclass
class Synthetic:
    """Synthetic records plus, for each, the positions of the two real records it was mostly made from."""

    records: list[Record]
    parents: np.ndarray  # (n, 2) int32: real record of the first title clause, of the first body clause

    def vectors(self, base: np.ndarray, noise: float = 0.5, seed: int = 0, chunk: int = 20_000) -> np.ndarray:
        """One L2-normalised float32 vector per synthetic record: 0.6·base[parent0] + 0.4·base[parent1] plus
        Gaussian noise of expected norm `noise`. `base` has one row per real record."""
        base = np.asarray(base, dtype=np.float32)
        if len(base) <= int(self.parents.max(initial=0)):
            raise ValueError(f"base has {len(base)} rows but the records were made from "
                             f"{int(self.parents.max()) + 1}; pass one vector per real record")
        rng = np.random.default_rng(seed)
        n, dim = len(self.records), base.shape[1]
        out = np.empty((n, dim), dtype=np.float32)
        for s in range(0, n, chunk):
            p = self.parents[s:s + chunk]
            v = 0.6 * base[p[:, 0]] + 0.4 * base[p[:, 1]]
            v += rng.standard_normal(v.shape, dtype=np.float32) * np.float32(noise / np.sqrt(dim))
            v /= np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
            out[s:s + chunk] = v
        return out


def synthesize(records: list[Record], n: int, seed: int = 0) -> Synthetic:
    """`n` records recombined from `records`' clauses; ids `synth-{section}-{i}`, sources cycling through
    the real sources in order of first appearance, bureau, region and contacts taken from a real record of
    that source."""
    if n < 0:
        raise ValueError(f"n={n}; ask for n>=0 records")
    if not records:
        raise ValueError("no records to recombine; run `python -m corpus build` first")
    titles, bodies = _pools(records)
    if not titles or not bodies:
        raise ValueError("the records have no title or body clauses to recombine")
    rng = random.Random(seed)
    by_source: dict[str, list[Record]] = {}
    for r in records:
        by_source.setdefault(r.source, []).append(r)
    sources = list(by_source)
    lengths = [max(len(r.body()), 20) for r in records]

    out: list[Record] = []
    parents = np.zeros((n, 2), dtype=np.int32)
    for i in range(n):
        template = rng.choice(by_source[sources[i % len(sources)]])
        t1, p0 = rng.choice(titles)
        title = t1
        if rng.random() < 0.3:
            title += "，" + rng.choice(titles)[0]
        target = rng.choice(lengths)
        body: list[str] = []
        size, p1 = 0, -1
        while size < target:
            c, pos = rng.choice(bodies)
            if p1 < 0:
                p1 = pos
            body.append(c)
            size += len(c) + 1
        sentences = ["，".join(body[k:k + 4]) + "。" for k in range(0, len(body), 4)]
        section = rng.choice((template.section, records[p0].section))
        out.append(replace(template, id=f"synth-{section}-{i}", section=section, n=i + 1, serial=str(i + 1),
                           title=title, content="".join(sentences), items=(), departments=(), parts=(),
                           file="", lines=(0, 0), extra={}))
        parents[i] = (p0, p1)
    return Synthetic(out, parents)
