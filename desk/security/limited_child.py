"""Untrusted bytes (uploads) are parsed in a child process that limits itself: address space
(RLIMIT_AS) and CPU time (RLIMIT_CPU), set before the parsing libraries are imported. The parent
sends the bytes on stdin and reads one JSON answer with a ``status`` from stdout; a bomb costs the
child, never the desk. Used by knowledge uploads (upload_guard) and remote-help files
(desk/remote_help/files.py)."""
from __future__ import annotations

import asyncio
import json
import resource
import sys
from typing import Any

from daofu_core.paths import PROJECT_ROOT

# The interpreter's own start, beyond the CPU limit, before the wall clock gives up on a child.
START_SECONDS = 10


class ChildTimedOut(Exception):
    """The child ran past its time: CPU (killed by the kernel) or wall clock (killed here)."""


async def run_limited(module: str, options: dict[str, Any], content: bytes, seconds: int) -> dict[str, Any]:
    """Run ``python -m module OPTIONS_JSON`` with ``content`` on stdin; its JSON answer. Raises
    ChildTimedOut past ``seconds``, RuntimeError when the child failed without an answer."""
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, json.dumps({**options, "seconds": seconds}), cwd=str(PROJECT_ROOT),
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        # The CPU limit stops a busy child; the wall-clock limit one that waits.
        out, err = await asyncio.wait_for(child.communicate(content), timeout=seconds + START_SECONDS)
    except TimeoutError:
        child.kill()
        await child.wait()
        raise ChildTimedOut from None
    answer = _answer(out)
    if answer is None:
        if child.returncode and child.returncode < 0:  # killed by a signal: the CPU limit (SIGXCPU/SIGKILL)
            raise ChildTimedOut
        raise RuntimeError(f"{module} failed (exit {child.returncode}): {err.decode('utf-8', 'replace')[-2000:]}")
    return answer


def limit_this_process(options: dict[str, Any]) -> None:
    """In the child, first thing: the memory (``memory_mb``) and CPU (``seconds``) limits."""
    memory = int(options["memory_mb"]) * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
    seconds = int(options["seconds"])
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))


def _answer(out: bytes) -> dict[str, Any] | None:
    try:
        answer = json.loads(out.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return answer if isinstance(answer, dict) and "status" in answer else None
