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
from rasa.shared.nlu.constants import ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from indexer.normalize import normalize_text


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
            message.set(ENTITIES, realign_entities(text, normalized, entities), add_to_output=False)
        message.set(TEXT, normalized)


def realign_entities(original: str, normalized: str, entities: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """Entities with start/end moved to the normalised entity text's position in ``normalized``."""
    moved = []
    search_from = 0
    for entity in sorted(entities, key=lambda e: e.get(ENTITY_ATTRIBUTE_START, 0)):
        start, end = entity.get(ENTITY_ATTRIBUTE_START), entity.get(ENTITY_ATTRIBUTE_END)
        if start is None or end is None:
            moved.append(entity)
            continue
        piece = normalize_text(original[start:end])
        position = normalized.find(piece, search_from) if piece else -1
        if position < 0:
            continue  # the entity text did not survive normalisation; better no label than a wrong one
        moved.append({**entity, ENTITY_ATTRIBUTE_START: position, ENTITY_ATTRIBUTE_END: position + len(piece)})
        search_from = position + len(piece)
    return moved
