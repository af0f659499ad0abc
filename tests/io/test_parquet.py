"""Parquet in and out: the same records, rejects and books as JSONL; row groups read one batch at a time."""
from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from newsclean import parquet as nparquet
from newsclean.io import ReadOptions, Record, Reject, read_records
from newsclean.run import RunConfig, run

# Short texts in the shape of scraped news, written for these tests.
STORY = ("首页 » 新闻 » 本地\n"
         "3月2日，临江市召开一季度经济形势分析会。会议通报，全市完成固定资产投资亿元，同比增长%。\n"
         "会议要求，各园区要抓好重点项目建设，确保全年目标任务完成。\n"
         "责任编辑：王小明")


def story(i: int) -> str:
    return STORY.replace("临江市", f"临江市第{i}园区")


def rows(n: int = 6) -> list[dict]:
    return [{"id": f"doc-{i}", "text": story(i), "site": "临江新闻网", "rank": i} for i in range(n)]


def write_rows(path: Path, data: list[dict], row_group_size: int = 2, schema=None) -> Path:
    pq.write_table(pa.Table.from_pylist(data, schema=schema), path, row_group_size=row_group_size)
    return path


def write_jsonl(path: Path, data: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in data), encoding="utf-8")
    return path


def jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_parquet_input_cleans_to_the_same_records_as_jsonl(tmp_path):
    data = rows()
    run(RunConfig(inputs=(str(write_jsonl(tmp_path / "in.jsonl", data)),), output=str(tmp_path / "a.jsonl")))
    run(RunConfig(inputs=(str(write_rows(tmp_path / "in.parquet", data)),), output=str(tmp_path / "b.jsonl")))
    a, b = jsonl(tmp_path / "a.jsonl"), jsonl(tmp_path / "b.jsonl")
    assert a == b
    assert [r["id"] for r in b] == [f"doc-{i}" for i in range(6)]
    assert all(r["text"].startswith("3月2日") and r["site"] == "临江新闻网" for r in b)
    assert {a["rule"].removeprefix("model+") for a in b[0]["annotations"]} == {"amount-without-number",
                                                                          "percent-without-number"}


def test_parquet_output_holds_the_jsonl_records(tmp_path):
    data = rows()
    source = str(write_jsonl(tmp_path / "in.jsonl", data))
    run(RunConfig(inputs=(source,), output=str(tmp_path / "out.jsonl")))
    run(RunConfig(inputs=(source,), output=str(tmp_path / "out.parquet")))
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.column_names == ["id", "site", "rank", "text", "annotations", "removed", "newsclean"]
    assert pa.types.is_list(table.schema.field("annotations").type)
    back = [r for r in read_records([str(tmp_path / "out.parquet")])]
    assert all(isinstance(r, Record) for r in back)
    # Read back through newsclean, the rows are the JSONL output's records, key for key.
    assert [{**r.fields, "text": r.text} for r in back] == [
        {k: v for k, v in rec.items()} for rec in jsonl(tmp_path / "out.jsonl")]
    assert not list(tmp_path.glob(".*"))  # no partial or temporary file left behind


def test_every_row_is_a_record_or_a_reject_with_the_jsonl_reasons(tmp_path):
    data = rows(3) + [{"id": "null-text", "text": None, "site": None, "rank": 3},
                      {"id": "blank", "text": " \u3000 ", "site": None, "rank": 4},
                      {"id": "long", "text": "很长的正文。" * 40, "site": None, "rank": 5}]
    path = write_rows(tmp_path / "in.parquet", data)
    stats = run(RunConfig(inputs=(str(path),), output=str(tmp_path / "out.jsonl"), rejects=str(tmp_path / "rej.jsonl"),
                          read=ReadOptions(max_chars=200)))
    assert (stats.records_in, stats.written, stats.rejected) == (6, 3, 3) and stats.balanced()
    rejects = jsonl(tmp_path / "rej.jsonl")
    assert [(r["id"], r["reason"].split(":")[0], r["source"]) for r in rejects] == [
        ("null-text", "bad-field", f"{path}:4"), ("blank", "empty-document", f"{path}:5"),
        ("long", "too-large", f"{path}:6")]


def test_a_missing_or_non_text_column_rejects_each_row(tmp_path):
    path = write_rows(tmp_path / "in.parquet", [{"id": "a", "body": story(1)}, {"id": "b", "body": story(2)}])
    units = list(read_records([str(path)]))
    assert [u.reason.split(":")[0] for u in units] == ["missing-field", "missing-field"]
    assert [u.id for u in units] == ["a", "b"]
    # --text-field names the column, as for JSONL.
    units = list(read_records([str(path)], ReadOptions(text_field="body")))
    assert [type(u) for u in units] == [Record, Record] and units[1].text == story(2)
    numbers = write_rows(tmp_path / "n.parquet", [{"id": "a", "text": 7}])
    assert next(read_records([str(numbers)])).reason == "bad-field: 'text' is int, not a string"


def test_a_file_that_is_not_parquet_or_is_cut_off_is_one_reject(tmp_path):
    fake = tmp_path / "fake.parquet"
    fake.write_text('{"id": "x", "text": "不是parquet"}\n', encoding="utf-8")
    [unit] = read_records([str(fake)])
    assert isinstance(unit, Reject) and unit.reason.startswith("corrupt-input: not a parquet file")
    good = write_rows(tmp_path / "good.parquet", rows())
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-30])  # the footer is gone
    stats = run(RunConfig(inputs=(str(fake), str(cut), str(good)), output=str(tmp_path / "out.jsonl")))
    assert (stats.records_in, stats.written, stats.rejected) == (8, 6, 2) and stats.balanced()
    assert stats.rejects_by_reason == {"corrupt-input": 2}


def test_row_groups_are_read_one_batch_at_a_time(tmp_path, monkeypatch):
    monkeypatch.setattr(nparquet, "BATCH_ROWS", 2)
    path = write_rows(tmp_path / "in.parquet", rows(6), row_group_size=2)
    fetched = []
    real = pq.ParquetFile.iter_batches

    def counting(self, *args, **kwargs):
        for batch in real(self, *args, **kwargs):
            fetched.append(batch.num_rows)
            yield batch

    monkeypatch.setattr(pq.ParquetFile, "iter_batches", counting)
    units = read_records([str(path)])
    assert next(units).id == "doc-0"
    assert fetched == [2]  # the first record came out before the rest of the file was read
    assert [u.id for u in units] == [f"doc-{i}" for i in range(1, 6)] and fetched == [2, 2, 2]


def test_values_json_cannot_hold_are_converted_and_columns_without_one_type_are_json_text(tmp_path):
    import datetime

    schema = pa.schema([("id", pa.string()), ("text", pa.string()), ("crawled", pa.timestamp("s")),
                        ("raw", pa.binary())])
    path = write_rows(tmp_path / "in.parquet", [
        {"id": "a", "text": story(1), "crawled": datetime.datetime(2024, 3, 2, 8, 30), "raw": b"\xff\x00"}], schema=schema)
    [record] = read_records([str(path)])
    assert record.fields == {"id": "a", "crawled": "2024-03-02T08:30:00", "raw": "/wA="}
    mixed = write_jsonl(tmp_path / "mixed.jsonl", [{"id": "a", "text": story(1), "tag": "本地"},
                                                  {"id": "b", "text": story(2), "tag": 7}])
    run(RunConfig(inputs=(str(mixed),), output=str(tmp_path / "out.parquet")))
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("tag").type == pa.string()
    assert table.column("tag").to_pylist() == ['"本地"', "7"]


def test_dedup_writes_the_kept_rows_as_parquet(tmp_path):
    data = rows(3) + [{"id": "repost", "text": "来源：临江日报\n" + story(0), "site": "转载网", "rank": 9}]
    source = str(write_jsonl(tmp_path / "in.jsonl", data))
    from newsclean.dedup import DedupConfig

    stats = run(RunConfig(inputs=(source,), output=str(tmp_path / "out.parquet"), dedup=DedupConfig()))
    kept = pq.read_table(tmp_path / "out.parquet").column("id").to_pylist()
    assert stats.duplicates == 1 and len(kept) == 3 and ("doc-0" in kept) != ("repost" in kept)


def test_a_folder_with_a_parquet_file_is_read(tmp_path):
    folder = tmp_path / "dump"
    folder.mkdir()
    write_rows(folder / "part-0.parquet", rows(2))
    write_jsonl(folder / "part-1.jsonl", rows(3)[2:])
    assert [u.id for u in read_records([str(folder)])] == ["doc-0", "doc-1", "doc-2"]


@pytest.mark.parametrize("n", [0, 1])
def test_a_run_with_no_or_one_written_record_still_writes_a_readable_file(tmp_path, n):
    data = rows(n) + [{"id": "blank", "text": "   ", "site": None, "rank": 1}]
    source = str(write_jsonl(tmp_path / "in.jsonl", data))
    run(RunConfig(inputs=(source,), output=str(tmp_path / "out.parquet")))
    assert pq.read_table(tmp_path / "out.parquet").num_rows == n


def test_newsclean_dedup_writes_parquet_when_asked(tmp_path):
    from click.testing import CliRunner

    from newsclean.cli import main

    data = rows(3) + [{"id": "repost", "text": story(1), "site": "转载网", "rank": 9}]
    source = write_jsonl(tmp_path / "in.jsonl", data)
    result = CliRunner().invoke(main, ["dedup", str(source), "-o", str(tmp_path / "kept.parquet")])
    assert result.exit_code == 0, result.output
    assert pq.read_table(tmp_path / "kept.parquet").column("id").to_pylist() == ["doc-0", "doc-1", "doc-2"]
