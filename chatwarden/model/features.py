"""Hashed n-gram features, computed for a whole batch with vectorised numpy.

A message is padded with one space on each side; features are

* character n-grams of lengths ``char_ngrams`` (they may span a space, so they also see word
  boundaries and short word pairs), and
* word unigrams and bigrams (words are the runs between single spaces of the normalised text).

Each n-gram is hashed with a polynomial rolling hash modulo 2**64 (prefix sums, so every n-gram
costs a few array operations, not a Python loop) and folded into ``2**bits`` buckets. Every
occurrence has value ``1 / sqrt(number of n-grams in the message)`` so long comments and short
chat lines live on the same scale. The same code serves training (a sparse matrix) and serving
(a gather and a sum), so both always see identical features.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:  # scipy is in the [train] extra; serving never builds a matrix
    from scipy import sparse

# uint64 array arithmetic wraps modulo 2**64 silently, which the hashes rely on.
U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

_BASE = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_BASE_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEP = 1  # code point that separates messages in the batch buffer
_SPACE = 32
_WORD_SALT = 0xD6E8FEB86659FD93
_BIGRAM_SALT = 0xA0761D6478BD642F
_DEDUP_SALT = 0xE7037ED1A0B428DB


@dataclass(frozen=True)
class FeatureConfig:
    """What the hashing featuriser extracts; saved in ``meta.json`` next to the weights."""

    bits: int = 20
    char_ngrams: tuple[int, ...] = (3, 4, 5)
    word_unigrams: bool = True
    word_bigrams: bool = True
    #: also each word with its repeated letters collapsed ("stupiid" -> "stupid"): the
    #: normaliser keeps doubles, so elongated words would otherwise miss their word feature.
    word_dedoubled: bool = True

    def to_json(self) -> dict[str, object]:
        return {
            "bits": self.bits,
            "char_ngrams": list(self.char_ngrams),
            "word_unigrams": self.word_unigrams,
            "word_bigrams": self.word_bigrams,
            "word_dedoubled": self.word_dedoubled,
        }

    @classmethod
    def from_json(cls, raw: dict[str, object]) -> FeatureConfig:
        bits = raw["bits"]
        grams = raw["char_ngrams"]
        if not isinstance(bits, int) or not isinstance(grams, list):
            raise ValueError("feature config: 'bits' must be an int and 'char_ngrams' a list")
        return cls(
            bits=bits,
            char_ngrams=tuple(int(n) for n in grams),
            word_unigrams=bool(raw["word_unigrams"]),
            word_bigrams=bool(raw["word_bigrams"]),
            word_dedoubled=bool(raw.get("word_dedoubled", False)),
        )

    @property
    def buckets(self) -> int:
        return 1 << self.bits


@dataclass
class Grams:
    """Every n-gram of a batch: its bucket, its message, its value and its character range.

    ``start``/``end`` are offsets into the message's own text (without the padding space), clipped
    to it.
    """

    bucket: I64
    row: I64
    value: F32
    start: I64
    end: I64


class _Powers:
    """``BASE**i`` and ``BASE**-i`` modulo 2**64, grown on demand (swapped in atomically)."""

    def __init__(self) -> None:
        one = np.ones(1, dtype=np.uint64)
        self._both: tuple[U64, U64] = (one, one)

    def upto(self, n: int) -> tuple[U64, U64]:
        fwd, inv = self._both
        if len(fwd) < n:
            size = max(n, 2 * len(fwd))
            f = np.full(size, _BASE, dtype=np.uint64)
            g = np.full(size, _BASE_INV, dtype=np.uint64)
            f[0] = g[0] = 1
            fwd, inv = np.cumprod(f, dtype=np.uint64), np.cumprod(g, dtype=np.uint64)
            self._both = (fwd, inv)
        return fwd[:n], inv[:n]


_POWERS = _Powers()


@dataclass
class _Batch:
    """A batch as one code-point buffer ``\\x01 ␠text0␠ \\x01 ␠text1␠ \\x01 ... \\x01...``.

    ``starts[i]`` is the offset of message i's leading padding space; ``prefix`` holds the
    polynomial prefix hashes and ``seps`` the running count of separators.
    """

    size: int
    cps: U64
    starts: I64
    lengths: I64
    prefix: U64
    inv: U64
    seps: I64
    w_start: I64
    w_end: I64
    w_first: I64

    def sub_hash(self, a: I64 | slice, b: I64 | slice) -> U64:
        out: U64 = (self.prefix[b] - self.prefix[a]) * self.inv[a]
        return out


def _batch(texts: Sequence[str], tail: int) -> _Batch:
    sep = chr(_SEP)
    padded = sep + sep.join(f" {t.replace(sep, ' ')} " for t in texts) + sep * (tail + 1)
    raw = padded.encode("utf-32-le", errors="surrogatepass")
    cps = np.frombuffer(raw, dtype=np.uint32).astype(np.uint64)
    size = len(cps)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.empty(len(texts), dtype=np.int64)
    if len(texts):
        starts[0] = 1
        np.cumsum(lengths[:-1] + 3, out=starts[1:])
        starts[1:] += 1
    fwd, inv = _POWERS.upto(size + 1)
    prefix = np.zeros(size + 1, dtype=np.uint64)
    np.cumsum(cps * fwd[:size], out=prefix[1:])
    is_sep = cps == _SEP
    seps = np.zeros(size + 1, dtype=np.int64)
    np.cumsum(is_sep, out=seps[1:])
    is_gap = (cps == _SPACE) | is_sep
    edges = np.diff(is_gap.view(np.int8))
    w_start = np.flatnonzero(edges == -1) + 1
    w_end = np.flatnonzero(edges == 1) + 1
    w_first = np.searchsorted(w_start, np.append(starts, size))
    return _Batch(size, cps, starts, lengths, prefix, inv, seps, w_start, w_end, w_first)


def _finish(h: U64, salt: int, bits: int) -> I64:
    x = (h ^ np.uint64(salt)) * _MIX
    return (x >> np.uint64(64 - bits)).astype(np.int64)


def _char_buckets(batch: _Batch, n: int, bits: int) -> tuple[I64, npt.NDArray[np.bool_]]:
    """Bucket and validity of the n-gram at every buffer position (position space)."""
    m = batch.size - n + 1
    h = batch.sub_hash(slice(0, m), slice(n, m + n))
    valid = batch.seps[n : m + n] == batch.seps[0:m]
    return _finish(h, n, bits), valid


def _dedoubled_hashes(batch: _Batch) -> U64:
    """Hash of every word with runs of a repeated character collapsed to one."""
    cps = batch.cps
    keep = np.ones(len(cps), dtype=np.bool_)
    np.not_equal(cps[1:], cps[:-1], out=keep[1:])
    kept = np.cumsum(keep)  # kept[i]: characters kept in cps[: i + 1]
    short = cps[keep]
    fwd, inv = _POWERS.upto(len(short) + 1)
    prefix = np.zeros(len(short) + 1, dtype=np.uint64)
    np.cumsum(short * fwd[: len(short)], out=prefix[1:])
    a = kept[batch.w_start] - 1
    b = kept[batch.w_end - 1]
    out: U64 = (prefix[b] - prefix[a]) * inv[a]
    return out


def _word_hashes(batch: _Batch) -> tuple[U64, U64]:
    w_hash = batch.sub_hash(batch.w_start, batch.w_end)
    pair = w_hash[:-1] * _MIX + w_hash[1:]
    return w_hash, pair


def _scale(batch: _Batch, cfg: FeatureConfig) -> F32:
    padded = batch.lengths + 2
    count = np.zeros(len(padded), dtype=np.int64)
    for n in cfg.char_ngrams:
        count += np.maximum(padded - n + 1, 0)
    words = np.diff(batch.w_first)
    if cfg.word_unigrams:
        count += words
    if cfg.word_dedoubled:
        count += words
    if cfg.word_bigrams:
        count += np.maximum(words - 1, 0)
    out: F32 = (1.0 / np.sqrt(np.maximum(count, 1))).astype(np.float32)
    return out


_M64: Final = (1 << 64) - 1
_PY_MIX: Final = int(_MIX)
#: One message up to this long is hashed in plain Python: fewer calls than the numpy batch path.
SINGLE_MAX_CHARS: Final = 300
_PY_FWD: Final = [pow(int(_BASE), i, 1 << 64) for i in range(SINGLE_MAX_CHARS + 8)]
_PY_INV: Final = [pow(int(_BASE_INV), i, 1 << 64) for i in range(SINGLE_MAX_CHARS + 8)]


def _py_prefix(text: str) -> tuple[str, list[int]]:
    """The padded text and its polynomial prefix hashes (the plain-Python paths' common start)."""
    padded = f" {text.replace(chr(_SEP), ' ')} "
    prefix = [0]
    acc = 0
    for i, ch in enumerate(padded):
        acc = (acc + ord(ch) * _PY_FWD[i]) & _M64
        prefix.append(acc)
    return padded, prefix


def _py_dedoubled(word: str, shift: int) -> int:
    """The bucket of ``word`` with every run of a repeated character counted once."""
    h = prev = 0
    k = 0
    for ch in word:
        c = ord(ch)
        if c != prev:
            h = (h + c * _PY_FWD[k]) & _M64
            k += 1
        prev = c
    return ((h ^ _DEDUP_SALT) * _PY_MIX & _M64) >> shift


def single_buckets(text: str, cfg: FeatureConfig) -> list[int]:
    """The buckets of one message's n-grams, computed like ``extract`` but in plain Python."""
    padded, prefix = _py_prefix(text)
    shift = 64 - cfg.bits
    inv = _PY_INV
    out: list[int] = []
    size = len(padded)
    for n in cfg.char_ngrams:
        out.extend(
            ((((prefix[a + n] - prefix[a]) * inv[a] & _M64) ^ n) * _PY_MIX & _M64) >> shift
            for a in range(size - n + 1)
        )
    if cfg.word_unigrams or cfg.word_bigrams or cfg.word_dedoubled:
        hashes: list[int] = []
        words: list[str] = []
        pos = 1
        for word in padded[1:-1].split(" "):
            if word:
                end = pos + len(word)
                hashes.append((prefix[end] - prefix[pos]) * inv[pos] & _M64)
                words.append(word)
            pos += len(word) + 1
        if cfg.word_unigrams:
            out.extend(((h ^ _WORD_SALT) * _PY_MIX & _M64) >> shift for h in hashes)
        if cfg.word_dedoubled:
            out.extend(_py_dedoubled(word, shift) for word in words)
        if cfg.word_bigrams:
            out.extend(
                ((((a * _PY_MIX + b) & _M64) ^ _BIGRAM_SALT) * _PY_MIX & _M64) >> shift
                for a, b in zip(hashes, hashes[1:], strict=False)
            )
    return out


def single_grams(text: str, cfg: FeatureConfig) -> Grams:
    """``extract([text], cfg)`` for one message, in plain Python (explanations of one line).

    Same n-grams, buckets, values and character ranges as ``extract`` (in the same order), at a
    fraction of the numpy call overhead. Longer texts than ``SINGLE_MAX_CHARS`` go to
    ``extract``.
    """
    if len(text) > SINGLE_MAX_CHARS:
        return extract([text], cfg)
    padded, prefix = _py_prefix(text)
    shift = 64 - cfg.bits
    inv = _PY_INV
    size = len(padded)
    length = len(text)
    buckets: list[int] = []
    lo: list[int] = []
    hi: list[int] = []
    for n in cfg.char_ngrams:
        m = size - n + 1
        if m <= 0:
            continue
        buckets.extend(
            ((((prefix[a + n] - prefix[a]) * inv[a] & _M64) ^ n) * _PY_MIX & _M64) >> shift
            for a in range(m)
        )
        # padded position a covers text[a - 1 : a + n - 1], clipped to the text
        lo.append(0)
        lo.extend(range(m - 1))
        hi.extend(v if v < length else length for v in range(n - 1, m + n - 1))
    if cfg.word_unigrams or cfg.word_bigrams or cfg.word_dedoubled:
        hashes: list[int] = []
        spans: list[tuple[int, int]] = []
        words: list[str] = []
        pos = 1
        for word in padded[1:-1].split(" "):
            if word:
                end = pos + len(word)
                hashes.append((prefix[end] - prefix[pos]) * inv[pos] & _M64)
                spans.append((pos - 1, end - 1))
                words.append(word)
            pos += len(word) + 1
        if cfg.word_unigrams:
            buckets.extend(((h ^ _WORD_SALT) * _PY_MIX & _M64) >> shift for h in hashes)
            lo.extend(a for a, _ in spans)
            hi.extend(b for _, b in spans)
        if cfg.word_dedoubled:
            buckets.extend(_py_dedoubled(word, shift) for word in words)
            lo.extend(a for a, _ in spans)
            hi.extend(b for _, b in spans)
        if cfg.word_bigrams:
            for i in range(len(hashes) - 1):
                pair = (hashes[i] * _PY_MIX + hashes[i + 1]) & _M64
                buckets.append(((pair ^ _BIGRAM_SALT) * _PY_MIX & _M64) >> shift)
                lo.append(spans[i][0])
                hi.append(spans[i + 1][1])
    count = len(buckets)
    return Grams(
        bucket=np.array(buckets, dtype=np.int64),
        row=np.zeros(count, dtype=np.int64),
        value=np.full(count, 1.0 / np.sqrt(max(count, 1)), dtype=np.float32),
        start=np.array(lo, dtype=np.int64),
        end=np.array(hi, dtype=np.int64),
    )


def sums(texts: Sequence[str], cfg: FeatureConfig, table: F32) -> F32:
    """``features(texts) @ table[:-1]`` without building the features: the serving fast path.

    ``table`` has ``2**bits + 1`` rows; the last must be zero (it absorbs invalid n-grams).
    """
    k = table.shape[1]
    if len(texts) == 1 and len(texts[0]) <= SINGLE_MAX_CHARS:
        ids = single_buckets(texts[0], cfg)
        one: F32 = np.take(table, ids, axis=0).sum(axis=0, dtype=np.float32)
        one *= np.float32(1.0 / np.sqrt(max(len(ids), 1)))
        return one.reshape(1, k)
    out = np.zeros((len(texts), k), dtype=np.float32)
    if not texts:
        return out
    batch = _batch(texts, max(cfg.char_ngrams, default=1))
    dead = cfg.buckets
    for n in cfg.char_ngrams:
        buckets, valid = _char_buckets(batch, n, cfg.bits)
        buckets[~valid] = dead
        out += np.add.reduceat(np.take(table, buckets, axis=0), batch.starts, axis=0)
    if (cfg.word_unigrams or cfg.word_bigrams or cfg.word_dedoubled) and len(batch.w_start):
        w_hash, pair = _word_hashes(batch)
        first = batch.w_first
        unigrams: list[I64] = []
        if cfg.word_unigrams:
            unigrams.append(_finish(w_hash, _WORD_SALT, cfg.bits))
        if cfg.word_dedoubled:
            unigrams.append(_finish(_dedoubled_hashes(batch), _DEDUP_SALT, cfg.bits))
        for word_ids in unigrams:
            rows = np.take(table, word_ids, axis=0)
            acc = np.zeros((len(rows) + 1, k), dtype=np.float64)
            np.cumsum(rows, axis=0, out=acc[1:])
            out += (acc[first[1:]] - acc[first[:-1]]).astype(np.float32)
        if cfg.word_bigrams and len(pair):
            rows = np.take(table, _finish(pair, _BIGRAM_SALT, cfg.bits), axis=0)
            # a pair starting at the last word of a message crosses into the next: drop it
            last = first[1:] - 1
            last = last[(last >= 0) & (last < len(rows))]
            rows[last] = 0.0
            acc = np.zeros((len(rows) + 1, k), dtype=np.float64)
            np.cumsum(rows, axis=0, out=acc[1:])
            hi = np.minimum(first[1:], len(rows))
            lo = np.minimum(first[:-1], len(rows))
            out += (acc[hi] - acc[lo]).astype(np.float32)
    out *= _scale(batch, cfg)[:, None]
    return out


def extract(texts: Sequence[str], cfg: FeatureConfig) -> Grams:
    """Every hashed n-gram of ``texts`` (already normalised), with its character range."""
    batch = _batch(texts, max(cfg.char_ngrams, default=1))
    buckets: list[I64] = []
    lo: list[I64] = []
    hi: list[I64] = []
    for n in cfg.char_ngrams:
        b, valid = _char_buckets(batch, n, cfg.bits)
        pos = np.flatnonzero(valid)
        buckets.append(b[pos])
        lo.append(pos)
        hi.append(pos + n)
    if (cfg.word_unigrams or cfg.word_bigrams or cfg.word_dedoubled) and len(batch.w_start):
        w_hash, pair = _word_hashes(batch)
        if cfg.word_unigrams:
            buckets.append(_finish(w_hash, _WORD_SALT, cfg.bits))
            lo.append(batch.w_start)
            hi.append(batch.w_end)
        if cfg.word_dedoubled:
            buckets.append(_finish(_dedoubled_hashes(batch), _DEDUP_SALT, cfg.bits))
            lo.append(batch.w_start)
            hi.append(batch.w_end)
        if cfg.word_bigrams and len(pair):
            w_row = np.searchsorted(batch.starts, batch.w_start, side="right") - 1
            same = np.flatnonzero(w_row[:-1] == w_row[1:])
            buckets.append(_finish(pair[same], _BIGRAM_SALT, cfg.bits))
            lo.append(batch.w_start[same])
            hi.append(batch.w_end[same + 1])
    empty = np.zeros(0, dtype=np.int64)
    bucket = np.concatenate(buckets) if buckets else empty
    start = np.concatenate(lo) if lo else empty
    end = np.concatenate(hi) if hi else empty
    row = np.searchsorted(batch.starts, start, side="right") - 1
    base = batch.starts[row] + 1
    return Grams(
        bucket=bucket,
        row=row,
        value=_scale(batch, cfg)[row],
        start=np.clip(start - base, 0, None),
        end=np.minimum(end - base, batch.lengths[row]),
    )


def matrix(texts: Sequence[str], cfg: FeatureConfig) -> sparse.csr_matrix:
    """``texts`` as a ``(len(texts), 2**bits)`` sparse matrix (duplicates summed).

    Training only: needs scipy (the ``[train]`` extra).
    """
    from scipy import sparse

    grams = extract(texts, cfg)
    mat = sparse.csr_matrix(
        (grams.value, (grams.row, grams.bucket)),
        shape=(len(texts), cfg.buckets),
        dtype=np.float32,
    )
    mat.sum_duplicates()
    mat.sort_indices()
    return mat
