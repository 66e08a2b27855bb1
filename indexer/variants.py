"""Which variant of a procedure a question and an item are about: a first application, a renewal, a
change, a cancellation, a replacement, a look-up, a resumption.

Many catalog entries differ only in that (水域滩涂养殖证的审核（新申请）/（延期）/（变更）,
对股权出质设立登记 / 注销登记), and dense embeddings barely tell them apart. Agreement between the
question's cues and the item name's cues is one more search feature.
"""
from __future__ import annotations

import re

import numpy as np

# variant -> (cues in item names, cues in questions)
VARIANT_CUES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "first": (
        ("新申请", "首次", "初次", "初始", "新办", "新增", "设立", "新建", "核发", "授予", "报装", "开具"),
        ("第一次", "首次", "初次", "初始", "新开", "新建", "新办", "新设", "新成立", "刚成立", "刚拿到", "成立",
         "开办", "开设", "开个", "开一家", "注册一家", "新申请", "拿证", "办证", "申领", "要装", "新装", "新增"),
    ),
    "renew": (
        ("延期", "延续", "续期", "换发", "续展", "延长", "再注册", "重新注册"),
        ("到期", "快到期", "过期", "期满", "续期", "延期", "延续", "续一下", "续办", "延长", "换证", "换发", "续展"),
    ),
    "change": (
        ("变更", "更正", "更名", "改类", "移表", "转移", "迁移"),
        ("变更", "更改", "改名", "换名", "更名", "改一下", "变动", "迁址", "搬迁", "换地址", "改地址", "转到", "跳槽",
         "换单位", "换公司", "调整", "转移"),
    ),
    "cancel": (
        ("注销", "撤销", "取消", "终止", "解除", "销户", "退出", "停业"),
        ("注销", "撤销", "取消", "不干了", "不做了", "关门", "倒闭", "解押", "解除", "销户", "终止", "停业", "暂停营业",
         "停了", "不开了", "退出"),
    ),
    "replace": (
        ("补发", "补领", "补办", "遗失", "补换", "损毁"),
        ("丢了", "丢失", "遗失", "弄丢", "掉了", "找不到", "补办", "补领", "补发", "坏了", "损坏"),
    ),
    "lookup": (
        ("查询", "进度", "公示", "名录", "名单", "下载", "列表", "宣传", "推广"),
        ("查询", "查一下", "查下", "查查", "在哪查", "能查", "怎么查", "咋查", "进度", "名单", "名录", "有没有资质",
         "是否正规", "是不是正规", "下载"),
    ),
    "resume": (
        ("恢复", "复业", "复工"),
        ("恢复", "复业", "重新开业", "又要开", "重新营业", "复工"),
    ),
}
# Words that ask to obtain or carry out something ("申请/办/新办"). A question that says one and
# names no variant wants the procedure itself: a first application rather than a look-up service
# (我们公司想申请取水许可 -> 新增取水许可, not 取水许可证查询).
APPLY_CUES = ("申请", "申办", "申领", "新办", "办理", "怎么办", "要办", "想办", "去办", "办个", "办一", "哪办", "哪里办",
              "办下来", "拿到", "取得", "领取")
# Words of a question about a procedure: the apply cues and the ways people name the paperwork.
PROCEDURE_CUES = (*APPLY_CUES, "手续", "审批", "办证", "什么证", "哪些证", "办啥", "怎么弄", "备案", "开户",
                  "去哪里申请", "许可", "什么资质", "哪些资质", "什么条件", "哪些条件",
                  "报批", "要批", "谁批", "批吗", "批不", "批下来", "注册")
# ... unless it says it wants to read about it (its progress, who holds a licence, the policy).
READING_CUES = ("看看", "办到哪", "哪一步", "进展", "政策")
# Words of a question about a support policy (a policy document may well answer "how do I apply").
POLICY_CUES = ("政策", "减免", "免征", "减征", "减半", "补贴", "补助", "缓缴", "延期缴纳", "优惠", "返还", "扶持",
               "奖励", "贴息", "退税", "疫情", "贷款", "续贷", "利率", "融资", "房租", "租金", "稳岗", "特事特办",
               "绿色通道")
# The policy corpus is local notices: a question they answer names a fee, the work stoppage, or a place.
POLICY_CONTEXT_CUES = (*POLICY_CUES, "费", "停工", "复工", "复产")
# A look-up service is the clearer contradiction: at -1 the dense score of 取水许可证查询 (it
# shares 取水许可证 with the question) still outweighed it; -2 fixes that and changed none of the
# dev or typo tune-half questions (measured with the base e5 model, 2026-12-02).
APPLY_AGREEMENT = {"first": 1.0, "lookup": -2.0}
INFORMATION_NAME_ENDINGS = ("公开", "公布")
# Specialist services the catalog has dozens of, named after the thing they concern (办理专利权委托公证指引,
# 保全网页公证指引): they match many questions word for word, yet answer only a question that asks
# for the service itself. Item-name word -> the words a question names it by (公正: the everyday
# homophone slip).
SPECIALIST_SERVICES: dict[str, tuple[str, ...]] = {"公证": ("公证", "公正"),
                                                   # 64 exams (报名, 成绩查询 …): 申请专利找代理机构 is no question for 专利代理师资格考试
                                                   "考试": ("考", "报名", "成绩", "准考证")}
# Items for a restricted kind of applicant (外商投资有限责任公司设立登记, 港澳医师内地医师资格认定 …):
# every dev question about one names that kind of applicant (外资, 香港, 老外, 德国工程师 …), so a
# question that names none (新开的公司要去哪里领营业执照) is not theirs to assert.
FOREIGN_APPLICANT_NAME_WORDS = ("外商", "外资", "外国", "外籍", "境外", "华侨", "中外", "香港", "澳门", "港澳", "台湾")
FOREIGN_APPLICANT_CUES = ("外", "港", "澳", "台", "侨", "境", "国际", "洋", "NGO", "美国", "英国", "德国", "法国",
                          "日本", "韩国", "新加坡", "马来西亚", "泰国", "越南", "俄罗斯", "澳大利亚", "加拿大")
# Catch-all items (其他出口退（免）税备案, 其它企业资质信息查询): what is left after the catalog's named
# variants (出口退（免）税企业备案信息报告, 设计企业资质信息查询 …). A question that does not say 其他
# means one of those, so the remainder is offered among candidates, never asserted.
REMAINDER_PREFIXES = ("其他", "其它")
# 粤港澳大湾区 is a region, not an applicant.
_REGION_NAMES = ("粤港澳",)
_PARENTHESES = re.compile(r"[(（]([^()（）]*)[)）]")


def item_variants(name: str) -> frozenset[str]:
    found = set()
    for variant, (name_cues, _) in VARIANT_CUES.items():
        if any(cue in name for cue in name_cues):
            found.add(variant)
    # "…查询" items are look-ups even when their name also says 许可 or 登记, and so are "…信息"
    # items (食品相关产品生产许可证信息: a list to read, not the licence).
    if name.endswith(("查询", "信息")):
        found = {"lookup"}
    return frozenset(found)


def asks_for_procedure(query: str) -> bool:
    """Whether a question asks how to obtain or carry out something (办证, 审批, 备案 …) rather than to
    look something up."""
    if query.startswith("查") or any(cue in query for cue in READING_CUES):
        return False
    return any(cue in query for cue in PROCEDURE_CUES) and "lookup" not in query_variants(query)


def serves_information(name: str) -> bool:
    """Whether a catalog item only informs (a look-up, a list, publicity, disclosure) rather than
    carries out a procedure: such an item is never a confident answer to a procedure question."""
    # Disclosure (…信息公开, …结果公布) is not a look-up variant for the variant feature: "怎么申请
    # 政府信息公开" wants that very item, and the look-up cue would score it down.
    return "lookup" in item_variants(name) or name.endswith(INFORMATION_NAME_ENDINGS)


def asks_for_the_service_of(query: str, name: str) -> bool:
    """False when an item is a specialist service (SPECIALIST_SERVICES) the question does not name, an
    item for foreign, Hong Kong, Macao or Taiwan applicants asked about without naming any, or a
    catch-all (REMAINDER_PREFIXES) asked about without saying 其他."""
    if name.startswith(REMAINDER_PREFIXES) and not any(word in query for word in REMAINDER_PREFIXES):
        return False
    if not all(any(word in query for word in asked_by) for service, asked_by in SPECIALIST_SERVICES.items()
               if service in name):
        return False
    applicant_name = name
    for region in _REGION_NAMES:
        applicant_name = applicant_name.replace(region, "")
    if any(word in applicant_name for word in FOREIGN_APPLICANT_NAME_WORDS):
        return any(cue in query.upper() for cue in FOREIGN_APPLICANT_CUES)
    return True


def asks_about_policy(query: str) -> bool:
    """Whether a question gives a policy document a reason to be its answer: a policy word, a fee, or
    a place (北京, 海陵区 …: the policy corpus is regional notices)."""
    return any(cue in query for cue in POLICY_CONTEXT_CUES) or names_a_place(query)


def names_a_place(query: str) -> bool:
    from indexer.tokenize import get_jieba

    get_jieba()
    import jieba.posseg  # after the shared initialisation

    return any(flag.startswith("ns") for _, flag in jieba.posseg.lcut(query))


def query_variants(query: str) -> frozenset[str]:
    return frozenset(variant for variant, (_, cues) in VARIANT_CUES.items() if any(cue in query for cue in cues))


def wants_to_apply(query: str) -> bool:
    return any(cue in query for cue in APPLY_CUES)


def variant_agreement(query: str, variants_of_items: list[frozenset[str]]) -> np.ndarray:
    """+1 where an item's variant matches one the question asks for, -1 where the item is a different
    variant than asked, 0 where the question or the item names no variant. A question that only
    says it wants to apply (APPLY_CUES) scores first applications +1 and look-ups -2, and leaves
    renewals, changes and the like at 0 (it may mean any of them)."""
    asked = query_variants(query)
    scores = np.zeros(len(variants_of_items), dtype=np.float32)
    if not asked:
        if wants_to_apply(query):
            for row, variants in enumerate(variants_of_items):
                scores[row] = max((APPLY_AGREEMENT.get(variant, 0.0) for variant in variants), default=0.0) \
                    if "lookup" not in variants else APPLY_AGREEMENT["lookup"]
        return scores
    for row, variants in enumerate(variants_of_items):
        if variants:
            scores[row] = 1.0 if variants & asked else -1.0
    return scores
