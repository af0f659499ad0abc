"""Learning a site's chrome from the batch: a line that recurs across many documents of one site and is not
sentence-like is chrome (rule site-recurring-line, with the count that justified it); body text that merely
repeats is not. All sites and texts here are invented for the test.
"""
from __future__ import annotations

import json

from newsclean import Pipeline
from newsclean.run import RunConfig, run
from newsclean.sitechrome import LearnOptions, SiteChrome, line_key, site_of

PROMO = "城事通 每日精选"            # a site line no rule knows, on most pages of the site
DISCLAIMER = "城事通每天清晨为您送上江城身边事，陪您读懂这座城市。"  # a sentence-like line on most pages
SHARED = "市文化和旅游局相关负责人表示，下一步将在更多社区推广城市书房建设。"   # two articles share it
FORMULA = "王五参加上述活动。"        # a templated body sentence, at the end of a few items


def article(n: int) -> list[str]:
    return [f"江城第{n}座城市书房开放",
            f"记者从江城市文化和旅游局获悉，第{n}座城市书房日前对外开放，藏书超过{n + 1}千册，市民可以自助借还。",
            f"书房开放时间从早上八点到晚上十点，第{n}座书房还设有少儿阅读区和自习区，周末的读者比平时多一倍。"]


def site_docs(count: int = 32) -> list[tuple[str, str]]:
    docs = []
    for n in range(count):
        lines = article(n)
        if n in (3, 9):
            lines.append(SHARED)
        if n in (4, 11, 17):
            lines.append(FORMULA)
        if n % 4 != 0:
            lines = [PROMO, *lines, DISCLAIMER]
        docs.append(("\n".join(lines), f"https://www.jiangcheng.example/news/{n}.html"))
    return docs


def clean_all(docs, options=LearnOptions()):
    site = SiteChrome.learn(docs, options)
    pipeline = Pipeline()
    return [pipeline.clean(text, site_lines=site.for_url(url)) for text, url in docs]


def test_recurring_lines_of_a_site_go_with_their_count():
    results = clean_all(site_docs())
    r = results[1]
    learned = [x for x in r.removed if x["rule"] == "site-recurring-line"]
    assert [x["text"] for x in learned] == [PROMO, DISCLAIMER]
    assert learned[0]["info"] == {"documents": 24, "site_documents": 32}
    assert r.text.split("\n") == article(1)


def test_body_text_that_merely_repeats_stays():
    results = clean_all(site_docs())
    assert SHARED in results[3].text and SHARED in results[9].text
    assert FORMULA in results[4].text.split("\n")


def test_a_recurring_line_inside_the_body_stays():
    docs = site_docs()
    text, url = docs[5]
    lines = text.split("\n")
    lines.insert(3, PROMO)  # between the two body paragraphs
    docs[5] = ("\n".join(lines), url)
    result = clean_all(docs)[5]
    assert result.text.split("\n")[2] == PROMO


def test_sites_are_counted_apart():
    """Six documents of each of four hosts print the promotion line once each: no site reaches the share."""
    docs = []
    for n in range(24):
        lines = article(n)
        if n % 6 == 0:
            lines = [PROMO, *lines]
        docs.append(("\n".join(lines), f"https://site{n % 4}.example/{n}"))
    assert not [x for r in clean_all(docs) for x in r.removed if x["rule"] == "site-recurring-line"]
    assert site_of("https://www.Jiangcheng.example/a") == "jiangcheng.example"
    assert site_of(None) == site_of("") == site_of("not a url") == ""


def test_a_small_batch_learns_nothing():
    assert len(SiteChrome.learn(site_docs(4))) == 0


def test_lines_compare_without_width_space_or_case():
    assert line_key("城事通  每日精选 ") == line_key("城事通每日精选")
    assert line_key("ＡＢＣ：１２") == line_key("abc:12")


def write_dump(path, docs):
    with open(path, "w", encoding="utf-8") as out:
        for n, (text, url) in enumerate(docs):
            out.write(json.dumps({"id": f"d{n}", "url": url, "text": text}, ensure_ascii=False) + "\n")


def test_a_run_learns_the_batch_first_the_same_for_any_jobs(tmp_path):
    write_dump(tmp_path / "in.jsonl", site_docs())
    outputs = []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.jsonl"
        stats = run(RunConfig(inputs=(str(tmp_path / "in.jsonl"),), output=str(out), jobs=jobs))
        outputs.append(out.read_bytes())
        assert stats.balanced() and stats.chrome_removed["site-recurring-line"] == 48
        assert any("site chrome learned" in note for note in stats.notes)
    assert outputs[0] == outputs[1]
    first = json.loads(outputs[0].split(b"\n")[1])
    assert PROMO not in first["text"]


def test_lines_keyed_by_workers_block_by_block_are_counted_in_input_order(tmp_path):
    """With --jobs 2 the workers fingerprint the lines and this process counts them: blocks of four documents,
    several in flight, and a table bounded to 40 lines (whose pruning depends on the order of the counts)
    learn what one process learns."""
    write_dump(tmp_path / "in.jsonl", site_docs())
    outputs, learned = [], []
    for jobs in (1, 2):
        out = tmp_path / f"out{jobs}.jsonl"
        stats = run(RunConfig(inputs=(str(tmp_path / "in.jsonl"),), output=str(out), jobs=jobs, block_size=4,
                              learn=LearnOptions(max_lines_per_site=40)))
        outputs.append(out.read_bytes())
        learned.append(stats.chrome_removed["site-recurring-line"])
    assert outputs[0] == outputs[1] and learned == [48, 48]


def test_a_run_without_learning_keeps_the_lines(tmp_path):
    write_dump(tmp_path / "in.jsonl", site_docs())
    out = tmp_path / "out.jsonl"
    run(RunConfig(inputs=(str(tmp_path / "in.jsonl"),), output=str(out), learn=None))
    assert PROMO in json.loads(out.read_text(encoding="utf-8").split("\n")[1])["text"]


def test_the_command_learns_from_files_and_says_why_not_from_standard_input(tmp_path):
    from click.testing import CliRunner

    from newsclean.cli import main

    write_dump(tmp_path / "in.jsonl", site_docs())
    dump = (tmp_path / "in.jsonl").read_bytes()
    out = tmp_path / "out.jsonl"
    result = CliRunner().invoke(main, ["clean", str(tmp_path / "in.jsonl"), "-o", str(out), "--no-progress"])
    assert result.exit_code == 0 and "site chrome learned from the batch: 2 recurring lines" in result.output
    texts = [json.loads(line)["text"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert not any(PROMO in text for text in texts)
    piped = CliRunner().invoke(main, ["clean", "-", "-o", "-", "--no-progress"], input=dump)
    assert piped.exit_code == 0 and "site chrome not learned: standard input" in piped.output
    off = CliRunner().invoke(main, ["clean", str(tmp_path / "in.jsonl"), "-o", str(out), "--no-learn-chrome",
                                    "--no-progress"])
    assert off.exit_code == 0 and "site chrome" not in off.output
    assert PROMO in json.loads(out.read_text(encoding="utf-8").splitlines()[1])["text"]


def test_a_bounded_table_still_learns_the_lines_that_recur():
    """With room for only a few dozen lines, the many one-off body lines are dropped, the promotion stays."""
    site = SiteChrome.learn(site_docs(), LearnOptions(max_lines_per_site=40))
    assert site.for_url("https://jiangcheng.example/x")[line_key(PROMO)].docs == 24


def test_a_traditional_character_site_line_is_learned_and_found_after_conversion():
    promo = "城事通 每日精選 點擊訂閱"  # traditional: the normalise stage converts it before the chrome stage
    docs = [(f"{promo}\n" + "\n".join(article(n)), f"https://www.jiangcheng.example/tw/{n}.html") for n in range(12)]
    assert line_key(promo) == line_key("城事通 每日精选 点击订阅")
    results = clean_all(docs)
    for result in results:
        assert "城事通 每日精选 点击订阅" not in result.text.split("\n")
        assert any(r["rule"] == "site-recurring-line" for r in result.removed)
