"""The shared core: settings from DAOFU_* variables, the clock, one error hierarchy."""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from daofu_core.clock import CHINA_TZ, today_in_china, utc_timestamp, utcnow
from daofu_core.errors import ConfigurationError, DaofuError
from daofu_core.settings import EnvSettings, settings_environment


@dataclass(frozen=True)
class ExampleSettings(EnvSettings):
    folder: Path = field(default=Path("/srv/daofu"), metadata={"env": "DAOFU_TEST_FOLDER", "help": "a folder"})
    count: int = field(default=3, metadata={"env": "DAOFU_TEST_COUNT", "help": "a count"})
    ratio: float = field(default=0.5, metadata={"env": "DAOFU_TEST_RATIO", "help": "a ratio"})
    secure: bool = field(default=False, metadata={"env": "DAOFU_TEST_SECURE", "help": "a switch"})
    name: str = field(default="导服", metadata={"env": "DAOFU_TEST_NAME", "help": "a name"})
    derived: str = "not a setting"


def test_from_env_converts_each_field_to_its_type(tmp_path: Path) -> None:
    settings = ExampleSettings.from_env({"DAOFU_TEST_FOLDER": str(tmp_path / "x" / ".." / "y"), "DAOFU_TEST_COUNT": "7",
                                         "DAOFU_TEST_RATIO": "0.25", "DAOFU_TEST_SECURE": "yes",
                                         "DAOFU_TEST_NAME": "济南"})
    assert settings == ExampleSettings(folder=tmp_path / "y", count=7, ratio=0.25, secure=True, name="济南")
    assert isinstance(settings, ExampleSettings)


def test_unset_or_empty_variables_keep_the_defaults() -> None:
    assert ExampleSettings.from_env({"DAOFU_TEST_COUNT": "", "OTHER": "1"}) == ExampleSettings()


@pytest.mark.parametrize(("name", "raw"), [("DAOFU_TEST_COUNT", "three"), ("DAOFU_TEST_RATIO", "half"),
                                           ("DAOFU_TEST_SECURE", "maybe")])
def test_a_bad_value_names_the_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigurationError, match=name):
        ExampleSettings.from_env({name: raw})


def test_settings_environment_rebuilds_the_same_settings_in_a_child(tmp_path: Path) -> None:
    settings = ExampleSettings(folder=tmp_path, count=9, secure=True)
    environment = settings_environment(settings, leave_out=frozenset({"DAOFU_TEST_RATIO"}))
    assert set(environment) == {"DAOFU_TEST_FOLDER", "DAOFU_TEST_COUNT", "DAOFU_TEST_SECURE", "DAOFU_TEST_NAME"}
    assert ExampleSettings.from_env(environment) == settings


def test_settings_environment_wants_an_instance() -> None:
    with pytest.raises(TypeError):
        settings_environment(ExampleSettings)


def test_clock_is_aware_utc_and_dates_are_the_citys() -> None:
    now = utcnow()
    assert now.utcoffset() == datetime.timedelta(0)
    assert datetime.datetime.fromisoformat(utc_timestamp()).utcoffset() == datetime.timedelta(0)
    assert today_in_china() in {(now + datetime.timedelta(seconds=delta)).astimezone(CHINA_TZ).date().isoformat()
                                for delta in (0, 5)}


def test_every_parts_errors_share_one_base() -> None:
    from desk.errors import DeskError
    from indexer.errors import BuildError
    from indexer.errors import ConfigurationError as IndexerConfigurationError

    assert issubclass(DeskError, DaofuError) and issubclass(BuildError, DaofuError)
    assert IndexerConfigurationError is ConfigurationError
