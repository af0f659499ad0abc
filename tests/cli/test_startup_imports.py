"""What a short clean imports: start-up is mostly imports, so the command loads what a run needs and no more.

Each check runs in a fresh interpreter (`sys.modules` of this test process holds everything already)."""
from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
from newsclean.cli import main
imported = {"cli": sorted(m for m in ("numpy", "ftfy", "datasketch", "newsclean.dedup.batch", "newsclean.cli.dedup",
                                      "newsclean.cli.explain", "newsclean.html", "newsclean.parquet") if m in sys.modules)}
if len(sys.argv) > 1:
    try:
        main(sys.argv[1:], standalone_mode=False)
    except SystemExit:
        pass
imported["run"] = sorted(m for m in ("numpy", "datasketch", "newsclean.dedup.batch", "newsclean.minhash")
                         if m in sys.modules)
print(json.dumps(imported))
"""


def imported(*args: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_importing_the_command_loads_no_numpy_and_no_other_command():
    assert imported()["cli"] == []


def test_a_short_clean_without_the_numbers_stage_imports_no_numpy(tmp_path):
    """Its small page is signed in pure Python by the repeats stage (`minhash_pure`); the dedup machinery is
    imported only by a run that dedups. (The numbers stage's cascade imports numpy where it runs.)"""
    page = "\n".join(["首页 > 新闻 > 本地", "▲市民在城南农贸市场选购新鲜蔬菜。", "春节前夕，市区各大商超人头攒动，年货销售迎来高峰。",
                      "▲市民在城南农贸市场选购新鲜蔬菜。", "市商务局表示，将持续做好节日期间市场保供稳价工作。"])
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": "a", "text": page}, ensure_ascii=False) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    seen = imported("clean", str(source), "-o", str(out), "-q", "--stages", "normalize,chrome,repeats,rejoin")
    assert seen["run"] == []
    [record] = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [r["rule"] for r in record["removed"] if r["reason"] == "repeat"] == ["exact-repeat-caption"]


def test_a_run_that_dedups_imports_the_dedup_machinery(tmp_path):
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "春节前夕，市区各大商超人头攒动，年货销售迎来高峰。"},
                                 ensure_ascii=False) + "\n", encoding="utf-8")
    seen = imported("clean", str(source), "-o", str(tmp_path / "out.jsonl"), "-q", "--dedup")
    assert {"numpy", "newsclean.dedup.batch"} <= set(seen["run"])
