"""Custom Rasa NLU components: the shared text normaliser, placed before the tokenizer, jieba with
the knowledge base's user dictionary, and dense sentence features from the e5 embedding model.

Paths come from the settings (DAOFU_RASA_DICTIONARY_DIR, DAOFU_BASE_MODEL_DIR), not from config.yml,
so the bot reads what the indexer wrote. What a component's output depends on beyond its config
(the normaliser version, the dictionary's and the model's content) is in its ``fingerprint_addon``,
so Rasa's training cache never reuses a result computed from an older one.

Traditional, full-width and pinyin-annotated input (開飯店要辦什麼證, 辦(bàn)理) reaches the
tokenizer and DIET as plain simplified text, exactly as the search sees it (indexer.normalize).
Entity offsets of training examples are moved to where the entity text lands after normalising.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.nlu.tokenizers.jieba_tokenizer import JiebaTokenizer
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData
from rasa.utils.tensorflow.constants import RANKING_LENGTH

from bot import action_response_check
from indexer.normalize import NORMALIZER_VERSION, normalize_text, realign_spans

# Rasa imports this module when it loads the model: the moment to speed up its response check.
action_response_check.install()


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    """Rewrites the message text with ``indexer.normalize.normalize_text``."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> TextNormalizer:
        return cls()

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # Another normaliser version turns the same training text into different tokens.
        return f"normalizer-{NORMALIZER_VERSION}"

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            self._normalize(message)
        return messages

    @staticmethod
    def _normalize(message: Message) -> None:
        text: str | None = message.get(TEXT)
        if not text:
            return
        normalized = normalize_text(text)
        if normalized == text:
            return
        entities = message.get(ENTITIES) or []
        if entities:
            message.set(ENTITIES, realign_spans(text, normalized, entities), add_to_output=False)
        message.set(TEXT, normalized)


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class SentenceEmbeddingFeaturizer(DenseFeaturizer, GraphComponent):
    """Dense sentence features from the multilingual-e5 model the search uses (ONNX Runtime).

    Word and character counts alone let a classifier latch onto surface cues ("多少钱" -> a follow-up
    about fees, "怎么办" -> a service question) and call "健身房年卡多少钱" a follow-up with confidence
    1.0. The sentence embedding tells everyday questions from government ones: on our held-out split
    a logistic regression over it and character n-grams (MeaningIntentClassifier) reached macro-F1
    0.94 where DIET over counts alone reached 0.88. Only sentence-level features are added.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # model_dir: the converted base e5 model (``python -m indexer prepare-model --base-only``);
        # None: DAOFU_BASE_MODEL_DIR. quantized: run its 8-bit copy (README "Memory").
        return {**DenseFeaturizer.get_default_config(), "model_dir": None, "threads": 1, "quantized": False}

    def __init__(self, config: dict[str, Any], execution_context: ExecutionContext) -> None:
        super().__init__(execution_context.node_name, config)
        self._encoder: Any = None

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> SentenceEmbeddingFeaturizer:
        return cls(config, execution_context)

    @classmethod
    def validate_config(cls, config: dict[str, Any]) -> None:
        if int(config.get("threads") or 0) < 1:
            raise ValueError("SentenceEmbeddingFeaturizer: threads must be at least 1")

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        # The model's own fingerprint (daofu_model.json): another model, other features.
        from indexer.model_setup import model_info

        try:
            fingerprint = str(model_info(_model_dir(config)).get("fingerprint"))
        except Exception:  # no model yet: training will say so with the folder to prepare
            return None
        # The 8-bit network gives slightly other features than the full-precision one.
        return f"{fingerprint}:int8" if config.get("quantized") else fingerprint

    @property
    def encoder(self) -> Any:
        # Loaded on first use, once per process: Rasa imports components before it needs them.
        if self._encoder is None:
            from indexer.embedding import OnnxEncoder
            from indexer.model_setup import ONNX_FILE, QUANTIZED_ONNX_FILE

            self._encoder = OnnxEncoder(_model_dir(self._config), threads=int(self._config["threads"]),
                                        onnx_file=QUANTIZED_ONNX_FILE if self._config.get("quantized") else ONNX_FILE)
        return self._encoder

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self.process(training_data.training_examples)
        return training_data

    def process(self, messages: list[Message]) -> list[Message]:
        from indexer.embedding import encode_queries

        featurized = [message for message in messages if message.get(TEXT)]
        if not featurized:
            return messages
        vectors = encode_queries(self.encoder, [message.get(TEXT) for message in featurized])
        for message, vector in zip(featurized, vectors, strict=True):
            self.add_features_to_message(None, vector.reshape(1, -1), TEXT, message)
        return messages


def _project_path(value: str) -> Path:
    path = Path(value)
    return path if path.is_absolute() else Path(__file__).resolve().parent.parent / path


def _configured_or_setting(config: dict[str, Any], key: str, setting: str) -> Path:
    """The folder config.yml names for ``key`` (relative to the project), else the indexer setting."""
    if config.get(key):
        return _project_path(str(config[key]))
    from indexer.settings import IndexerSettings

    return Path(getattr(IndexerSettings.from_env(), setting))


def _model_dir(config: dict[str, Any]) -> Path:
    return _configured_or_setting(config, "model_dir", "base_model_dir")


def _dictionary_dir(config: dict[str, Any]) -> str:
    return str(_configured_or_setting(config, "dictionary_path", "rasa_dictionary_dir"))


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER], is_trainable=True)
class KnowledgeBaseJiebaTokenizer(JiebaTokenizer):
    """Rasa's JiebaTokenizer with the user dictionary `python -m indexer userdict` writes from the
    shipped knowledge base (item and department terms), found through the settings. Training copies
    the dictionary into the model, as JiebaTokenizer does, so a served model needs no file outside it."""

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> KnowledgeBaseJiebaTokenizer:
        return super().create({**config, "dictionary_path": _dictionary_dir(config)}, model_storage, resource,
                              execution_context)

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> KnowledgeBaseJiebaTokenizer:
        # Any non-empty path makes JiebaTokenizer read the copy inside the model.
        return super().load({**config, "dictionary_path": _dictionary_dir(config)}, model_storage, resource,
                            execution_context, **kwargs)

    @classmethod
    def fingerprint_addon(cls, config: dict[str, Any]) -> str | None:
        import hashlib

        digest = hashlib.sha256()
        for file in sorted(Path(_dictionary_dir(config)).glob("*")):
            if file.is_file():
                digest.update(file.name.encode() + b"\0" + file.read_bytes())
        return digest.hexdigest()[:16]


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=True)
class MeaningIntentClassifier(IntentClassifier, GraphComponent):
    """Intent = logistic regression over the e5 sentence embedding and character 1-3-gram TF-IDF.

    The entities come from CRFEntityExtractor. DIET's intent head, which this replaced, overfit
    surface cues on our small chit-chat intents (on the held-out split 0.88-0.89 macro-F1, with
    wrong answers at confidence 1.0), while this model reached 0.94 on the same split.
    """

    @staticmethod
    def get_default_config() -> dict[str, Any]:
        # featurizer: alias of the SentenceEmbeddingFeaturizer; c: inverse regularisation
        # (chosen on the held-out split: 10 and 50 both ~0.94, 1 gave 0.87).
        return {"featurizer": "e5_sentence", "c": 10.0, "embedding_weight": 3.0, RANKING_LENGTH: 10}

    def __init__(self, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
                 model: Any = None) -> None:
        self.config = {**self.get_default_config(), **config}
        self._model_storage = model_storage
        self._resource = resource
        self._model = model  # (TfidfVectorizer, LogisticRegression)

    @classmethod
    def create(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> MeaningIntentClassifier:
        return cls(config, model_storage, resource)

    def _features(self, messages: list[Message], vectorizer: Any) -> Any:
        from scipy.sparse import csr_matrix, hstack

        rows = []
        for message in messages:
            _, sentence = message.get_dense_features(TEXT, [self.config["featurizer"]])
            if sentence is None:
                raise ValueError(f"no sentence features from {self.config['featurizer']!r}: put "
                                 "bot.components.SentenceEmbeddingFeaturizer (with that alias) before this classifier")
            rows.append(sentence.features.reshape(-1))
        dense = csr_matrix(np.vstack(rows) * float(self.config["embedding_weight"]))
        return hstack([dense, vectorizer.transform([m.get(TEXT) for m in messages])]).tocsr()

    def train(self, training_data: TrainingData) -> Resource:
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        examples = [e for e in training_data.intent_examples if e.get(INTENT) and e.get(TEXT)]
        if not examples:
            return self._resource
        vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        vectorizer.fit([e.get(TEXT) for e in examples])
        classifier = LogisticRegression(C=float(self.config["c"]), max_iter=3000, class_weight="balanced",
                                        random_state=42)
        classifier.fit(self._features(examples, vectorizer), [e.get(INTENT) for e in examples])
        self._model = (vectorizer, classifier)
        import joblib

        with self._model_storage.write_to(self._resource) as folder:
            joblib.dump(self._model, folder / "meaning_intent.joblib")
        return self._resource

    @classmethod
    def load(cls, config: dict[str, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> MeaningIntentClassifier:
        import joblib

        try:
            with model_storage.read_from(resource) as folder:
                model = joblib.load(folder / "meaning_intent.joblib")
        except (ValueError, FileNotFoundError):
            model = None  # not trained (no intent examples): leaves any earlier intent in place
        return cls(config, model_storage, resource, model)

    def process(self, messages: list[Message]) -> list[Message]:
        if self._model is None:
            return messages
        vectorizer, classifier = self._model
        texts = [m for m in messages if m.get(TEXT)]
        if not texts:
            return messages
        probabilities = classifier.predict_proba(self._features(texts, vectorizer))
        for message, row in zip(texts, probabilities, strict=True):
            scored = sorted(zip(classifier.classes_, row, strict=True), key=lambda pair: -float(pair[1]))
            ranking = [{"name": str(name), "confidence": float(p)} for name, p in scored]
            message.set(INTENT, ranking[0], add_to_output=True)
            message.set(INTENT_RANKING_KEY, ranking[: int(self.config[RANKING_LENGTH])], add_to_output=True)
        return messages
