"""Benchmark of the matching engine at 100,000 experts (not part of CI).

    .venv/bin/python bench/bench_matching.py [--experts 100000] [--queries 300] [--no-postgres]

What it measures, all in one run on the same synthetic pool (mixed Chinese/English profiles generated from the
word lists below, deterministic):

1. Index build (matching.ranking.build_expert_matrix with 5,000 challenges as idf background + the term-major
   copy, as index.rebuild does minus the database read) in a child process: wall time and peak memory (ru_maxrss
   of the child, minus its size once the profiles were generated). Then the arrays are saved as index.save_base
   does and memory-mapped back.
2. Ranking one challenge, the engine path the site calls (matching.index.ExpertIndex.encode -> .rank):
   challenge text -> TF-IDF vector -> scores for every expert -> pseudo-relevance feedback (the 10 best experts'
   rows from the memory-mapped row-major copy; the expansion re-scores the first pass's best 200) -> top 10.
   It excludes the site's database work (rule filtering, reasons), which is per-candidate, not per-expert.
3. The bare operation over the same memory-mapped matrix and the same query vectors: one sparse matrix-vector
   product (scipy, q @ term-major matrix) + argpartition for the top 10.
4. PostgreSQL full-text search over the same profiles: a throwaway table in database "bench_m3" with a GIN-indexed
   tsvector of the same features (PostgreSQL has no Chinese parser, so the engine's tokens are stored
   space-separated under the 'simple' configuration) and ts_rank ... ORDER BY rank DESC LIMIT 10 per challenge.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

import django

django.setup()

from matching import ranking, text  # noqa: E402

# ---------------------------------------------------------------------------------------------- word lists

CHINESE_FIELDS = {
    "机器视觉": "工业相机 图像识别 缺陷检测 深度学习 目标检测 三维重建 光源设计 标定 点云 表面检测 字符识别 定位引导",
    "自动化": "PLC 伺服控制 运动控制 机器人 柔性制造 产线改造 夹具设计 传感器 自动包装 分拣 码垛 输送线",
    "新材料": "高分子材料 复合材料 涂层 陶瓷 纳米材料 热处理 力学性能 耐腐蚀 改性 薄膜 粉末冶金 表面处理",
    "生物医药": "药物制剂 缓释 中药提取 细胞培养 抗体 疫苗 发酵工艺 质量控制 药代动力学 制剂稳定性 纯化 检测方法",
    "新能源": "锂电池 正极材料 电解液 储能系统 电池管理 光伏 氢能 燃料电池 热管理 充放电 循环寿命 隔膜",
    "集成电路": "芯片设计 射频 低功耗 封装 版图 模拟电路 验证 FPGA 蓝牙 SoC 晶圆 测试",
    "汽车零部件": "轻量化 铝合金 压铸 焊接 拓扑优化 NVH 底盘 制动 模具 冲压 疲劳寿命 装配",
    "软件与数据": "大数据 云计算 数据库 推荐算法 知识图谱 自然语言处理 边缘计算 物联网 信息安全 微服务 区块链 数字孪生",
}
ENGLISH_FIELDS = {
    "vision": "machine vision defect detection camera calibration object detection point cloud segmentation inspection",
    "control": "motion control servo drives robot kinematics PLC programming conveyor automation gripper design",
    "materials": "polymer composites coating corrosion ceramics nanomaterials heat treatment fatigue thin films",
    "pharma": "drug formulation sustained release cell culture antibody vaccine fermentation purification assay",
    "energy": "lithium battery cathode electrolyte energy storage battery management photovoltaic hydrogen fuel cell",
    "chips": "chip design radio frequency low power packaging layout analog circuits verification FPGA bluetooth",
    "data": "big data cloud computing database recommender knowledge graph natural language processing edge computing",
}
CHINESE_TITLE = ["{a}{b}关键技术研究", "基于{a}的{b}方法", "{a}在{b}中的应用", "一种{a}{b}装置", "{a}与{b}优化设计",
                 "面向{a}的{b}系统开发", "{a}{b}工艺改进案例"]
ENGLISH_TITLE = ["{a} for {b}", "A {a} approach to {b}", "Improving {b} with {a}", "{a} and {b} in industrial lines",
                 "Low-cost {a} for small-batch {b}"]
CHINESE_BIO = "长期从事{a}和{b}方向的研究与工程应用，主持企业委托项目多项，擅长{c}。"
ENGLISH_BIO = "Works on {a} and {b}; led industry projects on {c}."


# Common CJK characters (the first 2,500 of the basic block are mostly in use) and English syllables, for the
# specific names every real profile has (a compound, a product, a place, a model number): they spread the
# vocabulary the way a real pool does, instead of 100,000 profiles sharing a few hundred words.
CJK_COMMON = [chr(code) for code in range(0x4E00, 0x4E00 + 2500)]
SYLLABLES = "ka ro mi ten sul var dex pho lin gra tor ium ex bi cy ne tra mo zen qua".split()


def specific_term(rng: random.Random, is_english: bool) -> str:
    if is_english:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))
    if rng.random() < 0.3:
        return rng.choice("ABCDEFGHJKMNPRSTXYZ") + rng.choice("ABCDEFGHJKMNPRSTXYZ") + str(rng.randint(1, 999))
    return "".join(rng.choice(CJK_COMMON) for _ in range(rng.randint(2, 4)))


def generate_profiles(n: int, seed: int = 7) -> list[ranking.ProfileText]:
    rng = random.Random(seed)
    chinese = {field: words.split() for field, words in CHINESE_FIELDS.items()}
    english = {field: [w for w in words.split()] for field, words in ENGLISH_FIELDS.items()}
    profiles = []
    for _ in range(n):
        is_english = rng.random() < 0.2
        pool = english if is_english else chinese
        main, side = rng.sample(sorted(pool), 2)
        words = pool[main] * 3 + pool[side] + [specific_term(rng, is_english) for _ in range(rng.randint(3, 10))]
        areas = ([main] if not is_english else []) + rng.sample(pool[main], rng.randint(2, 5))
        if is_english:
            areas = [" ".join(rng.sample(pool[main], 2)) for _ in range(rng.randint(2, 4))]
        achievements = []
        for _ in range(rng.randint(2, 14)):
            a, b = rng.sample(words, 2)
            title = rng.choice(ENGLISH_TITLE if is_english else CHINESE_TITLE).format(a=a, b=b)
            if rng.random() < 0.3:  # an abstract for some: realistic length spread
                filler = [rng.choice(words) for _ in range(rng.randint(10, 30))]
                title += "\n" + (" ".join(filler) if is_english else "，".join(filler) + "。")
            achievements.append(title)
        a, b, c = rng.sample(words, 3)
        bio = (ENGLISH_BIO if is_english else CHINESE_BIO).format(a=a, b=b, c=c)
        profiles.append(ranking.ProfileText(research_areas=areas, bio=bio if rng.random() < 0.8 else "",
                                            achievements=achievements))
    return profiles


def generate_challenges(n: int, seed: int = 11) -> list[ranking.ChallengeText]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        is_english = rng.random() < 0.2
        pool = ENGLISH_FIELDS if is_english else CHINESE_FIELDS
        field = rng.choice(sorted(pool))
        words = pool[field].split() + pool[rng.choice(sorted(pool))].split()[:4]
        a, b = rng.sample(words, 2)
        if is_english:
            title = f"Need help with {a} in our {b} line"
            description = f"Our plant has problems with {a}. " + " ".join(rng.sample(words, 8)) + "."
        else:
            title = f"{a}{b}难题求解"
            description = f"我司产线在{a}方面遇到困难，" + "，".join(rng.sample(words, 8)) + "，希望专家给出改进方案。"
        out.append(ranking.ChallengeText(title=title, keywords=rng.sample(words, 2), description=description))
    return out


# ---------------------------------------------------------------------------------------------- build (child process)


BACKGROUND_CHALLENGES = 5_000  # posted challenges whose text counts towards the idf, as in index.build_base


def _rss_kib() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _build_child(n: int, folder: str, queue) -> None:
    profiles = generate_profiles(n)
    background = [challenge.full_text for challenge in generate_challenges(BACKGROUND_CHALLENGES, seed=13)]
    baseline = _rss_kib()
    started = time.perf_counter()
    matrix = ranking.build_expert_matrix(profiles, background=background)  # posted challenges count in the idf
    inverted = matrix.term_major()
    built = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
    for part in ("data", "indices", "indptr"):
        np.save(Path(folder) / f"inverted.{part}.npy", getattr(inverted, part))
        np.save(Path(folder) / f"rows.{part}.npy", getattr(matrix.rows, part))
    import joblib

    joblib.dump(matrix.vocabulary, Path(folder) / "vocabulary.joblib")
    queue.put({"seconds": built, "peak_mib": (peak - baseline) / 1024, "peak_total_mib": peak / 1024,
               "profiles_mib": baseline / 1024, "shape": inverted.shape, "nnz": inverted.nnz,
               "achievements": sum(len(p.achievements) for p in profiles),
               "chars": sum(len(p.full_text) for p in profiles)})


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.array(values), q))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--postgres-url", default="postgresql://postgres@127.0.0.1:5432/bench_m3")
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="bench-matching-")
    context = get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_build_child, args=(args.experts, folder, queue))
    child.start()
    build = queue.get()
    child.join()
    print(f"pool: {args.experts} experts, {build['achievements']} achievements, {build['chars'] / args.experts:.0f} "
          f"characters per profile on average; {build['shape'][0]} features, {build['nnz']} weights "
          f"({build['nnz'] / args.experts:.0f} per expert)")
    print(f"build: {build['seconds']:.1f} s, peak memory {build['peak_mib']:.0f} MiB above the generated profiles "
          f"({build['profiles_mib']:.0f} MiB), {build['peak_total_mib']:.0f} MiB process peak")

    # Load as the site does: memory-mapped arrays, the same ExpertIndex class.
    import joblib
    from scipy import sparse

    from matching.index import ExpertIndex, PoolState

    arrays = [np.load(Path(folder) / f"inverted.{part}.npy", mmap_mode="r") for part in ("data", "indices", "indptr")]
    inverted = sparse.csr_matrix(tuple(arrays), shape=build["shape"], copy=False)
    arrays = [np.load(Path(folder) / f"rows.{part}.npy", mmap_mode="r") for part in ("data", "indices", "indptr")]
    rows = sparse.csr_matrix(tuple(arrays), shape=tuple(reversed(build["shape"])), copy=False)
    state = PoolState(args.experts, 0, 0, 0)
    engine = ExpertIndex(vocabulary=joblib.load(Path(folder) / "vocabulary.joblib"), inverted=inverted,
                         base_ids=np.arange(args.experts, dtype=np.int64), base_state=state, base_name="bench",
                         state=state, rows=rows)
    challenges = generate_challenges(args.queries)
    for challenge in challenges[:20]:  # warm the page cache and the jieba cache, as a running site would be
        engine.rank(engine.encode(challenge), 10)

    # Engine and bare operations are interleaved per query, so background load hits both alike.
    engine_ms, bare_ms, loop_ms, encode_ms = [], [], [], []
    vectors = []
    for challenge in challenges:
        started = time.perf_counter()
        query = engine.encode(challenge)
        encoded = time.perf_counter()
        engine.rank(query, 10)
        finished = time.perf_counter()
        engine_ms.append((finished - started) * 1000)
        encode_ms.append((encoded - started) * 1000)
        vectors.append(query)
        started = time.perf_counter()
        scores = (query @ inverted).toarray().ravel()
        np.argpartition(-scores, 9)[:10]
        bare_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        scores = ranking.score_vector(inverted, query)
        np.argpartition(-scores, 9)[:10]
        loop_ms.append((time.perf_counter() - started) * 1000)
    terms = [v.nnz for v in vectors]
    print(f"queries: {len(challenges)} challenges, {np.mean(terms):.0f} terms each on average")
    for name, values in (("engine (text -> top 10)", engine_ms), ("  of which encoding the text", encode_ms),
                         ("bare: scipy q @ matrix + argpartition", bare_ms),
                         ("bare: posting-list loop + argpartition", loop_ms)):
        print(f"{name:40s} p50 {percentile(values, 50):6.2f} ms   p95 {percentile(values, 95):6.2f} ms")
    print(f"engine / bare (scipy): p50 {percentile(engine_ms, 50) / percentile(bare_ms, 50):.2f}x, "
          f"p95 {percentile(engine_ms, 95) / percentile(bare_ms, 95):.2f}x")

    if not args.no_postgres:
        postgres(args, challenges)
    return 0


def postgres(args, challenges: list[ranking.ChallengeText]) -> None:
    import psycopg

    admin_url = args.postgres_url.rsplit("/", 1)[0] + "/postgres"
    name = args.postgres_url.rsplit("/", 1)[1]
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        with psycopg.connect(args.postgres_url, autocommit=True) as db:
            db.execute("CREATE TABLE profile (id integer PRIMARY KEY, body text, document tsvector)")
            started = time.perf_counter()
            with db.cursor().copy("COPY profile (id, body) FROM STDIN") as copy:
                for row, profile in enumerate(generate_profiles(args.experts)):
                    copy.write_row((row, " ".join(text.features(profile.full_text))))
            db.execute("UPDATE profile SET document = to_tsvector('simple', body)")
            db.execute("CREATE INDEX profile_document ON profile USING gin (document)")
            db.execute("ANALYZE profile")
            loaded = time.perf_counter() - started
            timings = []
            sql = ("SELECT id, ts_rank(document, query) AS rank FROM profile, to_tsquery('simple', %s) query "
                   "WHERE document @@ query ORDER BY rank DESC LIMIT 10")
            for challenge in challenges:
                terms = sorted({t for t in text.features(challenge.full_text) if t.isalnum()})
                query = " | ".join(terms) or "nothing"
                started = time.perf_counter()
                db.execute(sql, (query,)).fetchall()
                timings.append((time.perf_counter() - started) * 1000)
            print(f"PostgreSQL ts_rank (GIN, same features, OR of the challenge's terms), load+index "
                  f"{loaded:.0f} s: p50 {percentile(timings, 50):.1f} ms   p95 {percentile(timings, 95):.1f} ms")
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}"')


if __name__ == "__main__":
    raise SystemExit(main())
