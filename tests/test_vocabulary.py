"""The register vocabulary (corpus/data/columns.toml): every entry maps to its field or part, one test each."""

import tomllib

import pytest

from corpus.vocab import VOCABULARY, Vocabulary, vocabulary

DATA = tomllib.loads(VOCABULARY.read_text(encoding="utf-8"))
NAMES = [(field, name) for field, entry in DATA["fields"].items() for name in entry.get("names", [])]
CONTAINS = [(field, word) for field, entry in DATA["fields"].items() for word in entry.get("contains", [])]
HEADINGS = [(kind, word) for kind, entry in DATA["parts"].items() for word in entry.get("headings", [])]


@pytest.mark.parametrize("field,name", NAMES)
def test_every_header_name_maps_to_its_field(field, name):
    assert vocabulary().field_of(name) == field


@pytest.mark.parametrize("field,word", CONTAINS)
def test_every_contained_word_maps_an_unknown_header(field, word):
    assert vocabulary().field_of(f"{word}（新）") == field


@pytest.mark.parametrize("kind,word", HEADINGS)
def test_every_heading_word_opens_its_part(kind, word):
    assert vocabulary().heading_kind(f"四、{word}") == kind


def test_levels_of_a_flattened_header_from_the_most_specific():
    v = vocabulary()
    assert v.field_of("公开事项/二级事项") == "title" and v.field_of("公开事项/一级事项") == "category"
    assert v.field_of("公开事项/三级事项") == "subtitle" and v.field_of("公开对象/特定群众") == "ignore"
    assert v.field_of("监督投诉电话") == "complaint_phone" and v.field_of("联系电话") == "phone"
    assert v.field_of("事项编码") == "code" and v.field_of("星级评价") is None


@pytest.mark.parametrize("line", ["四、公共服务事项登记表", "（四）公共服务事项登记表", "(四)公共服务事项", "4、公共服务事项登记表",
                                  "4.公共服务事项登记表", "四．公共服务事项登记表", "第四部分 公共服务事项", "公共服务清单",
                                  "公共服务事项登记表", "(七)社会保险领域基层政务公开标准目录"])
def test_headings_in_every_numbering_style(line):
    assert vocabulary().heading_kind(line) == "service"


@pytest.mark.parametrize("line", ["一、监督检查对象", "本表列明公共服务事项，请按此办理。", "区号：0898", ""])
def test_lines_that_are_no_part_heading(line):
    assert vocabulary().heading_kind(line) is None


def test_power_and_duty_tables_are_placed_by_their_header():
    v = vocabulary()
    assert v.signal_kind(["序号", "职权类型", "职权名称", "职权依据", "行使主体"]) == "power"
    assert v.signal_kind(["序号", "主要职责", "具体工作事项", "备注"]) == "duty"
    assert v.signal_kind(["序号", "服务事项", "主要内容", "承办机构", "联系电话"]) is None


def test_a_malformed_entry_names_the_file(tmp_path):
    bad = tmp_path / "columns.toml"
    bad.write_text('[fields.title]\nnames = "服务事项"\n', encoding="utf-8")
    with pytest.raises(ValueError, match="fields.title"):
        Vocabulary.load(bad)
