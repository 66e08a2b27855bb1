from __future__ import annotations

import numpy as np

from indexer.mentions import NameMentions, name_forms
from indexer.search import FusionWeights, fuse_item_parts

NAMES = ["司法戒毒机构信息查询", "戒毒机构信息查询", "物品保管(公证)指引", "无线电频率使用许可(新申请)",
         "无线电频率使用许可(变更)", "户口迁出", "公证"]


def test_a_name_is_spelled_without_brackets_or_its_trailing_qualifier() -> None:
    assert name_forms("物品保管(公证)指引") == {"物品保管公证指引"}
    assert name_forms("无线电频率使用许可(变更)") == {"无线电频率使用许可变更", "无线电频率使用许可"}
    assert name_forms("公证") == frozenset()  # too short to mean one item


def test_only_the_longest_spelled_out_names_count() -> None:
    mentions = NameMentions(NAMES)
    found = mentions.scores("想了解司法戒毒机构信息查询怎么申请")
    assert found.tolist() == [1, 0, 0, 0, 0, 0, 0]
    assert mentions.scores("戒毒机构信息查询在哪").tolist() == [0, 1, 0, 0, 0, 0, 0]


def test_qualified_names_are_found_by_either_form() -> None:
    mentions = NameMentions(NAMES)
    assert mentions.scores("物品保管公证指引要满足什么条件")[2] == 1
    # The main part names both variants; spelled with its qualifier, only the one.
    assert mentions.scores("无线电频率使用许可怎么办").tolist()[3:5] == [1, 1]
    assert mentions.scores("无线电频率使用许可变更怎么办").tolist()[3:5] == [0, 1]


def test_a_whole_name_outranks_the_same_name_with_a_qualifier() -> None:
    names = ["宗教团体成立前审批(天主教团体成立前审批)", "宗教团体成立前审批", "宗教团体成立前审批(道教团体成立前审批)"]
    mentions = NameMentions(names)
    assert mentions.scores("宗教团体成立前审批需要哪些材料").tolist() == [0, 1, 0]
    assert mentions.scores("宗教团体成立前审批道教团体成立前审批").tolist() == [0, 0, 1]


def test_nothing_spelled_out_scores_nothing() -> None:
    mentions = NameMentions(NAMES)
    assert not mentions.scores("公证处几点开门").any()  # a name shorter than four characters never counts
    assert not mentions.scores("").any()


def test_a_spelled_out_name_outweighs_a_denser_neighbour() -> None:
    # The dense model prefers row 0 by about one standard deviation; the question spells row 1.
    parts = {"dense": np.array([0.95, 0.90, 0.5, 0.5, 0.5, 0.5], dtype=np.float32),
             "name_chars": np.zeros(6, dtype=np.float32), "text_words": np.zeros(6, dtype=np.float32),
             "fuzzy": np.zeros(6, dtype=np.float32), "variant": np.zeros(6, dtype=np.float32),
             "named": np.array([0, 1, 0, 0, 0, 0], dtype=np.float32)}
    assert int(np.argmax(fuse_item_parts(parts, FusionWeights()))) == 1
    without = {name: part for name, part in parts.items() if name != "named"}  # older callers
    assert int(np.argmax(fuse_item_parts(without, FusionWeights()))) == 0
