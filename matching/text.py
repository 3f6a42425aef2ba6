"""Text features for mixed Simplified Chinese / English technical text. Pure: strings in, tokens out.

Chinese has no spaces and technical vocabulary is open-ended (机器视觉, 柔性夹爪, 平方和优化), so CJK runs are
represented by overlapping character n-grams, which need no dictionary and still match compound terms part-wise.
Stop words (function words and generic research words) are cut out first and act as boundaries, so n-grams never
straddle "的" or "基于". Latin runs (YOLOv5, PLC, deep learning) become word tokens. jieba is used only for the
readable "matched terms" shown to users, never for the scores, so a dictionary miss cannot hide a match.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

import rjieba

# Character n-gram range for CJK runs (measured on CSL-ExpertMatch, see docs/MATCHING.md).
CJK_NGRAM_MIN = 1
CJK_NGRAM_MAX = 2
# Upper bound on characters considered per text: keeps pathological input (a pasted book) cheap.
MAX_CHARS = 20_000

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_RUN_RE = re.compile(rf"[{_CJK}]+|[a-z][a-z0-9]*(?:[+#]+)?|[0-9]+[a-z][a-z0-9]*")
_CJK_RE = re.compile(rf"[{_CJK}]")

ENGLISH_STOP_WORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having he
    her here hers him his how i if in into is it its itself just me more most my no nor not now of off on once only
    or other our ours out over own same she should so some such than that the their theirs them then there these
    they this those through to too under until up very was we were what when where which while who whom why will
    with would you your yours via based using use used new method methods approach study research analysis paper
    results result proposed propose show shows present presents provide provides technology system systems""".split()
)

# Function words and generic words of Chinese technical writing: they carry no topic.
CHINESE_STOP_WORDS = frozenset(
    """的 了 和 与 及 或 并 在 是 对 为 以 于 由 从 将 把 被 等 中 其 该 这 那 之 而 且 也 又 就 都 还 但 则 即
    所 一 一个 一种 一些 我们 本文 文章 通过 基于 采用 利用 使用 进行 研究 分析 方法 提出 结果 表明 显示 具有
    可以 能够 有效 问题 相关 主要 以及 其中 对于 关于 根据 针对 实现 得到 方面 影响 不同 情况 作用 过程 提高
    需要 要求 希望 目前 现有 存在 我们 我司 公司 企业 技术 如何 哪些 什么 是否 一定 较 更 很 最 个 项 次 种
    类 已 已经 正在 可 能 会 要 有 无 没有 不 非 上 下 内 外 后 前 时 年 月 日""".split()
)
STOP_WORDS = ENGLISH_STOP_WORDS | CHINESE_STOP_WORDS


def normalise(text: str | None) -> str:
    """NFKC (full-width letters, digits and punctuation to half-width), lower case, bounded length."""
    if not text:
        return ""
    return unicodedata.normalize("NFKC", str(text)[:MAX_CHARS]).lower()


@lru_cache(maxsize=65_536)
def _content_pieces(cjk_run: str) -> tuple[str, ...]:
    """A CJK run split at stop words (segmented by jieba), stop words dropped."""
    pieces: list[str] = []
    current = ""
    for word in rjieba.cut(cjk_run):
        if word in CHINESE_STOP_WORDS:
            if current:
                pieces.append(current)
            current = ""
        else:
            current += word
    if current:
        pieces.append(current)
    return tuple(pieces)


def _char_ngrams(piece: str, n_min: int, n_max: int) -> list[str]:
    grams: list[str] = []
    for n in range(n_min, min(n_max, len(piece)) + 1):
        grams += list(piece) if n == 1 else [piece[start:start + n] for start in range(len(piece) - n + 1)]
    return grams


# Small caches: enough for the runs that recur (research areas, stock phrases) without holding a corpus in memory.
@lru_cache(maxsize=16_384)
def _cjk_features(run: str, n_min: int, n_max: int) -> tuple[str, ...]:
    grams: list[str] = []
    for piece in _content_pieces(run):
        grams += _char_ngrams(piece, n_min, n_max)
    return tuple(grams)


@lru_cache(maxsize=65_536)
def _word_feature(run: str) -> str | None:
    if run in ENGLISH_STOP_WORDS or len(run) < 2:
        return None
    return _stem(run)


def features(text: str | None, *, n_min: int = CJK_NGRAM_MIN, n_max: int = CJK_NGRAM_MAX) -> list[str]:
    """The scoring features of a text, by script: CJK runs give character n-grams (between stop words), Latin runs
    give words (stop words removed, plurals folded). Deterministic; repeated runs are served from a cache."""
    tokens: list[str] = []
    for run in _RUN_RE.findall(normalise(text)):
        if _CJK_RE.match(run):
            tokens += _cjk_features(run, n_min, n_max)
        else:
            word = _word_feature(run)
            if word is not None:
                tokens.append(word)
    return tokens


def _stem(word: str) -> str:
    """A light English plural fold (controllers -> controller) so inflection does not split matches."""
    if len(word) > 4 and word.isalpha():
        if word.endswith("ies"):
            return word[:-3] + "y"
        if word.endswith("s") and not word.endswith("ss"):
            return word[:-1]
    return word


def terms(text: str | None) -> list[str]:
    """Readable words (jieba segmentation) for explanations: de-duplicated, stop words and single CJK chars dropped."""
    seen: dict[str, None] = {}
    for run in _RUN_RE.findall(normalise(text)):
        if _CJK_RE.match(run):
            for word in rjieba.cut(run):
                if len(word) >= 2 and word not in CHINESE_STOP_WORDS:
                    seen.setdefault(word, None)
        elif run not in ENGLISH_STOP_WORDS and len(run) > 1:
            seen.setdefault(run, None)
    return list(seen)


def key_terms(primary: str, secondary: str = "", *, limit: int = 12) -> dict[str, int]:
    """A problem's key words with a weight: 2 for the title and keywords, 1 for words only in the description."""
    weighted = dict.fromkeys(terms(primary), 2)
    for term in terms(secondary):
        if len(weighted) >= limit:
            break
        weighted.setdefault(term, 1)
    return dict(list(weighted.items())[:limit])


def covered_terms(wanted: Iterable[str], document: str) -> set[str]:
    """Which of the wanted words a document contains (as a segmented word or, for longer words, literally)."""
    document_terms = set(terms(document))
    document_text = normalise(document)
    return {term for term in wanted if term in document_terms or (len(term) >= 2 and term in document_text)}


def shared_terms(query: str, document: str, *, limit: int = 5) -> list[str]:
    """Words of `query` that also occur in `document`, in query order, longest evidence first among ties."""
    document_terms = set(terms(document))
    document_text = normalise(document)
    shared = [term for term in terms(query) if term in document_terms or (len(term) >= 2 and term in document_text)]
    return shared[:limit]


def matched_areas(areas: Iterable[str], query: str, *, coverage: float = 0.6) -> list[str]:
    """The research areas a text is about: named literally, or most of the area's bigrams/words present in it.

    "机器视觉" matches "基于视觉的机器检测" only through its pieces, so coverage of the area's own features is
    used rather than an exact substring alone.
    """
    query_text = normalise(query)
    query_features = set(features(query, n_min=2, n_max=2)) | set(features(query, n_min=1, n_max=1))
    matched: list[str] = []
    for area in areas:
        area_text = normalise(area).strip()
        if not area_text:
            continue
        if area_text in query_text:
            matched.append(area)
            continue
        area_features = set(features(area, n_min=2, n_max=2))
        if len(area_features) >= 2 and len(area_features & query_features) / len(area_features) >= coverage:
            matched.append(area)
    return matched
