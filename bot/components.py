"""Custom Rasa NLU component: the shared text normaliser, placed before the tokenizer.

Traditional, full-width and pinyin-annotated input (開飯店要辦什麼證, 辦(bàn)理) reaches the
tokenizer and DIET as plain simplified text, exactly as the search sees it (indexer.normalize).
Entity offsets of training examples are moved to where the entity text lands after normalising.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from indexer.normalize import normalize_text, realign_spans


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False)
class TextNormalizer(GraphComponent):
    """Rewrites the message text with ``indexer.normalize.normalize_text``."""

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "TextNormalizer":
        return cls()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for message in training_data.training_examples:
            self._normalize(message)
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            self._normalize(message)
        return messages

    @staticmethod
    def _normalize(message: Message) -> None:
        text: Optional[str] = message.get(TEXT)
        if not text:
            return
        normalized = normalize_text(text)
        if normalized == text:
            return
        entities = message.get(ENTITIES) or []
        if entities:
            message.set(ENTITIES, realign_spans(text, normalized, entities), add_to_output=False)
        message.set(TEXT, normalized)
