"""The Ray engine on a local Ray cluster the tests start: the local engine's bytes, books and clusters.

Kept few and small (a Ray Data shuffle costs seconds of scheduling however small the data): the dev set and
a 20,000-document corpus are checked by `python benchmarks/bench_ray.py --check` instead.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

ray = pytest.importorskip("ray")

from newsclean import Pipeline  # noqa: E402
from newsclean.cli import main  # noqa: E402
from newsclean.dedup import DedupConfig  # noqa: E402
from newsclean.minhash import estimate_jaccard, signature  # noqa: E402
from newsclean.ray import clean_dataset, run_ray  # noqa: E402
from newsclean.run import RunConfig, RunError, run  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ray_corpus  # noqa: E402


@pytest.fixture(scope="module")
def cluster():
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    ray.data.DataContext.get_current().enable_progress_bars = False
    yield
    ray.shutdown()


def engines_config(tmp_path: Path, source: Path, engine: str) -> RunConfig:
    return RunConfig(inputs=(str(source),), output=str(tmp_path / f"{engine}.jsonl"),
                     rejects=str(tmp_path / f"{engine}-rejects.jsonl"), stats=str(tmp_path / f"{engine}-stats.json"),
                     dedup=DedupConfig(), clusters=str(tmp_path / f"{engine}-clusters.jsonl"), jobs=2)


def test_dedup_on_ray_gives_the_local_engines_bytes_books_and_clusters(tmp_path, cluster):
    source = tmp_path / "corpus.jsonl"
    ray_corpus.write(source)
    local = run(engines_config(tmp_path, source, "local"))
    remote = run_ray(engines_config(tmp_path, source, "ray"))
    for name in ("", "-rejects", "-clusters", "-stats"):
        suffix = ".json" if name == "-stats" else ".jsonl"
        assert (tmp_path / f"ray{name}{suffix}").read_bytes() == (tmp_path / f"local{name}{suffix}").read_bytes(), name
    assert remote.to_json() == local.to_json()
    assert (remote.records_in, remote.written, remote.duplicates, remote.rejected) == (42, 37, 3, 2)
    assert remote.dedup == {"clusters_with_duplicates": 3, "suggestions": 1, "number_conflicts": 1}
    clusters = {r["id"]: r for r in map(json.loads, (tmp_path / "ray-clusters.jsonl").read_text().splitlines())}
    # The chain: B ~ C is a verified pair, yet C stays, because it is compared with the kept copies only
    # (connected components alone would have put all three in one cluster).
    texts = {json.loads(line)["id"]: json.loads(line)["text"] for line in (tmp_path / "local.jsonl").read_text().splitlines()}
    cleaned = {rid: Pipeline().clean(json.loads(line)["text"]).text for line in ray_corpus.lines()
               if line.startswith('{"id": "chain') for rid in [json.loads(line)["id"]]}
    assert estimate_jaccard(signature(cleaned["chain-b"]), signature(cleaned["chain-c"])) >= 0.6
    assert estimate_jaccard(signature(cleaned["chain-a"]), signature(cleaned["chain-c"])) < 0.6
    assert clusters["chain-b"]["duplicate_of"] == "chain-a" and clusters["chain-c"]["kept"]
    assert clusters["repost-b"]["duplicate_of"] == "repost-a" and clusters["weekly-1"]["kept"]
    assert "chain-b" not in texts and "chain-c" in texts and "all-chrome" in texts


def test_clean_dataset_cleans_any_ray_dataset(cluster):
    pages = [ray_corpus.lines()[1], ray_corpus.lines()[3]]
    rows = [{**json.loads(p), "tags": ["本地", "要闻"]} for p in pages] + [{"id": "empty", "text": "", "tags": []}]
    out = sorted(clean_dataset(ray.data.from_items(rows)).take_all(), key=lambda r: r["id"])
    by_id = {r["id"]: r for r in out}
    pipeline = Pipeline()
    for row in rows[:2]:
        expected = pipeline.clean(row["text"])
        assert by_id[row["id"]]["text"] == expected.text
        assert json.loads(by_id[row["id"]]["annotations"]) == expected.annotations
        assert json.loads(by_id[row["id"]]["removed"]) == expected.removed
    assert json.loads(by_id["empty"]["newsclean"]) == {"reject": "empty-document"}
    assert by_id[rows[0]["id"]]["tags"] == ["本地", "要闻"] and by_id["empty"]["tags"] == []  # other columns untouched


def test_the_command_with_engine_ray_writes_parquet_like_the_local_engine(tmp_path, cluster):
    source = tmp_path / "corpus.jsonl"
    ray_corpus.write(source, fillers=4)
    for engine in ("local", "ray"):
        result = CliRunner().invoke(main, ["clean", str(source), "-o", str(tmp_path / f"{engine}.parquet"),
                                           "--rejects", str(tmp_path / f"{engine}-rejects.jsonl"), "--engine", engine])
        assert result.exit_code == 0, result.output
        assert "records in 16: written 14, duplicates 0, rejected 2" in result.stderr
    assert pq.read_table(tmp_path / "ray.parquet").equals(pq.read_table(tmp_path / "local.parquet"))
    assert (tmp_path / "ray-rejects.jsonl").read_bytes() == (tmp_path / "local-rejects.jsonl").read_bytes()


@pytest.mark.parametrize("change,words", [
    ({"resume": True}, "--resume is not supported"),
    ({"output": "-"}, "not standard output"),
    ({"dedup": DedupConfig(index="bloom", expected_docs=10)}, "LSH index only"),
    ({"inputs": ("-",)}, "not standard input"),
])
def test_what_the_ray_engine_does_not_do_is_refused_before_it_starts(tmp_path, change, words):
    source = tmp_path / "corpus.jsonl"
    ray_corpus.write(source, fillers=1)
    config = RunConfig(**{"inputs": (str(source),), "output": str(tmp_path / "out.jsonl"), **change})
    with pytest.raises(RunError, match=words):
        run_ray(config)
    assert not (tmp_path / "out.jsonl").exists()
