"""Sentence embeddings with multilingual-e5-small: ONNX Runtime for serving and building, and the
same model through sentence-transformers for checks (parity, STS benchmark).

e5 was trained with "query: " and "passage: " prefixes; vectors are L2-normalised so inner product
in faiss is cosine similarity.
"""
from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from indexer.errors import ModelNotFoundError
from indexer.model_setup import ONNX_FILE, model_info

QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
MAX_TOKENS = 512


class Encoder(Protocol):
    dimension: int
    model_id: dict[str, Any]

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray: ...

    # Hashable (by identity is enough): the search service's query cache is keyed by the encoder.
    def __hash__(self) -> int: ...


class OnnxEncoder:
    """The prepared e5 model run by ONNX Runtime (pooling and normalisation are inside the graph)."""

    def __init__(self, model_dir: Path, threads: int = 0, max_tokens: int = MAX_TOKENS,
                 onnx_file: str = ONNX_FILE) -> None:
        """``onnx_file``: the network to run, ONNX_FILE or the 8-bit QUANTIZED_ONNX_FILE (whose
        vectors differ slightly: its identity says so, so no index built with the other accepts it)."""
        if max_tokens < 8:
            raise ValueError(f"max_tokens must be at least 8, got {max_tokens}")
        self.model_id = model_info(model_dir)
        if onnx_file != ONNX_FILE:
            if not (model_dir / onnx_file).exists():
                raise ModelNotFoundError(f"no {onnx_file} in {model_dir}; run `python -m indexer prepare-model "
                                         "--base-only` (or `make run`, which does it)")
            self.model_id = {**self.model_id, "onnx_file": onnx_file}
        self._onnx_file = onnx_file
        self.dimension = int(self.model_id["dimension"])
        from tokenizers import Tokenizer

        self._tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        # Padding is done here per length-sorted batch; a saved "pad to batch longest" setting
        # (sentence-transformers writes one) would pad every text and put pads in the mean.
        self._tokenizer.no_padding()
        self._tokenizer.enable_truncation(max_length=max_tokens)
        self._pad_id = self._tokenizer.token_to_id("<pad>") or 0
        self._model_dir, self._threads = model_dir, threads
        self._session_instance: Any = None
        self._session_lock = threading.Lock()
        self._lock = threading.Lock()  # the tokenizer's truncation state is not thread-safe

    @property
    def _session(self) -> Any:
        # Created on first use: a rebuild whose passages are all cached never runs the model.
        with self._session_lock:
            if self._session_instance is None:
                self._session_instance = self._new_session()
        return self._session_instance

    def _new_session(self) -> Any:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        if self._threads > 0:
            options.intra_op_num_threads = self._threads
            options.inter_op_num_threads = 1
        return onnxruntime.InferenceSession(
            str(self._model_dir / self._onnx_file), options, providers=["CPUExecutionProvider"])

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self._lock:
            encodings = self._tokenizer.encode_batch(list(texts))
        ids = [encoding.ids for encoding in encodings]
        # Sorting by length keeps padding (wasted work) small inside each batch.
        order = np.argsort([len(i) for i in ids], kind="stable")
        output = np.zeros((len(ids), self.dimension), dtype=np.float32)
        for start in range(0, len(order), batch_size):
            batch = order[start:start + batch_size]
            width = max(len(ids[i]) for i in batch)
            input_ids = np.full((len(batch), width), self._pad_id, dtype=np.int64)
            mask = np.zeros((len(batch), width), dtype=np.int64)
            for row, index in enumerate(batch):
                input_ids[row, :len(ids[index])] = ids[index]
                mask[row, :len(ids[index])] = 1
            (vectors,) = self._session.run(None, {"input_ids": input_ids, "attention_mask": mask})
            output[batch] = vectors
        return output


def encode_queries(encoder: Encoder, queries: Sequence[str]) -> np.ndarray:
    return encoder.encode([QUERY_PREFIX + q for q in queries])


def encode_passages(encoder: Encoder, passages: Sequence[str], batch_size: int = 32) -> np.ndarray:
    return encoder.encode([PASSAGE_PREFIX + p for p in passages], batch_size=batch_size)


class SentenceTransformerEncoder:
    """The same model through sentence-transformers (PyTorch); slower, used to check the ONNX graph."""

    def __init__(self, model_dir: Path) -> None:
        self.model_id = model_info(model_dir)
        self.dimension = int(self.model_id["dimension"])
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(model_dir), device="cpu")

    def encode(self, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
        vectors = self._model.encode(list(texts), batch_size=batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vectors, dtype=np.float32)
