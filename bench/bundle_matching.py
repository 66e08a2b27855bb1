"""When is a question asked about a bundle (一件事) as one thing? The cosine threshold per model.

A bundle answers before anything the index ranks when a question is this close to its name or one
of its variants (``indexer.search.bundle_match_threshold``). Too low and a question about one item
("股权出质注销登记在哪里办") or a matter the catalog lacks ("开网吧要办哪些证") gets a bundle at high
confidence; too high and paraphrases of a bundle question fall to the ordinary search. For each
threshold of a grid, over the served index (or the one DAOFU_INDEX_DIR/DAOFU_MODEL_DIR name):

- bench/data/bundle_questions.jsonl: team-written paraphrases of the bundles' questions (not their
  variants): share matched to their own bundle, count matched to another;
- bench/data/item_queries_dev.jsonl: questions about one item: count answered by a bundle (a step
  list instead of the item's card), and by one whose steps do not include that item;
- bench/data/out_of_catalog.jsonl: matters the catalog lacks: count answered by any bundle.

    .venv/bin/python -m bench.bundle_matching
"""
from __future__ import annotations

import argparse
from collections.abc import Sequence

from bench.out_of_catalog import DATA, read_jsonl
from indexer.records import Bundle
from indexer.search import SearchService, bundle_match_threshold
from indexer.settings import IndexerSettings

GRID = (0.65, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96)


def closest_bundles(service: SearchService, questions: Sequence[str]) -> list[tuple[str, float, frozenset[str]]]:
    """(bundle id, cosine, the bundle's step item ids) of each question's closest bundle."""
    found = []
    for question in questions:
        top = service.search(question, k=1, kind="bundle").hits[0]  # score: the cosine
        assert isinstance(top.record, Bundle)
        found.append((top.id, top.score, frozenset(step.item_id for step in top.record.steps)))
    return found


def main(argv: Sequence[str] | None = None) -> None:
    argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter).parse_args(argv)
    service = SearchService(IndexerSettings.from_env())
    paraphrases = read_jsonl(DATA / "bundle_questions.jsonl")
    items = read_jsonl(DATA / "item_queries_dev.jsonl")
    outside = read_jsonl(DATA / "out_of_catalog.jsonl")
    own = closest_bundles(service, [q["query"] for q in paraphrases])
    of_items = closest_bundles(service, [q["query"] for q in items])
    of_outside = closest_bundles(service, [q["query"] for q in outside])
    shipped = bundle_match_threshold(service.encoder.model_id)
    print(f"index version {service.version}, model {service.encoder.model_id.get('name')} "
          f"{service.encoder.model_id.get('variant', '')}; shipped threshold {shipped}")
    print(f"| threshold | paraphrases matched to their bundle ({len(paraphrases)}) | ... to another | "
          f"item questions answered by a bundle: any / one without that item ({len(items)}) | "
          f"out-of-catalog questions answered by a bundle ({len(outside)}) |")
    print("|---|---|---|---|---|")
    for threshold in sorted({*GRID, shipped}):
        right = sum(cosine >= threshold and bundle == q["bundle"] for (bundle, cosine, _), q in zip(own, paraphrases, strict=True))
        wrong = sum(cosine >= threshold and bundle != q["bundle"] for (bundle, cosine, _), q in zip(own, paraphrases, strict=True))
        item_any = sum(cosine >= threshold for _, cosine, _ in of_items)
        item_wrong = sum(cosine >= threshold and q["task_code"] not in steps
                         for (_, cosine, steps), q in zip(of_items, items, strict=True))
        outside_matched = sum(cosine >= threshold for _, cosine, _ in of_outside)
        mark = " (shipped)" if threshold == shipped else ""
        print(f"| {threshold}{mark} | {right / len(paraphrases):.2f} | {wrong} | {item_any} / {item_wrong} | {outside_matched} |")


if __name__ == "__main__":
    main()
