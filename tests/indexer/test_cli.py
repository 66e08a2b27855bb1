from __future__ import annotations

import argparse
import io
import json

import pytest

from indexer import cli
from indexer.search import SearchService


def test_empty_query_is_a_clear_cli_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["search", "   "]) == cli.EXIT_USAGE
    assert "the query is empty" in capsys.readouterr().err


def test_bad_k_is_rejected(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["search", "营业执照", "--k", "0"]) == cli.EXIT_USAGE
    assert "--k must be at least 1, got 0" in capsys.readouterr().err


def test_batch_prints_one_json_object_per_input_line_in_order(service: SearchService) -> None:
    queries = ["股权出质注销登记", "", "贷款贴息", "   ", "取水许可"]
    out = io.StringIO()
    args = argparse.Namespace(json=True, fields=False)
    cli._search_batch(service, {"k": 3, "kind": None, "department": None, "service_object": None},
                      io.StringIO("\n".join(queries) + "\n"), out, args)
    lines = out.getvalue().splitlines()
    assert len(lines) == len(queries)
    records = [json.loads(line) for line in lines]
    assert [r["query"] for r in records] == queries
    assert records[1]["hits"] == [] and records[1]["error"] == "empty query"
    first = records[0]["hits"][0]
    assert set(first) >= {"id", "kind", "title", "score", "snippet", "department"}
    item_names = {item.name for item in service.index().items}
    for record in records:
        for hit in record["hits"]:
            if hit["kind"] == "item":
                assert hit["title"] in item_names  # exactly the catalog name
            else:
                assert hit["id"] in {p.id for p in service.index().policies_in_order}
    assert isinstance(records[0]["confidence"], float)
