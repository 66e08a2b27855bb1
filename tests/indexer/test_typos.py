from __future__ import annotations

import dataclasses

import pytest

from indexer.build import build_index
from indexer.layout import NAME_PINYIN_FILE
from indexer.loaders import load_knowledge_base
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from indexer.typos import SHAPE_CONFUSIONS, QueryCorrector, fold, name_syllables, reading_table, shape_alike_table
from indexer.variants import variant_agreement, wants_to_apply
from tests.fakes import CharacterEncoder

NAMES = ["税务登记", "社保卡申领", "食品经营许可证核发", "营业执照补领", "办理时限查询", "发票真伪鉴定",
         "新增取水许可", "取水许可证查询", "停业登记", "复业登记"]


@pytest.fixture(scope="module")
def readings() -> dict[str, str]:
    return reading_table()


@pytest.fixture(scope="module")
def corrector(readings: dict[str, str]) -> QueryCorrector:
    return QueryCorrector(NAMES, name_syllables(NAMES), readings)


@pytest.mark.parametrize(("syllable", "key"), [("zhi", "zi"), ("chang", "can"), ("shen", "sen"), ("ling", "lin"),
                                               ("nan", "lan"), ("bao", "bao"), ("zheng", "zen")])
def test_fold_merges_fuzzy_pinyin_pairs(syllable: str, key: str) -> None:
    assert fold(syllable) == key


def test_name_syllables_read_in_context() -> None:
    assert name_syllables(["银行", "A证"]) == [["yin", "hang"], ["", "zheng"]]


def test_reading_table_has_every_reading_usual_first(readings: dict[str, str]) -> None:
    assert readings["行"].split() == ["xing", "hang", "heng"]
    assert readings["宝"] == readings["保"] == "bao"
    assert "A" not in readings and len(readings) > 6000  # GB2312's 6,763 characters
    assert "龘" not in readings and reading_table("龘")["龘"] == "da"  # a name's rare character is added


@pytest.mark.parametrize(("typed", "meant"), [
    ("税物登记怎么办", "税务登记怎么办"),            # homophone
    ("社宝卡在哪领", "社保卡在哪领"),                # homophone, two-character piece
    ("食品经应许可正怎么办", "食品经营许可证怎么办"),  # two homophones in one name
    ("营业执照丢了补岭", "营业执照丢了补领"),          # near the end of the question
    ("营业执造补领", "营业执照补领"),                # fuzzy pinyin: zao for zhao
    ("菅业执照补领", "营业执照补领"),                # shape-alike (营/菅)
    ("发漂真伪鉴定", "发票真伪鉴定"),
])
def test_slips_are_corrected_towards_name_pieces(corrector: QueryCorrector, typed: str, meant: str) -> None:
    assert corrector.correct(typed).text == meant


@pytest.mark.parametrize("question", [
    "食品经营许可证怎么办",        # already right
    "需要事先准备什么",            # 事先 is a word, though it reads like 时限
    "我想办停业登记",              # 想办 reads like nothing wrong
    "发票的抬头要改成公司名称",    # 的 is never corrected
    "",
    "ABC 123",
])
def test_right_text_and_real_words_stay(corrector: QueryCorrector, question: str) -> None:
    result = corrector.correct(question)
    assert result.text == question and not result.changed


def test_shape_alikes_come_from_decompositions_and_four_corner_codes() -> None:
    # Names' characters with many 氵 ones, as in a real catalog: 氵 plus anything is no resemblance.
    targets = "询定食法商河湖海洋流沙汉江池"
    table = shape_alike_table("洵淀良去啇", targets)
    assert "询" in table["洵"]      # 讠旬 / 氵旬: one component replaced
    assert "定" in table["淀"]      # 淀 is 氵 + 定
    assert "食" in table["良"]      # 食 is 人 + 良
    assert "法" in table["去"]      # 法 is 氵 + 去
    assert "河" not in table.get("法", "") and "湖" not in table.get("河", "")
    assert "A" not in shape_alike_table("A", "A")


def test_a_shape_slip_outside_the_team_table_is_corrected(readings: dict[str, str]) -> None:
    assert not any("良" in group and "食" in group for group in SHAPE_CONFUSIONS)
    question = "良品经营许可证怎么办"
    assert QueryCorrector(NAMES, name_syllables(NAMES), readings).correct(question).text == "食品经营许可证怎么办"
    team_only = QueryCorrector(NAMES, name_syllables(NAMES), readings, shape_source=False)
    assert team_only.correct(question).text == question


def test_package_look_alikes_need_agreeing_characters_around_them(readings: dict[str, str]) -> None:
    names = ["美术馆人文图书馆", "认定为五星级文化团队"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    table = shape_alike_table(readings, "".join(names))
    assert "文" in table["区"] and "五" in table["工"]  # so the package source would offer both slips
    for question in ("密云区图书馆几点开门", "已经认定为工亡怎么办"):  # at the edge of a 4-character run
        assert corrector.correct(question).text == question
    assert corrector.correct("人区图书馆几点开门").text == "人文图书馆几点开门"  # inside it


def test_a_grammatical_character_is_corrected_only_deep_inside_a_long_piece(readings: dict[str, str]) -> None:
    names = ["司法戒毒机构信息查询", "广东省体彩中心财政信息查询", "办理商标权委托公证指引", "法定继承公证指引",
             "港澳医师内地医师资格认定"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("司去戒毒机构在哪").text == "司法戒毒机构在哪"  # 去 inside five agreeing characters
    assert corrector.correct("省体才中心的电话").text == "省体彩中心的电话"   # 才 (cai) by sound
    # Two slips by sound, one of them to 上, with four agreeing characters around them.
    assert corrector.correct("办力上标权委托公证指引").text == "办理商标权委托公证指引"
    # 去 for 法 at the edge: a look-alike with five agreeing characters, once 公征 -> 公证 supplied the fifth.
    assert corrector.correct("去定继承公征指引要带什么").text == "法定继承公证指引要带什么"
    for question in ("去戒毒机构", "我想去体彩中心", "体才中心",  # at the edge, or too little around it
                     "内地的医师资格认定怎么办"):  # 的 -> 地 at the edge by sound: the neighbour's own character
        assert corrector.correct(question).text == question


def test_the_usual_reading_decides_between_pieces_read_alike(readings: dict[str, str]) -> None:
    # 立 reads li (and rarely wei), 位 reads wei (and rarely li): 学立 is a slip for 学历.
    names = ["学历公证指引", "学位公证指引"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("学立公证指引怎么办").text == "学历公证指引怎么办"


def test_a_short_bracketed_word_inside_a_name_is_typed_without_its_brackets(readings: dict[str, str]) -> None:
    names = ["物品保管(公证)指引", "爆破作业人员许可(到期换发)", "社会工作者职业资格(初级、中级、高级)考试报名",
             "公共阅报栏(屏)服务"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("物晶保菅公证指引要什么条件").text == "物品保管公证指引要什么条件"
    # Not across a trailing qualifier or a list, and not a short piece across brackets.
    for question in ("安许证到期了怎么延期", "水运职业资格处的联系方式", "我的电脑蓝屏了"):
        assert corrector.correct(question).text == question


def test_two_pieces_read_alike_means_no_correction(readings: dict[str, str]) -> None:
    names = ["公示名录", "公式名录查询"]  # 公示/公式 read alike: a slip between them cannot be told
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("公事名录").text == "公事名录"


def test_corrector_needs_one_syllable_list_per_name() -> None:
    with pytest.raises(ValueError, match="one syllable list per name"):
        QueryCorrector(["税务登记"], [], {})


def test_search_corrects_slips_with_the_built_index(settings: IndexerSettings, encoder: CharacterEncoder) -> None:
    build_index(settings, encoder=encoder)
    service = SearchService(settings, encoder=encoder)
    index = service.index()
    assert index.correct("税务亭业登记") == "税务停业登记"
    assert service.searchable("稅務亭業登記") == "税务停业登记"  # traditional input, normalised first
    # 停业登记 and 复业登记 differ in one character; 付 is in neither, so uncorrected the two tie.
    assert index.correct("付业登记怎么办") == "复业登记怎么办"
    assert service.search("付业登记怎么办", kind="item").hits[0].title == "复业登记"


def test_stated_intent_to_apply_prefers_the_application(settings: IndexerSettings, encoder: CharacterEncoder) -> None:
    knowledge = load_knowledge_base(settings.knowledge_base_dir)
    template = next(item for item in knowledge.items if item.name == "新增取水许可")
    knowledge.items.append(dataclasses.replace(template, id="lookup-1", name="取水许可证查询"))
    build_index(settings, encoder=encoder, knowledge=knowledge)
    service = SearchService(settings, encoder=encoder)
    assert service.search("我们公司想申请取水许可", kind="item").hits[0].title == "新增取水许可"
    assert service.search("新办取水许可", kind="item").hits[0].title == "新增取水许可"
    assert service.search("取水许可证在哪查", kind="item").hits[0].title == "取水许可证查询"


def test_apply_cues_score_applications_up_and_lookups_down() -> None:
    variants = [frozenset({"first"}), frozenset({"lookup"}), frozenset({"renew"}), frozenset()]
    assert wants_to_apply("我们公司想申请取水许可")
    assert list(variant_agreement("我们公司想申请取水许可", variants)) == [1.0, -2.0, 0.0, 0.0]
    # A named variant wins over the bare wish to apply.
    assert list(variant_agreement("申请取水许可延期", variants)) == [-1.0, -1.0, 1.0, 0.0]
    assert list(variant_agreement("取水许可", variants)) == [0.0, 0.0, 0.0, 0.0]


def test_the_build_stores_the_pinyin_of_item_names(settings: IndexerSettings, encoder: CharacterEncoder) -> None:
    import json

    version = build_index(settings, encoder=encoder).version
    syllables = json.loads((version.path / NAME_PINYIN_FILE).read_text(encoding="utf-8"))["syllables"]
    index = SearchService(settings, encoder=encoder).index()
    row = next(row for row, item in enumerate(index.items) if item.name == "停业登记")
    assert len(syllables) == len(index.items) and syllables[row] == ["ting", "ye", "deng", "ji"]


def test_an_index_without_name_pinyin_is_refused(settings: IndexerSettings, encoder: CharacterEncoder) -> None:
    from indexer.errors import IndexMismatchError

    version = build_index(settings, encoder=encoder).version
    (version.path / NAME_PINYIN_FILE).write_text('{"syllables": [], "readings": {}}', encoding="utf-8")
    with pytest.raises(IndexMismatchError, match="rebuild the index"):
        SearchService(settings, encoder=encoder).index()


def test_matter_words_are_vocabulary_by_sound_only(readings: dict[str, str]) -> None:
    # Everyday words for matters the catalog lacks: 社宝 is a slip for 社保 (a word inside a term);
    # 位备案 (inside 单位备案, no word) is no vocabulary, and no look-alike slip is corrected towards
    # a term (核 and 起 are no slip of each other, yet 公司起名 is a term).
    names = ["税务登记", "停业登记"]
    corrector = QueryCorrector(names, name_syllables(names), readings, terms=["单位社保", "单位备案", "公司起名"])
    assert corrector.correct("员工社宝怎么交").text == "员工社保怎么交"
    for question in ("在卫健委备案的标准", "公司核名需要准备什么"):
        assert corrector.correct(question).text == question
    assert QueryCorrector(names, name_syllables(names), readings).correct("员工社宝怎么交").text == "员工社宝怎么交"


def test_five_agreeing_characters_outweigh_a_word_the_look_alike_makes(readings: dict[str, str]) -> None:
    # 书香 and 入住 are words, yet 职业证书香询 differs from the piece 职业证书查询 by one look-alike;
    # in a shorter window the word still wins (证书香 is no slip).
    names = ["职业证书查询", "自然人住所地公证指引"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("想了解职业证书香询怎么申请").text == "想了解职业证书查询怎么申请"
    assert corrector.correct("自然入住所地公证指引").text == "自然人住所地公证指引"
    assert corrector.correct("证书香询").text == "证书香询"


def test_every_reading_of_a_polyphonic_character_is_a_sound(readings: dict[str, str]) -> None:
    # 著 reads zhu, zhuo, chu, zhao, zhe: typed for 招 (zhao), its fourth reading.
    assert readings["著"].split().index("zhao") >= 3
    names = ["招标项目查询"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("著标项目查询怎么申请").text == "招标项目查询怎么申请"


def test_a_longer_name_piece_by_sound_outweighs_a_shorter_one_typed_right(readings: dict[str, str]) -> None:
    # 宣传咨 is a piece of 政策宣传咨询, yet 公益宣传咨讯 reads as the whole name 公益宣传资讯;
    # in a shorter window the piece typed right still stands (宣传咨讯 -> 宣传咨询, 咨 kept).
    names = ["公益宣传资讯", "政策宣传咨询"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("公益宣传咨讯怎么办理").text == "公益宣传资讯怎么办理"
    assert corrector.correct("宣传咨讯怎么办理").text == "宣传咨询怎么办理"


def test_a_whole_name_outweighs_a_word_the_slip_makes_inside_it(readings: dict[str, str]) -> None:
    # 书香 is a word, yet 决定书香询 is one look-alike away from the whole name 决定书查询.
    names = ["决定书查询", "行政复议决定书送达"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("决定书香询怎么办理").text == "决定书查询怎么办理"
    assert corrector.correct("书香门第").text == "书香门第"
    # Four characters are a whole name too (服装 is a word; 报/服 look alike).
    names = ["批量报装", "低压居民报装"]
    corrector = QueryCorrector(names, name_syllables(names), readings)
    assert corrector.correct("办批量服装要带哪些东西").text == "办批量报装要带哪些东西"
    assert corrector.correct("批发服装去哪进货").text == "批发服装去哪进货"
