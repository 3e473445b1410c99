import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.build import stats
from corpus.parse import parse_file, phones_in, read_register, split_items
from corpus.records import Record, load_records
from corpus.sources import CORPUS_DIR, RECORDS, load_sources
from corpus.errors import RegisterFormatError
from tests.conftest import SEEDS
from tests.docxbuild import write_docx

ROOT = Path(__file__).resolve().parents[1]

# (service, boundary, supervision, main duties), counted by hand from the registers
COUNTS = {"yazhou": (26, 2, 3, 7), "dingan": (8, 15, 7, 21), "yangpu": (13, 3, 5, 8),
          "hongjiang": (7, 4, 6, 12), "lingao": (6, 1, 1, 8)}


def run(*args, **kw):
    return subprocess.run([sys.executable, "-m", "corpus", *args], cwd=ROOT, capture_output=True, text=True, **kw)


def test_exact_counts(parsed):
    s = stats(*parsed)["sources"]
    got = {k: (v["service"], v["boundary"], v["supervision"], v["duty"]) for k, v in s.items()}
    assert got == COUNTS
    assert parsed[1] == []  # the seed registers parse without a single warning


def test_manifest_matches_the_shared_manifest():
    srcs = {s.slug: s for s in load_sources()}
    assert list(srcs)[:5] == list(SEEDS)  # a bureau's own registers follow the seeds
    assert srcs["hongjiang"].area_code == "0745" and srcs["hongjiang"].region == "湖南省怀化市洪江区"
    assert all((CORPUS_DIR / s.file).exists() for s in srcs.values())


def test_named_records(by_id):
    assert "户口本" in by_id["yazhou-service-7"].content
    # yangpu service 1 (提供政策咨询服务) became six records; the 4th is the 城乡居民 consultation
    yangpu1 = [r for r in by_id.values() if r.source == "yangpu" and r.serial == "1" and r.section == "service"]
    assert len(yangpu1) == 6 and {r.title for r in yangpu1} == {"提供政策咨询服务"}
    assert "城乡居民" in by_id["yangpu-service-4"].content
    assert by_id["yangpu-service-4"].phones == ["0898-28827703"]
    hj = by_id["hongjiang-service-1"]
    assert len(hj.contacts) == 5 and hj.contacts[4] == hj.contacts[4].__class__("区工伤保险管理中心", ("0745-7625233",))
    card = [i for r in by_id.values() if r.source == "dingan" and r.section == "duty" for i in r.items
            if "社会保障卡" in i.text]
    assert card and card[0].remark == "此项由县社保局承担"
    eleven = [r for r in by_id.values() if r.source == "hongjiang" and r.section == "duty" and r.serial == "11"]
    assert len(eleven) == 1 and len(eleven[0].items) == 16  # 5 work items before the page break, 11 after
    assert by_id["yazhou-service-17"].phones == ["0898-88841728", "0898-88841772", "0898-88841928"]
    assert by_id["yazhou-service-9"].title == "省内企事业离退休人员领取养老金资格认证"  # wrapped cell glued
    assert by_id["lingao-service-6"].contacts[0].office == "稽核股、业务股"
    assert by_id["hongjiang-supervision-3"].title == "基本医疗保障定点医疗机构、定点零售药店医疗服务监管"
    sup = by_id["yangpu-supervision-3"]
    assert "3-6月" in sup.part("method") and "停发" in sup.part("handling")


def test_ids_are_stable_and_provenance_points_at_the_lines(by_id):
    r = by_id["yazhou-service-10"]
    raw = (ROOT / r.file).read_text(encoding="utf-8").split("\n")
    assert r.file == "corpus/raw/yazhou.txt"
    assert raw[r.lines[0] - 1].strip() == "10"
    assert "城乡居民基本养老保险参保登记" in "\n".join(raw[r.lines[0] - 1: r.lines[1]])


def test_every_seed_phone_is_in_a_service_record(parsed):
    records = parsed[0]
    have = {p.split("-")[-1] for r in records if r.section == "service" for p in r.phones}
    for src in load_sources():
        if src.slug not in SEEDS:
            continue
        text = (CORPUS_DIR / src.file).read_text(encoding="utf-8")
        service_part = text[text.rindex("公共服务事项"):]
        seeded = set(re.findall(r"(?<!\d)\d{7,8}(?!\d)", service_part))
        assert seeded and seeded <= have, src.slug


def test_phone_and_item_helpers():
    assert phones_in(["28827717  28827700"], "0898") == ["0898-28827717", "0898-28827700"]
    assert phones_in(["（0745）7622901"], "0898") == ["0745-7622901"]
    assert split_items("1. 确保保费的正常收缴\n2. 每月底上缴", packed=True) == ["确保保费的正常收缴", "每月底上缴"]
    assert split_items("参保登记；缴费核定；", packed=True) == ["参保登记", "缴费核定"]
    assert split_items("参保登记；缴费核定", packed=False) == ["参保登记；缴费核定"]


def test_records_jsonl_is_committed_and_current(parsed):
    from corpus.build import parse_all
    everything = parse_all()[0]  # the whole manifest, a bureau's own registers included
    on_disk = RECORDS.read_text(encoding="utf-8")
    assert on_disk == "".join(r.to_json() + "\n" for r in everything), "run `python -m corpus build`"
    assert [r.id for r in load_records(RECORDS)] == [r.id for r in everything]
    assert [r.to_json() for r in everything if r.source in SEEDS] == [r.to_json() for r in parsed[0]]
    one = parsed[0][0]
    assert Record.from_dict(json.loads(one.to_json())) == one


def test_build_is_deterministic(tmp_path):
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert run("--records", str(a), "build").returncode == 0
    assert run("--records", str(b), "build").returncode == 0
    assert a.read_bytes() == b.read_bytes()


def test_stats_json_cli():
    out = run("stats", "--json")
    assert out.returncode == 0
    data = json.loads(out.stdout)
    assert data["sources"]["yazhou"]["service"] == 26
    assert sum(sum(v[k] for k in ("service", "power", "duty", "boundary", "supervision"))
               for slug, v in data["sources"].items() if slug in SEEDS) == 163  # the seeds' records
    assert data["sources"]["lingao"]["duty_items"] == 18


def test_show_and_export_cli():
    out = run("show", "hongjiang-service-1")
    assert out.returncode == 0 and "0745-7625233" in out.stdout and "corpus/raw/hongjiang.txt:" in out.stdout
    assert run("show", "nope-1").returncode == 1
    lines = run("export").stdout.splitlines()
    assert len(lines) == len(load_records(RECORDS)) and json.loads(lines[0])["id"] == "yazhou-service-1"
    assert sum(json.loads(x)["source"] in SEEDS for x in lines) == 163


@pytest.mark.parametrize("slug", ["yazhou", "hongjiang", "lingao"])
def test_docx_round_trip(tmp_path, slug):
    src = {s.slug: s for s in load_sources()}[slug]
    text_path = CORPUS_DIR / src.file
    doc, _ = read_register(text_path)
    word = tmp_path / f"{slug}.docx"
    write_docx(doc, word)
    from_text, _ = parse_file(text_path, src)
    from_word, warnings = parse_file(word, src)
    strip = lambda rs: [r.to_dict() | {"file": "", "lines": []} for r in rs]
    assert strip(from_word) == strip(from_text)
    assert warnings == []
    out = run("parse", str(word), "--source", slug)
    assert out.returncode == 0 and len(out.stdout.splitlines()) == len(from_text)


def test_malformed_rows_are_warned_with_file_and_line(tmp_path):
    reg = tmp_path / "bad.txt"
    reg.write_text("四、公共服务事项登记表\n\t序号\n\t服务事项\n\t主要内容\n\t承办机构\n\t联系电话\n\n"
                   "\t1\n\t失业登记\n\t申报失业登记\n\t某中心\n\t88820882\n\n"
                   "\t\n\t就业登记\n\t申报就业登记\n\t某中心\n\t\n", encoding="utf-8")
    src = load_sources()[0]
    records, warnings = parse_file(reg, src)
    assert [r.title for r in records] == ["失业登记", "就业登记"]  # the bad row is kept, not dropped
    msgs = [str(w) for w in warnings]
    assert f"{reg}:14: service 「就业登记」 has no serial number; kept as a new entry" in msgs
    assert f"{reg}:14: service 「就业登记」 row has no phone number" in msgs


@pytest.mark.parametrize("content,why", [(b"", "empty"), (b"\x00\x01binary\x00", "binary"),
                                         ("只是一段话，没有登记表。".encode(), "no register parts")])
def test_bad_files_exit_2_and_keep_the_built_records(tmp_path, content, why):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(content)
    out = run("parse", str(bad))
    assert out.returncode == 2 and why in out.stderr
    manifest = tmp_path / "sources.toml"
    manifest.write_text('[[source]]\nslug = "bad"\nfile = "bad.txt"\nbureau = "x"\n', encoding="utf-8")
    records = tmp_path / "records.jsonl"
    records.write_text("previous build\n", encoding="utf-8")
    out = run("--manifest", str(manifest), "--records", str(records), "build")
    assert out.returncode == 2 and records.read_text(encoding="utf-8") == "previous build\n"
    with pytest.raises(RegisterFormatError):
        parse_file(bad, load_sources()[0])


def test_not_a_docx(tmp_path):
    fake = tmp_path / "x.docx"
    fake.write_text("hello", encoding="utf-8")
    out = run("parse", str(fake))
    assert out.returncode == 2 and "not a Word .docx" in out.stderr


def test_records_are_checked_against_their_own_count_and_hash(tmp_path, parsed):
    from corpus.build import write_records
    from corpus.records import manifest_of
    out = write_records(parsed[0], tmp_path / "records.jsonl")
    assert json.loads(manifest_of(out).read_text())["records"] == 163 and len(load_records(out)) == 163
    lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    out.write_text("".join(lines[:100]), encoding="utf-8")          # cut at a line boundary: still valid JSONL
    with pytest.raises(ValueError, match="holds 100 records, records.meta.json says 163"):
        load_records(out)
    out.write_text("".join(lines[:-1] + [lines[-1].replace("临高", "临沧")]), encoding="utf-8")
    with pytest.raises(ValueError, match="same count, different content"):
        load_records(out)
