"""The demand service: intake, deadlines, handling, return visit, reminders, outbox, concurrency."""
from __future__ import annotations

import datetime
import re
import threading
from collections.abc import Callable

import pytest
from sqlalchemy import select

from desk.db import Database
from desk.demands.outbox import LoggingSender, Notification, deliver_pending
from desk.demands.service import (
    ESTIMATED_DEADLINE_NOTE,
    DemandCategory,
    DemandInput,
    DemandService,
    Rating,
    canonical_tracking_number,
    catalog_departments,
    mask_phone,
    new_tracking_number,
    normalize_phone,
    seed_departments,
)
from desk.demands.states import DemandTransitionError
from desk.errors import DeskError, Forbidden, NotFound
from desk.models import Demand, DemandEvent, Department, NotificationOutbox, Staff
from desk.settings import DeskSettings
from indexer.search import SearchService
from tests.desk.demands.conftest import MARKET, WATER, add_demand, add_staff

CST = datetime.timezone(datetime.timedelta(hours=8))


class Clock:
    """An injected clock the test moves forward."""

    def __init__(self, start: datetime.datetime) -> None:
        self.now = start

    def __call__(self) -> datetime.datetime:
        return self.now

    def set_local(self, day: str, hour: int = 10) -> None:
        self.now = datetime.datetime.fromisoformat(day).replace(hour=hour, tzinfo=CST)


@pytest.fixture()
def clock() -> Clock:
    return Clock(datetime.datetime(2026, 9, 30, 10, 0, tzinfo=CST))


@pytest.fixture()
def demands(clock: Clock) -> DemandService:
    return DemandService(DeskSettings(demand_deadlines="咨询=3,求助=10,投诉=15,建议=15,举报=15"), clock=clock)


@pytest.fixture()
def people(store: Database) -> dict[str, Staff]:
    return {"staff": add_staff(store, "yingda", "staff"), "handler": add_staff(store, "chengban", "handler", MARKET),
            "handler2": add_staff(store, "chengban2", "handler", MARKET),
            "water": add_staff(store, "shuili", "handler", WATER), "supervisor": add_staff(store, "duban", "supervisor"),
            "editor": add_staff(store, "bianji", "editor")}


def sample(category: DemandCategory = DemandCategory.CONSULTATION) -> DemandInput:
    return DemandInput(category, "营业执照变更一个月了还没办下来，联系人身份证110101199003071234", "某某科技有限公司",
                       "张三", "13812345678")


def file_one(store: Database, demands: DemandService, category: DemandCategory = DemandCategory.CONSULTATION) -> Demand:
    with store.session() as session:
        return demands.file(session, sample(category))


def act(store: Database, call: Callable[..., Demand], *args: object) -> Demand:
    with store.session() as session:
        return call(session, *args)


def events(store: Database, demand_id: int) -> list[tuple[str, str | None, str]]:
    with store.session() as session:
        rows = session.scalars(select(DemandEvent).where(DemandEvent.demand_id == demand_id).order_by(DemandEvent.id))
        return [(e.action, e.from_status, e.to_status) for e in rows]


def outbox(store: Database) -> list[tuple[str, str, str]]:
    with store.session() as session:
        return [(o.channel, o.recipient, o.text) for o in session.scalars(select(NotificationOutbox).order_by(NotificationOutbox.id))]


# ---------------------------------------------------------------------- intake

def test_filing_sets_the_working_day_deadline_and_queues_an_sms(store: Database, demands: DemandService) -> None:
    demand = file_one(store, demands)
    # 咨询 = 3 working days from 2026-09-30: past National Day to the make-up Saturday.
    assert (demand.status, demand.due_date, demand.start_date) == ("received", datetime.date(2026, 10, 10),
                                                                   datetime.date(2026, 9, 30))
    assert demand.remind_date == datetime.date(2026, 10, 10)  # ceil(0.8 * 3) = 3
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}", demand.tracking_number)
    assert events(store, demand.id) == [("file", None, "received")]
    sms = [row for row in outbox(store) if row[0] == "sms"]
    assert sms[0][1] == "13812345678" and demand.tracking_number in sms[0][2] and "2026-10-10" in sms[0][2]


def test_tracking_numbers_carry_80_random_bits_and_read_forgivingly() -> None:
    numbers = {new_tracking_number().replace("-", "") for _ in range(2000)}
    assert len(numbers) == 2000
    # 16 positions x 5 bits, each position uses all 32 symbols: no fixed prefix, date or counter.
    assert all(len({n[i] for n in numbers}) == 32 for i in range(16))
    number = "7K3M-9XQ0-AB1C-DE2F"
    assert canonical_tracking_number("7k3m 9xqo ab1c-de2f") == number  # lower case, spaces, O for 0
    assert canonical_tracking_number("7K3M9XQ0AB1CDE2") is None
    assert canonical_tracking_number("UUUU-UUUU-UUUU-UUUU") is None


def test_a_tracking_number_collision_is_retried(store: Database, clock: Clock) -> None:
    numbers = iter(["AAAA-BBBB-CCCC-DDDD", "AAAA-BBBB-CCCC-DDDD", "AAAA-BBBB-CCCC-EEEE"])
    demands = DemandService(DeskSettings(), clock=clock, new_number=lambda: next(numbers))
    first, second = file_one(store, demands), file_one(store, demands)
    assert (first.tracking_number, second.tracking_number) == ("AAAA-BBBB-CCCC-DDDD", "AAAA-BBBB-CCCC-EEEE")
    stuck = DemandService(DeskSettings(), clock=clock, new_number=lambda: "AAAA-BBBB-CCCC-DDDD")
    with pytest.raises(DeskError, match="暂时无法生成诉求编号"):
        file_one(store, stuck)


def test_filing_into_an_unpublished_year_estimates_the_deadline_and_says_so(store: Database, clock: Clock) -> None:
    # December: a 15-working-day limit ends in a year chinese-calendar 1.11.0 has not published.
    clock.set_local("2026-12-20")
    demands = DemandService(DeskSettings(), clock=clock)
    demand = file_one(store, demands, DemandCategory.COMPLAINT)
    assert demand.due_date.year == 2027 and demand.due_date.weekday() < 5
    sms = [text for channel, _, text in outbox(store) if channel == "sms"]
    assert ESTIMATED_DEADLINE_NOTE in sms[-1] and demand.due_date.isoformat() in sms[-1]
    with store.session() as session:
        filed = session.scalars(select(DemandEvent).where(DemandEvent.demand_id == demand.id)).one()
        assert filed.detail["deadline_estimated"] is True
    clock.set_local("2026-06-08")
    ordinary = file_one(store, demands, DemandCategory.COMPLAINT)
    with store.session() as session:
        filed = session.scalars(select(DemandEvent).where(DemandEvent.demand_id == ordinary.id)).one()
        assert "deadline_estimated" not in filed.detail
    assert ESTIMATED_DEADLINE_NOTE not in [t for c, _, t in outbox(store) if c == "sms"][-1]


def test_estimated_deadlines_move_to_the_calendar_once_a_release_publishes_their_year(
        store: Database, people: dict[str, Staff], clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    import chinese_calendar

    from desk.demands import working_days

    if working_days.last_published_year() >= 2027:
        pytest.skip("the installed chinese-calendar publishes 2027 already")
    clock.set_local("2026-12-20")
    demands = DemandService(DeskSettings(), clock=clock)
    estimated = act(store, demands.dispatch, people["staff"], file_one(store, demands, DemandCategory.COMPLAINT).id,
                    MARKET)
    clock.set_local("2026-06-08")
    official = file_one(store, demands, DemandCategory.COMPLAINT)  # due within 2026: never estimated
    clock.set_local("2026-12-21")
    with store.session() as session:
        assert demands.sweep(session).recalculated == 0  # nothing published yet: the estimate stands

    # A release with 2027 arrives (an upgrade and a restart): its schedule has one more day off, the
    # Monday after 元旦, which the statutory rule cannot know.
    known = chinese_calendar.is_workday
    extra_day_off = datetime.date(2027, 1, 4)

    def released(day: datetime.date) -> bool:
        if day.year == 2027:
            return day != extra_day_off and day.weekday() < 5 and day not in working_days.statutory_days_off(2027)
        return bool(known(day))

    monkeypatch.setattr(chinese_calendar, "is_workday", released)
    working_days.last_published_year.cache_clear()
    try:
        restarted = DemandService(DeskSettings(), clock=clock)
        with store.session() as session:
            assert restarted.sweep(session).recalculated == 1
            assert restarted.sweep(session).recalculated == 0  # once
        with store.session() as session:
            moved = session.get(Demand, estimated.id)
            assert moved is not None and moved.due_date == estimated.due_date + datetime.timedelta(days=1)
            unchanged = session.get(Demand, official.id)
            assert unchanged is not None and unchanged.due_date == official.due_date
        assert events(store, estimated.id)[-1] == ("recalculate_deadline", "dispatched", "dispatched")
        sms = [text for channel, _, text in outbox(store) if channel == "sms"][-1]
        assert estimated.tracking_number in sms and (estimated.due_date + datetime.timedelta(days=1)).isoformat() in sms
        assert f"department:{moved.department_id}" in [recipient for _, recipient, _ in outbox(store)][-2:]
    finally:
        monkeypatch.undo()
        working_days.last_published_year.cache_clear()


@pytest.mark.parametrize(("raw", "digits"), [("13812345678", "13812345678"), ("138-1234-5678", "13812345678"),
                                             ("+86 138 1234 5678", "13812345678"), ("１３８１２３４５６７８", "13812345678"),
                                             ("020-12345678", "02012345678"), ("(0755)1234567", "07551234567")])
def test_phone_numbers_are_normalised(raw: str, digits: str) -> None:
    assert normalize_phone(raw) == digits


@pytest.mark.parametrize("raw", ["", "12345", "23812345678", "1381234567", "138123456789", "abc", "12345678"])
def test_bad_phone_numbers_are_refused(raw: str) -> None:
    with pytest.raises(ValueError, match="手机号码"):
        normalize_phone(raw)


def test_phone_mask_keeps_prefix_and_last_four() -> None:
    assert mask_phone("13812345678") == "138****5678"


# ---------------------------------------------------------------------- handling

def test_the_whole_path_with_return_extension_and_reopen(store: Database, demands: DemandService,
                                                        people: dict[str, Staff], clock: Clock) -> None:
    demand = file_one(store, demands)
    act(store, demands.dispatch, people["staff"], demand.id, WATER)
    # The water department finds it misrouted and returns it; it goes back to dispatch.
    returned = act(store, demands.return_to_dispatch, people["water"], demand.id, "不属于水利业务，应由市场监管部门办理")
    assert (returned.status, returned.department_id, returned.return_count) == ("returned", None, 1)
    act(store, demands.dispatch, people["staff"], demand.id, MARKET)
    accepted = act(store, demands.accept, people["handler"], demand.id)
    assert accepted.handler_id == people["handler"].id
    act(store, demands.add_note, people["handler"], demand.id, "已电话联系企业")
    act(store, demands.request_extension, people["handler"], demand.id, 2, "需要现场核查")
    approved = act(store, demands.approve_extension, people["supervisor"], demand.id)
    assert (approved.time_limit_days, approved.due_date, approved.extension_days) == (5, datetime.date(2026, 10, 13), None)
    replied = act(store, demands.reply, people["handler"], demand.id, "已为企业办结变更登记")
    assert replied.status == "replied" and replied.reply == "已为企业办结变更登记"
    # Return visit: 不满意 reopens once for the same department and alerts the supervisors.
    clock.set_local("2026-10-14")
    reopened = act(store, demands.rate, demand.tracking_number, "5678", Rating.DISSATISFIED, "没有解决")
    assert (reopened.status, reopened.department_id, reopened.reopen_count) == ("reopened", approved.department_id, 1)
    assert (reopened.start_date, reopened.due_date) == (datetime.date(2026, 10, 14), datetime.date(2026, 10, 19))
    assert any(r[1] == "supervisors" and "不满意" in r[2] for r in outbox(store))
    act(store, demands.accept, people["handler2"], demand.id)
    act(store, demands.reply, people["handler2"], demand.id, "重新办理完毕")
    # The second 不满意 is recorded and closes it: 重办 happens once.
    closed = act(store, demands.rate, demand.tracking_number, "5678", Rating.DISSATISFIED, "还是不满意")
    assert (closed.status, closed.rating, closed.reopen_count) == ("closed", "不满意", 1)
    assert [e[0] for e in events(store, demand.id)] == [
        "file", "dispatch", "return", "dispatch", "accept", "note", "request_extension", "approve_extension",
        "reply", "reopen", "accept", "reply", "rate"]


def test_satisfied_rating_closes_and_a_second_rating_is_refused(store: Database, demands: DemandService,
                                                                people: dict[str, Staff]) -> None:
    demand = file_one(store, demands)
    act(store, demands.dispatch, people["staff"], demand.id, MARKET)
    act(store, demands.accept, people["handler"], demand.id)
    act(store, demands.reply, people["handler"], demand.id, "已办结")
    closed = act(store, demands.rate, demand.tracking_number, "5678", Rating.BASICALLY_SATISFIED, "")
    assert (closed.status, closed.rating) == ("closed", "基本满意")
    with pytest.raises(DemandTransitionError, match="已办结"):
        act(store, demands.rate, demand.tracking_number, "5678", Rating.SATISFIED, "")


def test_tracking_needs_the_right_last_four_digits(store: Database, demands: DemandService) -> None:
    demand = file_one(store, demands)
    with store.session() as session:
        assert demands.track(session, demand.tracking_number.lower(), "5678").id == demand.id
        for number, digits in [(demand.tracking_number, "1234"), (demand.tracking_number, ""),
                               ("AAAA-BBBB-CCCC-DDDD", "5678"), ("garbage", "5678")]:
            with pytest.raises(NotFound) as missing:
                demands.track(session, number, digits)
            assert str(missing.value) == "没有找到这个诉求：请核对诉求编号和联系电话后四位"


def test_roles_and_departments_are_enforced(store: Database, demands: DemandService, people: dict[str, Staff]) -> None:
    demand = file_one(store, demands)
    with pytest.raises(Forbidden):
        act(store, demands.dispatch, people["handler"], demand.id, MARKET)  # handlers do not dispatch
    with pytest.raises(Forbidden):
        act(store, demands.get_for, people["editor"], demand.id)
    with pytest.raises(NotFound):
        act(store, demands.get_for, people["handler"], demand.id)  # not dispatched to them yet
    act(store, demands.dispatch, people["staff"], demand.id, MARKET)
    with pytest.raises(NotFound):
        act(store, demands.accept, people["water"], demand.id)  # another department's demand
    with pytest.raises(Forbidden):
        act(store, demands.accept, people["staff"], demand.id)
    act(store, demands.accept, people["handler"], demand.id)
    act(store, demands.request_extension, people["handler"], demand.id, 3, "材料待补")
    with pytest.raises(Forbidden):
        act(store, demands.approve_extension, people["handler"], demand.id)  # only 督办 approve
    with pytest.raises(DeskError, match="1到30"):
        act(store, demands.request_extension, people["handler"], demand.id, 31, "太久")
    with store.session() as session:
        assert [d.id for d in demands.list_for(session, people["handler"])] == [demand.id]
        assert demands.list_for(session, people["water"]) == []
        assert [d.id for d in demands.list_for(session, people["supervisor"])] == [demand.id]
        with pytest.raises(Forbidden):
            demands.list_for(session, people["editor"])


def test_dispatch_needs_an_active_department(store: Database, demands: DemandService, people: dict[str, Staff]) -> None:
    demand = file_one(store, demands)
    with pytest.raises(DeskError, match="在用部门"):
        act(store, demands.dispatch, people["staff"], demand.id, "不存在的局")
    with store.session() as session:
        department = session.scalar(select(Department).where(Department.name == WATER))
        assert department is not None
        department.active = False
    with pytest.raises(DeskError, match="在用部门"):
        act(store, demands.dispatch, people["staff"], demand.id, WATER)


# ---------------------------------------------------------------------- supervision

def test_sweep_reminds_at_eighty_percent_then_marks_overdue(store: Database, people: dict[str, Staff],
                                                           clock: Clock) -> None:
    clock.set_local("2026-06-08")  # Monday
    demands = DemandService(DeskSettings(demand_deadlines="咨询=5,求助=10,投诉=15,建议=15,举报=15"), clock=clock)
    demand = act(store, demands.dispatch, people["staff"], file_one(store, demands).id, MARKET)
    assert (demand.remind_date, demand.due_date) == (datetime.date(2026, 6, 12), datetime.date(2026, 6, 15))

    def sweep() -> tuple[int, int]:
        with store.session() as session:
            result = demands.sweep(session)
        return result.reminded, result.overdue

    clock.set_local("2026-06-11")
    assert sweep() == (0, 0)
    clock.set_local("2026-06-12")
    assert sweep() == (1, 0)
    assert sweep() == (0, 0)  # once
    clock.set_local("2026-06-15", 23)
    assert sweep() == (0, 0)  # the due day itself is still in time
    clock.set_local("2026-06-16")
    assert sweep() == (0, 1)
    assert sweep() == (0, 0)
    with store.session() as session:
        overdue = demands.list_for(session, people["supervisor"], overdue=True)
        assert [d.id for d in overdue] == [demand.id] and overdue[0].overdue
    assert [e[0] for e in events(store, demand.id)][-2:] == ["remind", "mark_overdue"]
    recipients = [r[1] for r in outbox(store)]
    assert f"department:{demand.department_id}" in recipients and "supervisors" in recipients


def test_overdue_demands_come_first(store: Database, demands: DemandService, people: dict[str, Staff]) -> None:
    late = add_demand(store, "accepted", tracking_number="LATE", overdue=True, due_date=datetime.date(2026, 6, 20))
    early = add_demand(store, "accepted", tracking_number="EARLY", due_date=datetime.date(2026, 6, 10))
    with store.session() as session:
        assert [d.id for d in demands.list_for(session, people["supervisor"])] == [late, early]


def test_outbox_delivery_retries_failures_and_logs_masked(store: Database, demands: DemandService,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    file_one(store, demands)

    class Flaky:
        def __init__(self) -> None:
            self.calls = 0

        def send(self, notification: Notification) -> None:
            self.calls += 1
            raise ConnectionError("gateway down")

    flaky = Flaky()
    with store.session() as session:
        assert deliver_pending(session, flaky) == 0
    with store.session() as session:
        assert {o.status for o in session.scalars(select(NotificationOutbox))} == {"pending"}
    caplog.set_level("INFO", logger="desk.demands.outbox")
    with store.session() as session:
        assert deliver_pending(session, LoggingSender()) == 2
        assert deliver_pending(session, LoggingSender()) == 0
    assert "13812345678" not in caplog.text and "138****5678" in caplog.text


# ---------------------------------------------------------------------- concurrency

def test_two_handlers_accepting_at_once_exactly_one_wins(store: Database, demands: DemandService,
                                                         people: dict[str, Staff]) -> None:
    for _ in range(5):
        demand = file_one(store, demands)
        act(store, demands.dispatch, people["staff"], demand.id, MARKET)
        barrier = threading.Barrier(2)
        outcomes: list[str] = []

        def accept(handler: Staff, demand: Demand = demand, barrier: threading.Barrier = barrier,
                   outcomes: list[str] = outcomes) -> None:
            with store.session() as session:
                row = demands.get_for(session, handler, demand.id, "view")
                assert row.status == "dispatched"
                barrier.wait()  # both have read the demand as dispatched
                try:
                    demands.accept(session, handler, demand.id)
                    session.commit()
                    outcomes.append("ok")
                except DemandTransitionError:
                    outcomes.append("409")

        threads = [threading.Thread(target=accept, args=(people[name],)) for name in ("handler", "handler2")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes) == ["409", "ok"]
        assert [e[0] for e in events(store, demand.id)].count("accept") == 1


# ---------------------------------------------------------------------- departments

def test_departments_are_seeded_from_the_catalog_once(store: Database, knowledge_base: object) -> None:
    names = catalog_departments(knowledge_base / "catalog")  # type: ignore[operator]
    assert "广东省水利厅" in names and "国家税务总局广东省税务局" in names and len(names) == 6
    with store.session() as session:
        assert seed_departments(session, names) == 4  # two were seeded already
        renamed = session.scalar(select(Department).where(Department.name == "广东省民政厅"))
        assert renamed is not None
        renamed.name = "广东省民政厅（婚姻登记处）"
    with store.session() as session:
        assert seed_departments(session, names) == 0  # a renamed department is not added back


def test_suggested_departments_come_from_the_search_and_the_text(store: Database, demands: DemandService,
                                                                 service: SearchService) -> None:
    with store.session() as session:
        seed_departments(session, ["国家税务总局广东省税务局", "广东省农业农村厅"])
        found = demands.suggest_departments(session, service, "新增取水许可申请提交两个月了还没有结果")
        assert found[0].department == WATER and "取水许可" in found[0].reason
        named = demands.suggest_departments(session, service, "广东省市场监督管理局窗口态度差，代开增值税专用发票")
        assert named[0].department == MARKET and named[0].reason == "诉求内容提到该部门"
        assert "国家税务总局广东省税务局" in [s.department for s in named]
