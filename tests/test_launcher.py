"""What `make run` starts: the action server, the Rasa replicas on consecutive ports, and the desk
pointed at every replica; replicas start side by side."""
from __future__ import annotations

from pathlib import Path

import pytest

from indexer.errors import ConfigurationError
from launcher.processes import services, start_stages
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


def test_the_desks_search_on_the_action_server_with_a_shared_token(tmp_path: Path) -> None:
    model = tmp_path / "daofu.tar.gz"
    model.write_bytes(b"model")
    found = services(ServiceSettings(actions_port=6200, rasa_model=model, rasa_replicas=1, desk_replicas=2),
                     {"DAOFU_DATABASE_URL": "postgresql+psycopg://u:p@db/daofu", "DAOFU_REDIS_URL": "redis://r:6379/0"})
    actions, desks = found[0], found[2:]
    token = actions.environment["DAOFU_SEARCH_TOKEN"]
    assert len(token) >= 32 and token != found[1].api_token  # random at each start, apart from Rasa's
    assert [d.environment["DAOFU_SEARCH_TOKEN"] for d in desks] == [token, token]
    assert {d.environment["DAOFU_DESK_SEARCH_URL"] for d in desks} == {"http://127.0.0.1:6200"}
    chosen = services(ServiceSettings(rasa_model=model, rasa_replicas=1, actions_host="0.0.0.0", search_token="set"), {})
    assert chosen[0].environment["DAOFU_SEARCH_TOKEN"] == chosen[-1].environment["DAOFU_SEARCH_TOKEN"] == "set"
    assert chosen[-1].environment["DAOFU_DESK_SEARCH_URL"] == "http://127.0.0.1:5055"  # a wildcard bind, reached on loopback


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


# ---------------------------------------------------------------- first start (launcher.startup, launcher.rasa_model)
# This section's imports sit with its tests (E402): they are only what the first-start tests use.
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from indexer.build import build_index  # noqa: E402
from indexer.model_setup import MODEL_INFO_FILE, ONNX_FILE  # noqa: E402
from indexer.settings import IndexerSettings  # noqa: E402
from launcher import rasa_model  # noqa: E402
from launcher.startup import (  # noqa: E402
    Background,
    Children,
    IndexModel,
    StageClock,
    Step,
    index_steps,
    rasa_steps,
    run_together,
    served_index_model,
)
from tests.fakes import FAKE_MODEL, CharacterEncoder  # noqa: E402


def _model_folder(folder: Path, fingerprint: str, variant: str = "test") -> Path:
    """A model folder's identity files (what the launcher reads to decide; no weights needed)."""
    (folder / "onnx").mkdir(parents=True)
    (folder / ONNX_FILE).write_bytes(b"")
    (folder / MODEL_INFO_FILE).write_text(json.dumps({**FAKE_MODEL, "variant": variant, "fingerprint": fingerprint}))
    return folder


def _rasa_project(root: Path) -> Path:
    for relative, text in {"config.yml": "pipeline: []\n", "bot/domain.yml": "version: '3.1'\n",
                           "nlu_data/nlu/basics.yml": "nlu: []\n", "bot/data/rules.yml": "rules: []\n",
                           "bot/components.py": "# components\n", "requirements/rasa.lock": "rasa==3.6.21\n",
                           "requirements/rasa-nlu-features.lock": "onnxruntime\n", "userdict/userdict.txt": "食品经营 5 n\n"}.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        (root / relative).write_text(text, encoding="utf-8")
    return root


def test_stage_clock_logs_each_stage_with_the_time_since_make_run(tmp_path: Path) -> None:
    clock = StageClock(tmp_path / "log" / "startup.log", started_at=time.time() - 100)
    clock.run_began()
    line = clock.record("index", 61.25, "built with the base model")
    assert line.startswith("index: 61.2 s; 10") and "since make run" in line and line.endswith("(built with the base model)")
    logged = (tmp_path / "log" / "startup.log").read_text(encoding="utf-8").splitlines()
    assert logged[0].startswith("--- make run at ") and logged[1].endswith(line)
    assert "since make run" not in StageClock(tmp_path / "other.log").record("services", 3.0)


def test_rasa_model_plan_retrains_what_rasa_cannot_see_with_force(tmp_path: Path) -> None:
    root = _rasa_project(tmp_path / "project")
    base = _model_folder(tmp_path / "base", "base0001")
    dictionary = root / "userdict" / "userdict.txt"
    inputs = rasa_model.current_inputs(root, base, dictionary)
    models = tmp_path / "models"
    model = models / "daofu.tar.gz"
    assert rasa_model.plan(model, inputs).state is rasa_model.ModelState.MISSING

    staging = tmp_path / "staging"
    staging.mkdir()
    (staging / "daofu.tar.gz").write_bytes(b"model")
    installed = rasa_model.install(staging / "daofu.tar.gz", models, inputs)
    assert installed == model and model.read_bytes() == b"model" and not (staging / "daofu.tar.gz").exists()
    assert rasa_model.plan(model, inputs) == rasa_model.TrainingPlan(rasa_model.ModelState.CURRENT, False, ())

    # Training data Rasa fingerprints itself: retrain, its cache keeps what did not change.
    (root / "nlu_data" / "nlu" / "basics.yml").write_text("nlu: [x]\n", encoding="utf-8")
    decision = rasa_model.plan(model, rasa_model.current_inputs(root, base, dictionary))
    assert (decision.state, decision.force, decision.changed) == (rasa_model.ModelState.OUTDATED, False, ("nlu_data",))
    # The user dictionary (JiebaTokenizer copies it when trained; Rasa's fingerprint does not read it).
    dictionary.write_text("食品经营许可 5 n\n", encoding="utf-8")
    decision = rasa_model.plan(model, rasa_model.current_inputs(root, base, dictionary))
    assert decision.force and "user_dictionary" in decision.changed
    # Another base e5 model under the sentence features.
    other_base = _model_folder(tmp_path / "base2", "base0002")
    assert rasa_model.plan(model, rasa_model.current_inputs(root, other_base, dictionary)).force
    # A model without a record: unknown inputs, retrained in full.
    rasa_model.record_path(model).unlink()
    assert rasa_model.plan(model, inputs) == rasa_model.TrainingPlan(rasa_model.ModelState.OUTDATED, True, tuple(inputs))


def test_rasa_model_inputs_name_the_base_model_config_yml_gives_the_featurizer(tmp_path: Path) -> None:
    root = _rasa_project(tmp_path / "project")
    _model_folder(root / "models" / "e5", "fromconfig")
    (root / "config.yml").write_text("pipeline:\n  - name: JiebaTokenizer\n"
                                     "  - name: bot.components.SentenceEmbeddingFeaturizer\n    model_dir: models/e5\n")
    inputs = rasa_model.current_inputs(root, _model_folder(tmp_path / "other", "fromsettings"), root / "userdict" / "userdict.txt")
    assert inputs["base_model"] == "fromconfig"


def test_rasa_model_inputs_include_the_normaliser_version(tmp_path: Path) -> None:
    from indexer.normalize import NORMALIZER_VERSION

    root = _rasa_project(tmp_path / "project")
    inputs = rasa_model.current_inputs(root, _model_folder(tmp_path / "base", "b1"), root / "userdict" / "userdict.txt")
    assert inputs["normalizer_version"] == str(NORMALIZER_VERSION) and "normalizer_version" in rasa_model.HIDDEN_INPUTS
    stale = {**inputs, "normalizer_version": "0-older"}
    models = tmp_path / "models"
    models.mkdir()
    (models / "daofu.tar.gz").write_bytes(b"model")
    rasa_model.record_path(models / "daofu.tar.gz").write_text(json.dumps(stale))
    decision = rasa_model.plan(models / "daofu.tar.gz", inputs)
    assert decision.changed == ("normalizer_version",) and decision.force


def test_train_command_forces_only_when_asked(tmp_path: Path) -> None:
    plain = rasa_model.train_command(tmp_path / "venv", tmp_path / "out", force=False)
    assert plain[:2] == [str(tmp_path / "venv" / "bin" / "rasa"), "train"] and "--force" not in plain
    assert plain[plain.index("--data") + 1:plain.index("--data") + 3] == ["nlu_data", "bot/data"]
    assert rasa_model.train_command(tmp_path / "venv", tmp_path / "out", force=True)[-1] == "--force"
    assert rasa_model.staging_dir(tmp_path / "models") == tmp_path / "models.staging"
    assert rasa_model.rasa_api_headers()["Content-Type"] == "application/json"


def test_a_current_rasa_model_is_served_without_training(tmp_path: Path) -> None:
    base = _model_folder(tmp_path / "base", "base0001")
    root = _rasa_project(tmp_path / "project")
    indexer = IndexerSettings(base_model_dir=base, model_dir=tmp_path / "finetuned")
    models = tmp_path / "models"
    settings = ServiceSettings(rasa_model=models, rasa_replicas=1)
    # Missing: trained before serving, installed afterwards.
    foreground, background = rasa_steps(settings, indexer, root)
    assert [s.name for s in foreground] == ["rasa-train"] and background == []
    assert foreground[0].command[-2:] == ["--fixed-model-name", "daofu"] and foreground[0].after is not None
    inputs = rasa_model.current_inputs(root, base_model_dir=base)
    staging = rasa_model.staging_dir(models)
    staging.mkdir(parents=True)
    (staging / "daofu.tar.gz").write_bytes(b"model")
    assert foreground[0].after() == "installed daofu.tar.gz"
    assert rasa_model.recorded_inputs(models / "daofu.tar.gz") == inputs
    # Current: nothing to do.
    assert rasa_steps(settings, indexer, root) == ([], [])
    # Outdated: served as it is, retrained in the background at low priority with few threads.
    rasa_model.record_path(models / "daofu.tar.gz").write_text(json.dumps({**inputs, "nlu_data": "changed"}))
    foreground, background = rasa_steps(settings, indexer, root)
    assert foreground == [] and [s.name for s in background] == ["rasa-retrain"]
    assert background[0].environment["TF_INTRA_OP_PARALLELISM_THREADS"] == "1" and "--force" not in background[0].command


def test_first_start_builds_with_the_base_model_and_fine_tunes_in_the_background(tmp_path: Path) -> None:
    settings = IndexerSettings(base_model_dir=_model_folder(tmp_path / "base", "base0001"), model_dir=tmp_path / "finetuned")
    foreground, background, message = index_steps(settings, served=None, threads=1)
    assert [s.name for s in foreground] == ["index"] and foreground[0].note == "built with the base model"
    assert [s.name for s in background] == ["index-update", "finetune", "index-finetuned"]
    assert background[1].command[-1] == "prepare-model" and background[1].environment["OMP_NUM_THREADS"] == "1"
    assert background[2].command[-2:] == ["--if-needed", "--quiet"] and background[2].environment["DAOFU_THREADS"] == "1"
    assert "使用基础模型的索引…; 微调在后台进行，完成后自动切换" in message
    # A restart with a served index: nothing in the foreground.
    foreground, background, message = index_steps(settings, served=IndexModel.FINETUNED, threads=2, finetune_max_steps=3)
    assert foreground == [] and background[1].command[-2:] == ["--max-steps", "3"] and "微调模型" in message
    # DAOFU_MODEL_DIR naming the base model: no fine-tuning at all.
    same = IndexerSettings(base_model_dir=settings.base_model_dir, model_dir=settings.base_model_dir)
    foreground, background, message = index_steps(same, served=None, threads=1)
    assert foreground[0].note == "built with the base model" and [s.name for s in background] == ["index-update"]
    assert "基础模型" in message and "微调在后台" not in message


def test_served_index_model_names_the_model_the_index_was_built_with(tmp_path: Path, knowledge_base: Path) -> None:
    base = _model_folder(tmp_path / "base", FAKE_MODEL["fingerprint"])
    settings = IndexerSettings(knowledge_base_dir=knowledge_base, index_dir=tmp_path / "index",
                               workspace_dir=tmp_path / "workspace", embedding_cache=tmp_path / "cache.sqlite",
                               model_dir=tmp_path / "finetuned", base_model_dir=base)
    assert served_index_model(settings) is None
    build_index(settings, encoder=CharacterEncoder())
    assert served_index_model(settings) is IndexModel.BASE
    _model_folder(tmp_path / "finetuned", FAKE_MODEL["fingerprint"], variant="test+finetuned")
    assert served_index_model(settings) is IndexModel.FINETUNED
    # Built with a model neither folder holds: the launcher rebuilds before serving.
    other = IndexerSettings(**{**settings.__dict__, "base_model_dir": tmp_path / "none", "model_dir": tmp_path / "none"})
    assert served_index_model(other) is None


def _python_step(name: str, code: str, after: object = None) -> Step:
    return Step(name, [sys.executable, "-c", code], {"PATH": "/usr/bin:/bin"}, after=after)  # type: ignore[arg-type]


def test_background_steps_run_in_order_at_low_priority_and_a_failure_does_not_stop_the_rest(tmp_path: Path) -> None:
    clock = StageClock(tmp_path / "startup.log")
    children = Children()
    done: list[str] = []
    steps = [_python_step("fails", "raise SystemExit(3)", after=lambda: done.append("fails") or "x"),
             _python_step("niced", "import os; print(os.nice(0))", after=lambda: done.append("niced") or "reloaded")]
    background = Background(steps, children, clock, tmp_path)
    background.start()
    background.thread.join(timeout=30)
    assert done == ["niced"] and background.finished == ["niced"]
    assert "fails failed (exit code 3)" in background.failed[0]
    assert (tmp_path / "niced.log").read_text().strip() == "19"
    log = (tmp_path / "startup.log").read_text(encoding="utf-8")
    assert "niced (background):" in log and "niced: reloaded" in log and "fails (background)" not in log


def test_stopping_the_launcher_stops_background_work_and_skips_what_follows(tmp_path: Path) -> None:
    children = Children()
    followed: list[str] = []
    background = Background([_python_step("long", "import time; time.sleep(60)", after=lambda: followed.append("x") or ""),
                             _python_step("next", "print('ran')")], children, StageClock(tmp_path / "startup.log"), tmp_path)
    background.start()
    deadline = time.monotonic() + 20
    while not children.processes and time.monotonic() < deadline:
        time.sleep(0.05)
    started = time.monotonic()
    children.stop()
    background.thread.join(timeout=20)
    assert time.monotonic() - started < 10 and not background.thread.is_alive()
    assert children.processes[0].returncode not in (0, None) and followed == [] and len(children.processes) == 1
    assert background.finished == []


def test_foreground_steps_run_together_and_a_failure_names_its_log(tmp_path: Path) -> None:
    clock = StageClock(tmp_path / "startup.log")
    started = time.monotonic()
    run_together([_python_step("a", "import time; time.sleep(1)"), _python_step("b", "import time; time.sleep(1)")],
                 Children(), clock, tmp_path)
    assert time.monotonic() - started < 1.9  # side by side, not one after the other
    with pytest.raises(RuntimeError, match=r"b exited with code 2; see .*b\.log"):
        run_together([_python_step("a", "pass"), _python_step("b", "raise SystemExit(2)")], Children(), clock, tmp_path)


def test_background_threads_setting_is_checked() -> None:
    assert ServiceSettings.from_env({"DAOFU_BACKGROUND_THREADS": "2"}).background_threads == 2
    with pytest.raises(ConfigurationError, match="DAOFU_BACKGROUND_THREADS"):
        ServiceSettings(background_threads=0)


def test_a_killed_child_leaves_no_zombie(tmp_path: Path) -> None:
    children = Children()
    process = children.start(_python_step("sleepy", "import time; time.sleep(60)"), tmp_path)
    children.stop(timeout=5)
    assert process.poll() is not None
    with pytest.raises(InterruptedError):
        children.start(_python_step("late", "pass"), tmp_path)
