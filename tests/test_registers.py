"""Registers as other bureaus publish them (copied from the shared set into tests/fixtures/registers/):
every format, layout and heading style gives exactly the records counted by hand in that folder's README."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from corpus.errors import RegisterFormatError
from corpus.parse import parse_file, read_register
from corpus.readers import read_document
from corpus.sources import Source

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT / "tests" / "fixtures" / "registers" / "shared"
HELDOUT = ROOT / "tests" / "fixtures" / "registers" / "heldout"

PINGWU = ["城乡居民养老保险参保登记", "个人基本信息变更", "养老保险待遇发放账户维护申请"]
# The 平武 variants re-laid in the seeds' five columns: same 3 services, office and phone (README of the set).
VARIANTS = ["fmt_pingwu_merged_office.txt", "fmt_pingwu_merged_office.docx", "fmt_pingwu_nested.docx",
            "fmt_pingwu_textbox.docx", "fmt_pingwu_shixiangbianma.txt", "fmt_pingwu_shixiangbianma.docx",
            "fmt_pingwu_jiandudianhua.txt", "fmt_pingwu_jiandudianhua.docx", "fmt_pingwu_qingdan_names.txt",
            "fmt_pingwu_qingdan_names.docx", "fmt_pingwu_h_paren.txt", "fmt_pingwu_h_paren.docx",
            "fmt_pingwu_h_nonum.txt", "fmt_pingwu_h_nonum.docx", "fmt_pingwu_gbk.txt", "fmt_pingwu_utf16.txt",
            "fmt_pingwu_tabrows.txt", "fmt_pingwu.pdf"]


def parse(path, area="0816", slug="t"):
    return parse_file(path, Source(slug=slug, file=str(path), bureau="测试局", area_code=area))


@pytest.mark.parametrize("name", VARIANTS)
def test_pingwu_variants_give_the_same_three_services(name):
    records, warnings = parse(SHARED / name)
    assert [r.title for r in records] == PINGWU
    assert [r.id for r in records] == ["t-service-1", "t-service-2", "t-service-3"]
    for r in records:
        assert [(c.office, c.phones) for c in r.contacts] == [("乡镇便民服务中心", ("0816-4773001",))], name
    assert warnings == []


def test_shixiangbianma_code_is_kept_but_never_a_title():
    records, _ = parse(SHARED / "fmt_pingwu_shixiangbianma.txt")
    assert [r.code for r in records] == ["SB-001", "SB-002", "SB-003"]
    assert records[0].basis.startswith("《政府信息公开条例》") and records[0].fee == "不收费"


@pytest.mark.parametrize("name", ["fmt_pingwu_jiandudianhua.txt", "fmt_pingwu_jiandudianhua.docx"])
def test_complaint_phone_is_its_own_field(name):
    records, _ = parse(SHARED / name)
    assert all(r.complaint_phones == ("12345",) for r in records)
    assert all(r.phones == ["0816-4773001"] for r in records)


@pytest.mark.parametrize("name", ["pingwu_asis.txt", "pingwu_asis.docx", "fmt_pingwu.xlsx"])
def test_pingwu_catalogue_as_published(name):
    records, warnings = parse(SHARED / name)
    assert [(r.title, r.category) for r in records] == [
        ("城乡居民养老保险参保登记", "社会保险登记"), ("个人基本信息变更", "社会保险参保信息维护"),
        ("养老保险待遇发放账户维护申请", "社会保险参保信息维护")]  # row 3's 一级事项 is merged with row 2's
    for r in records:
        assert [(c.office, c.phones) for c in r.contacts] == [("乡镇人民政府", ("0816-4773001",))]
        assert r.channel == "乡镇便民服务中心" and r.complaint_phones == ("0816-4773001",)
        assert "办理材料" in r.content and r.extra == {"content_label": "公开的内容"}
        assert r.time_limit == ""          # 公开时限 is when the bureau publishes, not how long the service takes
    assert warnings == []


@pytest.mark.parametrize("name", ["honghaiwan_asis.txt", "honghaiwan_asis.docx"])
def test_honghaiwan_catalogue_without_phone_column(name):
    records, warnings = parse(SHARED / name, area="0660")
    assert [(r.title, r.category) for r in records] == [("就业政策法规咨询", "就业信息服务"),
                                                        ("岗位信息发布", "就业信息服务")]
    assert all(r.offices == ["区党工委组织人社局"] and r.phones == [] for r in records)
    assert len(warnings) == 1 and "has no phone column" in warnings[0].message  # said once, not per row


def test_word_merges_nested_tables_content_controls_and_notes():
    a, _ = parse(SHARED / "a_vmerge.docx", area="")
    assert [(r.title, r.offices, r.phones) for r in a] == [
        (t, ["示例服务中心"], ["0898-66660001"]) for t in ("甲事项办理", "乙事项办理", "丙事项办理")]
    b, _ = parse(SHARED / "b_nested.docx", area="")
    assert len(b) == 1 and "户口簿原件" in b[0].content and "近期免冠照片两张" in b[0].content
    d, _ = parse(SHARED / "d_sdt.docx", area="")
    assert [(r.title, r.phones) for r in d] == [("庚事项办理", ["0898-66660005"])]
    f, _ = parse(SHARED / "f_hspan_note.docx", area="")
    assert [(r.title, r.phones) for r in f] == [("癸事项办理", ["0898-66660008"])]
    doc, _ = read_register(SHARED / "f_hspan_note.docx")
    assert doc.parts[0].remarks == ["备注：以上事项均可在网上办理"]  # the note row is no record


def test_word_places_name_table_and_row():
    doc = read_document(SHARED / "a_vmerge.docx")
    table = [b for b in doc.blocks if hasattr(b, "grid")][0]
    assert [r.place for r in table.grid()] == [f"第1个表格第{i}行" for i in range(1, 5)]


def test_two_row_header_is_flattened():
    doc, _ = read_register(SHARED / "honghaiwan_asis.docx")
    part = doc.parts[0]
    assert part.header[:3] == ["序号", "公开事项/一级事项", "公开事项/二级事项"]
    assert part.header[8:10] == ["公开对象/全社会", "公开对象/特定群众"]
    assert part.fields[:3] == ["serial", "category", "title"] and part.unknown == []


def test_heldout_registers_of_other_counties():
    """Four real registers (和平 .docx, 多伦 .xlsx, 西吉 power list .txt, 三门 .pdf) excerpted by a helper who
    never read the parser, with the records counted by hand (tests/fixtures/registers/heldout/README.md)."""
    expected = json.loads((HELDOUT / "expected.json").read_text(encoding="utf-8"))
    files = expected if isinstance(expected, list) else expected["files"]
    for f in files:
        records, _ = parse(HELDOUT / f["file"], area=f["area_code"])
        want = [(x["title"], x["category"], x["office"]) for x in f["records"]]
        got = [(r.title, r.category, "、".join(r.offices)) for r in records]
        assert got == want, f["file"]
        section = "power" if f["kind"] == "power_list" else "service"
        assert {r.section for r in records} == {section}


def test_power_list_rows_become_power_records():
    records, _ = parse(HELDOUT / "xiji_power_list.txt", area="0954")
    (r,) = records
    assert r.id == "t-power-1" and r.category == "行政许可" and r.code == "00111009000"
    assert "中华人民共和国劳动法" in r.basis and r.offices == ["县人社局"]


def test_old_word_file_is_converted_with_libreoffice(tmp_path):
    """A .doc (made here from a .docx by LibreOffice, as bureaus' old files are) reads like the .docx."""
    src = tmp_path / "pingwu.docx"  # (LibreOffice's own .docx → .doc step keeps this layout's table whole)
    src.write_bytes((SHARED / "fmt_pingwu_textbox.docx").read_bytes())
    out = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/p", "--headless", "--convert-to",
                          "doc", "--outdir", str(tmp_path), str(src)], capture_output=True, timeout=180)
    doc = tmp_path / "pingwu.doc"
    assert out.returncode == 0 and doc.exists()
    records, _ = parse(doc)
    assert [r.title for r in records] == PINGWU and records[2].phones == ["0816-4773001"]
    renamed = tmp_path / "renamed.docx"  # a .doc given a .docx name still reads: the format is sniffed
    renamed.write_bytes(doc.read_bytes())
    assert [r.title for r in parse(renamed)[0]] == PINGWU


def test_old_word_file_without_libreoffice_says_how_to_convert(tmp_path, monkeypatch):
    from corpus.readers import legacy
    fake = tmp_path / "x.doc"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    monkeypatch.setattr(legacy.shutil, "which", lambda _: None)
    with pytest.raises(RegisterFormatError, match="save it as .docx"):
        parse(fake)


def test_headerless_unknown_columns_are_an_error_naming_them(tmp_path):
    reg = tmp_path / "odd.txt"
    reg.write_text("某某清单\n\n\t甲栏\n\t乙栏\n\n\t一\n\t二\n", encoding="utf-8")
    with pytest.raises(RegisterFormatError, match="no register"):
        parse(reg)


def test_unknown_column_is_reported_by_name(tmp_path):
    reg = tmp_path / "extra.txt"
    reg.write_text("公共服务事项\n\n\t序号\n\t服务事项\n\t星级评价\n\t联系电话\n\n"
                   "\t1\n\t失业登记\n\t五星\n\t88820882\n", encoding="utf-8")
    doc, _ = read_register(reg)
    assert doc.parts[0].unknown == ["星级评价"]


def test_a_row_with_no_item_name_is_a_warning_not_a_record(tmp_path):
    reg = tmp_path / "gap.txt"
    reg.write_text("四、公共服务事项登记表\n\n\t序号\n\t服务事项\n\t主要内容\n\t承办机构\n\t联系电话\n\n"
                   "\t1\n\t失业登记\n\t申报\n\t某中心\n\t88820882\n\n"
                   "\t2\n\t\n\t只有内容\n\t某中心\n\t88820883\n", encoding="utf-8")
    records, warnings = parse(reg)
    assert [r.title for r in records] == ["失业登记"]
    assert [str(w) for w in warnings] == [f"{reg}:15: service row 2 names no item (no 服务事项/事项名称 text); skipped"]


def test_check_cli_reports_what_a_clerk_needs():
    out = subprocess.run([sys.executable, "-m", "corpus", "check", str(SHARED / "honghaiwan_asis.docx"),
                          "--area-code", "0660"], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert "公共服务事项: 2 条" in out.stdout and "公开事项/二级事项 → 事项名称（title）" in out.stdout
    assert "没有电话: 2 条" in out.stdout
