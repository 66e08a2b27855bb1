from __future__ import annotations

import json
from pathlib import Path

import pytest

from indexer.calibration import Calibration
from indexer.fitting import SCOPE_OUT_OF_CATALOG_SPLITS
from indexer.ngram_classifier import NgramClassifier, train_ngram_classifier
from indexer.scope_classifier import OUT_OF_SCOPE_LOGIT, SCOPE_MODEL_FILE, is_outside_the_catalog, load_scope_classifier
from indexer.search import SearchService
from indexer.settings import IndexerSettings
from tests.fakes import CharacterEncoder

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def test_an_ngram_classifier_learns_which_words_decide() -> None:
    texts = ["取水许可怎么申请", "取水许可要什么材料", "股权出质登记在哪办", "股权出质登记多久",
             "营业执照怎么补办", "营业执照丢了", "刻公章去哪里", "公章刻制多少钱"]
    classifier = train_ngram_classifier(texts, [True] * 4 + [False] * 4)
    assert classifier.logit("取水许可延续") > 0 > classifier.logit("营业执照变更")


def test_an_ngram_classifier_refuses_mismatched_data() -> None:
    with pytest.raises(ValueError, match="as many labels"):
        train_ngram_classifier(["取水许可"], [True, False])
    with pytest.raises(ValueError, match="as many labels"):
        train_ngram_classifier([], [])


def test_a_saved_classifier_loads_back_and_a_missing_one_is_neutral(tmp_path: Path) -> None:
    classifier = NgramClassifier({"执照": -3.0, "取水": 2.0}, 0.5)
    path = tmp_path / "model.json"
    classifier.save(path)
    assert NgramClassifier.load(path) == classifier
    assert NgramClassifier.load(tmp_path / "none.json").logit("营业执照") == 0.0


def test_the_shipped_scope_model_tells_missing_matters_from_catalog_questions() -> None:
    # Trained by `python -m indexer calibrate`; these are not in its training data.
    scope = load_scope_classifier(SCOPE_MODEL_FILE)
    assert SCOPE_MODEL_FILE.exists() and len(scope.weights) > 1000
    assert is_outside_the_catalog(scope, "公司请了个外籍员工，工作许可证在哪里申请")
    for catalog_question in ("股权出质注销登记在哪里办", "高新技术企业认定需要满足哪些条件", "我们公司想申请取水许可"):
        assert not is_outside_the_catalog(scope, catalog_question), catalog_question


def test_the_scope_model_never_learns_from_the_sets_that_measure_it() -> None:
    rows = [json.loads(line) for line in (PROJECT_ROOT / "bench" / "data" / "out_of_catalog.jsonl")
            .read_text(encoding="utf-8").splitlines() if line.strip()]
    splits = {row.get("split", "written") for row in rows}
    # Every set it learns from exists; at least one later set stays out of it to measure it.
    assert set(SCOPE_OUT_OF_CATALOG_SPLITS) < splits


def test_a_question_worded_like_a_missing_matter_is_offered_not_asserted(
        built_index: IndexerSettings, encoder: CharacterEncoder) -> None:
    always_high = Calibration(high_threshold=0.0, medium_threshold=0.0, tie_ratio=2.0)
    doubting = NgramClassifier({"股权": OUT_OF_SCOPE_LOGIT - 1.0}, 0.0)
    service = SearchService(built_index, encoder=encoder, calibration=always_high, scope_classifier=doubting)
    doubted = service.search("股权出质注销登记在哪里办", kind="item")
    assert doubted.hits[0].title == "对股权出质注销登记" and doubted.level == "medium"
    trusting = SearchService(built_index, encoder=encoder, calibration=always_high,
                             scope_classifier=NgramClassifier({}, 0.0))
    assert trusting.search("股权出质注销登记在哪里办", kind="item").level == "high"


def test_the_shipped_scope_model_is_what_calibrate_fits_from_the_shipped_data() -> None:
    # A question set edited without `python -m indexer calibrate` would leave a stale model.
    from indexer.fitting import fit_scope_classifier

    fitted, shipped = fit_scope_classifier(), load_scope_classifier(SCOPE_MODEL_FILE)
    assert abs(fitted.bias - shipped.bias) < 1e-3
    assert max(abs(fitted.weights.get(gram, 0.0) - weight) for gram, weight in shipped.weights.items()) < 1e-3
