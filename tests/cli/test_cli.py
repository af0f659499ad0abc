"""The `newsclean clean` command: one-line errors and non-zero exits for anything a user can get wrong, the
summary on stderr, --stats, --rejects, --resume, standard input; no traceback, ever."""
from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsclean.cli import main
from newsclean.run import checkpoint_path, partial_path

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
FARM_PATH = SEEDS / "000_60035c6ea5fcc52a.txt"
PAPER_PATH = SEEDS / "003_cf3835190f9bf901.txt"
FARM = FARM_PATH.read_text(encoding="utf-8")
PAPER = PAPER_PATH.read_text(encoding="utf-8")
NEWSCLEAN = shutil.which("newsclean") or str(Path(sys.executable).parent / "newsclean")


def invoke(*args, input=None):
    return CliRunner().invoke(main, [str(a) for a in args], input=input)


def one_line_error(result, code: int) -> str:
    """The result failed with `code` and said why in a single line, without a traceback."""
    assert result.exit_code == code, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("newsclean: error: ") and "Traceback" not in result.output
    return lines[0]


def dump(tmp_path: Path) -> Path:
    d = tmp_path / "dump"
    d.mkdir()
    paras = [p for p in (FARM + "\n" + PAPER).split("\n\n") if p.strip()]
    lines = [json.dumps({"id": f"p{i}", "text": "\n".join(paras[i:i + 3])}, ensure_ascii=False) for i in range(0, 60, 3)]
    lines.insert(4, '{"id": "broken", "text": "浏阳')
    (d / "news.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (d / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    return d


# ----------------------------------------------------------------------------- user errors: one line, no traceback

@pytest.mark.parametrize("args,code,words", [
    (["clean", FARM_PATH, "-o", "out.jsonl", "--bogus"], 2, "No such option '--bogus'"),
    (["clean", "-o", "out.jsonl"], 2, "Missing argument 'INPUTS...'"),
    (["clean", FARM_PATH], 2, "Missing option '-o'"),
    (["clean", FARM_PATH, "-o", "out.jsonl", "--jobs", "0"], 2, "'-j' / '--jobs'"),
    (["clean", FARM_PATH, "-o", "out.jsonl", "--stages", "normalize,shine"], 2, "unknown stage(s) shine"),
    (["polish", FARM_PATH], 2, "No such command 'polish'"),
    (["clean", "missing.jsonl", "-o", "out.jsonl"], 1, "missing.jsonl: no such file or folder"),
    (["clean", FARM_PATH / "x.txt", "-o", "out.jsonl"], 1, "Not a directory"),
    (["clean", FARM_PATH, "-o", "no/such/folder/out.jsonl"], 1, "does not exist"),
    (["clean", FARM_PATH, "-o", "-", "--resume"], 1, "--resume needs an output file"),
])
def test_user_errors_are_one_line_and_a_nonzero_exit(tmp_path, monkeypatch, args, code, words):
    monkeypatch.chdir(tmp_path)
    message = one_line_error(invoke(*args), code)
    assert words in message
    assert not (tmp_path / "out.jsonl").exists()


def test_a_broken_rule_file_names_the_file_and_the_rule(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "chrome.toml").write_text(
        '[[rule]]\nid = "my-footer"\ndescription = "x"\nzone = "bottom"\npattern = "版权所有.*"\n', encoding="utf-8")
    message = one_line_error(invoke("clean", FARM_PATH, "-o", tmp_path / "o.jsonl", "--rules", rules), 1)
    assert str(rules / "chrome.toml") in message and "'my-footer'" in message and "zone must be one of" in message
    (rules / "chrome.toml").write_text('[[rule]]\nid = "my-footer"\npattern = "(版权所有"\ndescription = "x"\n',
                                       encoding="utf-8")
    message = one_line_error(invoke("rules", "--rules", rules), 1)
    assert "'my-footer'" in message and "bad pattern" in message


def test_the_installed_command_never_prints_a_traceback(tmp_path):
    for args in (["clean", str(FARM_PATH), "-o", str(tmp_path / "o.jsonl"), "--bogus"],
                 ["clean", str(tmp_path / "missing.txt"), "-o", str(tmp_path / "o.jsonl")]):
        proc = subprocess.run([NEWSCLEAN, *args], capture_output=True, text=True)
        assert proc.returncode in (1, 2)
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("newsclean: error: ")
        assert "Traceback" not in proc.stderr and proc.stdout == ""


# ----------------------------------------------------------------------------- a real run

def test_clean_a_dirty_folder_with_summary_stats_and_rejects(tmp_path):
    d = dump(tmp_path)
    out, rej, st = tmp_path / "out.jsonl", tmp_path / "rejects.jsonl", tmp_path / "stats.json"
    result = invoke("clean", d, "-o", out, "--rejects", rej, "--stats", st)
    assert result.exit_code == 0, result.output
    stats = json.loads(st.read_text(encoding="utf-8"))
    assert stats["records_in"] == 22 and stats["written"] == 20 and stats["rejected"] == 2
    assert stats["duplicates"] == 0 and stats["balanced"] is True
    assert stats["rejects_by_reason"] == {"broken-json": 1, "unknown-kind": 1}
    assert stats["chrome_by_rule"] and stats["flags_by_rule"]
    assert len(out.read_text(encoding="utf-8").splitlines()) == 20
    reasons = [json.loads(x)["reason"] for x in rej.read_text(encoding="utf-8").splitlines()]
    assert reasons[0].startswith("broken-json") and reasons[1].startswith("unknown-kind")
    summary = result.stderr
    assert "records in 22: written 20, duplicates 0, rejected 2" in summary
    assert "rejects: broken-json 1, unknown-kind 1" in summary
    for rule, n in stats["chrome_by_rule"].items():
        assert f"{rule} {n}" in summary
    for rule, n in stats["flags_by_rule"].items():
        assert f"{rule} {n}" in summary


def test_stdin_to_stdout(tmp_path):
    result = invoke("clean", "-", "-o", "-", input=FARM.encode())
    assert result.exit_code == 0, result.output
    [record] = [json.loads(x) for x in result.stdout.splitlines()]
    assert record["id"] == "<stdin>" and record["text"].startswith("园区鸟瞰图。")
    lines = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate([FARM, PAPER]))
    result = invoke("clean", "-", "-o", "-", input=gzip.compress(lines.encode()))
    assert [json.loads(x)["id"] for x in result.stdout.splitlines()] == [0, 1]
    assert "records in 2: written 2" in result.stderr


def test_jobs_2_through_the_command_gives_the_same_bytes(tmp_path):
    d = dump(tmp_path)
    for jobs in ("1", "2"):
        assert invoke("clean", d, "-o", tmp_path / f"o{jobs}.jsonl", "--jobs", jobs).exit_code == 0
    assert (tmp_path / "o1.jsonl").read_bytes() == (tmp_path / "o2.jsonl").read_bytes()


INTERRUPT = """
import sys
import newsclean.run.job as runner
real = runner._account
count = [0]
def account(*args):
    count[0] += 1
    if count[0] == int(sys.argv[1]):
        raise KeyboardInterrupt
    return real(*args)
runner._account = account
from newsclean.cli import main
main(sys.argv[2:])
"""


def test_an_interrupted_command_says_how_to_resume_and_resume_finishes_it(tmp_path):
    d = dump(tmp_path)
    out = tmp_path / "out.jsonl"
    args = ["clean", str(d), "-o", str(out), "--rejects", str(tmp_path / "rej.jsonl")]
    proc = subprocess.run([sys.executable, "-c", INTERRUPT, "15", *args], capture_output=True, text=True)
    assert proc.returncode == 130
    assert proc.stderr.strip() == ("newsclean: error: interrupted; run the same command with --resume to continue")
    assert not out.exists() and partial_path(str(out)).exists() and checkpoint_path(str(out)).exists()
    result = invoke(*args, "--resume")
    assert result.exit_code == 0, result.output
    assert "records in 22: written 20, duplicates 0, rejected 2" in result.stderr
    assert invoke("clean", d, "-o", tmp_path / "ref.jsonl").exit_code == 0
    assert out.read_bytes() == (tmp_path / "ref.jsonl").read_bytes()
    assert not partial_path(str(out)).exists() and not checkpoint_path(str(out)).exists()


def test_max_chars_rejects_long_documents(tmp_path):
    result = invoke("clean", FARM_PATH, PAPER_PATH, "-o", tmp_path / "o.jsonl", "--max-chars", len(FARM) + 10,
                    "--rejects", tmp_path / "r.jsonl")
    assert result.exit_code == 0
    [rej] = [json.loads(x) for x in (tmp_path / "r.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rej["id"] == PAPER_PATH.name and rej["reason"].startswith("too-large")
    assert "records in 2: written 1, duplicates 0, rejected 1" in result.stderr
