"""What `make run` starts: the action server, the Rasa replicas on consecutive ports, and the desk
pointed at every replica; replicas start side by side."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import ConfigurationError
from launcher.__main__ import services, start_stages
from launcher.settings import ServiceSettings


def test_replicas_ports_and_the_desk_knows_them(tmp_path: Path) -> None:
    model = tmp_path / "daofu.tar.gz"
    model.write_bytes(b"model")
    settings = ServiceSettings(rasa_port=6100, actions_port=6200, rasa_model=model, rasa_replicas=2)
    found = services(settings, {"DAOFU_DESK_PORT": "6300"})
    assert [s.name for s in found] == ["actions", "rasa", "rasa-2", "desk"]
    rasa, rasa_2, desk = found[1], found[2], found[3]
    assert rasa.command[rasa.command.index("-p") + 1] == "6100" and rasa_2.command[rasa_2.command.index("-p") + 1] == "6101"
    assert rasa.health_url == "http://127.0.0.1:6100/status" and str(model) in rasa.command
    assert rasa.environment["DAOFU_ACTION_ENDPOINT"] == "http://127.0.0.1:6200/webhook"
    assert rasa.environment["TF_INTRA_OP_PARALLELISM_THREADS"] == "1"
    assert desk.environment["DAOFU_DESK_RASA_URL"] == "http://127.0.0.1:6100,http://127.0.0.1:6101"
    assert desk.health_url == "http://127.0.0.1:6300/healthz"
    assert [[s.name for s in stage] for stage in start_stages(found)] == [["actions"], ["rasa", "rasa-2"], ["desk"]]


def test_an_explicit_thread_setting_wins(tmp_path: Path) -> None:
    model = tmp_path / "daofu.tar.gz"
    model.write_bytes(b"model")
    found = services(ServiceSettings(rasa_model=model, rasa_replicas=1), {"TF_INTRA_OP_PARALLELISM_THREADS": "2"})
    assert [s.name for s in found] == ["actions", "rasa", "desk"]
    assert found[1].environment["TF_INTRA_OP_PARALLELISM_THREADS"] == "2"


@pytest.mark.parametrize("values", [{"rasa_replicas": 0}, {"rasa_replicas": 17}, {"rasa_port": 65535, "rasa_replicas": 2},
                                    {"rasa_port": 5005, "actions_port": 5006, "rasa_replicas": 2}])
def test_bad_replica_settings_say_what_to_change(values: dict[str, int]) -> None:
    with pytest.raises(ConfigurationError, match="DAOFU_"):
        ServiceSettings(**values)  # type: ignore[arg-type]


def test_replicas_from_the_environment() -> None:
    assert ServiceSettings.from_env({"DAOFU_RASA_REPLICAS": "3"}).rasa_urls == (
        "http://127.0.0.1:5005", "http://127.0.0.1:5006", "http://127.0.0.1:5007")
