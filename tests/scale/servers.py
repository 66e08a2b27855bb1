"""Throwaway PostgreSQL and Redis servers for the tests marked ``scale``.

Each runs from the Debian packages (``make system-deps``) in its own temporary directory on its own
loopback port, as a child of the test process: stopped when the session ends, and (through the
parent-death signal) even when the test process itself is killed.
"""
from __future__ import annotations

import contextlib
import ctypes
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

_PR_SET_PDEATHSIG = 1
START_SECONDS = 30.0


class ServerUnavailable(RuntimeError):
    """A server binary is missing or the server did not come up; the message says what to do."""


@dataclass(frozen=True)
class PostgresServer:
    host: str
    port: int
    user: str
    # ``with server.stopped():`` the server is shut down ("fast") and started again on the same
    # data and port afterwards (the fault tests' outage).
    stopped: Callable[[], contextlib.AbstractContextManager[None]] = field(repr=False, compare=False, default=contextlib.nullcontext)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@{self.host}:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        """A new empty database on this server; its SQLAlchemy URL."""
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, user=self.user, dbname="postgres",
                             autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


@dataclass(frozen=True)
class RedisServer:
    host: str
    port: int
    # ``with server.stopped():`` the server is down, then started again on the same port.
    stopped: Callable[[], contextlib.AbstractContextManager[None]] = field(repr=False, compare=False, default=contextlib.nullcontext)

    def url(self, db: int = 0) -> str:
        return f"redis://{self.host}:{self.port}/{db}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _die_with_parent(sig: int) -> Callable[[], None]:
    def set_signal() -> None:
        # Runs in the child after any user switch (a credential change would clear it).
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, sig)
    return set_signal


def _postgres_bin(name: str) -> str:
    found = shutil.which(name) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)), None)
    if not found:
        raise ServerUnavailable(f"PostgreSQL's {name} was not found: run `make system-deps` (Debian package postgresql)")
    return found


def _stop(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)


def _wait_until(ready: Callable[[], bool], process: subprocess.Popen[bytes], what: str, log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise ServerUnavailable(f"{what} exited with {process.returncode}: {log.read_text(errors='replace')[-2000:]}")
        if ready():
            return
        time.sleep(0.1)
    raise ServerUnavailable(f"{what} did not accept connections within {START_SECONDS:.0f} s: "
                            f"{log.read_text(errors='replace')[-2000:]}")


@contextlib.contextmanager
def postgres_server() -> Iterator[PostgresServer]:
    """initdb in a temporary directory and run ``postgres`` on a free loopback port until exit."""
    initdb, postgres = _postgres_bin("initdb"), _postgres_bin("postgres")
    # PostgreSQL refuses to run as root: then the Debian package's own system user runs it.
    run_as = "postgres" if os.geteuid() == 0 else None
    directory = Path(tempfile.mkdtemp(prefix="daofu-pg-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        if run_as:
            account = pwd.getpwnam(run_as)
            os.chown(directory, account.pw_uid, account.pw_gid)
        data, log = directory / "data", directory / "server.log"
        subprocess.run([initdb, "-D", str(data), "-U", "daofu", "--auth=trust", "-E", "UTF8", "--locale=C",
                        "--no-sync"], user=run_as, check=True, capture_output=True, timeout=120)
        port = free_port()

        def launch() -> subprocess.Popen[bytes]:
            with log.open("ab") as output:
                # Durability is irrelevant to a throwaway server; fsync off keeps the tests quick.
                return subprocess.Popen(
                    [postgres, "-D", str(data), "-p", str(port), "-c", "listen_addresses=127.0.0.1",
                     "-c", f"unix_socket_directories={directory}", "-c", "fsync=off", "-c", "synchronous_commit=off",
                     "-c", "full_page_writes=off", "-c", "max_connections=200"],
                    user=run_as, stdout=output, stderr=subprocess.STDOUT,
                    preexec_fn=_die_with_parent(signal.SIGQUIT))

        def ready() -> bool:
            import psycopg
            try:
                psycopg.connect(host="127.0.0.1", port=port, user="daofu", dbname="postgres", connect_timeout=2).close()
            except psycopg.OperationalError:
                return False
            return True

        @contextlib.contextmanager
        def stopped() -> Iterator[None]:
            nonlocal process
            assert process is not None
            _stop(process, signal.SIGINT)
            try:
                yield
            finally:
                process = launch()
                _wait_until(ready, process, "postgres (restarted)", log)

        process = launch()
        server = PostgresServer("127.0.0.1", port, "daofu", stopped)
        _wait_until(ready, process, "postgres", log)
        yield server
    except subprocess.CalledProcessError as error:
        raise ServerUnavailable(f"initdb failed: {error.stderr.decode(errors='replace')[-2000:]}") from error
    finally:
        if process is not None:
            _stop(process, signal.SIGINT)  # SIGINT is PostgreSQL's "fast" shutdown
        shutil.rmtree(directory, ignore_errors=True)


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    """``redis-server`` without persistence on a free loopback port until exit."""
    binary = shutil.which("redis-server") or ("/usr/bin/redis-server" if Path("/usr/bin/redis-server").exists() else None)
    if not binary:
        raise ServerUnavailable("redis-server was not found: run `make system-deps` (Debian package redis-server)")
    directory = Path(tempfile.mkdtemp(prefix="daofu-redis-"))
    process: subprocess.Popen[bytes] | None = None
    try:
        port, log = free_port(), directory / "server.log"

        def launch() -> subprocess.Popen[bytes]:
            with log.open("ab") as output:
                return subprocess.Popen(
                    [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                     "--dir", str(directory), "--daemonize", "no"],
                    stdout=output, stderr=subprocess.STDOUT, preexec_fn=_die_with_parent(signal.SIGTERM))

        def ready() -> bool:
            import redis
            try:
                with redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=1) as client:
                    return bool(client.ping())
            except redis.RedisError:
                return False

        @contextlib.contextmanager
        def stopped() -> Iterator[None]:
            nonlocal process
            assert process is not None
            _stop(process, signal.SIGKILL)
            try:
                yield
            finally:
                process = launch()
                _wait_until(ready, process, "redis-server (restarted)", log)

        process = launch()
        server = RedisServer("127.0.0.1", port, stopped)
        _wait_until(ready, process, "redis-server", log)
        yield server
    finally:
        if process is not None:
            _stop(process, signal.SIGTERM)
        shutil.rmtree(directory, ignore_errors=True)
