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
imported["run"] = sorted(m for m in ("numpy", "datasketch", "newsclean.dedup.batch", "newsclean.dedup.repair", "newsclean.minhash",
                                     "newsclean.parquet", "ftfy", "rapidfuzz") if m in sys.modules)
print(json.dumps(imported))
"""


def imported(*args: str) -> dict[str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_importing_the_command_loads_no_numpy_and_no_other_command():
    assert imported()["cli"] == []


def test_a_short_clean_without_the_numbers_stage_imports_no_numpy(tmp_path):
    """Its small page is signed in pure Python by the repeats stage (`minhash_pure`); the dedup machinery (its
    repair too) is imported only by a run that dedups, parquet only by a run that reads or writes it, rapidfuzz
    only for a pair of near lines (its exact repeat needs none).
    (The numbers stage's cascade imports numpy where it runs.)"""
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


def test_lines_with_latin1_marks_but_no_mojibake_do_not_import_ftfy(tmp_path):
    """`©`, `·` and `°` send a line to ftfy's own test (`ftfy.badness.is_bad`, read alone); ftfy itself is
    imported only for a line that test, or ftfy's other fixes, would change."""
    clean_page = "\n".join(["买买提·艾力说，合作社今年的收入增长了三成。", "今天气温−5°C至3°C，体感寒冷。", "©2024 江城新闻网 版权所有"])
    broken = "居民出行更加方便。".encode("utf-8").decode("latin-1")
    for name, text in (("clean", clean_page), ("broken", broken)):
        (tmp_path / f"{name}.jsonl").write_text(json.dumps({"id": name, "text": text}, ensure_ascii=False) + "\n",
                                                encoding="utf-8")
    seen = imported("clean", str(tmp_path / "clean.jsonl"), "-o", str(tmp_path / "clean.out.jsonl"), "-q")
    assert "ftfy" not in seen["run"]
    [record] = [json.loads(line) for line in (tmp_path / "clean.out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert "买买提·艾力" in record["text"] and "−5°C" in record["text"]
    seen = imported("clean", str(tmp_path / "broken.jsonl"), "-o", str(tmp_path / "broken.out.jsonl"), "-q")
    assert "ftfy" in seen["run"]
    [record] = [json.loads(line) for line in (tmp_path / "broken.out.jsonl").read_text(encoding="utf-8").splitlines()]
    assert record["text"] == "居民出行更加方便。"


EXIT_PROBE = """
import atexit, gc, sys
from newsclean.cli import main
from newsclean.gapmodel import shipped_model
mode, args = sys.argv[1], sys.argv[2:]
try:
    if mode == "command":  # the console script's call: the group reads the process's own arguments
        sys.argv = ["newsclean", *args]
        main()
    else:
        main(args, standalone_mode=mode == "runner")
except SystemExit:
    pass
frozen = gc.get_freeze_count()
model_kept = not any(o is shipped_model().words for o in gc.get_objects())  # frozen objects are not listed
atexit._run_exitfuncs()
print(frozen, model_kept, gc.get_freeze_count())
"""


def test_the_command_keeps_its_set_up_out_of_collections_and_skips_the_last_one(tmp_path):
    """The command moves what its set-up made (rules, model) to the permanent generation before it reads any
    input, and freezes every object at exit (the interpreter's last collection would only walk them);
    `main(..., standalone_mode=False)`, how a program calls it, and a test runner's standalone call with its
    own arguments change nothing in their process."""
    source = tmp_path / "one.jsonl"
    source.write_text(json.dumps({"id": "a", "text": "春节前夕，市区各大商超人头攒动。"}, ensure_ascii=False) + "\n",
                      encoding="utf-8")
    seen = {}
    for mode in ("command", "runner", "library"):
        done = subprocess.run([sys.executable, "-c", EXIT_PROBE, mode, "clean", str(source), "-o",
                               str(tmp_path / f"{mode}.jsonl"), "-q"], capture_output=True, text=True, check=True)
        after_set_up, model_kept, at_exit = done.stdout.split()
        seen[mode] = (int(after_set_up) > 10_000, model_kept == "True", int(at_exit) > 10_000)
        assert (tmp_path / f"{mode}.jsonl").read_text(encoding="utf-8").count("\n") == 1
    assert seen == {"command": (True, True, True), "runner": (False, False, False), "library": (False, False, False)}
