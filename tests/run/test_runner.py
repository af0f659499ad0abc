"""Whole runs over a dirty dump: the books balance, the output is the same for any --jobs, an interrupted run
leaves no output and resumes to exactly the bytes of an uninterrupted one."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import zlib
from collections import Counter
from pathlib import Path

import pytest
import zstandard

from newsclean.io import InputError, ReadOptions
from newsclean.pipeline import Options, Pipeline
from newsclean.run import RunConfig, RunError, RunStats, Partial as _Partial, checkpoint_path, partial_path, run

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FARM = (SEEDS / "000_60035c6ea5fcc52a.txt").read_text(encoding="utf-8")
PAPER = (SEEDS / "003_cf3835190f9bf901.txt").read_text(encoding="utf-8")
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00\x1f\xf3\xffa"


def pages() -> list[str]:
    """News-page-sized pieces of the seeds: a few paragraphs each, with the site chrome of the originals."""
    out = []
    for seed in (FARM, PAPER):
        paras = seed.split("\n\n")
        out += ["\n\n".join(paras[i:i + 4]) for i in range(0, len(paras), 4)]
    return out


def line(rid: str, text: str, **fields) -> bytes:
    return json.dumps({"id": rid, "text": text, **fields}, ensure_ascii=False).encode() + b"\n"


def dirty_dump(root: Path) -> dict[str, int]:
    """A folder of what real dumps contain; returns the number of input units planted in each file."""
    d = root / "dump"
    (d / "more").mkdir(parents=True)
    texts = pages()
    planted: dict[str, int] = {}

    good = b"".join(line(f"g{i}", t, url=f"https://example.cn/{i}") for i, t in enumerate(texts * 3))
    (d / "a_good.jsonl").write_bytes(good)
    planted["a_good.jsonl"] = len(texts) * 3

    bad = [
        line("b0", texts[0]),
        b'{"id": "b1", "text": "\xe6\xb5\x8f\xe9\x98\xb3\xe7\xbb\x8f\n',  # cut off mid-record
        b'{"id": "b2", "body": "no text field"}\n',
        b'{"id": "b3", "text": 42}\n',
        b'{"id": "b4", "text": "   "}\n',
        b"\x00" * 64 + b"\n",
        line("b6", texts[1])[:30] + b"\x00\x00" + line("b6", texts[1])[30:],
        line("b7", texts[2]).decode().encode("gb18030"),
        b'{"id": "b8", "text": "\xff\xfe\xfd\xfc"}\n',
        b'{"id": "b9", "text": "\\u0000\\u0000\\ud800' + texts[3][:50].encode() + b'"}\n',
        b"\n\n",  # blank lines are not units
        line("b10", texts[4]),
    ]
    (d / "b_bad.jsonl").write_bytes(b"".join(bad))
    planted["b_bad.jsonl"] = 11

    many = b"".join(line(f"z{i}", t) for i, t in enumerate(texts * 8))
    packed = gzip.compress(many)
    (d / "c_cut.jsonl.gz").write_bytes(packed[: len(packed) // 2])
    whole_lines = zlib.decompressobj(wbits=31).decompress(packed[: len(packed) // 2]).count(b"\n")
    planted["c_cut.jsonl.gz"] = whole_lines + 1  # the records before the break, and the break

    (d / "d_corrupt.jsonl.zst").write_bytes(b"\x28\xb5\x2f\xfd" + os.urandom(200))
    planted["d_corrupt.jsonl.zst"] = 1

    (d / "more" / "e_gbk.txt").write_bytes(FARM.encode("gb18030"))
    (d / "more" / "f_photo.txt").write_bytes(PNG)
    (d / "more" / "g_photo.png").write_bytes(PNG)
    (d / "more" / "h_empty.txt").write_bytes(b"")
    (d / "more" / "i_paper.txt").write_text(PAPER, encoding="utf-8")
    planted.update({"e_gbk.txt": 1, "f_photo.txt": 1, "g_photo.png": 1, "h_empty.txt": 1, "i_paper.txt": 1})
    return planted


def config(tmp_path: Path, inputs=None, **kw) -> RunConfig:
    base = dict(inputs=tuple(inputs or [str(tmp_path / "dump")]), output=str(tmp_path / "out.jsonl"),
                rejects=str(tmp_path / "rejects.jsonl"), stats=str(tmp_path / "stats.json"))
    base.update(kw)
    return RunConfig(**base)


def read_lines(path) -> list[dict]:
    return [json.loads(x) for x in Path(path).read_text(encoding="utf-8").splitlines()]


# ----------------------------------------------------------------------------- accounting

def test_every_unit_of_a_dirty_dump_is_accounted_for(tmp_path):
    planted = dirty_dump(tmp_path)
    stats = run(config(tmp_path))
    out, rej = read_lines(tmp_path / "out.jsonl"), read_lines(tmp_path / "rejects.jsonl")
    saved = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))

    assert stats.records_in == sum(planted.values())
    assert stats.records_in == stats.written + stats.duplicates + stats.rejected
    assert saved["balanced"] is True and saved["records_in"] == stats.records_in
    assert len(out) == stats.written == saved["written"] and len(rej) == stats.rejected == saved["rejected"]
    assert saved["duplicates"] == 0
    assert Counter(r["reason"].split(":")[0] for r in rej) == Counter(saved["rejects_by_reason"]) == Counter({
        "broken-json": 1, "missing-field": 1, "bad-field": 1, "empty-document": 2, "nul-bytes": 2,
        "invalid-encoding": 1, "truncated-input": 1, "corrupt-input": 1, "binary-file": 1, "unknown-kind": 1,
    })
    # each reject carries its raw line and where it came from
    by_reason = {r["reason"].split(":")[0]: r for r in rej}
    assert by_reason["missing-field"]["raw"] == '{"id": "b2", "body": "no text field"}'
    assert by_reason["missing-field"]["source"].endswith("b_bad.jsonl:3")
    assert by_reason["binary-file"]["source"].endswith("f_photo.txt")
    assert by_reason["truncated-input"]["source"].endswith(f"c_cut.jsonl.gz:{planted['c_cut.jsonl.gz']}")
    # the per-rule books add up to the annotations and removals actually written
    flags = Counter(a["rule"] for o in out for a in o["annotations"])
    chrome = Counter(r["rule"] for o in out for r in o["removed"] if r["reason"] == "chrome")
    assert flags == Counter(saved["flags_by_rule"]) and sum(flags.values()) == saved["missing_number_flags"] > 0
    assert chrome == Counter(saved["chrome_by_rule"]) and sum(chrome.values()) == saved["chrome_lines_removed"] > 0
    # the GB18030 page says which encoding was used, in the record and in the books
    gbk = next(o for o in out if o["id"] == "e_gbk.txt")
    assert gbk["newsclean"]["input_encoding"] == "gb18030" and "浏阳经开区" in gbk["text"]
    assert saved["input_encodings"] == {"gb18030": 2, "utf-8": stats.written - 2}
    # the \u0000 escapes and the lone surrogate: kept, NULs dropped by normalisation, surrogate replaced
    b9 = next(o for o in out if o["id"] == "b9")
    assert "\x00" not in b9["text"] and b9["text"].startswith("\ufffd")
    summary = stats.summary()
    assert f"records in {stats.records_in}: written {stats.written}, duplicates 0, rejected {stats.rejected}" in summary
    assert "chrome by rule: " in summary and "flags by rule: " in summary and "truncated-input 1" in summary


def test_a_document_the_pipeline_fails_on_is_a_reject_and_the_run_goes_on(tmp_path, monkeypatch):
    real = Pipeline.clean

    def flaky(self, text, id=None, meta=None, **kwargs):
        if id == "g3":
            raise ValueError("overlapping edits at offset 7")
        return real(self, text, id=id, meta=meta, **kwargs)

    monkeypatch.setattr(Pipeline, "clean", flaky)
    (tmp_path / "in.jsonl").write_bytes(b"".join(line(f"g{i}", t) for i, t in enumerate(pages()[:6])))
    stats = run(config(tmp_path, [str(tmp_path / "in.jsonl")]))
    [rej] = read_lines(tmp_path / "rejects.jsonl")
    assert rej["reason"] == "internal-error: ValueError: overlapping edits at offset 7"
    assert rej["id"] == "g3" and rej["raw"] == pages()[3]
    assert stats.written == 5 and stats.rejected == 1 and stats.balanced()
    assert [o["id"] for o in read_lines(tmp_path / "out.jsonl")] == ["g0", "g1", "g2", "g4", "g5"]


def test_rejects_are_counted_even_without_a_rejects_file(tmp_path):
    dirty_dump(tmp_path)
    stats = run(config(tmp_path, rejects=None))
    assert stats.rejected == 12 and stats.balanced()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump", "out.jsonl", "stats.json"]


def test_standard_output(tmp_path, capsysbinary):
    (tmp_path / "in.jsonl").write_bytes(b"".join(line(f"g{i}", t) for i, t in enumerate(pages()[:3])))
    stats = run(config(tmp_path, [str(tmp_path / "in.jsonl")], output="-", rejects=None, stats=None))
    out = capsysbinary.readouterr().out.decode().splitlines()
    assert [json.loads(x)["id"] for x in out] == ["g0", "g1", "g2"] and stats.written == 3
    assert list(tmp_path.iterdir()) == [tmp_path / "in.jsonl"]


def test_output_inside_the_input_folder_is_not_read_back(tmp_path):
    d = tmp_path / "dump"
    d.mkdir()
    (d / "a.txt").write_text(FARM, encoding="utf-8")
    for _ in range(2):
        stats = run(RunConfig(inputs=(str(d),), output=str(d / "clean.jsonl"), stats=str(d / "stats.jsonl")))
        assert stats.records_in == 1


# ----------------------------------------------------------------------------- determinism

def test_jobs_2_writes_the_same_bytes_as_jobs_1(tmp_path):
    dirty_dump(tmp_path)
    results = {}
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}"
        out.mkdir()
        run(config(tmp_path, output=str(out / "o.jsonl"), rejects=str(out / "r.jsonl"), stats=str(out / "s.json"),
                   jobs=jobs, block_size=5))
        results[jobs] = [(out / n).read_bytes() for n in ("o.jsonl", "r.jsonl", "s.json")]
    assert results[1] == results[2]
    assert results[1][0].count(b"\n") > 100


def test_outputs_named_gz_or_zst_are_compressed_and_resume_to_the_same_bytes(tmp_path):
    dirty_dump(tmp_path)
    run(config(tmp_path))
    plain = (tmp_path / "out.jsonl").read_bytes(), (tmp_path / "rejects.jsonl").read_bytes()
    for suffix, unpack in ((".gz", gzip.decompress),
                           (".zst", lambda b: zstandard.ZstdDecompressor().decompressobj().decompress(b))):
        out, rej = tmp_path / f"out.jsonl{suffix}", tmp_path / f"rejects.jsonl{suffix}"
        packed = config(tmp_path, output=str(out), rejects=str(rej), block_size=8, checkpoint_units=20)
        run(packed)
        first = out.read_bytes()
        assert (unpack(first), unpack(rej.read_bytes())) == plain
        with pytest.raises(Stop):
            run(packed, on_progress=stop_after(50))
        assert not out.exists() or out.read_bytes() == first  # never a half-written archive
        run(packed._replace(resume=True))
        assert out.read_bytes() == first
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_two_runs_write_the_same_bytes(tmp_path):
    dirty_dump(tmp_path)
    first = run(config(tmp_path))
    before = (tmp_path / "out.jsonl").read_bytes(), (tmp_path / "rejects.jsonl").read_bytes()
    second = run(config(tmp_path))
    assert ((tmp_path / "out.jsonl").read_bytes(), (tmp_path / "rejects.jsonl").read_bytes()) == before
    assert first.to_json() == second.to_json()


# ----------------------------------------------------------------------------- interruption and resume

class Stop(KeyboardInterrupt):
    pass


def stop_after(n: int):
    def hook(records_in: int) -> None:
        if records_in >= n:
            raise Stop
    return hook


def finished(tmp_path: Path) -> tuple[bytes, bytes, dict]:
    stats = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    stats.pop("resumed_at")
    stats.pop("notes")
    return (tmp_path / "out.jsonl").read_bytes(), (tmp_path / "rejects.jsonl").read_bytes(), stats


@pytest.fixture
def reference(tmp_path):
    """The dirty dump, and what an uninterrupted run makes of it."""
    dirty_dump(tmp_path)
    ref = tmp_path / "ref"
    ref.mkdir()
    run(config(tmp_path, output=str(ref / "out.jsonl"), rejects=str(ref / "rejects.jsonl"),
               stats=str(ref / "stats.json")))
    return finished(ref)


def test_an_interrupted_run_leaves_no_output_and_resumes_to_the_same_bytes(tmp_path, reference):
    small = dict(block_size=8, checkpoint_units=20)
    with pytest.raises(Stop):
        run(config(tmp_path, **small), on_progress=stop_after(57))
    out = tmp_path / "out.jsonl"
    assert not out.exists() and not (tmp_path / "rejects.jsonl").exists() and not (tmp_path / "stats.json").exists()
    state = json.loads(checkpoint_path(str(out)).read_text(encoding="utf-8"))
    assert 0 < state["units"] < 57
    # the partial file has lines written after the checkpoint: resuming must cut them off, not repeat them
    assert partial_path(str(out)).stat().st_size > state["output_bytes"]

    stats = run(config(tmp_path, resume=True, **small))
    assert finished(tmp_path) == reference
    assert stats.resumed_at == state["units"] and stats.balanced()
    assert not checkpoint_path(str(out)).exists() and not partial_path(str(out)).exists()
    assert not partial_path(str(tmp_path / "rejects.jsonl")).exists()


def test_a_run_interrupted_twice_and_resumed_with_other_jobs_gives_the_same_bytes(tmp_path, reference):
    small = dict(block_size=4, checkpoint_units=10)
    with pytest.raises(Stop):
        run(config(tmp_path, **small), on_progress=stop_after(33))
    with pytest.raises(Stop):
        run(config(tmp_path, resume=True, jobs=2, **small), on_progress=stop_after(90))
    run(config(tmp_path, resume=True, jobs=2, **small))
    assert finished(tmp_path) == reference


KILLER = """
import os, signal, sys
from newsclean.run import RunConfig, run
config = RunConfig(inputs=(sys.argv[1],), output=sys.argv[2], rejects=sys.argv[3], stats=sys.argv[4],
                   block_size=8, checkpoint_units=16)
def die(n):
    if n >= int(sys.argv[5]):
        os.kill(os.getpid(), signal.SIGKILL)
run(config, on_progress=die)
"""


def test_a_killed_process_resumes_to_the_same_bytes(tmp_path, reference):
    args = [str(tmp_path / n) for n in ("dump", "out.jsonl", "rejects.jsonl", "stats.json")]
    proc = subprocess.run([sys.executable, "-c", KILLER, *args, "75"], capture_output=True)
    assert proc.returncode == -signal.SIGKILL
    assert not (tmp_path / "out.jsonl").exists()
    state = json.loads(checkpoint_path(args[1]).read_text(encoding="utf-8"))
    assert 0 < state["units"] <= 75
    run(config(tmp_path, resume=True))
    assert finished(tmp_path) == reference


def test_without_resume_a_leftover_partial_file_is_replaced(tmp_path, reference):
    with pytest.raises(Stop):
        run(config(tmp_path, block_size=8, checkpoint_units=8), on_progress=stop_after(40))
    partial_path(str(tmp_path / "out.jsonl")).write_bytes(b'{"junk": true}\n' * 50)
    run(config(tmp_path))
    assert finished(tmp_path) == reference
    assert not checkpoint_path(str(tmp_path / "out.jsonl")).exists()


def test_resume_with_nothing_to_resume_runs_from_the_start(tmp_path, reference):
    stats = run(config(tmp_path, resume=True))
    assert finished(tmp_path) == reference
    assert stats.notes == ["nothing to resume: starting from the beginning"]


def test_resume_refuses_when_the_inputs_or_options_changed(tmp_path):
    dirty_dump(tmp_path)
    with pytest.raises(Stop):
        run(config(tmp_path, block_size=8, checkpoint_units=8), on_progress=stop_after(30))
    with pytest.raises(RunError, match="differ from the interrupted run"):
        run(config(tmp_path, resume=True, options=Options(mark=True)))
    with (tmp_path / "dump" / "a_good.jsonl").open("ab") as fh:
        fh.write(line("new", FARM))
    with pytest.raises(RunError, match="differ from the interrupted run"):
        run(config(tmp_path, resume=True))
    partial = partial_path(str(tmp_path / "out.jsonl"))
    assert partial.exists()  # a refused resume destroys nothing


def test_resume_refuses_a_different_missing_number_model(tmp_path, monkeypatch):
    import gzip
    from newsclean import gapmodel
    dirty_dump(tmp_path)
    with pytest.raises(Stop):
        run(config(tmp_path, block_size=8, checkpoint_units=8), on_progress=stop_after(30))
    # The same model re-compressed: a valid file whose bytes differ, as a retrained model's would.
    other = tmp_path / "other-model.json.gz"
    other.write_bytes(gzip.compress(gzip.decompress(gapmodel.MODEL_PATH.read_bytes()), compresslevel=1, mtime=0))
    monkeypatch.setattr(gapmodel, "MODEL_PATH", other)
    with pytest.raises(RunError, match="differ from the interrupted run"):
        run(config(tmp_path, resume=True))


def test_resume_refuses_a_partial_file_shorter_than_its_checkpoint(tmp_path):
    dirty_dump(tmp_path)
    with pytest.raises(Stop):
        run(config(tmp_path, block_size=8, checkpoint_units=8), on_progress=stop_after(30))
    partial = partial_path(str(tmp_path / "out.jsonl"))
    partial.write_bytes(partial.read_bytes()[:10])
    with pytest.raises(RunError, match="shorter than its checkpoint"):
        run(config(tmp_path, resume=True))


def test_resume_needs_files(tmp_path):
    dirty_dump(tmp_path)
    with pytest.raises(RunError, match="needs an output file"):
        run(config(tmp_path, output="-", resume=True))
    with pytest.raises(RunError, match="cannot re-read standard input"):
        run(config(tmp_path, inputs=["-"], resume=True))


def test_two_runs_cannot_write_the_same_output(tmp_path):
    dirty_dump(tmp_path)
    holder = _Partial(str(tmp_path / "out.jsonl"))
    holder.open(None)
    try:
        with pytest.raises(RunError, match="another newsclean run is writing it"):
            run(config(tmp_path))
    finally:
        holder.close()
    run(config(tmp_path))
    assert (tmp_path / "out.jsonl").exists()


def test_inputs_are_checked_before_anything_is_written(tmp_path):
    with pytest.raises(InputError, match="no such file or folder"):
        run(config(tmp_path, inputs=[str(tmp_path / "missing.jsonl")]))
    with pytest.raises(RunError, match="does not exist"):
        dirty_dump(tmp_path)
        run(config(tmp_path, output=str(tmp_path / "no" / "out.jsonl")))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dump"]


# ----------------------------------------------------------------------------- rule timeouts

CATASTROPHIC = '''
[[rule]]
id = "user-han-run"
description = "A user rule that backtracks without end on a long run of Han characters"
zone = "anywhere"
max_chars = 200
pattern = '(?:\\p{Han}|\\p{Han}{2})+\\p{Lu}'  # \\p{Lu}, not [A-Z]: a line without a capital would skip it
'''


def test_a_catastrophic_user_rule_is_reported_and_the_run_finishes(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    shipped = Path(__file__).resolve().parents[2] / "rules"
    (rules / "chrome.toml").write_text((shipped / "chrome.toml").read_text(encoding="utf-8") + CATASTROPHIC,
                                       encoding="utf-8")
    han_run = "浏阳经开区高新区两园融合开新局比学赶超争先进位大竞赛活动成效接受检阅"  # 34 Han, no letter
    docs = [f"首页 » 新闻 » 本地\n{han_run}\n{FARM.split(chr(10) * 2)[5]}", "园区总投资亿元，同比增长%。\n" + han_run]
    (tmp_path / "in.jsonl").write_bytes(b"".join(line(f"d{i}", t) for i, t in enumerate(docs)))
    stats = run(config(tmp_path, [str(tmp_path / "in.jsonl")], rules_dir=str(rules)))
    assert stats.written == 2 and stats.balanced()
    assert stats.rule_timeouts == Counter({"user-han-run": 2})
    saved = json.loads((tmp_path / "stats.json").read_text(encoding="utf-8"))
    assert saved["rule_timeouts"] == {"user-han-run": 2}
    [warning] = saved["warnings"]
    assert warning["documents"] == 2 and str(rules / "chrome.toml") in warning["message"]
    assert "user-han-run in 2 document(s)" in stats.summary()
    out = read_lines(tmp_path / "out.jsonl")
    assert [r["rule"] for r in out[0]["removed"]] == ["breadcrumb"]  # the other rules still ran
    # The other patterns still run after the catastrophic one is disabled (总投资亿元 is flagged at the supported
    # threshold: the percentage is a sure gap of the same document).
    assert [a["rule"] for a in out[1]["annotations"]] == ["model+amount-without-number", "model+percent-without-number"]
    assert out[0]["newsclean"]["warnings"] == [warning["message"]]


def test_run_stats_state_round_trips():
    stats = RunStats(records_in=5, written=3, rejected=2)
    stats.reject("broken-json: x")
    stats.add_counts({"chrome:breadcrumb": 2, "missing_number:year-before-month": 1, "normalize:tidy": 3})
    stats.add_warnings(["rule 'a' (f.toml) timed out after 0.25s and was skipped", "something else"])
    again = RunStats.from_state(json.loads(json.dumps(stats.state())))
    assert again.to_json() == stats.to_json() and again.summary() == stats.summary()
