"""Signatures: the shingle hash is MurmurHash3 of UTF-32LE n-grams, and datasketch's MinHash is the oracle."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest
from datasketch import MinHash
from hypothesis import given, settings
from hypothesis import strategies as st

from newsclean import minhash as mh

BACKENDS = ["numpy"] + (["numba"] if mh.have_numba() else [])

NEWS = (
    "新华社北京3月5日电 国务院总理在政府工作报告中提出，今年国内生产总值增长预期目标为5%左右，"
    "城镇新增就业1200万人以上，居民消费价格涨幅3%左右。报告指出，过去一年经济总体回升向好。"
)


def murmur3_32(data: bytes, seed: int = 0) -> int:
    """Plain-Python MurmurHash3_x86_32, written from the reference algorithm, independent of newsclean."""
    mask = 0xFFFFFFFF

    def rotl(x: int, r: int) -> int:
        return ((x << r) | (x >> (32 - r))) & mask

    def mix(k: int) -> int:
        return (rotl((k * 0xCC9E2D51) & mask, 15) * 0x1B873593) & mask

    h = seed
    whole = len(data) - len(data) % 4
    for i in range(0, whole, 4):
        h ^= mix(int.from_bytes(data[i : i + 4], "little"))
        h = (rotl(h, 13) * 5 + 0xE6546B64) & mask
    if data[whole:]:
        h ^= mix(int.from_bytes(data[whole:], "little"))
    h ^= len(data)
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & mask
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & mask
    return h ^ (h >> 16)


def datasketch_signature(hashes: np.ndarray, config: mh.MinHashConfig) -> np.ndarray:
    """The oracle: datasketch's own MinHash fed our shingle hashes through an identity hashfunc."""
    oracle = MinHash(num_perm=config.num_perm, seed=config.seed, hashfunc=lambda h: h)
    oracle.update_batch(hashes.tolist())
    return oracle.hashvalues


def test_reference_murmur3_matches_published_vectors():
    assert murmur3_32(b"") == 0
    assert murmur3_32(b"", seed=1) == 0x514E28B7
    assert murmur3_32(b"hello") == 0x248BFA47
    assert murmur3_32(b"The quick brown fox jumps over the lazy dog") == 0x2E4FF723


def test_shingle_hash_is_murmur3_of_each_utf32_ngram():
    config = mh.MinHashConfig(ngram=5)
    text = "国内生产总值增长5%左右"
    expected = [murmur3_32(text[i : i + 5].encode("utf-32-le")) for i in range(len(text) - 4)]
    assert mh.shingle_hashes(text, config).tolist() == expected


def test_astral_characters_are_single_code_points():
    text = "𠮷野家开业𠮷"  # U+20BB7 is outside the BMP: one code point, one 4-byte block
    expected = [murmur3_32(text[i : i + 3].encode("utf-32-le")) for i in range(len(text) - 2)]
    assert mh.shingle_hashes(text, mh.MinHashConfig(ngram=3)).tolist() == expected


def test_permutations_are_datasketchs():
    for num_perm, seed in [(128, 1), (256, 42), (7, 0)]:
        a, b = mh.permutations(num_perm, seed)
        theirs = MinHash(num_perm=num_perm, seed=seed).permutations
        assert np.array_equal(a, theirs[0]) and np.array_equal(b, theirs[1])
        assert a.dtype == np.uint32


@pytest.mark.parametrize("backend", BACKENDS)
def test_signature_equals_datasketch_on_news_text(backend):
    config = mh.MinHashConfig()
    ours = mh.signature(NEWS, config, backend=backend)
    assert ours.dtype == np.uint32
    assert np.array_equal(ours, datasketch_signature(mh.shingle_hashes(NEWS, config), config))


news_chars = st.sampled_from(list("的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研"))
unicode_chars = st.characters(codec="utf-8", exclude_categories=("Cs",))
news_like = st.text(
    alphabet=st.one_of(news_chars, st.sampled_from(list("0123456789０１２３，。、；：“”（）%ABCabc \n\t\u3000")), unicode_chars),
    max_size=300,
)


@settings(max_examples=150, deadline=None)
@given(
    text=news_like,
    ngram=st.integers(1, 9),
    num_perm=st.sampled_from([16, 128, 200]),
    seed=st.integers(0, 2**31),
    zero_digits=st.booleans(),
    normalize=st.booleans(),
)
def test_every_backend_is_bit_identical_to_datasketch(text, ngram, num_perm, seed, zero_digits, normalize):
    config = mh.MinHashConfig(ngram=ngram, num_perm=num_perm, seed=seed, zero_digits=zero_digits, normalize=normalize)
    expected = datasketch_signature(mh.shingle_hashes(text, config), config)
    for backend in BACKENDS:
        assert np.array_equal(mh.signature(text, config, backend=backend), expected), backend


@pytest.mark.parametrize("backend", BACKENDS)
def test_batches_with_short_empty_and_long_texts_match_one_by_one(backend):
    config = mh.MinHashConfig()
    texts = [NEWS, "", "两会", "   \n", NEWS[:5], NEWS[:4], "Ａ", NEWS * 3, "据报道"]
    together = mh.signatures(texts, config, backend=backend)
    for row, text in zip(together, texts):
        assert np.array_equal(row, datasketch_signature(mh.shingle_hashes(text, config), config))


def test_text_shorter_than_ngram_is_one_shingle_of_the_whole_text():
    config = mh.MinHashConfig(ngram=5)
    assert mh.shingle_hashes("两会召开", config).tolist() == [murmur3_32("两会召开".encode("utf-32-le"))]
    # Whitespace is dropped before shingling, so this is the same single shingle.
    assert mh.shingle_hashes(" 两会\n召开 ", config).tolist() == [murmur3_32("两会召开".encode("utf-32-le"))]


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_and_blank_texts_have_the_empty_signature(backend):
    for text in ["", " \n\t\u3000\u200b"]:
        sig = mh.signature(text, backend=backend)
        assert (sig == mh.MAX_HASH).all()
        assert np.array_equal(sig, MinHash(num_perm=128, seed=1).hashvalues)


def test_normalisation_ignores_layout_width_and_case():
    plain = "2024年CPI同比上涨0.2%，PPI下降2.7%。"
    variant = "２０２４年 cpi同比上涨０.２％，\n PPI下降2.7%。\u200b"
    assert np.array_equal(mh.signature(plain), mh.signature(variant))
    raw = mh.MinHashConfig(normalize=False)
    assert not np.array_equal(mh.signature(plain, raw), mh.signature(variant, raw))


def test_digits_are_kept_unless_zero_digits_is_asked_for():
    a = "今年一季度全市新增市场主体1.2万户，同比增长15%。"
    b = "今年一季度全市新增市场主体3.4万户，同比增长26%。"
    assert not np.array_equal(mh.signature(a), mh.signature(b))
    zero = mh.MinHashConfig(zero_digits=True)
    assert np.array_equal(mh.signature(a, zero), mh.signature(b, zero))


@pytest.mark.parametrize("backend", BACKENDS)
def test_jobs_do_not_change_results(backend):
    texts = [NEWS[i:] + str(i) for i in range(0, 60, 3)]
    config = mh.MinHashConfig()
    assert np.array_equal(mh.signatures(texts, config, jobs=1, backend=backend), mh.signatures(texts, config, jobs=2, backend=backend))


def test_estimate_tracks_exact_jaccard():
    edited = NEWS.replace("报告指出，过去一年经济总体回升向好。", "报告同时强调，要坚持稳中求进工作总基调。")
    config = mh.MinHashConfig(num_perm=256)
    exact = mh.exact_jaccard(NEWS, edited, config)
    estimate = mh.estimate_jaccard(mh.signature(NEWS, config), mh.signature(edited, config))
    assert 0.4 < exact < 0.9
    assert abs(estimate - exact) < 0.12
    assert mh.exact_jaccard(NEWS, NEWS) == 1.0
    assert mh.exact_jaccard("", "") == 1.0


def test_numpy_path_works_without_numba():
    code = (
        "import sys; sys.modules['numba'] = None\n"
        "from newsclean import minhash as mh\n"
        "assert not mh.have_numba() and mh.default_backend() == 'numpy'\n"
        "print(mh.signature('新华社北京3月5日电')[:2].tolist())\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    expected = mh.signature("新华社北京3月5日电", backend="numpy")[:2].tolist()
    assert out.strip() == str(expected)


def test_numba_backend_refuses_when_disabled(monkeypatch):
    monkeypatch.setenv("NEWSCLEAN_NO_NUMBA", "1")
    assert mh.default_backend() == "numpy"
    with pytest.raises(RuntimeError):
        mh.signatures(["新闻"], backend="numba")


def test_bad_configs_are_rejected():
    with pytest.raises(ValueError):
        mh.MinHashConfig(ngram=0)
    with pytest.raises(ValueError):
        mh.signatures(["新闻"], backend="cuda")


@pytest.mark.parametrize("backend", BACKENDS)
def test_corpora_larger_than_one_chunk_and_empty_corpora(backend, monkeypatch):
    monkeypatch.setattr(mh, "CHUNK_TEXTS", 4)
    texts = [NEWS[i:] for i in range(11)]
    expected = np.array([datasketch_signature(mh.shingle_hashes(t), mh.MinHashConfig()) for t in texts])
    assert np.array_equal(mh.signatures(texts, backend=backend), expected)
    assert mh.signatures([], backend=backend).shape == (0, 128)


# ------------------------------------------------------------------ the pure-Python path (small pages, no numpy)

def test_pure_python_permutations_are_numpys_random_state_draws():
    """Both paths take (a, b) from `minhash_pure.permutations`: its draws are those datasketch makes with numpy."""
    from newsclean import minhash_pure

    for num_perm, seed in [(64, 1), (128, 1), (2, 0), (7, 2**32 - 1), (300, 42)]:
        gen = np.random.RandomState(seed)  # datasketch's MinHash._init_permutations, call for call
        a = gen.randint(0, 1 << 31, num_perm, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
        b = gen.randint(0, 1 << 32, num_perm, dtype=np.uint32)
        assert minhash_pure.permutations(num_perm, seed) == (tuple(a.tolist()), tuple(b.tolist()))
        ours = mh.permutations(num_perm, seed)
        assert np.array_equal(ours[0], a) and np.array_equal(ours[1], b) and not ours[0].flags.writeable


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet="中国年月日亿元，。 \t\u3000\u200b\ufeffＡＢａbC1２3xyz%", max_size=40), max_size=6),
       st.sampled_from([mh.MinHashConfig(ngram=3, num_perm=64), mh.MinHashConfig(),
                        mh.MinHashConfig(ngram=2, num_perm=16, seed=7, zero_digits=True),
                        mh.MinHashConfig(normalize=False, seed=0)]))
def test_pure_python_signatures_have_the_numpy_paths_bits(texts, config):
    from newsclean import minhash_pure

    want = mh.signatures(texts, config, backend="numpy")
    assert minhash_pure.signatures(texts, config) == [tuple(row) for row in want.tolist()]


def test_pure_python_signatures_fail_on_a_lone_surrogate_as_the_numpy_path_does():
    from newsclean import minhash_pure

    with pytest.raises(UnicodeEncodeError):
        mh.signatures(["中\ud800国"], backend="numpy")
    with pytest.raises(UnicodeEncodeError):
        minhash_pure.signatures(["中\ud800国"])
