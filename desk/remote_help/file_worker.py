"""Child process of ``files.clean_in_child``: limits itself, reads one upload from stdin, prints JSON.

Run as ``python -m desk.remote_help.file_worker '{"memory_mb": ..., "seconds": ...}'``. The limits are
set before Pillow and pypdf are imported, so the decoders themselves live under them.
"""
from __future__ import annotations

import base64
import json
import sys

from desk.security.limited_child import limit_this_process


def main(arguments: str) -> int:
    options = json.loads(arguments)
    limit_this_process(options)
    content = sys.stdin.buffer.read()
    answer: dict[str, object]
    try:
        from desk.remote_help.files import FileRefused, clean

        try:
            kept = clean(content)
            answer = {"status": "ok", "kind": kept.kind.value, "content": base64.b64encode(kept.content).decode("ascii"),
                      "pages": kept.pages, "width": kept.width, "height": kept.height}
        except FileRefused as error:
            answer = {"status": "refused", "message": str(error)}
    except MemoryError:
        answer = {"status": "memory"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
