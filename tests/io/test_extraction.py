"""Where a run extracts its HTML pages: in the worker processes, once per page, whether or not the run learns
its sites' chrome first (the learning pass keeps what it extracted for the cleaning pass); the output is the
same bytes either way, and a page the extractor finds nothing in is still a counted reject."""
from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

import newsclean.html_io as html_io
from newsclean.extraction import PageSpool
from newsclean.io import ReadOptions, Record, Reject, read_records
from newsclean.run import RunConfig, run
from test_html import page


@pytest.fixture
def extractions(monkeypatch, tmp_path):
    """Log the process id of every extraction to a file (forked workers inherit the patch and append too)."""
    log = tmp_path / "extractions.log"
    real = html_io.extract

    def logged(html, url=None):
        with open(log, "a") as fh:
            fh.write(f"{os.getpid()}\n")
        return real(html, url=url)

    monkeypatch.setattr(html_io, "extract", logged)
    return lambda: log.read_text().split() if log.exists() else []


def pages(tmp_path: Path, n: int = 5) -> tuple[str, ...]:
    folder = tmp_path / "pages"
    folder.mkdir()
    for i in range(n):
        (folder / f"p{i}.html").write_text(page(title=f"长沙召开第{i}次全市经济工作会议"), encoding="utf-8")
    (folder / "empty.html").write_text("<html><body><div></div></body></html>", encoding="utf-8")
    return (str(folder),)


@pytest.mark.parametrize("learn", [True, False])
def test_with_jobs_every_page_is_extracted_once_and_in_a_worker(tmp_path, extractions, learn):
    config = RunConfig(inputs=pages(tmp_path), output=str(tmp_path / "out.jsonl"), jobs=2, block_size=2,
                       rejects=str(tmp_path / "rejects.jsonl"), **({} if learn else {"learn": None}))
    stats = run(config)
    assert (stats.records_in, stats.written, stats.rejected) == (6, 5, 1) and stats.balanced()
    pids = extractions()
    assert len(pids) == 6  # five pages and the empty one, each once
    assert os.getpid() not in map(int, pids)
    assert json.loads((tmp_path / "rejects.jsonl").read_text())["reason"].startswith("no-content")


def test_the_output_is_the_same_with_and_without_workers_and_learning(tmp_path, extractions):
    inputs = pages(tmp_path)
    outputs = []
    for n, extra in enumerate([{"jobs": 1}, {"jobs": 2, "block_size": 1}, {"jobs": 2, "learn": None}]):
        out = tmp_path / f"out{n}.jsonl"
        run(RunConfig(inputs=inputs, output=str(out), **extra))
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
    assert len(extractions()) == 18  # three runs of six pages, one extraction each
    # Learning finds nothing on six pages of one template here (too few documents), so the run without it
    # writes the same bytes.
    assert outputs[0] == outputs[2]


def test_a_deferred_page_becomes_the_record_the_reader_would_have_made(tmp_path):
    folder = pages(tmp_path, 1)[0]
    direct = list(read_records([folder], ReadOptions(extracted_field="raw")))
    deferred = list(read_records([folder], ReadOptions(extracted_field="raw", defer_extraction=True)))
    assert all(type(u).__name__ == "PendingPage" for u in deferred)
    extracted = [html_io.extract_page(u, ReadOptions(extracted_field="raw")) for u in deferred]
    assert [type(u) for u in extracted] == [type(u) for u in direct] == [Reject, Record]
    assert extracted[1].text == direct[1].text and extracted[1].fields == direct[1].fields
    assert extracted[1].meta == direct[1].meta


def test_the_spool_gives_back_each_page_in_order():
    spool = PageSpool()
    try:
        for i in range(3):
            spool.add(Record(f"id{i}", f"正文{i}", {}, "src"))
        deferred = [html_io.PendingPage("<html></html>", f"id{i}", "src", "utf-8") for i in range(3)]
        reject = Reject("other", "broken-json: x", "{")
        got = list(spool.from_spool([deferred[0], reject, deferred[1], deferred[2]]))
        assert [u.id for u in got] == ["id0", None, "id1", "id2"] and got[1] is reject
    finally:
        spool.close()
