"""Fixed replies the actions send (the domain's responses cover the rule-driven ones)."""
from __future__ import annotations

ASK_WHICH_SERVICE = "请问您想了解哪个事项？可以告诉我事项名称或者想办的事，比如“食品经营许可”或“公司注册”。"
ANYTHING_ELSE = "好的。还有什么可以帮您？"
REPHRASE_OR_HUMAN = "好的。您可以换个说法继续问我，比如说明想办什么事、在哪个区。"
