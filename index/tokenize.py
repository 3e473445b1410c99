"""The one place text becomes tokens: 繁→简, full→half width, jieba with a domain dictionary, stopwords,
and a query-side synonym table. Records and questions go through the same steps."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
_KEEP = re.compile(r"[\u4e00-\u9fff]+|[a-z]+|\d+")


@lru_cache(maxsize=1)
def _t2s():
    from opencc import OpenCC
    return OpenCC("t2s")


_SURROGATE = re.compile("[\ud800-\udfff]")
_HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_SPACED_HAN = re.compile(f"[{_HAN}]+(?:[ \t]+[{_HAN}]+)+")


def unify(text: str) -> str:
    """The Unicode normalisation every text gets (questions and records alike): lone surrogates → U+FFFD,
    NFKC (full → half width, compatibility forms, U+3000 and U+00A0 → space), format and control characters
    removed (zero-width space/joiners, soft hyphen, BOM, bidi marks, NUL …; newline and tab kept)."""
    text = _SURROGATE.sub("\ufffd", text)
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if unicodedata.category(ch)[0] != "C" or ch in "\n\t")


def _join_lone(m: re.Match) -> str:
    parts = m.group(0).split()
    out = parts[0]
    for prev, nxt in zip(parts, parts[1:]):
        # a space next to a lone character splits a word (社 保卡, 社 保 卡 丢 了); between two words
        # (崖州 失业登记 电话) it is the citizen's own separator and stays
        out += ("" if len(prev) == 1 or len(nxt) == 1 else " ") + nxt
    return out


def query_text(text: str) -> str:
    """A question as search sees it: `unify`, then the spaces inside Chinese text that split a word dropped
    (「社 保 卡 丢 了 怎 么 补 办」 is 「社保卡丢了怎么补办」, 「社 保卡」 is 「社保卡」). Records keep theirs: a
    register's space separates cells (an item and its remark)."""
    return _SPACED_HAN.sub(_join_lone, unify(text))


def normalize(text: str) -> str:
    """Simplified Chinese, half-width, lower case, invisible characters removed (`unify`)."""
    return _t2s().convert(unify(text)).lower()


def load_synonyms(path: Path = DATA / "synonyms.tsv") -> list[tuple[str, str]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2 or not parts[0] or not parts[1].strip():
            raise ValueError(f"{path}:{n}: expected 「phrase<TAB>expansion」")
        out.append((normalize(parts[0]), parts[1].strip()))
    return out


def load_verbs(path: Path = DATA / "verbs.tsv") -> dict[str, tuple[str, ...]]:
    """Single-character verbs → the register words they stand for (查 → 查询)."""
    out = {}
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            char, _, words = line.partition("\t")
            if len(char) != 1 or not words.split():
                raise ValueError(f"{path}:{n}: expected one character, a tab and the words it stands for")
            out[char] = tuple(words.split())
    return out


def load_stopwords(path: Path = DATA / "stopwords.txt") -> frozenset[str]:
    words = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            words.update(line.split())
    return frozenset(words)


class Tokenizer:
    """jieba (its own instance) + user dictionary + stopwords + synonyms.

    `tokens(text)` segments a text; each word longer than two characters also yields the dictionary words
    inside it (「城乡居民基本养老保险」 → 城乡居民, 养老保险, 养老, 保险 …) so a short query term still matches."""

    def __init__(self, userdict: str | Path = DATA / "userdict.txt", extra_words: tuple[str, ...] = (),
                 synonyms: list[tuple[str, str]] | None = None, stopwords: frozenset[str] | None = None,
                 verbs: dict[str, tuple[str, ...]] | None = None):
        import jieba

        jieba.setLogLevel(60)
        self._jieba = jieba.Tokenizer()
        self._jieba.load_userdict(str(userdict))
        for w in extra_words:
            self._jieba.add_word(w, freq=1000)
        self.synonyms = load_synonyms() if synonyms is None else synonyms
        self.stopwords = load_stopwords() if stopwords is None else stopwords
        self.verbs = load_verbs() if verbs is None else verbs
        self._cache: dict[str, list[str]] = {}

    def words(self, text: str) -> list[str]:
        out = []
        for chunk in _KEEP.findall(normalize(text)):
            if not chunk[0] >= "\u4e00":
                out.append(chunk)
                continue
            for w in self._jieba.cut(chunk, HMM=False):
                if w in self.verbs:           # 「怎么查」: the lone verb stands for its register words (查询)
                    out += self.verbs[w]
                    continue
                out.append(w)
                if len(w) > 2:
                    out += [w[i:i + n] for n in range(2, len(w)) for i in range(len(w) - n + 1)
                            if self._jieba.FREQ.get(w[i:i + n])]
        # single characters carry little meaning on their own; the bigram field covers them
        return [w for w in out if w not in self.stopwords and (len(w) > 1 or w.isdigit())]

    def tokens(self, text: str) -> list[str]:
        return self.words(text)

    def cached_tokens(self, text: str) -> list[str]:
        """tokens() for the few strings every record repeats (bureau, region, part labels)."""
        if text not in self._cache:
            self._cache[text] = self.words(text)
        return self._cache[text]

    def use_terms(self, terms, sounds: dict[str, str], df: dict[str, int] | None = None) -> None:
        """Domain words (the index vocabulary, synonym phrases) that pinyin-input typos are corrected to, and
        the pinyin of each character (`sound_table()`, stored with the index)."""
        self._sounds = sounds
        # dictionary words only: an odd n-gram of the vocabulary (「入置」) must never replace a real word
        self._terms = {t for t in terms if 2 <= len(t) <= 4 and all("\u4e00" <= ch <= "\u9fff" for ch in t)
                       and self._jieba.FREQ.get(t)}
        self._terms |= {p for p, _ in self.synonyms if 2 <= len(p) <= 4}
        # words the register itself uses: a citizen writing one (监察) meant it, it is never a typo
        self._used = {t for t in terms if len(t) >= 2 and self._jieba.FREQ.get(t)}
        self._by_sound: dict[tuple, list[str]] = {}
        df = df or {}
        # homophones sorted by how many records use them: the common domain word is the likelier intent
        for t in sorted(self._terms, key=lambda t: (-df.get(t, 0), t)):
            key = self.sound(t)
            if key:
                self._by_sound.setdefault(key, []).append(t)

    def sound(self, word: str) -> tuple[str, ...] | None:
        """Toneless pinyin, character by character (社报 → ('she', 'bao')); None for a character not in the table."""
        out = tuple(self._sounds.get(ch, "") for ch in word)
        return out if all(out) else None

    def correct(self, question: str) -> str:
        """Fix pinyin-input typos: a 2–4 character stretch that is no word, sounds exactly like a domain term
        and differs from it in one character (two for four characters) is replaced by the term
        (社报卡 → 社保卡, 劳动中裁 → 劳动仲裁, 拖欠公资 → 拖欠工资), unless a character it would change is a
        word as written (老是, 不发, 监察: see `_is_words`)."""
        q = normalize(question)
        if not getattr(self, "_by_sound", None):
            return q
        for run in re.findall(r"[\u4e00-\u9fff]{2,}", q):
            fixed, i = run, 0
            cuts = self._cuts(fixed)
            while i < len(fixed) - 1:
                for n in (4, 3, 2):
                    w = fixed[i:i + n]
                    # only whole segments (a window across 职工|养老 is no typo), never a real word
                    if len(w) < n or i not in cuts or i + n not in cuts or w in self._terms \
                            or self._jieba.FREQ.get(w):
                        continue
                    # the commonest homophone within reach is the intended word; when the stretch is words
                    # as written for it, a rarer one is no likelier (等记 is not 等级 when it is not 登记)
                    term = next((t for t in self._by_sound.get(self.sound(w), ())
                                 if sum(a != b for a, b in zip(w, t)) <= (2 if n == 4 else 1)), None)
                    if term is None or self._is_words(fixed, i, w, term):
                        continue
                    fixed = fixed[:i] + term + fixed[i + n:]
                    cuts = self._cuts(fixed)
                    break
                i += 1
            q = q.replace(run, fixed)
        return q

    def _is_words(self, run: str, i: int, w: str, term: str) -> bool:
        """Whether the stretch run[i:i+len(w)] is words as written, so that correcting it to `term` would
        rewrite a correct word: a character the correction changes is a grammatical word standing alone
        (老|是, 不|发, 把|我: stopwords) or belongs to a word the register uses (监察|人员). A typo is a character
        that belongs to no word."""
        spans, pos = [], 0
        for seg in self._jieba.cut(run, HMM=False):
            spans.append((pos, pos + len(seg), seg))
            pos += len(seg)
        for k, (a, b) in enumerate(zip(w, term)):
            seg = next(s for lo, hi, s in spans if lo <= i + k < hi)
            if a != b and (seg in self.stopwords or (len(seg) > 1 and seg in self._used)):
                return True
        return False

    def _cuts(self, run: str) -> set[int]:
        """Offsets where jieba's segmentation of `run` puts a boundary."""
        cuts, pos = {0}, 0
        for w in self._jieba.cut(run, HMM=False):
            pos += len(w)
            cuts.add(pos)
        return cuts

    def expand(self, question: str) -> str:
        """The question plus the register words its colloquial phrases stand for."""
        q = normalize(question)
        extra = [exp for phrase, exp in self.synonyms if phrase in q]
        return q + (" " + " ".join(extra) if extra else "")

    def query_weights(self, question: str, fixed: str | None = None, synonym_weight: float = 1.0) -> dict[str, float]:
        """Query terms with weights: each of the citizen's own words (typo-corrected, plus any original word the
        correction replaced) counts 1 per occurrence; the register words a colloquial phrase stands for share
        `synonym_weight` × (the phrase's own word count) among them, so an expansion never outweighs the
        question (五险 → six insurance names do not drown 举报)."""
        fixed = self.correct(question) if fixed is None else fixed
        own = self.tokens(fixed)
        if fixed != normalize(question):
            have = set(own)
            own += [t for t in self.tokens(question) if t not in have]
        out: dict[str, float] = {}
        mine = set(own)
        for t in own:
            out[t] = out.get(t, 0.0) + 1.0
        for phrase, exp in self.synonyms:
            if phrase not in fixed:
                continue
            new = [t for t in dict.fromkeys(self.tokens(exp)) if t not in mine]
            share = synonym_weight * max(1, len(self.tokens(phrase))) / len(new) if new else 0.0
            for t in new:
                out[t] = out.get(t, 0.0) + share
        return out

    def concepts(self, fixed: str, words) -> dict[str, frozenset[str]]:
        """{word: register words it stands for}: for each of `words` (the question's own words) that is part of a
        synonym phrase found in `fixed` (or contains one), that phrase's expansion words (刚出生 → 新生儿;
        医保 → 医疗保险). A record with one of them covers the word as if it used the citizen's own."""
        found = [(phrase, exp) for phrase, exp in self.synonyms if phrase in fixed]
        out: dict[str, set[str]] = {}
        for w in words:
            for phrase, exp in found:
                if w in phrase or phrase in w:
                    out.setdefault(w, set()).update(t for t in exp.split() if t != w)   # whole words only
        return {w: frozenset(e) for w, e in out.items() if e}

    def query(self, question: str, fixed: str | None = None) -> list[str]:
        """Query tokens: the typo-corrected question (`fixed`, when the caller already has it) with its
        synonyms, plus any original word the correction replaced (a wrong correction loses nothing)."""
        fixed = self.correct(question) if fixed is None else fixed
        toks = self.tokens(self.expand(fixed))
        if fixed != normalize(question):
            have = set(toks)
            toks += [t for t in self.tokens(question) if t not in have]
        return toks


def sound_table(extra: str = "") -> dict[str, str]:
    """Toneless pinyin (the common reading) of the 6,763 GB2312 characters plus `extra` ones (pypinyin; built
    with the index so that answering a question never imports pypinyin)."""
    from pypinyin import lazy_pinyin

    chars = set(extra)
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.add(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    chars = sorted(ch for ch in chars if "\u4e00" <= ch <= "\u9fff")
    return dict(zip(chars, lazy_pinyin("".join(chars))))


def bigrams(text: str) -> list[str]:
    """Character bigrams of the Chinese runs: a typo (社报卡) still shares most of them."""
    out = []
    for run in re.findall(r"[\u4e00-\u9fff]+", normalize(text)):
        out += [run[i:i + 2] for i in range(len(run) - 1)] or [run]
    return out
