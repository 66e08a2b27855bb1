"""The demand actions (actions/demands.py): the form and lookup payloads, and the category cues."""
from __future__ import annotations

import pytest

from actions.demands import (
    FORM_TEXT,
    TRACK_TEXT,
    ActionOfferDemandForm,
    ActionOfferDemandTrack,
    suggest_category,
    tracking_number_in,
)
from daofu_protocol import DEMAND_CATEGORIES, DemandCategory, parse_custom
from tests.actions.conftest import run, tracker_for


@pytest.mark.parametrize(("text", "category"), [
    # A category named outright wins, graver ones first.
    ("我要举报窗口人员吃拿卡要", DemandCategory.REPORT),
    ("我要投诉，窗口的人态度太差", DemandCategory.COMPLAINT),
    ("建议办事大厅周六也开放", DemandCategory.SUGGESTION),
    ("想给市场监管部门提个意见", DemandCategory.SUGGESTION),
    ("企业资金周转困难，求助", DemandCategory.HELP),
    ("想咨询一下稳岗补贴的申请条件", DemandCategory.CONSULTATION),
    ("投诉加举报：有人冒名骗取补贴", DemandCategory.REPORT),
    # No category named: the cues.
    ("隔壁工厂晚上偷排污水", DemandCategory.REPORT),
    ("窗口工作人员一直玩手机不理人", DemandCategory.COMPLAINT),
    ("希望网上办事能少填几张表", DemandCategory.SUGGESTION),
    ("营业执照变更一个月了还没办下来", DemandCategory.HELP),
    ("我们企业的稳岗补贴一直没到账", DemandCategory.HELP),
    ("施工许可卡在审批环节", DemandCategory.HELP),
    ("开个小饭馆要办什么证", DemandCategory.CONSULTATION),
    ("", DemandCategory.CONSULTATION),
])
def test_suggested_category(text: str, category: DemandCategory) -> None:
    assert suggest_category(text) is category


def test_the_form_is_offered_with_the_words_and_the_suggestion() -> None:
    dispatcher, events = run(ActionOfferDemandForm(), tracker_for("我要举报一家无证经营的小作坊", "file_demand"))
    (message,) = dispatcher.messages
    assert message["text"] == FORM_TEXT and events == []
    parsed = parse_custom(message["custom"])  # what the desk will read of it
    assert parsed is not None and parsed.demand_form == {
        "category": "举报", "content": "我要举报一家无证经营的小作坊",
        "categories": [category.value for category in DEMAND_CATEGORIES]}


def test_the_draft_is_the_text_as_typed_not_as_normalised() -> None:
    typed = "我要反映：營業執照變更一個月了還沒辦下來"
    tracker = tracker_for(typed, "file_demand")
    tracker.latest_message["text"] = "我要反映:营业执照变更一个月了还没办下来"  # what the NLU parsed
    dispatcher, _ = run(ActionOfferDemandForm(), tracker)
    assert dispatcher.messages[0]["custom"]["demand_form"]["content"] == typed


def test_a_button_payload_is_no_draft() -> None:
    dispatcher, _ = run(ActionOfferDemandForm(), tracker_for("/file_demand", "file_demand"))
    assert dispatcher.messages[0]["custom"]["demand_form"]["content"] == ""
    assert dispatcher.messages[0]["custom"]["demand_form"]["category"] == "咨询"


@pytest.mark.parametrize(("text", "number"), [
    ("帮我查诉求 abcd-efgh-jkmn-pq23", "ABCD-EFGH-JKMN-PQ23"),
    ("查询诉求编号7K2M9QXP4RTW8HNB的进度", "7K2M9QXP4RTW8HNB"),
    ("诉求 7K2M 9QXP 4RTW 8HNB", "7K2M 9QXP 4RTW 8HNB"),
    ("我的诉求进度", ""),
    ("please check my application status", ""),  # sixteen letters: words, not a number
    ("编号123", ""),
])
def test_tracking_number_in_text(text: str, number: str) -> None:
    assert tracking_number_in(text) == number


def test_the_lookup_form_is_offered_with_the_typed_number() -> None:
    dispatcher, events = run(ActionOfferDemandTrack(), tracker_for("查一下诉求 7K2M-9QXP-4RTW-8HNB", "track_demand"))
    (message,) = dispatcher.messages
    assert message["text"] == TRACK_TEXT and events == []
    parsed = parse_custom(message["custom"])
    assert parsed is not None and parsed.demand_track == {"tracking_number": "7K2M-9QXP-4RTW-8HNB"}
    dispatcher, _ = run(ActionOfferDemandTrack(), tracker_for("我的诉求进度", "track_demand"))
    assert dispatcher.messages[0]["custom"] == {"demand_track": {"tracking_number": ""}}
