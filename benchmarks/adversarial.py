"""Adversarial campaign (issue 16): misuse, bombs and hostile rules through the real `newsclean` command.

    python benchmarks/adversarial.py --seed 1                 # every class, a few minutes
    python benchmarks/adversarial.py --only bombs,rules       # some classes
    python benchmarks/adversarial.py --bomb-mb 1024           # bigger bombs (the default is 512 MB each)

Classes (each case is one `newsclean` process, its peak memory read from `wait4`):

- paths: every written path (`-o`, `--rejects`, `--stats`, `--clusters`, `--index`) set to an input or to
  another written path, for `clean`, `clean --dedup` and `dedup`: the command must fail with one line, every
  input keep its bytes and no output appear.
- concurrency: two `dedup` (and two `clean`) runs started together on one output, several trials: the file
  under the final name must be a whole output (the one an uninterrupted run writes) and nothing temporary left.
- bombs: gzip, bzip2, xz and zstd streams (concatenated members, so that building them is cheap) of one
  endless line, of newlines only, and of a huge line between two records, as JSONL and as text: peak memory
  must stay bounded, every record be accounted for (records in = written + duplicates + rejected) and the
  records around the bomb be kept.
- rules: the hostile rule files of the issue (nested [define] to depth 24, `(?:(?:a{1000}){1000}){1000}`,
  `/dev/zero`, a FIFO, an oversized file, `(?<=.)(?P<unit>)`) must fail in one line naming the file and the
  rule, in bounded time and memory; a rule that stays just under the per-call limit on every line must be
  reported, cost at most the document budget per document, and be switched off after RUN_STRIKES documents.
- encodings: Big5, UTF-16 LE/BE with a BOM, CR-only JSONL, a UTF-8 BOM text file: every record read, with
  the encoding recorded.
- kills: kill -9 of the main process of a `--jobs 2` run at a random moment (no worker may outlive it;
  `--resume` must give the bytes of an uninterrupted run) and kill -9 of one worker (the run must end with the
  resume hint, never "internal error", and resume to the same bytes).

The report gives, per class: cases tried, records in and accounted for, processes left behind, peak memory
of any one process, worst wall time per document, and every failure. Exit status 1 when anything failed.
"""
from __future__ import annotations

import argparse
import bz2
import gzip
import hashlib
import json
import lzma
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
NEWSCLEAN = [sys.executable, "-m", "newsclean.cli"]
MEMORY_LIMIT_MB = 600  # a bomb case above this fails: the line limit is 13 MB, the interpreter ~150 MB


def paragraphs() -> list[str]:
    """Prose paragraphs of the two seed pages in the repository (the documents of every case)."""
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))
    return [p for p in text.split("\n") if len(p) > 30]


def documents(n: int, rng: random.Random) -> list[dict]:
    paras = paragraphs()
    return [{"id": f"d{i}", "text": "\n".join(rng.sample(paras, 3)) + f"\n第{i}条。"} for i in range(n)]


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), encoding="utf-8")
    return path


def whole(path: Path) -> list[str] | None:
    """The ids of a whole JSONL output in order (None when a line is cut or broken). Compared instead of the
    bytes where two runs race on a loaded machine: a rule that runs out of time there changes a document."""
    try:
        return [json.loads(line)["id"] for line in path.read_text(encoding="utf-8").splitlines()]
    except (OSError, ValueError, KeyError):
        return None


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "-"


@dataclass
class Outcome:
    code: int
    stderr: str
    seconds: float
    peak_mb: float


def run_cmd(args: list, timeout: float = 300.0, kill_after: float | None = None, on_start=None) -> Outcome:
    """Run `newsclean ARGS`; its exit status, stderr, wall time and peak memory (of the main process or the
    largest worker, from wait4)."""
    started = time.monotonic()
    proc = subprocess.Popen(NEWSCLEAN + [str(a) for a in args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            cwd=ROOT)
    if on_start is not None:
        on_start(proc)
    try:
        _, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        return Outcome(-999, "timed out", time.monotonic() - started, _peak_mb())
    return Outcome(proc.returncode, err.decode("utf-8", "replace"), time.monotonic() - started, _peak_mb())


def _peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024  # the largest child so far


@dataclass
class Book:
    """What one class of the campaign tried and found."""

    name: str
    cases: int = 0
    records_in: int = 0
    accounted: int = 0
    processes_left: int = 0
    peak_mb: float = 0.0
    worst_s_per_doc: float = 0.0
    failures: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str) -> None:
        if not ok:
            self.failures.append(what)

    def books(self, stats_path: Path) -> dict:
        """Add a run's books (its --stats file) to the class's; an unreadable one is a failure."""
        try:
            stats = json.loads(stats_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            self.failures.append(f"{stats_path}: no stats ({exc})")
            return {}
        self.records_in += stats["records_in"]
        if stats["balanced"]:
            self.accounted += stats["records_in"]
        else:
            self.failures.append(f"{stats_path}: unbalanced books {stats}")
        return stats


def one_line_error(out: Outcome) -> bool:
    lines = out.stderr.strip().splitlines()
    return (out.code not in (0, 70) and len(lines) == 1 and lines[0].startswith("newsclean: error:")
            and "internal error" not in out.stderr)


# ----------------------------------------------------------------------------- paths

def case_paths(book: Book, work: Path, rng: random.Random) -> None:
    inp = write_jsonl(work / "in.jsonl", documents(6, rng))
    second = write_jsonl(work / "second.jsonl", documents(3, rng))
    out = work / "out.jsonl"
    commands = {"clean": ["clean"], "clean --dedup": ["clean", "--dedup"], "dedup": ["dedup"]}
    sides = {"clean": ["--rejects", "--stats"], "clean --dedup": ["--rejects", "--stats", "--clusters"],
             "dedup": ["--rejects", "--stats", "--clusters", "--index"]}
    for name, cmd in commands.items():
        for side in ["-o"] + sides[name]:
            for target in (inp, second, out):
                if side == "-o" and target == out:
                    continue
                args = cmd + [inp, second] + (["-o", out] if side != "-o" else []) + [side, target]
                before = {p: digest(p) for p in (inp, second)}
                result = run_cmd(args)
                book.cases += 1
                book.peak_mb = max(book.peak_mb, result.peak_mb)
                book.check(one_line_error(result), f"{name} {side} {target.name}: exit {result.code}: {result.stderr!r}")
                book.check(all(digest(p) == h for p, h in before.items()), f"{name} {side} {target.name}: an input changed")
                book.check(not out.exists(), f"{name} {side} {target.name}: an output was written")
                out.unlink(missing_ok=True)


# ----------------------------------------------------------------------------- concurrency

def case_concurrency(book: Book, work: Path, rng: random.Random, trials: int) -> None:
    docs = documents(400, rng)
    docs += [dict(d, id=d["id"] + "-copy") for d in docs[:100]]
    inp = write_jsonl(work / "in.jsonl", docs)
    for command in ("dedup", "clean"):
        ref = work / f"ref-{command}.jsonl"
        run_cmd([command, inp, "-o", ref])
        want = whole(ref)
        for trial in range(trials):
            out = work / f"out-{command}.jsonl"
            out.unlink(missing_ok=True)
            procs = [subprocess.Popen(NEWSCLEAN + [command, str(inp), "-o", str(out)], stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE, cwd=ROOT) for _ in range(2)]
            codes = [(p.wait(), p.stderr.read().decode()) for p in procs]
            book.cases += 1
            book.records_in += len(docs)
            ok = out.exists() and whole(out) == want
            book.accounted += len(docs) if ok else 0
            book.check(ok, f"{command} trial {trial}: the file under the final name is not a whole output")
            book.check(any(c == 0 for c, _ in codes), f"{command} trial {trial}: neither run succeeded: {codes}")
            for c, err in codes:
                book.check(c == 0 or "another newsclean run" in err, f"{command} trial {trial}: exit {c}: {err!r}")
            left = [p.name for p in work.iterdir() if p.name.startswith(f".{out.name}")]
            book.check(not left, f"{command} trial {trial}: left behind {left}")
    book.peak_mb = max(book.peak_mb, _peak_mb())


# ----------------------------------------------------------------------------- bombs

COMPRESSORS = {
    "gz": lambda b: gzip.compress(b, compresslevel=9, mtime=0),
    "bz2": lambda b: bz2.compress(b, 9),
    "xz": lambda b: lzma.compress(b, preset=9),
    "zst": lambda b: zstandard.ZstdCompressor(level=19).compress(b),
}


def bomb(kind: str, head: bytes, filler: bytes, filler_mb: int, tail: bytes) -> bytes:
    """head, filler_mb MB of `filler`, tail, compressed as concatenated members (a valid stream for all four
    formats: the reader reads every member) so that building it costs one 16 MB compression."""
    block_mb = min(16, filler_mb)
    packed = COMPRESSORS[kind](filler * ((block_mb << 20) // len(filler)))
    return COMPRESSORS[kind](head) + packed * max(1, filler_mb // block_mb) + COMPRESSORS[kind](tail)


def case_bombs(book: Book, work: Path, rng: random.Random, bomb_mb: int) -> None:
    good = [json.dumps(d, ensure_ascii=False).encode() + b"\n" for d in documents(2, rng)]
    shapes = {
        # one record, then an endless line (no newline until the end), then one record
        "endless-line": (good[0] + b'{"id": "bomb", "text": "', b"a", b'"}\n' + good[1]),
        # newlines only between two records
        "newlines": (good[0], b"\n", good[1]),
        # many short broken lines
        "short-lines": (good[0], b"x\n", good[1]),
    }
    for kind in COMPRESSORS:
        for shape, (head, filler, tail) in shapes.items():
            # short lines are each a broken-json reject to write and count: a few megabytes are enough
            mb = bomb_mb if shape != "short-lines" else 1
            for suffix in ("jsonl", "txt"):
                if suffix == "txt" and shape != "endless-line":
                    continue
                data = bomb(kind, head, filler, mb, tail)
                path = work / f"{shape}.{suffix}.{kind}"
                path.write_bytes(data)
                stats = work / "stats.json"
                stats.unlink(missing_ok=True)
                result = run_cmd(["clean", path, "-o", work / "out.jsonl", "--stats", stats], timeout=900)
                book.cases += 1
                label = f"{kind} {shape} .{suffix} ({len(data)} bytes -> {mb} MB)"
                book.peak_mb = max(book.peak_mb, result.peak_mb)
                book.check(result.code == 0, f"{label}: exit {result.code}: {result.stderr[-300:]!r}")
                book.check(result.peak_mb < MEMORY_LIMIT_MB, f"{label}: peak memory {result.peak_mb:.0f} MB")
                books = book.books(stats) if result.code == 0 else {}
                if books and suffix == "jsonl":
                    book.check(books["written"] >= 2, f"{label}: the records around the bomb were not kept: {books}")
                if books:
                    book.worst_s_per_doc = max(book.worst_s_per_doc, result.seconds / max(1, books["records_in"]))
                print(f"  bombs: {label}: exit {result.code}, {result.seconds:.1f}s, peak {result.peak_mb:.0f} MB, "
                      f"books {books.get('records_in')}/{books.get('written')}/{books.get('rejected')}", flush=True)
                path.unlink()


# ----------------------------------------------------------------------------- rules

def _slow_line_length(target_s: float = 0.12) -> int:
    """Lines on which SLOW_RULE takes about `target_s` (it backtracks exponentially in their length)."""
    import regex

    pattern = regex.compile(SLOW_RULE_PATTERN)
    n = 16
    while True:
        t = time.perf_counter()
        pattern.fullmatch("中" * n + "。")
        if time.perf_counter() - t > target_s or n > 60:
            return n
        n += 1


SLOW_RULE_PATTERN = r"(?:\p{Han}|\p{Han}\p{Han})*\d"


def hostile_rule_files(folder: Path) -> dict[str, tuple[str, str]]:
    """name -> (file to put in a rules folder, what the error must name)."""
    deep = "\n".join(f'd{i} = "{{d{i - 1}}}{{d{i - 1}}}"' for i in range(1, 25))
    rule = '[[rule]]\nid = "{id}"\ndescription = "hostile"\npattern = "{pattern}"\n'
    return {
        "define-depth-24": (f'[define]\nd0 = "ab"\n{deep}\n' + rule.format(id="deep", pattern="{d24}"), "deep"),
        "nested-repeats": (rule.format(id="huge", pattern="(?:(?:a{1000}){1000}){1000}"), "huge"),
        "dev-zero": ("/dev/zero", "chrome.toml"),
        "fifo": ("FIFO", "chrome.toml"),
        "oversized": ("# padding\n" * 600_000, "chrome.toml"),
        "empty-after-char": ('[[gap]]\nid = "empty-after"\ndescription = "x"\npattern = "(?<=.)(?P<unit>)"\n',
                             "empty-after"),
    }


def case_rules(book: Book, work: Path, rng: random.Random) -> None:
    inp = write_jsonl(work / "in.jsonl", documents(8, rng))
    shipped = ROOT / "rules"
    for name, (content, named) in hostile_rule_files(work).items():
        folder = work / f"rules-{name}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir()
        file_name = "numbers.toml" if name == "empty-after-char" else "chrome.toml"
        target = folder / file_name
        if content == "/dev/zero":
            target.symlink_to("/dev/zero")
        elif content == "FIFO":
            os.mkfifo(target)
        else:
            target.write_text(content, encoding="utf-8")
        result = run_cmd(["clean", inp, "-o", work / "out.jsonl", "--rules", folder], timeout=120)
        book.cases += 1
        book.peak_mb = max(book.peak_mb, result.peak_mb)
        book.check(one_line_error(result) and named in result.stderr and file_name in result.stderr,
                   f"rules {name}: exit {result.code} after {result.seconds:.1f}s: {result.stderr[-300:]!r}")
        book.check(result.seconds < 30, f"rules {name}: {result.seconds:.1f}s")
        print(f"  rules: {name}: exit {result.code}, {result.seconds:.1f}s, peak {result.peak_mb:.0f} MB: "
              f"{result.stderr.strip()[:160]}", flush=True)
    # A rule just under the per-call limit on every line of every document.
    n = _slow_line_length()
    folder = work / "rules-slow"
    folder.mkdir(exist_ok=True)
    slow = ('[[rule]]\nid = "just-under"\ndescription = "slow"\nzone = "anywhere"\n'
            f"pattern = '''{SLOW_RULE_PATTERN}'''\n")
    (folder / "chrome.toml").write_text((shipped / "chrome.toml").read_text(encoding="utf-8") + "\n" + slow,
                                        encoding="utf-8")
    # 30 different lines per document (the chrome stage judges a line it has seen once).
    docs = [{"id": f"s{i}", "text": "\n".join(["中" * n + chr(0x4E00 + 40 * i + j) + "。" for j in range(30)]
                                               + [documents(1, rng)[0]["text"]])} for i in range(8)]
    slow_in = write_jsonl(work / "slow.jsonl", docs)
    stats = work / "stats-slow.json"
    result = run_cmd(["clean", slow_in, "-o", work / "out.jsonl", "--rules", folder, "--stats", stats], timeout=600)
    book.cases += 1
    books = book.books(stats) if result.code == 0 else {}
    book.check(books.get("rule_timeouts", {}).get("just-under", 0) >= 3,
               f"rules just-under: timeouts not reported: {books.get('rule_timeouts')}")
    book.worst_s_per_doc = max(book.worst_s_per_doc, result.seconds / len(docs))
    print(f"  rules: a rule just under the call limit ({n}-character lines): {result.seconds:.1f}s for {len(docs)} "
          f"documents of 31 lines, timeouts {books.get('rule_timeouts')}", flush=True)


# ----------------------------------------------------------------------------- encodings

def case_encodings(book: Book, work: Path, rng: random.Random) -> None:
    traditional = ["臺灣經濟部今日公布，本年度出口總額較去年同期增長。", "香港特別行政區政府表示，將繼續推動創新科技發展。"]
    docs = documents(4, rng)
    lines = "".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs)
    big5 = "".join(json.dumps({"id": f"b{i}", "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(traditional))
    cases = {
        "big5.jsonl": (big5.encode("big5"), 2, "big5"),
        "utf16le.jsonl": (b"\xff\xfe" + lines.encode("utf-16-le"), 4, "utf-16"),
        "utf16be.jsonl": (b"\xfe\xff" + lines.encode("utf-16-be"), 4, "utf-16"),
        "cr.jsonl": (lines.replace("\n", "\r").encode(), 4, None),
        "bom.txt": (b"\xef\xbb\xbf" + docs[0]["text"].encode(), 1, "utf-8-sig"),
    }
    for name, (data, expected, encoding) in cases.items():
        path = work / name
        path.write_bytes(data)
        stats = work / "stats.json"
        out = work / "out.jsonl"
        result = run_cmd(["clean", path, "-o", out, "--stats", stats])
        book.cases += 1
        books = book.books(stats) if result.code == 0 else {}
        book.check(books.get("written") == expected, f"encodings {name}: {books.get('written')} of {expected} written")
        if encoding and out.exists():
            got = {json.loads(x).get("newsclean", {}).get("input_encoding") for x in out.read_text("utf-8").splitlines()}
            book.check(got == {encoding}, f"encodings {name}: recorded {got}, not {encoding}")
        if name == "big5.jsonl" and out.exists():
            texts = [json.loads(x)["text"] for x in out.read_text("utf-8").splitlines()]
            book.check(texts and "台湾经济部" in texts[0], f"encodings big5: {texts[:1]}")
    book.peak_mb = max(book.peak_mb, _peak_mb())


# ----------------------------------------------------------------------------- kills

def _proc_helpers():
    """`children` and `alive` of tests/conftest.py: one copy of the /proc reading the tests also use."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("_test_helpers", Path(__file__).resolve().parents[1] / "tests" / "conftest.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.children, module.alive


_children, _alive = _proc_helpers()


def case_kills(book: Book, work: Path, rng: random.Random, trials: int) -> None:
    docs = documents(2500, rng)
    inp = write_jsonl(work / "in.jsonl", docs)
    ref = work / "ref.jsonl"
    started = time.monotonic()
    run_cmd(["clean", inp, "-o", ref, "--jobs", "2"], timeout=900)
    full_s = time.monotonic() - started
    book.worst_s_per_doc = max(book.worst_s_per_doc, full_s / len(docs))
    want = digest(ref)
    for trial in range(trials):
        target = "worker" if trial % 2 else "parent"
        out = work / "out.jsonl"
        for leftover in work.glob(".out.jsonl*"):
            leftover.unlink()
        proc = subprocess.Popen(NEWSCLEAN + ["clean", str(inp), "-o", str(out), "--jobs", "2"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT)
        workers: list[int] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and len(workers) < 2:
            time.sleep(0.05)
            workers = _children(proc.pid)
        time.sleep(rng.uniform(0.5, max(0.6, full_s * 0.8)))
        victim = proc.pid if target == "parent" else (workers[0] if workers else proc.pid)
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass
        code = proc.wait()
        err = proc.stderr.read().decode("utf-8", "replace")
        time.sleep(2.0)
        left = [w for w in workers if _alive(w)]
        for w in left:
            os.kill(w, signal.SIGKILL)
        book.cases += 1
        book.processes_left += len(left)
        book.check(not left, f"kill {target} trial {trial}: {len(left)} worker(s) left")
        if target == "worker" and code != 0:
            book.check("--resume" in err and "internal error" not in err, f"kill worker trial {trial}: {err!r}")
        if code != 0:
            resumed = run_cmd(["clean", inp, "-o", out, "--jobs", str(rng.choice([1, 2])), "--resume"], timeout=900)
            book.check(resumed.code == 0, f"kill {target} trial {trial}: resume exit {resumed.code}: {resumed.stderr!r}")
        ok = digest(out) == want
        print(f"  kills: trial {trial}: kill -9 of the {target} (pid {victim}): exit {code}, workers left {len(left)}, "
              f"{'resumed' if code != 0 else 'had finished'}, output {'identical' if ok else 'DIFFERENT'}", flush=True)
        book.records_in += len(docs)
        book.accounted += len(docs) if ok else 0
        book.check(ok, f"kill {target} trial {trial}: output differs from an uninterrupted run")
        out.unlink(missing_ok=True)
    book.peak_mb = max(book.peak_mb, _peak_mb())


# ----------------------------------------------------------------------------- campaign

CLASSES = ("paths", "concurrency", "bombs", "rules", "encodings", "kills")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", default=",".join(CLASSES), help="comma-separated classes")
    ap.add_argument("--bomb-mb", type=int, default=512, help="decompressed size of each bomb")
    ap.add_argument("--trials", type=int, default=8, help="concurrency and kill trials")
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    books = []
    t0 = time.monotonic()
    for name in args.only.split(","):
        book = Book(name)
        work = Path(tempfile.mkdtemp(prefix=f"newsclean-adv-{name}-"))
        started = time.monotonic()
        try:
            if name == "paths":
                case_paths(book, work, rng)
            elif name == "concurrency":
                case_concurrency(book, work, rng, args.trials)
            elif name == "bombs":
                case_bombs(book, work, rng, args.bomb_mb)
            elif name == "rules":
                case_rules(book, work, rng)
            elif name == "encodings":
                case_encodings(book, work, rng)
            elif name == "kills":
                case_kills(book, work, rng, args.trials)
            else:
                raise SystemExit(f"unknown class {name!r}; classes are {', '.join(CLASSES)}")
        finally:
            shutil.rmtree(work, ignore_errors=True)
        books.append(book)
        print(f"{name}: {book.cases} cases, records in {book.records_in}, accounted {book.accounted}, processes "
              f"left {book.processes_left}, peak {book.peak_mb:.0f} MB, worst {book.worst_s_per_doc:.2f} s/document, "
              f"{len(book.failures)} failure(s), {time.monotonic() - started:.0f}s", flush=True)
        for f in book.failures:
            print(f"  FAIL {f}")
    print(f"\nadversarial campaign, seed {args.seed}: {time.monotonic() - t0:.0f}s")
    print("| class | cases | records in | accounted | processes left | peak memory | worst s/document | failures |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for b in books:
        print(f"| {b.name} | {b.cases} | {b.records_in} | {b.accounted} | {b.processes_left} | {b.peak_mb:.0f} MB "
              f"| {b.worst_s_per_doc:.2f} | {len(b.failures)} |")
    return 1 if any(b.failures for b in books) else 0


if __name__ == "__main__":
    sys.exit(main())
