"""Readers for the knowledge base: service-item catalogs and policy documents."""
from __future__ import annotations

from indexer.loaders.bundles import BUNDLE_SUFFIXES, BundleFormatError, load_bundle_file, parse_bundle
from indexer.loaders.catalog import CATALOG_SUFFIXES, load_catalog_file
from indexer.loaders.knowledge_base import LoadedKnowledge, load_bundles, load_knowledge_base
from indexer.loaders.policies import POLICY_SUFFIXES, load_policy_file
from indexer.loaders.report import LoadProblem, LoadReport

__all__ = [
    "BUNDLE_SUFFIXES",
    "CATALOG_SUFFIXES",
    "POLICY_SUFFIXES",
    "BundleFormatError",
    "LoadProblem",
    "LoadReport",
    "LoadedKnowledge",
    "load_bundle_file",
    "load_bundles",
    "load_catalog_file",
    "load_knowledge_base",
    "load_policy_file",
    "parse_bundle",
]
