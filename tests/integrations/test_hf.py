"""Hugging Face datasets: `Dataset.map(clean_batch, batched=True, num_proc=N)` on a real `datasets.Dataset`."""
from __future__ import annotations

import json
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import datasets
import pytest
from datasets.fingerprint import Hasher

from newsclean import Pipeline
from newsclean.hf import BatchCleaner, clean_batch
from newsclean.rulebook import default_rules_dir

# Short texts in the shape of scraped news, written for these tests.
PAGE = ("首页 > 要闻 > 正文\n"
        "2月5日，东湖区举行重点项目集中开工仪式，共有个项目开工，总投资亿元。\n"
        "东湖区区长在仪式上表示，要优化营商环境，为项目建设提供全方位服务。\n"
        "分享到：微信 微博 QQ空间")


def pages(n: int) -> list[str]:
    return [PAGE.replace("东湖区", f"东湖{i}区") for i in range(n)]


def dataset(n: int = 8) -> datasets.Dataset:
    return datasets.Dataset.from_dict({"id": [f"p{i}" for i in range(n)], "text": pages(n)})


def test_map_with_two_processes_gives_what_the_pipeline_gives(tmp_path):
    ds = dataset()
    out = ds.map(clean_batch, batched=True, batch_size=3, num_proc=2)
    assert out.column_names == ["id", "text", "annotations", "removed", "newsclean"]
    pipeline = Pipeline()
    for row, raw in zip(out, pages(8)):
        expected = pipeline.clean(raw)
        assert row["text"] == expected.text
        assert json.loads(row["annotations"]) == expected.annotations
        assert json.loads(row["removed"]) == expected.removed
        assert json.loads(row["newsclean"]) == expected.metadata
    first = out[0]
    assert first["text"].startswith("2月5日") and "分享到" not in first["text"]
    assert any(a["type"] == "missing_number" for a in json.loads(first["annotations"]))  # the gap is flagged


def test_rows_that_cannot_be_cleaned_keep_their_text_and_say_why():
    ds = datasets.Dataset.from_dict({"text": [PAGE, "", "  \n ", "很长的正文。" * 50]})
    out = ds.map(BatchCleaner(max_chars=200), batched=True)
    reasons = [json.loads(m).get("reject", "").split(":")[0] for m in out["newsclean"]]
    assert reasons == ["", "empty-document", "empty-document", "too-large"]
    assert out["text"][1:] == ["", "  \n ", "很长的正文。" * 50]
    assert out["annotations"][1] == "[]"


def test_an_unknown_text_column_is_a_clear_error():
    ds = datasets.Dataset.from_dict({"body": [PAGE]})
    with pytest.raises(Exception, match="no column 'text'"):
        ds.map(clean_batch, batched=True)
    out = ds.map(BatchCleaner(text_field="body"), batched=True)
    assert out["body"][0].startswith("2月5日")


def test_the_hash_is_the_same_in_another_process_and_changes_with_the_rules(tmp_path):
    here = Hasher.hash(clean_batch)
    code = "from datasets.fingerprint import Hasher; from newsclean.hf import clean_batch; print(Hasher.hash(clean_batch))"
    there = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert here == there
    assert Hasher.hash(BatchCleaner(mark=True)) != here
    rules = tmp_path / "rules"
    shutil.copytree(default_rules_dir(), rules)
    same = BatchCleaner(rules=str(rules))
    chrome = rules / "chrome.toml"
    chrome.write_text(chrome.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert Hasher.hash(BatchCleaner(rules=str(rules))) != Hasher.hash(same)
    # Pickling carries the settings, not the loaded pipeline.
    clean_batch.pipeline()
    assert len(pickle.dumps(clean_batch)) < 2000


def test_a_second_map_of_a_saved_dataset_comes_from_the_cache(tmp_path):
    dataset().save_to_disk(str(tmp_path / "ds"))
    ds = datasets.load_from_disk(str(tmp_path / "ds"))
    first = ds.map(clean_batch, batched=True)
    again = datasets.load_from_disk(str(tmp_path / "ds")).map(clean_batch, batched=True)
    assert first.cache_files and again.cache_files == first.cache_files
    assert again._fingerprint == first._fingerprint
    assert again["text"] == first["text"]
