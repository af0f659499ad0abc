"""newsclean on real pages beside its peers: one table, by part of the split.

    python benchmarks/pages.py                  # the table (train, test, all) of every method on the gold pages
    python benchmarks/pages.py --per-page       # also each gold page's recall / precision per method
    python benchmarks/pages.py --dump DIR       # also DIR/METHOD.jsonl: each method's output for every page
                                                #   with html (the GNE pages too, to read by eye)

Pages are `../shared/real/pages.jsonl`, split by `real_data.pages(part)`; the pages with a hand-marked `gold`
body are scored with `../shared/real/score_pages.py`'s own `score_page` (imported at run time), summed over the
pages of each part exactly as that script sums them. Methods:

- `newsclean html`: `newsclean.html.extract` (readability-lxml + trafilatura, see that module) then the
  pipeline's stages, i.e. what `newsclean clean page.html` writes;
- `newsclean extract only`: the same extraction without the stages;
- `newsclean text`: the pipeline on the page's visible text (`text`), what `newsclean clean` does today with
  page text;
- peers on the same HTML: trafilatura (default, favor_precision, favor_recall), readability-lxml (its block
  as lines), and trafilatura followed by newsclean's stages.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from real_data import REAL, pages, part_of  # noqa: E402

from newsclean.html import PageError, _readability_lines, extract  # noqa: E402
from newsclean.pipeline import Pipeline  # noqa: E402

sys.path.insert(0, str(REAL))
from score_pages import score_page  # noqa: E402

FIELDS = ("gold", "out", "page", "kept", "out_body", "page_chrome", "out_chrome")


def _trafilatura(**options) -> Callable[[dict], str]:
    import trafilatura

    return lambda page: trafilatura.extract(page["html"], url=page.get("url"), **options) or ""


def _newsclean_html(pipeline: Pipeline, stages: bool) -> Callable[[dict], str]:
    def run(page: dict) -> str:
        try:
            extracted = extract(page["html"], url=page.get("url"))
        except PageError:
            return ""
        # the page's metadata goes with its text, as html_io gives it to the run (it names the extractor)
        return pipeline.clean(extracted.text, meta=extracted.metadata).text if stages else extracted.text
    return run


def methods(pipeline: Pipeline) -> dict[str, Callable[[dict], str]]:
    traf = _trafilatura()
    return {
        "newsclean html": _newsclean_html(pipeline, stages=True),
        "newsclean extract only": _newsclean_html(pipeline, stages=False),
        "newsclean text": lambda page: pipeline.clean(page["text"]).text,
        "trafilatura": traf,
        "trafilatura favor_precision": _trafilatura(favor_precision=True),
        "trafilatura favor_recall": _trafilatura(favor_recall=True),
        # readability's own block, without the linked headlines newsclean drops from it
        "readability-lxml": lambda page: "\n".join(_readability_lines(page["html"], drop_link_headlines=False)),
        "trafilatura + newsclean": lambda page: pipeline.clean(traf(page)).text,
    }


def figures(scores: list[dict]) -> dict[str, float]:
    """body_recall, precision, chrome_removed of a set of pages, summed as score_pages.py sums them."""
    tot = {f: sum(s[f] for s in scores) for f in FIELDS}
    return {"pages": len(scores), "body_recall": tot["kept"] / max(1, tot["gold"]),
            "precision": tot["out_body"] / max(1, tot["out"]),
            "chrome_removed": 1 - tot["out_chrome"] / max(1, tot["page_chrome"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-page", action="store_true")
    parser.add_argument("--dump", type=Path, help="write every method's output for every page with html here")
    args = parser.parse_args()
    pipeline = Pipeline()
    with_html = [p for p in pages() if p.get("html")] if args.dump else [p for p in pages() if p.get("gold")]
    gold = [p for p in with_html if p.get("gold")]
    table = []
    per_page: dict[str, dict[str, dict]] = {}
    for name, method in methods(pipeline).items():
        started = time.process_time()
        outputs = {p["id"]: method(p) for p in with_html}
        seconds = time.process_time() - started
        scores = {p["id"]: score_page(p["text"], p["gold"], outputs[p["id"]]) for p in gold}
        for pid, s in scores.items():
            per_page.setdefault(pid, {})[name] = s
        row = {"method": name, "seconds_per_page": seconds / max(1, len(with_html))}
        for part in ("train", "test", "all"):
            chosen = [s for pid, s in scores.items() if part == "all" or part_of(pid, "pages") == part]
            row[part] = figures(chosen)
        table.append(row)
        if args.dump:
            args.dump.mkdir(parents=True, exist_ok=True)
            with open(args.dump / f"{name.replace(' ', '_').replace('+', 'plus')}.jsonl", "w", encoding="utf-8") as out:
                for p in with_html:
                    out.write(json.dumps({"id": p["id"], "source": p["source"], "text": outputs[p["id"]]},
                                         ensure_ascii=False) + "\n")
    counts = {part: table[0][part]["pages"] for part in ("train", "test", "all")}
    print(f"gold pages with html: train {counts['train']}, test {counts['test']}, all {counts['all']}")
    print("| method | train recall / precision / chrome removed | test recall / precision / chrome removed "
          "| all recall / precision / chrome removed | s/page |")
    print("|---|---|---|---|---:|")
    for row in table:
        cells = [" / ".join(f"{row[part][k]:.3f}" for k in ("body_recall", "precision", "chrome_removed"))
                 for part in ("train", "test", "all")]
        print(f"| {row['method']} | " + " | ".join(cells) + f" | {row['seconds_per_page']:.2f} |")
    if args.per_page:
        for pid in sorted(per_page):
            cells = [f"{name} {s['kept'] / max(1, s['gold']):.2f}/{s['out_body'] / max(1, s['out']):.2f}"
                     for name, s in per_page[pid].items()]
            print(pid[:14], part_of(pid, "pages"), " | ".join(cells))


if __name__ == "__main__":
    main()
