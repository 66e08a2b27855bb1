"""Knowledge gaps with the real e5 model: paraphrases of two different needs end in two clusters."""
from __future__ import annotations

import datetime
from pathlib import Path

import pytest

from desk.knowledge_gaps import GapQuestion, cluster_questions, embed_questions, threshold_for
from indexer.embedding import OnnxEncoder
from indexer.model_setup import is_prepared, model_info
from indexer.settings import IndexerSettings

pytestmark = pytest.mark.integration

SETTINGS = IndexerSettings.from_env()
DEFERRAL = ["公司最近资金紧张，社保能不能晚点交", "社保缓缴怎么申请", "企業養老保險可以緩繳嗎", "这个月社保费实在交不上，有没有延期的政策"]
SEAL = ["公章在哪里刻", "新公司刻章要去哪备案", "公司印章丢了，重新刻一个怎么弄", "刻制公章需要带什么材料"]


@pytest.mark.parametrize("model_dir", [SETTINGS.base_model_dir, SETTINGS.model_dir], ids=["base", "served"])
def test_two_paraphrase_groups_give_two_clusters(model_dir: Path) -> None:
    if not is_prepared(model_dir):
        pytest.skip(f"no prepared embedding model in {model_dir}: run `make run` (or `python -m indexer prepare-model`)")
    start = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
    texts = [text for pair in zip(DEFERRAL, SEAL, strict=False) for text in pair]  # interleaved: order must not matter
    questions = [GapQuestion(text, "unanswered", f"c{i}", start + datetime.timedelta(minutes=i))
                 for i, text in enumerate(texts)]
    encoder = OnnxEncoder(model_dir, threads=2)
    clusters = cluster_questions(questions, embed_questions(encoder, questions), threshold_for(model_info(model_dir)))
    assert sorted(sorted(cluster.examples) for cluster in clusters) == sorted([sorted(DEFERRAL), sorted(SEAL)])
    assert [cluster.count for cluster in clusters] == [4, 4]
