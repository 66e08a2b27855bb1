"""Decoding of text files whose encoding is not declared (UTF-8, GB18030/GBK, Big5, UTF-16)."""
from __future__ import annotations

from pathlib import Path

from indexer.errors import RecordError

_CANDIDATE_ENCODINGS = ["utf_8", "gb18030", "big5", "utf_16"]
_MAX_CHAOS = 0.2  # charset-normalizer's measure of mess in the decoded text (0 = clean)


def decode_bytes(data: bytes, name: str) -> str:
    """Decode ``data`` as UTF-8 or a Chinese legacy encoding; raise RecordError if none reads well."""
    if not data.strip():
        raise RecordError(f"{name} is empty")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    # Imported here: only files that are not UTF-8 pay for the detector.
    import charset_normalizer

    best = charset_normalizer.from_bytes(data, cp_isolation=_CANDIDATE_ENCODINGS).best()
    if best is None or best.chaos > _MAX_CHAOS:
        raise RecordError(
            f"{name} is not UTF-8, GB18030, Big5 or UTF-16 text (wrong encoding or a binary file); "
            "save it as UTF-8 and upload it again"
        )
    return str(best)


def read_text(path: Path) -> str:
    return decode_bytes(path.read_bytes(), path.name)
