"""Issue 12's reproductions, each with the right outcome: caches that cannot stop a start, params.json and
records.jsonl verified, one normalisation before search, masking of the usual written forms, bounded input,
a newer register noticed."""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from bot.text import clean, mask
from corpus.records import load_records
from index.encoders import EmbeddingCache
from index.errors import CorruptIndex
from index.hybrid import MAX_QUERY_CHARS, HybridIndex
from index.tokenize import normalize, query_text
from tests.test_index import TOY, KeywordEncoder

ROOT = Path(__file__).resolve().parents[1]


# -- 1. caches ----------------------------------------------------------------------------------------
class CountingEncoder(KeywordEncoder):
    calls = 0

    def encode(self, texts):
        CountingEncoder.calls += len(texts)
        return super().encode(texts)


def _damaged(raw: bytes) -> dict[str, bytes]:
    mid = len(raw) // 2
    return {"File is not a zip file": raw[:mid],                                    # truncated
            "Bad CRC-32": raw[:mid] + bytes([raw[mid] ^ 0xFF]) + raw[mid + 1:],      # one byte flipped
            "No data left in file": b""}                                           # empty


@pytest.mark.parametrize("reason", list(_damaged(b"x" * 10)))
def test_a_damaged_embedding_cache_is_only_a_slower_build(tmp_path, reason):
    texts = [f"社保卡办理{i}" for i in range(300)]
    first = EmbeddingCache(tmp_path, KeywordEncoder())
    want = first.encode(texts)
    first.save()
    first.path.write_bytes(_damaged(first.path.read_bytes())[reason])
    CountingEncoder.calls = 0
    again = EmbeddingCache(tmp_path, CountingEncoder())
    assert reason in again.problem                              # said, not raised
    np.testing.assert_allclose(again.encode(texts), want)       # the same vectors …
    assert CountingEncoder.calls == 300                          # … all encoded again
    again.save()
    assert len(EmbeddingCache(tmp_path, KeywordEncoder())._vecs) == 300  # and the cache is whole again


def test_a_foreign_embedding_cache_is_set_aside(tmp_path):
    cache = EmbeddingCache(tmp_path, KeywordEncoder())
    np.savez(cache.path, keys=np.array(["a", "b"]), vectors=np.ones((3, 6), np.float32))  # 2 keys, 3 rows
    assert "unexpected contents" in EmbeddingCache(tmp_path, KeywordEncoder()).problem


def test_an_index_builds_over_a_broken_cache(tmp_path):
    idx = HybridIndex(encoder="fake-keywords", cache_dir=str(tmp_path)).use_encoder(KeywordEncoder())
    cache = EmbeddingCache(tmp_path, KeywordEncoder())
    cache.path.write_bytes(b"PK\x03\x04 not really")
    assert idx.index(TOY).search("社保卡", k=1)[0].id == "dingan-service-2"


def test_no_pickle_is_loaded_from_the_cache_folder(tmp_path, monkeypatch):
    import pickle

    import index.encoders as enc

    def refuse(*a, **kw):
        raise AssertionError("a pickle was loaded")
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)
    (tmp_path / "use-tokenizer-0.2.1.pkl").write_bytes(b"cos\nsystem\n(S'echo pwned'\ntR.")  # a hostile pickle
    e = enc.UseEncoder(cache_dir=tmp_path)
    assert e.encode(["社保卡"]).shape == (1, 512)                  # loads from the package, ignores the file


# -- 2. params.json ------------------------------------------------------------------------------------
@pytest.fixture()
def saved(tmp_path):
    folder = tmp_path / "idx"
    HybridIndex(encoder="fake-keywords").use_encoder(KeywordEncoder()).index(TOY).save(folder)
    return folder


def test_a_changed_digit_of_conf_bias_is_corruption(saved):
    text = (saved / "params.json").read_text(encoding="utf-8")
    meta = json.loads(text)
    bias = meta["params"]["fusion"]["conf_bias"]
    edited = text.replace(f'"conf_bias": {json.dumps(bias)}', f'"conf_bias": {json.dumps(bias + 1)}')
    assert edited != text
    (saved / "params.json").write_text(edited, encoding="utf-8")
    with pytest.raises(CorruptIndex, match=r"params.json does not match its checksum in params.sha256"):
        HybridIndex.load(saved)


def test_an_empty_files_list_does_not_turn_verification_off(saved):
    import hashlib
    meta = json.loads((saved / "params.json").read_text(encoding="utf-8"))
    meta["files"] = {}
    text = json.dumps(meta)
    (saved / "params.json").write_text(text, encoding="utf-8")
    (saved / "params.sha256").write_text(hashlib.sha256(text.encode()).hexdigest())  # even with a matching sum
    with pytest.raises(CorruptIndex, match="does not list a checksum for every index file"):
        HybridIndex.load(saved)


def test_a_missing_params_checksum_is_corruption_and_open_index_rebuilds(saved, tmp_path, capsys):
    from index.store import open_index
    (saved / "params.sha256").unlink()
    with pytest.raises(CorruptIndex, match="params.sha256 is missing"):
        HybridIndex.load(saved)
    records = tmp_path / "records.jsonl"
    records.write_text("".join(r.to_json() + "\n" for r in TOY), encoding="utf-8")
    assert len(open_index(saved, records).records) == 3
    assert "params.sha256 is missing" in capsys.readouterr().err and (saved / "params.sha256").exists()


# -- 3. records.jsonl -----------------------------------------------------------------------------------
def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def test_records_cut_mid_line_or_mid_character_name_the_file(tmp_path):
    full = "".join(r.to_json() + "\n" for r in TOY).encode("utf-8")
    cut = _write(tmp_path / "records.jsonl", full[:len(full) - 40])
    with pytest.raises(ValueError, match=r"records.jsonl:3: the last line is incomplete .*python -m corpus build"):
        load_records(cut)
    # one byte short of a three-byte character in the middle of line 2, the rest of the file intact
    line2 = full.index(b"\n") + 1 + TOY[1].to_json().encode().index("社".encode())
    bad = _write(tmp_path / "records.jsonl", full[:line2] + full[line2 + 1:])
    with pytest.raises(ValueError, match=r"records.jsonl:2: not UTF-8 .*python -m corpus build"):
        load_records(bad)
    twice = _write(tmp_path / "records.jsonl", full + TOY[0].to_json().encode() + b"\n")
    with pytest.raises(ValueError, match="records.jsonl:4: record yazhou-service-1 appears twice"):
        load_records(twice)


@pytest.fixture()
def seed_like(tmp_path, monkeypatch):
    """corpus/records.jsonl (as parsed from the real registers) in a temporary place, indexed with the fake
    encoder."""
    import index.store as store
    from corpus.build import parse_all
    records = parse_all()[0]
    path = tmp_path / "records.jsonl"
    path.write_text("".join(r.to_json() + "\n" for r in records), encoding="utf-8")
    monkeypatch.setattr(store, "RECORDS", path)
    monkeypatch.setattr(store, "STORE", tmp_path / "store")
    folder = tmp_path / "idx"
    HybridIndex(encoder="use").use_encoder(KeywordEncoder()).index(records).save(folder)
    return path, folder, records


def test_a_records_file_cut_at_a_line_boundary_is_an_error_not_a_smaller_index(seed_like):
    from index.store import open_index
    path, folder, records = seed_like
    path.write_text("".join(r.to_json() + "\n" for r in records[:100]), encoding="utf-8")
    before = (folder / "params.json").read_bytes()
    whole = len(records)   # 163 with the five seeds; more once a bureau adds its own registers
    with pytest.raises(ValueError, match=rf"holds 100 records, only the first 100 of the {whole} .*python -m corpus build"):
        open_index(folder, path)
    assert (folder / "params.json").read_bytes() == before  # nothing rebuilt from the subset


def test_a_cut_records_file_stops_the_cli_with_its_name(tmp_path):
    bad = tmp_path / "records.jsonl"
    full = (ROOT / "corpus" / "records.jsonl").read_bytes()
    bad.write_bytes(full[:len(full) // 2 + 1])
    out = subprocess.run([sys.executable, "-c", "from index.store import build; import sys; build(sys.argv[1], sys.argv[2])",
                          str(bad), str(tmp_path / "idx")], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode != 0 and f"{bad}:" in out.stderr and "python -m corpus build" in out.stderr


# -- 4. one normalisation before search --------------------------------------------------------------------
@pytest.mark.parametrize("typed", ["社\u200b保卡办理", "社\u00ad保卡办理", "社 保卡办理", "社保\u200d卡办理", "\ufeff社保卡办理",
                                   "社保卡办理\u3000", "ｓｈｅ社保卡办理".replace("ｓｈｅ", "")])
def test_invisible_characters_and_stray_spaces_do_not_change_the_answer(seed_index, typed):
    want = [h.id for h in seed_index.search("社保卡办理", k=3)]
    assert [h.id for h in seed_index.search(typed, k=3)] == want


def test_spaced_out_characters_answer_like_the_word(bot):
    from bot import Session
    a = bot.answer("社 保 卡 丢 了 怎 么 补 办", Session())
    b = bot.answer("社保卡丢了怎么补办", Session())
    assert a.cited == b.cited and a.answer == b.answer


def test_a_lone_surrogate_is_replaced_everywhere(bot, seed_index):
    from bot import Session
    text, _ = clean("社保卡\ud800丢了")
    assert text == "社保卡\ufffd丢了" and text.encode("utf-8")
    ans = bot.answer("社保卡\udc00丢了怎么补办", Session())
    json.dumps(ans.to_dict(), ensure_ascii=False).encode("utf-8")  # the answer can be sent
    assert seed_index.search("社保卡\ud83d丢了", k=1)


def test_query_text_keeps_word_separators():
    assert query_text("崖州 失业登记 电话") == "崖州 失业登记 电话"   # a citizen's own separators between words
    assert query_text("社 保 卡") == "社保卡" and query_text("社保 卡") == "社保卡"
    assert normalize("社\u200b保卡") == "社保卡"


# -- 5. masking -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("written,masked", [
    ("138-1234-5678", "138-****-5678"),
    ("138 1234 5678", "138 **** 5678"),
    ("１３８１２３４５６７８", "１３８****５６７８"),
    ("+8613812345678", "+86138****5678"),
    ("+86 138 1234 5678", "+86 138 **** 5678"),
    ("46020019900101123４", "460*************3４"),         # an ID with a full-width digit
    ("110101 19900307 1234", "110*** ******** **34"),       # grouped ID: all masked, not half
    ("110101199003071234", "110*************34"),
    ("0898-88841728", "***********28"),
    ("13812345678", "138****5678"),
])
def test_masking_covers_the_usual_written_forms(written, masked):
    assert mask(f"我的号码{written}。") == f"我的号码{masked}。"


def test_dates_and_counts_are_not_masked():
    assert mask("2026-11-30 交了15年 1966年出生") == "2026-11-30 交了15年 1966年出生"


def test_the_bot_log_never_holds_a_full_number(bot, caplog):
    import logging
    from bot import Session
    with caplog.at_level(logging.INFO, logger="shebao.bot"):
        bot.answer("我的身份证110101 19900307 1234，电话138-1234-5678", Session(), region="110101199003071234")
    logged = caplog.text
    assert "1234-5678" not in logged and "19900307" not in logged and "110101199003071234" not in logged


# -- 6. bounded input ----------------------------------------------------------------------------------
def test_a_long_question_is_cut_by_the_index(seed_index):
    long = "社保卡办理" * 200_000                                     # one million characters
    started = time.perf_counter()
    hits = seed_index.search(long, k=1)
    assert hits and time.perf_counter() - started < 5           # bounded work, not minutes
    assert [h.id for h in hits] == [h.id for h in seed_index.search(long[:MAX_QUERY_CHARS], k=1)]


def test_cli_search_cuts_a_3mb_line_with_a_note():
    line = "灵活就业怎么参保" + "啊" * 3_000_000
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-m", "index", "search", "-", "--k", "1"], input=line + "\n",
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert f"line 1 has {len(line)} characters; searching only the first {MAX_QUERY_CHARS}" in out.stderr
    assert json.loads(out.stdout)[0]["id"] == "yazhou-service-7"
    assert time.perf_counter() - started < 60


def test_bot_ask_cuts_a_long_line():
    line = "灵活就业怎么参保" + "啊" * 1_000_000
    out = subprocess.run([sys.executable, "-m", "bot", "ask", "-"], input=line + "\n", cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    ans = json.loads(out.stdout)
    assert out.returncode == 0 and "只按前500字回答" in ans["answer"] and len(ans["question"]) == 500


# -- 7. a register newer than records.jsonl ----------------------------------------------------------------
def test_a_register_newer_than_the_records_is_said_at_start(seed_like, capsys):
    from index.store import open_index
    path, folder, _ = seed_like
    os.utime(path, (1_000_000_000, 1_000_000_000))            # records.jsonl written long before the registers
    open_index(folder, path)
    err = capsys.readouterr().err
    assert "corpus/raw/" in err and "is newer than records.jsonl" in err and "python -m corpus build" in err


def test_no_notice_when_the_records_are_newer(seed_like, capsys):
    from index.store import open_index
    path, folder, _ = seed_like
    open_index(folder, path)
    assert "is newer than" not in capsys.readouterr().err
