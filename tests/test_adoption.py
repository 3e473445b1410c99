"""A bureau adopting the product: its registers (a power list, a catalogue without phones, a catalogue with
phones) indexed beside the seeds with the real encoder; the bot answers its citizens and nobody else breaks."""

from pathlib import Path

import pytest

from corpus.build import parse_all
from corpus.sources import load_sources

ROOT = Path(__file__).resolve().parents[1]
FIX = ROOT / "tests" / "fixtures" / "registers"

EXTRA = f'''
[[source]]
slug = "xiji"
file = "{FIX / 'heldout' / 'xiji_power_list.txt'}"
bureau = "西吉县人力资源和社会保障局"
province = "宁夏回族自治区"
city = "固原市"
county = "西吉县"
area_code = "0954"
places = ["西吉"]

[[source]]
slug = "honghaiwan"
file = "{FIX / 'shared' / 'honghaiwan_asis.docx'}"
bureau = "红海湾经济开发区党工委组织人社局"
province = "广东省"
city = "汕尾市"
county = "红海湾经济开发区"
area_code = "0660"
places = ["红海湾"]

[[source]]
slug = "pingwu"
file = "{FIX / 'shared' / 'fmt_pingwu.xlsx'}"
bureau = "平武县人力资源和社会保障局"
province = "四川省"
city = "绵阳市"
county = "平武县"
area_code = "0816"
places = ["平武"]
'''


@pytest.fixture(scope="module")
def adopted(tmp_path_factory):
    """(bot, records) over the seeds plus three other bureaus' registers, built like `python -m corpus build`."""
    from bot import Bot
    from corpus.build import write_records
    from index.store import open_index

    tmp = tmp_path_factory.mktemp("adopt")
    manifest = tmp / "sources.toml"
    from dataclasses import replace
    from corpus.sources import CORPUS_DIR
    from tests.conftest import SEEDS
    from ui.registers import _toml
    seeds = [replace(s, file=str(CORPUS_DIR / s.file)) for s in load_sources() if s.slug in SEEDS]
    manifest.write_text(_toml(seeds) + EXTRA, encoding="utf-8")   # the seeds, whatever else a bureau added
    records, warnings = parse_all(manifest)
    write_records(records, tmp / "records.jsonl")
    idx = open_index(tmp / "idx", tmp / "records.jsonl", log=None)
    return Bot(idx, sources=load_sources(manifest)), records


def test_the_other_bureaus_parse_beside_the_seeds(adopted):
    _, records = adopted
    by_source = {}
    for r in records:
        by_source.setdefault(r.source, []).append(r.id)
    assert by_source["xiji"] == ["xiji-power-1"]
    assert by_source["honghaiwan"] == ["honghaiwan-service-1", "honghaiwan-service-2"]
    assert by_source["pingwu"] == ["pingwu-service-1", "pingwu-service-2", "pingwu-service-3"]
    assert len(records) == 163 + 6


def test_power_list_question_is_answered_with_its_bureau(adopted):
    bot, _ = adopted
    a = bot.answer("西吉县企业实行不定时工作制要找谁审批")
    assert a.hits and a.hits[0].id == "xiji-power-1" and not a.out_of_scope
    assert "县人社局" in a.answer and "行政许可" in a.answer


def test_catalogue_answers_carry_the_office_and_phone(adopted):
    bot, _ = adopted
    a = bot.answer("平武城乡居民养老保险参保登记在哪里办")
    assert a.hits[0].id == "pingwu-service-1"
    assert "乡镇人民政府" in a.answer and "0816-4773001" in a.answer
    b = bot.answer("红海湾岗位信息在哪里发布")
    assert b.hits[0].id == "honghaiwan-service-2" and "12333" in b.answer  # no phone in its register


@pytest.mark.parametrize("question", ["社保卡丢了怎么补办", "失业了怎么领失业金", "工伤认定要什么材料",
                                      "劳动仲裁怎么申请", "养老金资格认证怎么弄", "你好", "？？？"])
def test_questions_naming_no_place_still_work(adopted, question):
    bot, _ = adopted
    a = bot.answer(question)
    assert a.answer.strip()  # an answer or a clarifying question, never an exception


def test_a_record_with_nothing_to_embed_still_has_a_dense_view():
    """A record whose title and text are empty once had no vectors, and every place-less question crashed on
    max() of an empty array; every record now has at least one view."""
    from corpus.records import Record
    from index.hybrid import record_views
    bare = Record(id="x-power-1", source="x", bureau="某局", region="某县", section="power", n=1, serial="",
                  title="")
    assert record_views(bare) == ["某局 某县"]
