from __future__ import annotations

import datetime

import pytest

from desk.settings import DeskSettings
from indexer.errors import ConfigurationError

UTC = datetime.UTC


def test_service_hours_in_china_time() -> None:
    settings = DeskSettings(service_hours="09:00-17:30", service_days="1,2,3,4,5")
    monday_10_beijing = datetime.datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
    monday_18_beijing = datetime.datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    saturday_10_beijing = datetime.datetime(2026, 11, 28, 2, 0, tzinfo=UTC)
    assert settings.in_service_hours(monday_10_beijing)
    assert not settings.in_service_hours(monday_18_beijing)
    assert not settings.in_service_hours(saturday_10_beijing)


def test_overnight_hours() -> None:
    settings = DeskSettings(service_hours="20:00-08:00")
    assert settings.in_service_hours(datetime.datetime(2026, 11, 30, 15, 0, tzinfo=UTC))  # 23:00 Beijing


@pytest.mark.parametrize("values", [{"service_hours": "9-5"}, {"service_days": "0,8"}, {"port": 0}, {"rasa_timeout": 0},
                                    {"rasa_url": ""}, {"rasa_url": "127.0.0.1:5005"}, {"rasa_url": "http://a:1,ftp://b"}])
def test_bad_settings_name_the_variable(values: dict[str, object]) -> None:
    with pytest.raises(ConfigurationError, match="DAOFU_"):
        DeskSettings(**values)  # type: ignore[arg-type]


def test_from_environment() -> None:
    settings = DeskSettings.from_env({"DAOFU_DESK_PORT": "9000", "DAOFU_RASA_TIMEOUT": "3.5"})
    assert settings.port == 9000 and settings.rasa_timeout == 3.5
    with pytest.raises(ConfigurationError, match="DAOFU_DESK_PORT"):
        DeskSettings.from_env({"DAOFU_DESK_PORT": "eighty"})


def test_several_rasa_urls() -> None:
    settings = DeskSettings.from_env({"DAOFU_DESK_RASA_URL": "http://127.0.0.1:5005, http://127.0.0.1:5006,"})
    assert settings.rasa_urls == ("http://127.0.0.1:5005", "http://127.0.0.1:5006")
