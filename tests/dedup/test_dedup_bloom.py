"""The Bloom index (datasketch MinHashLSHBloom) for very large runs: `dedup_records`, `newsclean dedup`,
`newsclean clean --dedup` and the streaming `Deduplicator`, on the dedup tests' Chinese corpora.

What the Bloom index gives up is tested as well: it drops, unverified and in input order, every document
sharing a band with one kept before it -- exactly the documents the LSH index has a candidate for -- so the
weekly fund reports that only the figure check keeps apart are merged, and no copy is named.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from datasketch import LeanMinHash

pytest.importorskip("pybloomfilter")

from newsclean import minhash as mh  # noqa: E402
from newsclean.cli import main  # noqa: E402
from newsclean.dedup import (  # noqa: E402
    BLOOM_SEEN,
    DedupConfig,
    Deduplicator,
    BloomIndex as _BloomIndex,
    LSHIndex as _LSHIndex,
    band_keys,
    dedup_records,
)
from newsclean.run import RunConfig, run  # noqa: E402

from test_clean_dedup import dump  # noqa: E402
from test_dedup import FUND_WEEK_1, FUND_WEEK_2, METRO, METRO_OTHER_CITY, corpus  # noqa: E402

BLOOM = DedupConfig(index="bloom", expected_docs=1000)


def entries_json(result) -> list[dict]:
    return [e.to_json() for e in result.entries]


def lsh_candidate_drops(records: list[dict], config: DedupConfig = DedupConfig()) -> list[str]:
    """Ids the LSH index has a candidate for among the documents kept before them, in input order (what the
    Bloom index drops, Bloom false positives aside)."""
    sigs = mh.signatures([r["text"] for r in records], config.minhash)
    index = _LSHIndex(config)
    dropped = []
    for position, keys in enumerate(index.keys(sigs)):
        if index.candidates(keys):
            dropped.append(records[position]["id"])
        else:
            index.insert(position, keys)
    return dropped


def test_reposts_with_other_chrome_are_dropped_and_distinct_stories_kept():
    records, _ = corpus()
    result = dedup_records(records, BLOOM)
    kept = [e.id for e in result.entries if e.kept]
    # The first copy of each story in input order stays; the metro reposts (other chrome, edited, digits
    # dropped) go.  fund-week-2 goes too: only the figure check, which needs the candidate, keeps it apart.
    assert kept == ["metro-site-a", "metro-other-city", "fund-week-1"]
    assert [e.id for e in result.entries] == [r["id"] for r in records]
    assert result.records == records and result.suggestions == 0 and result.number_conflicts == 0


def test_the_same_documents_are_flagged_as_by_the_lsh_index():
    records, _ = corpus()
    bloom = dedup_records(records, BLOOM)
    assert [e.id for e in bloom.entries if not e.kept] == lsh_candidate_drops(records)
    # Against the verified LSH run: the figure-only sibling fund-week-2 is dropped only by Bloom (no figure
    # check), and the keep policy keeps metro-site-b (all its digits) where Bloom keeps the first copy.
    lsh = dedup_records(records)
    lsh_dropped = {e.id for e in lsh.entries if not e.kept}
    bloom_dropped = {e.id for e in bloom.entries if not e.kept}
    assert bloom_dropped - lsh_dropped == {"fund-week-2", "metro-site-b"}
    assert lsh_dropped - bloom_dropped == {"metro-site-a"}
    assert {e.duplicate_of for e in lsh.entries if not e.kept} == {"metro-site-b", "fund-week-1"}


def test_bands_and_keys_are_the_lsh_paths():
    index = _BloomIndex(BLOOM)
    assert (index.lsh.b, index.lsh.r) == BLOOM.bands_rows == DedupConfig().bands_rows
    sig = mh.signatures([METRO], BLOOM.minhash)
    assert index.keys(sig) == band_keys(sig, *BLOOM.bands_rows).tolist()
    # datasketch's own query/insert, fed a LeanMinHash of our signature, see the same filters.
    lean = LeanMinHash(seed=BLOOM.seed, hashvalues=sig[0], scheme="affine32")
    assert not index.lsh.query(lean)
    index.insert(index.keys(sig)[0])
    assert index.lsh.query(lean)
    other = mh.signatures([METRO_OTHER_CITY], BLOOM.minhash)[0]
    assert not index.lsh.query(LeanMinHash(seed=BLOOM.seed, hashvalues=other, scheme="affine32"))
    index.lsh.insert(LeanMinHash(seed=BLOOM.seed, hashvalues=other, scheme="affine32"))
    assert index.seen(index.keys(other[None, :])[0])


def test_clusters_lines_say_what_the_bloom_index_can_and_cannot_tell():
    records, _ = corpus()
    lines = entries_json(dedup_records(records, BLOOM))
    assert len(lines) == len(records)
    assert lines[0] == {"id": "metro-site-a", "cluster": "metro-site-a", "kept": True, "duplicate_of": None,
                        "jaccard": None}
    assert lines[3] == {"id": "metro-site-b", "cluster": None, "kept": False, "duplicate_of": None, "jaccard": None,
                        "matched": "bloom"}
    # The LSH clusters lines are unchanged: no "matched" field, a number for jaccard.
    assert all("matched" not in line and line["jaccard"] is not None for line in entries_json(dedup_records(records)))


def test_blank_texts_are_kept_and_never_indexed():
    records = [{"id": "a", "text": ""}, {"id": "b", "text": " \n"}, {"id": "c", "text": METRO}, {"id": "d", "text": ""}]
    result = dedup_records(records, BLOOM)
    assert [e.kept for e in result.entries] == [True, True, True, True]


def test_the_result_does_not_depend_on_jobs_or_backend():
    records, _ = corpus()
    records = records * 3  # exact copies too
    first = entries_json(dedup_records(records, BLOOM))
    assert entries_json(dedup_records(records, DedupConfig(index="bloom", expected_docs=1000, jobs=2))) == first
    assert entries_json(dedup_records(records, DedupConfig(index="bloom", expected_docs=1000, backend="numpy"))) == first


def test_a_later_run_on_the_same_index_dir_sees_the_earlier_documents(tmp_path):
    records, _ = corpus()
    config = DedupConfig(index="bloom", expected_docs=1000, index_dir=str(tmp_path / "idx"))
    first = dedup_records(records[:3], config)
    assert all(e.kept for e in first.entries)
    second = dedup_records(records, config)
    assert not any(e.kept for e in second.entries[:3])  # seen in the first run
    assert [e.id for e in second.entries if e.kept] == []  # everything else is a copy of the first three
    assert len(Deduplicator.load(tmp_path / "idx")) == 3
    # Other settings are refused rather than mixed into the same filters.
    with pytest.raises(ValueError, match="other settings.*threshold"):
        dedup_records(records, DedupConfig(index="bloom", expected_docs=1000, threshold=0.8, index_dir=config.index_dir))


def test_an_index_over_its_expected_size_says_so():
    docs = [{"id": str(i), "text": f"第{i}号文件：" + "".join(chr(0x4E00 + (i * 37 + j * 11) % 2000) for j in range(80))}
            for i in range(12)]
    result = dedup_records(docs, DedupConfig(index="bloom", expected_docs=5))
    assert result.notes and "more than the 5 it was sized for" in result.notes[0]
    assert not dedup_records(docs[:5], DedupConfig(index="bloom", expected_docs=5)).notes


def test_config_checks_and_keeps_the_lsh_format():
    assert "index" not in DedupConfig().to_dict() and "expected_docs" not in DedupConfig().to_dict()
    assert DedupConfig.from_dict(BLOOM.to_dict()).to_dict() == BLOOM.to_dict()
    with pytest.raises(ValueError, match="expected_docs"):
        DedupConfig(index="bloom")
    with pytest.raises(ValueError, match="bloom_fp"):
        DedupConfig(index="bloom", expected_docs=10, bloom_fp=1.0)
    with pytest.raises(ValueError, match="exact"):
        DedupConfig(index="bloom", expected_docs=10, exact=True)
    with pytest.raises(ValueError, match="index must be"):
        DedupConfig(index="minhash")


# ---------------------------------------------------------------- streaming


def test_deduplicator_with_bloom_survives_a_restart(tmp_path):
    directory = tmp_path / "seen"
    config = DedupConfig(index="bloom", expected_docs=1000, index_dir=str(directory))
    seen = Deduplicator(config)
    assert seen.check("metro-plain", METRO) is None
    assert seen.check("fund-1", FUND_WEEK_1) is None
    match = seen.check("metro-edited", METRO.replace("开通当天", "运营首日"))
    assert match is BLOOM_SEEN and match.id is None and match.jaccard is None and match
    assert len(seen) == 2
    with pytest.raises(TypeError, match="no ids"):
        "metro-plain" in seen  # noqa: B015
    seen.save()
    # A "restart": a new object from the directory, both ways.
    for again in (Deduplicator.load(directory), Deduplicator(config)):
        assert type(again) is type(seen) and len(again) == 2
        assert again.is_duplicate("x", METRO) is BLOOM_SEEN
        assert again.is_duplicate("y", FUND_WEEK_2) is BLOOM_SEEN  # unverified: figures are not compared
        assert again.is_duplicate("z", METRO_OTHER_CITY) is None
    # What was added after the last save is not there after a restart (the save is the commit point).
    seen.add("other", METRO_OTHER_CITY)
    assert Deduplicator.load(directory).is_duplicate("z", METRO_OTHER_CITY) is None
    seen.save(directory)
    assert Deduplicator.load(directory).is_duplicate("z", METRO_OTHER_CITY) is BLOOM_SEEN
    assert len(list(directory.glob("filters-*"))) == 1  # the superseded filters are gone


def test_a_bloom_save_that_fails_midway_keeps_the_previous_index(tmp_path, monkeypatch):
    import newsclean.dedup.bloom as dedup_module

    seen = Deduplicator(DedupConfig(index="bloom", expected_docs=100))
    seen.add("a", METRO)
    seen.save(tmp_path)
    seen.add("b", METRO_OTHER_CITY)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(dedup_module.os, "replace", broken)
    with pytest.raises(OSError):
        seen.save(tmp_path)
    monkeypatch.undo()
    restarted = Deduplicator.load(tmp_path)
    assert len(restarted) == 1 and restarted.is_duplicate("q", METRO) and not restarted.is_duplicate("q", METRO_OTHER_CITY)
    assert len(list(tmp_path.glob("filters-*"))) == 1


def test_streaming_and_batch_agree(tmp_path):
    records, _ = corpus()
    seen = Deduplicator(BLOOM)
    streamed = [seen.check(r["id"], r["text"]) is None for r in records]
    assert streamed == [e.kept for e in dedup_records(records, BLOOM).entries]
    many = Deduplicator(BLOOM)
    many.add_many([r["id"] for r in records[:3]], [r["text"] for r in records[:3]])
    assert [bool(many.is_duplicate(r["id"], r["text"])) for r in records] == [True] * len(records)


def test_loading_a_folder_without_an_index_is_refused(tmp_path):
    with pytest.raises(ValueError, match="no newsclean Bloom index"):
        Deduplicator.load(tmp_path)
    with pytest.raises(ValueError, match="directory"):
        Deduplicator(BLOOM).save(None)


# ---------------------------------------------------------------- commands


def invoke(*args):
    return CliRunner().invoke(main, [str(a) for a in args])


def one_line_error(result, code: int) -> str:
    assert result.exit_code == code, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("newsclean: error: "), result.stderr
    return lines[0]


def write_corpus(tmp_path: Path) -> Path:
    records, _ = corpus()
    path = tmp_path / "corpus.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records) + "{broken\n", encoding="utf-8")
    return path


def test_dedup_command_with_bloom_writes_kept_clusters_and_balanced_books(tmp_path):
    src = write_corpus(tmp_path)
    result = invoke("dedup", src, "-o", tmp_path / "kept.jsonl", "--clusters", tmp_path / "cl.jsonl",
                    "--stats", tmp_path / "stats.json", "--index-type", "bloom", "--expected-docs", 100,
                    "--index-dir", tmp_path / "idx")
    assert result.exit_code == 0, result.output
    kept = [json.loads(x)["id"] for x in (tmp_path / "kept.jsonl").read_text(encoding="utf-8").splitlines()]
    assert kept == ["metro-site-a", "metro-other-city", "fund-week-1"]
    clusters = [json.loads(x) for x in (tmp_path / "cl.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(clusters) == 8 and sum(c.get("matched") == "bloom" for c in clusters) == 5
    stats = json.loads((tmp_path / "stats.json").read_text())
    assert (stats["records_in"], stats["written"], stats["duplicates"], stats["rejected"]) == (9, 3, 5, 1)
    assert stats["balanced"] and stats["dedup"]["seen_before"] == 5
    assert "seen before by the Bloom index" in result.stderr
    assert len(Deduplicator.load(tmp_path / "idx")) == 3


def test_dedup_command_gives_the_same_bytes_for_jobs_1_and_2(tmp_path):
    src = write_corpus(tmp_path)
    outputs = []
    for jobs in (1, 2):
        out, cl = tmp_path / f"kept-{jobs}.jsonl", tmp_path / f"cl-{jobs}.jsonl"
        result = invoke("dedup", src, "-o", out, "--clusters", cl, "--index-type", "bloom", "--expected-docs", 100,
                        "--bloom-fp", 1e-5, "--jobs", jobs)
        assert result.exit_code == 0, result.output
        outputs.append((out.read_bytes(), cl.read_bytes()))
    assert outputs[0] == outputs[1]


def test_clean_dedup_with_bloom_balances_the_books_for_any_jobs(tmp_path):
    src = dump(tmp_path)
    outputs = []
    for jobs in (1, 2):
        out, cl = tmp_path / f"out-{jobs}.jsonl", tmp_path / f"cl-{jobs}.jsonl"
        result = invoke("clean", src, "-o", out, "--dedup", "--clusters", cl, "--jobs", jobs, "--no-progress",
                        "--index-type", "bloom", "--expected-docs", 1000, "--stats", tmp_path / f"stats-{jobs}.json")
        assert result.exit_code == 0, result.output
        outputs.append((out.read_bytes(), cl.read_bytes()))
        stats = json.loads((tmp_path / f"stats-{jobs}.json").read_text())
        assert stats["balanced"] and (stats["records_in"], stats["rejected"]) == (8, 1)
        assert (stats["written"], stats["duplicates"]) == (3, 4)
    assert outputs[0] == outputs[1]
    kept = [json.loads(x)["id"] for x in outputs[0][0].decode().splitlines()]
    # The first bridge copy in input order stays (the keep policy would have chosen site-b/bridge), and the
    # rain report of the 13th goes as a copy of the 12th's: only the figure check tells them apart.
    assert kept == ["site-a/bridge", "site-a/other-bridge", "site-a/rain-12"]
    assert len(outputs[0][1].decode().splitlines()) == 7


def test_the_library_run_takes_the_bloom_config(tmp_path):
    stats = run(RunConfig(inputs=(str(dump(tmp_path)),), output=str(tmp_path / "out.jsonl"),
                          dedup=DedupConfig(index="bloom", expected_docs=100, index_dir=str(tmp_path / "idx"))))
    assert stats.balanced() and stats.duplicates == 4 and stats.dedup["seen_before"] == 4
    assert len(Deduplicator.load(tmp_path / "idx")) == 3


@pytest.mark.parametrize("command", ["dedup", "clean"])
def test_bloom_without_expected_docs_is_one_line_and_exit_2(tmp_path, command):
    src = write_corpus(tmp_path)
    extra = ["--dedup"] if command == "clean" else []
    line = one_line_error(invoke(command, src, "-o", tmp_path / "o.jsonl", *extra, "--index-type", "bloom"), 2)
    assert "--expected-docs" in line
    assert not (tmp_path / "o.jsonl").exists()


@pytest.mark.parametrize("args, words", [
    (["dedup", "--expected-docs", "10"], "only apply to --index-type bloom"),
    (["clean", "--index-type", "bloom", "--expected-docs", "10"], "need --dedup"),
    (["dedup", "--index-type", "bloom", "--expected-docs", "10", "--exact"], "--exact"),
    (["dedup", "--index-type", "bloom", "--expected-docs", "10", "--index", "x.npz"], "--index-dir"),
])
def test_bloom_option_mistakes_are_one_line_usage_errors(tmp_path, args, words):
    src = write_corpus(tmp_path)
    line = one_line_error(invoke(args[0], src, "-o", tmp_path / "o.jsonl", *args[1:]), 2)
    assert words in line


@pytest.mark.parametrize("command", ["dedup", "clean"])
def test_bloom_without_pybloomfiltermmap3_says_how_to_install_it(tmp_path, monkeypatch, command):
    monkeypatch.setitem(sys.modules, "pybloomfilter", None)  # import pybloomfilter now raises ImportError
    src = write_corpus(tmp_path)
    extra = ["--dedup"] if command == "clean" else []
    line = one_line_error(invoke(command, src, "-o", tmp_path / "o.jsonl", *extra, "--index-type", "bloom",
                                 "--expected-docs", 10), 1)
    assert "pip install 'newsclean[bloom]'" in line
    with pytest.raises(ImportError, match=r"newsclean\[bloom\]"):
        Deduplicator(BLOOM)


def test_importing_newsclean_does_not_load_the_bloom_dependencies():
    import subprocess

    code = ("import sys, newsclean, newsclean.cli, newsclean.dedup; "
            "print(any(m in sys.modules for m in ('pybloomfilter', 'datasketch', 'datasketch.lsh_bloom')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "False"


def killed_writing(monkeypatch, *args):
    """Invoke `args` with the dedup pass interrupted as it writes its kept lines (`dedup_files`, which `clean
    --dedup` and `dedup` share), and check that neither the output nor the Bloom filters are in place."""
    import newsclean.dedup.corpus as corpus

    def killed(*a, **k):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(corpus, "write_kept", killed)
        assert invoke(*args).exit_code != 0
    output, index_dir = Path(args[args.index("-o") + 1]), Path(args[args.index("--index-dir") + 1])
    assert not output.exists()
    assert not index_dir.exists() or len(Deduplicator.load(index_dir)) == 0


def test_a_run_killed_before_its_output_is_in_place_resumes_without_dropping_its_own_documents(tmp_path, monkeypatch):
    src = dump(tmp_path)
    args = ["clean", src, "-o", tmp_path / "out.jsonl", "--dedup", "--no-progress", "--index-type", "bloom",
            "--expected-docs", 1000, "--index-dir", tmp_path / "idx"]
    killed_writing(monkeypatch, *args)
    result = invoke(*args, "--resume")
    assert result.exit_code == 0, result.output
    kept = [json.loads(x)["id"] for x in (tmp_path / "out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert kept == ["site-a/bridge", "site-a/other-bridge", "site-a/rain-12"]
    assert len(Deduplicator.load(tmp_path / "idx")) == 3


def test_the_dedup_command_updates_the_index_dir_only_after_its_outputs(tmp_path, monkeypatch):
    src = write_corpus(tmp_path)
    args = ["dedup", src, "-o", tmp_path / "kept.jsonl", "--index-type", "bloom", "--expected-docs", 100,
            "--index-dir", tmp_path / "idx"]
    killed_writing(monkeypatch, *args)
    assert invoke(*args).exit_code == 0
    kept = [json.loads(x)["id"] for x in (tmp_path / "kept.jsonl").read_text(encoding="utf-8").splitlines()]
    assert kept == ["metro-site-a", "metro-other-city", "fund-week-1"]
