"""Child process of ``upload_guard.parse_upload``: limits itself, reads one upload from stdin, prints JSON.

Run as ``python -m desk.security.upload_worker '{"file_name": ..., "kind": ..., "max_bytes": ...,
"memory_mb": ..., "seconds": ...}'``. The limits are set before the readers are imported, so the
parsing libraries themselves live under them.
"""
from __future__ import annotations

import json
import sys

from desk.security.limited_child import limit_this_process


def main(arguments: str) -> int:
    options = json.loads(arguments)
    limit_this_process(options)
    content = sys.stdin.buffer.read()
    try:
        from desk.knowledge_editing import KnowledgeInputError, read_upload

        try:
            records = read_upload(options["file_name"], content, options["kind"], int(options["max_bytes"]))
            answer = {"status": "ok", "records": [record.to_dict() for record in records]}
        except KnowledgeInputError as error:
            answer = {"status": "input", "message": str(error), "problems": error.problems}
    except MemoryError:
        answer = {"status": "memory"}
    sys.stdout.write(json.dumps(answer, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
