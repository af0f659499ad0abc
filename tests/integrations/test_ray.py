"""The Ray engine on a local Ray cluster the tests start: the local engine's bytes, books and clusters.

One Ray session serves the whole module (starting one costs seconds), and so does one S3 server on
127.0.0.1 (moto's), started first so that the Ray workers inherit its endpoint and test credentials. The
development set (when ../shared is there) and a corpus of 20,000 documents written by `ray_corpus` are run
by both engines once each, and every check of them reads those runs.
"""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

ray = pytest.importorskip("ray")

# One xdist worker runs the whole module (`-n 2 --dist loadfile`): one Ray cluster and one S3 server, and the
# runs at scale computed once; it is collected first (the longest file), while the other worker runs the rest.
pytestmark = pytest.mark.collected_first

from newsclean import Pipeline  # noqa: E402
from newsclean.cli import main  # noqa: E402
from newsclean.dedup import DedupConfig  # noqa: E402
from newsclean.minhash import estimate_jaccard, signature  # noqa: E402
from newsclean.ray import clean_dataset, run_ray  # noqa: E402
from newsclean.run import RunConfig, RunError, RunStats, run  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
import ray_corpus  # noqa: E402


DEV_SET = Path(__file__).resolve().parents[3] / "shared" / "eval" / "dev" / "input.jsonl"


@pytest.fixture(scope="module")
def s3():
    """An S3 server on 127.0.0.1 and the environment that points pyarrow and boto3 at it; a boto3 client."""
    moto_server = pytest.importorskip("moto.server")
    boto3 = pytest.importorskip("boto3")
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    saved = {k: os.environ.get(k) for k in S3_ENV}
    os.environ.update({"AWS_ENDPOINT_URL": endpoint, "AWS_ACCESS_KEY_ID": "testing",
                       "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1",
                       "AWS_EC2_METADATA_DISABLED": "true"})
    try:
        yield boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1")
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        server.stop()


S3_ENV = ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION",
          "AWS_EC2_METADATA_DISABLED")


@pytest.fixture(scope="module")
def cluster(s3):
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


# ----------------------------------------------------------------------------- at scale: dev set, 20,000 documents

def _both_engines(folder: Path, source: Path) -> dict[str, RunStats]:
    """`clean --dedup --clusters --rejects --stats` of `source` by each engine into `folder`."""
    return {engine: (run_ray if engine == "ray" else run)(engines_config(folder, source, engine))
            for engine in ("local", "ray")}


@pytest.fixture(scope="module")
def dev_runs(tmp_path_factory, cluster):
    if not DEV_SET.exists():
        pytest.skip(f"{DEV_SET} is absent (../shared is not beside this checkout): the development set is not run")
    folder = tmp_path_factory.mktemp("dev")
    return folder, _both_engines(folder, DEV_SET)


@pytest.fixture(scope="module")
def scale_runs(tmp_path_factory, cluster):
    folder = tmp_path_factory.mktemp("scale")
    source = folder / "corpus.jsonl"
    ray_corpus.write_scale(source)
    return folder, _both_engines(folder, source)


def _assert_same_runs(folder: Path, stats: dict[str, RunStats]) -> None:
    for name in ("", "-rejects", "-clusters", "-stats"):
        suffix = ".json" if name == "-stats" else ".jsonl"
        assert (folder / f"ray{name}{suffix}").read_bytes() == (folder / f"local{name}{suffix}").read_bytes(), name
    assert stats["ray"].to_json() == stats["local"].to_json()


def _kept_ids(path: Path) -> list[str]:
    return sorted(json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines())


def test_the_development_set_on_ray_gives_the_local_engines_bytes_books_and_clusters(dev_runs):
    folder, stats = dev_runs
    _assert_same_runs(folder, stats)
    assert _kept_ids(folder / "ray.jsonl") == _kept_ids(folder / "local.jsonl")
    assert stats["ray"].duplicates > 0 and stats["ray"].written > 0  # the dev set has near-duplicates


def test_20000_documents_on_ray_give_the_local_engines_bytes_books_and_clusters(scale_runs):
    folder, stats = scale_runs
    _assert_same_runs(folder, stats)
    assert _kept_ids(folder / "ray.jsonl") == _kept_ids(folder / "local.jsonl")
    remote = stats["ray"]
    assert remote.records_in == 20_000 and remote.rejected == 4  # the four broken lines
    # The planted clusters are found: their copies are dropped, each pointing at a document of its cluster.
    clusters = [json.loads(line) for line in (folder / "ray-clusters.jsonl").read_text().splitlines()]
    dropped = [c for c in clusters if not c["kept"]]
    assert len(dropped) == remote.duplicates > 1000
    position = {c["id"]: n for n, c in enumerate(clusters)}
    # a copy sits within three lines of the document it was made from (either may be the one kept)
    assert all(0 < abs(position[c["id"]] - position[c["duplicate_of"]]) <= 3 for c in dropped)
    # The footers are learned as site chrome, and counted the same by both engines.
    learned = {engine: [note for note in run.notes if "site chrome learned" in note] for engine, run in stats.items()}
    assert len(learned["ray"]) == 1 and learned["ray"] == learned["local"]


# ----------------------------------------------------------------------------- cloud paths (S3 on 127.0.0.1)

def _upload(s3, bucket: str, key: str, path: Path) -> None:
    s3.put_object(Bucket=bucket, Key=key, Body=path.read_bytes())


def _download(s3, bucket: str, key: str) -> bytes:
    return s3.get_object(Bucket=bucket, Key=key)["Body"].read()


def test_the_command_with_engine_ray_reads_and_writes_s3_like_the_local_engine_writes_files(tmp_path, s3, cluster):
    source = tmp_path / "corpus.jsonl"
    ray_corpus.write(source, fillers=4)
    s3.create_bucket(Bucket="crawl")
    _upload(s3, "crawl", "dump/2026/corpus.jsonl", source)
    _upload(s3, "crawl", "dump/2026/.partial", source)  # hidden: skipped, as in a local folder
    local = ["--rejects", str(tmp_path / "rejects.jsonl"), "--stats", str(tmp_path / "stats.json"), "--dedup",
             "--clusters", str(tmp_path / "clusters.jsonl")]
    here = CliRunner().invoke(main, ["clean", str(source), "-o", str(tmp_path / "out.jsonl.gz"), *local])
    assert here.exit_code == 0, here.output
    cloud = ["--rejects", "s3://crawl/clean/rejects.jsonl", "--stats", "s3://crawl/clean/stats.json", "--dedup",
             "--clusters", "s3://crawl/clean/clusters.jsonl"]
    result = CliRunner().invoke(main, ["clean", "s3://crawl/dump/", "-o", "s3://crawl/clean/out.jsonl.gz", *cloud,
                                       "--engine", "ray"])
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines()[0] == here.stderr.splitlines()[0] == \
        "records in 16: written 11, duplicates 3, rejected 2"
    assert _download(s3, "crawl", "clean/out.jsonl.gz") == (tmp_path / "out.jsonl.gz").read_bytes()
    assert _download(s3, "crawl", "clean/clusters.jsonl") == (tmp_path / "clusters.jsonl").read_bytes()
    assert json.loads(_download(s3, "crawl", "clean/stats.json")) == json.loads((tmp_path / "stats.json").read_text())
    # The rejects are the same units with the same reasons; each names where it was read.
    remote = [json.loads(line) for line in _download(s3, "crawl", "clean/rejects.jsonl").splitlines()]
    here = [json.loads(line) for line in (tmp_path / "rejects.jsonl").read_text().splitlines()]
    assert [r["source"].replace("s3://crawl/dump/2026/", "") for r in remote] == \
        [r["source"].replace(str(tmp_path) + "/", "") for r in here] == ["corpus.jsonl:6", "corpus.jsonl:10"]
    assert [{k: v for k, v in r.items() if k != "source"} for r in remote] == \
        [{k: v for k, v in r.items() if k != "source"} for r in here]


def test_parquet_on_s3_in_and_out_with_engine_ray(tmp_path, s3, cluster):
    source = tmp_path / "corpus.jsonl"
    ray_corpus.write(source, fillers=2)
    s3.create_bucket(Bucket="lake")
    result = CliRunner().invoke(main, ["clean", str(source), "-o", str(tmp_path / "local.parquet")])
    assert result.exit_code == 0, result.output
    _upload(s3, "lake", "in/part-0.parquet", tmp_path / "local.parquet")  # a parquet input: the cleaned rows
    for target, where in (("s3://lake/out/again.parquet", "ray"), (str(tmp_path / "again.parquet"), "local")):
        args = ["clean", "s3://lake/in/part-0.parquet" if where == "ray" else str(tmp_path / "local.parquet"),
                "-o", target] + (["--engine", "ray"] if where == "ray" else [])
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 0, result.output
    assert _download(s3, "lake", "out/again.parquet") == (tmp_path / "again.parquet").read_bytes()
    # 12 rows in, and the page of nothing but chrome, empty once cleaned, is now an empty-document reject
    assert pq.read_table(tmp_path / "again.parquet").num_rows == 11


@pytest.mark.parametrize("args,words", [
    (["s3://no-such-bucket/dump/", "-o", "s3://crawl/x.jsonl"], "s3://no-such-bucket/dump/: "),
    (["s3://crawl/dump/", "-o", "s3://no-such-bucket/clean/out.jsonl"], "s3://no-such-bucket/clean/out.jsonl: no such bucket"),
    (["s3://crawl/missing/", "-o", "s3://crawl/clean/x.jsonl"], "s3://crawl/missing/: no such file or folder"),
])
def test_a_missing_bucket_or_prefix_is_one_line_of_error_before_the_run(tmp_path, s3, cluster, args, words):
    source = tmp_path / "corpus.jsonl"
    ray_corpus.write(source, fillers=1)
    if "crawl" not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
        s3.create_bucket(Bucket="crawl")
    _upload(s3, "crawl", "dump/corpus.jsonl", source)
    result = CliRunner().invoke(main, ["clean", *args, "--engine", "ray"])
    assert result.exit_code == 1
    assert words in result.stderr and "Traceback" not in result.output and len(result.stderr.splitlines()) == 1
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.fixture
def s3_checks_credentials(s3):
    """The S3 server refusing every request whose access key it does not know (moto's own switch), for the
    one test; the test keys are unknown to it, so they are bad credentials."""
    import urllib.request

    def checking(count: str) -> None:
        request = urllib.request.Request(f"{os.environ['AWS_ENDPOINT_URL']}/moto-api/reset-auth", data=count.encode(),
                                         headers={"Content-Type": "text/plain"}, method="POST")
        urllib.request.urlopen(request).close()

    checking("0")
    try:
        yield
    finally:
        checking("inf")


@pytest.mark.parametrize("credentials", ["bad", "missing"])
def test_bad_or_missing_cloud_credentials_are_one_line_of_error(tmp_path, s3, cluster, s3_checks_credentials,
                                                                 monkeypatch, credentials):
    if credentials == "missing":  # nothing in the environment or in ~/.aws: the request goes unsigned
        for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
        monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    for args in (["s3://crawl/dump/", "-o", str(tmp_path / "out.jsonl")],
                 [str(tmp_path / "in.jsonl"), "-o", "s3://crawl/clean/out.jsonl"]):
        ray_corpus.write(tmp_path / "in.jsonl", fillers=1)
        result = CliRunner().invoke(main, ["clean", *args, "--engine", "ray"])
        assert result.exit_code == 1, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = result.stderr.splitlines()
        assert len(lines) == 1 and "Traceback" not in result.output, result.output
        uri = next(a for a in args if a.startswith("s3://"))
        assert lines[0].startswith(f"newsclean: error: {uri}: ") and "AWS Error" in lines[0], lines[0]
        # moto answers a request with an unknown key ACCESS_DENIED, an unsigned one with a bare HTTP 500
        assert credentials == "missing" or "ACCESS_DENIED" in lines[0], lines[0]
    assert not (tmp_path / "out.jsonl").exists()


def test_the_local_engine_refuses_cloud_paths_with_a_clear_error(tmp_path):
    source = tmp_path / "corpus.jsonl"
    ray_corpus.write(source, fillers=1)
    result = CliRunner().invoke(main, ["clean", str(source), "-o", "s3://crawl/clean/x.jsonl"])
    assert result.exit_code == 1 and "cloud paths need --engine ray" in result.stderr
