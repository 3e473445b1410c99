"""Registers added from the staff console: kept in the data folder, published beside the shipped corpus, and
rebuilt when the shipped corpus changes (a register added on the command line) so neither is lost."""

from pathlib import Path

import pytest

from corpus.sources import Source
from ui.registers import Registry

FIX = Path(__file__).resolve().parent / "fixtures" / "registers" / "shared"
PINGWU = Source(slug="pingwu", file="", bureau="平武县人力资源和社会保障局", province="四川省", city="绵阳市",
                county="平武县", area_code="0816", places=("平武",))


def build(records, out):
    from index.store import build as build_index
    build_index(records, out, log=None)


def test_preview_reports_the_difference_and_writes_nothing(tmp_path):
    reg = Registry(tmp_path)
    records, warnings, diff = reg.preview(FIX / "fmt_pingwu.xlsx", PINGWU)
    assert [r.id for r in records] == ["pingwu-service-1", "pingwu-service-2", "pingwu-service-3"]
    assert diff == {"added": [r.title for r in records], "removed": [], "changed": []}
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("slug,message", [("Ping Wu", "单位代码"), ("pingwu", "区号")])
def test_a_wrong_form_is_refused_in_chinese(tmp_path, slug, message):
    bad = Source(**{**PINGWU.__dict__, "slug": slug, "area_code": "816" if slug == "pingwu" else "0816"})
    with pytest.raises(ValueError, match=message):
        Registry(tmp_path).preview(FIX / "fmt_pingwu.xlsx", bad)


def test_published_corpus_is_rebuilt_when_the_shipped_one_changes(tmp_path):
    from ui.server import load_bot
    reg = Registry(tmp_path)
    folder, sources = reg.publish(FIX / "fmt_pingwu.xlsx", PINGWU, build)
    assert [s.slug for s in sources][-1] == "pingwu" and not reg.stale()
    assert (tmp_path / "registers" / "pingwu.xlsx").exists()
    (folder / "base.sha256").write_text("an older shipped corpus\n")      # corpus/records.jsonl changed since
    assert reg.stale()
    bot = load_bot(tmp_path)
    assert not reg.stale() and bot.index.get("pingwu-service-1") is not None and bot.index.get("yazhou-service-7")
