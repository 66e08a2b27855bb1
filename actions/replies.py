"""Fixed replies the actions send (the domain's responses cover the rule-driven ones)."""
from __future__ import annotations

from actions.formatting import CATALOG_SOURCE
from indexer.matters import HOTLINE, Referral

ASK_WHICH_SERVICE = "请问您想了解哪个事项？可以告诉我事项名称或者想办的事，比如“公司设立登记”或“发票真伪鉴定”。"
ANYTHING_ELSE = "好的。还有什么可以帮您？"
REPHRASE_OR_HUMAN = "好的。您可以换个说法继续问我，比如说明想办什么事、在哪个区。"


def referral_text(referral: Referral) -> str:
    """The honest answer to a matter the catalog lacks: who usually handles it, where, 12345, a person."""
    matter = referral.matter
    lines = [f"抱歉，我们的办事事项目录（{CATALOG_SOURCE}）里暂时没有“{referral.title}”的办事指南，"
             "没法直接告诉您材料和流程。",
             f"这类事项一般由{matter.department}办理" + (f"：{matter.where}。" if matter.where else "。")]
    if matter.catalog_department:
        lines.append(f"省级对口部门：{matter.catalog_department}。")
    lines.append(f"各地要求可能不同，建议拨打{HOTLINE}政务服务便民热线问清当地的具体要求；"
                 "也可以说“转人工”，由工作人员为您解答。")
    return "\n".join(lines)
