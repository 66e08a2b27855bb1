"""Every question the product advertises (the bot's greeting, the README, the demo page) is one the
shipped knowledge base answers with high confidence, with the real e5 model over the whole
shipped knowledge base.

The examples are read from the three places themselves, so a new example that nobody checked
fails here until it gets an expected answer below.
"""
from __future__ import annotations

import html.parser
import re
from pathlib import Path

import pytest
import yaml

from actions.fields import detect_field
from indexer.build import build_index
from indexer.model_setup import is_prepared
from indexer.search import SearchService
from indexer.settings import IndexerSettings

pytestmark = pytest.mark.integration
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Question -> (kind, title of the record that must come first with high confidence). A policy
# question names no single document (many answer it): the first passage must say what was asked.
EXPECTED_ANSWERS: dict[str, tuple[str, str]] = {
    "开饭店要办什么证": ("bundle", "开餐馆"),
    "企业职工社保断缴了怎么补缴": ("item", "企业职工社会保险费断缴补缴申报"),
    "发票真伪怎么鉴定": ("item", "发票真伪鉴定"),
    "企业社保费可以减免吗": ("policy", ""),
}
POLICY_PASSAGE_WORDS = {"企业社保费可以减免吗": ("社会保险费", "减")}
# Follow-ups advertised to show the conversation goes on: answered about the item under discussion.
FOLLOW_UPS = {"需要什么材料": "materials"}
COMMANDS = {"转人工"}  # quoted in the greeting as something to say, not a question


def greeting_examples() -> set[str]:
    domain = yaml.safe_load((PROJECT_ROOT / "bot" / "domain.yml").read_text(encoding="utf-8"))
    texts = [variant["text"] for variant in domain["responses"]["utter_greet"]]
    return {quoted for text in texts for quoted in re.findall(r"“([^”]+)”", text)}


def readme_examples() -> set[str]:
    """The questions of the README's introduction ("Enterprises ask in plain words (...)") and its
    command-line search examples."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    intro = re.search(r"in plain words \(([^)]*)\)", text)
    assert intro, "the README introduction no longer shows example questions in plain words (...)"
    return set(re.findall(r'"([^"]+)"', intro.group(1))) | set(re.findall(r'indexer search "([^"]+)"', text))


class _ExampleButtons(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.questions: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        question = dict(attrs).get("data-question")
        if question:
            self.questions.add(question)


def demo_page_examples() -> set[str]:
    parser = _ExampleButtons()
    parser.feed((PROJECT_ROOT / "desk" / "static" / "index.html").read_text(encoding="utf-8"))
    return parser.questions


ADVERTISED = {"greeting": greeting_examples(), "README": readme_examples(), "demo page": demo_page_examples()}


def test_each_place_advertises_examples_and_each_example_is_checked() -> None:
    for place, questions in ADVERTISED.items():
        assert questions - COMMANDS, f"the {place} shows no example question"
        unchecked = questions - COMMANDS - set(EXPECTED_ANSWERS) - set(FOLLOW_UPS)
        assert not unchecked, f"{place} advertises {sorted(unchecked)}: add the expected answer to EXPECTED_ANSWERS"


@pytest.mark.parametrize("question", sorted(FOLLOW_UPS))
def test_advertised_follow_ups_ask_about_a_field(question: str) -> None:
    assert detect_field(question, []) == FOLLOW_UPS[question]


@pytest.fixture(scope="module", params=["base", "served"])
def shipped_index(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> SearchService:
    """The whole shipped knowledge base indexed with the base model (what a fresh clone serves
    first) and with the fine-tuned one (what it serves once fine-tuning is done), when prepared.
    Vectors come from the project's embedding cache when an earlier build made them."""
    configured = IndexerSettings.from_env()
    model_dir = configured.base_model_dir if request.param == "base" else configured.model_dir
    if not is_prepared(model_dir):
        pytest.skip(f"no prepared model in {model_dir}: `make setup-test` prepares the base one, `make run` the other")
    root = tmp_path_factory.mktemp(f"shipped-{request.param}")
    settings = IndexerSettings(knowledge_base_dir=PROJECT_ROOT / "knowledge_base", index_dir=root / "index",
                               workspace_dir=root / "workspace", model_dir=model_dir,
                               embedding_cache=configured.embedding_cache, threads=configured.threads)
    build_index(settings)
    return SearchService(settings)


@pytest.mark.parametrize("question", sorted(EXPECTED_ANSWERS))
def test_advertised_question_gets_a_high_confidence_right_answer(shipped_index: SearchService, question: str) -> None:
    kind, title = EXPECTED_ANSWERS[question]
    result = shipped_index.search(question)
    top = result.hits[0]
    found = [(h.kind, h.title) for h in result.hits[:3]]
    if kind == "policy":
        assert top.kind == "policy", found
        assert all(word in top.snippet for word in POLICY_PASSAGE_WORDS[question]), top.snippet
    else:
        assert (top.kind, top.title) == (kind, title), found
    assert result.level == "high", f"confidence {result.confidence:.3f}"
