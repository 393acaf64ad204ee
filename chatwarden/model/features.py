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
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt
from scipy import sparse

U64 = npt.NDArray[np.uint64]
I64 = npt.NDArray[np.int64]
F32 = npt.NDArray[np.float32]

_BASE = np.uint64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_BASE_INV = np.uint64(pow(0x100000001B3, -1, 2**64))
_MIX = np.uint64(0x9E3779B97F4A7C15)
_SEP = 1  # code point that separates messages in the batch buffer
_SPACE = 32
_WORD_SALT = np.uint64(0xD6E8FEB86659FD93)
_BIGRAM_SALT = np.uint64(0xA0761D6478BD642F)


@dataclass(frozen=True)
class FeatureConfig:
    """What the hashing featuriser extracts; saved in ``meta.json`` next to the weights."""

    bits: int = 20
    char_ngrams: tuple[int, ...] = (2, 3, 4, 5)
    word_unigrams: bool = True
    word_bigrams: bool = True

    def to_json(self) -> dict[str, object]:
        return {
            "bits": self.bits,
            "char_ngrams": list(self.char_ngrams),
            "word_unigrams": self.word_unigrams,
            "word_bigrams": self.word_bigrams,
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


@dataclass
class _Powers:
    fwd: U64 = field(default_factory=lambda: np.ones(1, dtype=np.uint64))
    inv: U64 = field(default_factory=lambda: np.ones(1, dtype=np.uint64))

    def upto(self, n: int) -> tuple[U64, U64]:
        if len(self.fwd) < n:
            size = max(n, 2 * len(self.fwd))
            with np.errstate(over="ignore"):
                fwd = np.full(size, _BASE, dtype=np.uint64)
                fwd[0] = 1
                inv = np.full(size, _BASE_INV, dtype=np.uint64)
                inv[0] = 1
                self.fwd = np.cumprod(fwd, dtype=np.uint64)
                self.inv = np.cumprod(inv, dtype=np.uint64)
        return self.fwd[:n], self.inv[:n]


_POWERS = _Powers()


def _codepoints(texts: Sequence[str]) -> tuple[U64, I64, I64]:
    """The batch as one code-point buffer ``\\x01 text0 \\x01 text1 ... \\x01``.

    Each text is wrapped in spaces; returns the buffer, the start offset of each padded text and
    the message index of every position (-1 on separators).
    """
    padded = "\x01" + "\x01".join(f" {t.replace(chr(_SEP), ' ')} " for t in texts) + "\x01"
    raw = padded.encode("utf-32-le", errors="surrogatepass")
    cps = np.frombuffer(raw, dtype=np.uint32).astype(np.uint64)
    lens = np.fromiter((len(t) + 2 for t in texts), dtype=np.int64, count=len(texts))
    starts = np.empty(len(texts), dtype=np.int64)
    if len(texts):
        starts[0] = 1
        np.cumsum(lens[:-1] + 1, out=starts[1:])
        starts[1:] += 1
    row = np.full(len(cps), -1, dtype=np.int64)
    seps = np.flatnonzero(cps == _SEP)
    marks = np.zeros(len(cps), dtype=np.int64)
    marks[seps[:-1] + 1] = 1
    row = np.cumsum(marks) - 1
    row[seps] = -1
    return cps, starts, row


def _finish(h: U64, salt: np.uint64, bits: int) -> I64:
    with np.errstate(over="ignore"):
        x = (h ^ salt) * _MIX
    return (x >> np.uint64(64 - bits)).astype(np.int64)


def extract(texts: Sequence[str], cfg: FeatureConfig) -> Grams:
    """All hashed n-grams of ``texts`` (already normalised)."""
    cps, starts, row = _codepoints(texts)
    size = len(cps)
    fwd, inv = _POWERS.upto(size + 1)
    with np.errstate(over="ignore"):
        prefix = np.zeros(size + 1, dtype=np.uint64)
        np.cumsum(cps * fwd[:size], out=prefix[1:])
    buckets: list[I64] = []
    rows: list[I64] = []
    lo: list[I64] = []
    hi: list[I64] = []

    def sub_hash(a: I64, b: I64) -> U64:
        with np.errstate(over="ignore"):
            out: U64 = (prefix[b] - prefix[a]) * inv[a]
        return out

    for n in cfg.char_ngrams:
        if size < n:
            continue
        a = np.arange(size - n + 1, dtype=np.int64)
        ok = (row[a] >= 0) & (row[a] == row[a + n - 1])
        a = a[ok]
        b = a + n
        h = sub_hash(a, b)
        buckets.append(_finish(h, np.uint64(n), cfg.bits))
        rows.append(row[a])
        lo.append(a)
        hi.append(b)

    if cfg.word_unigrams or cfg.word_bigrams:
        is_gap = (cps == _SPACE) | (cps == _SEP)
        edges = np.diff(is_gap.astype(np.int8))
        w_start = np.flatnonzero(edges == -1) + 1
        w_end = np.flatnonzero(edges == 1) + 1
        w_hash = sub_hash(w_start, w_end)
        w_row = row[w_start]
        if cfg.word_unigrams:
            buckets.append(_finish(w_hash, _WORD_SALT, cfg.bits))
            rows.append(w_row)
            lo.append(w_start)
            hi.append(w_end)
        if cfg.word_bigrams and len(w_start) > 1:
            same = w_row[:-1] == w_row[1:]
            with np.errstate(over="ignore"):
                pair = w_hash[:-1][same] * _MIX + w_hash[1:][same]
            buckets.append(_finish(pair, _BIGRAM_SALT, cfg.bits))
            rows.append(w_row[:-1][same])
            lo.append(w_start[:-1][same])
            hi.append(w_end[1:][same])

    empty = np.zeros(0, dtype=np.int64)
    bucket = np.concatenate(buckets) if buckets else empty
    grow = np.concatenate(rows) if rows else empty
    start = np.concatenate(lo) if lo else empty
    end = np.concatenate(hi) if hi else empty
    counts = np.bincount(grow, minlength=len(texts)).astype(np.float32)
    scale = 1.0 / np.sqrt(np.maximum(counts, 1.0))
    # Offsets relative to each message's own text: the padding space sits at starts[row].
    base = starts[grow] + 1 if len(grow) else empty
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    rel_start = np.clip(start - base, 0, None)
    rel_end = np.minimum(end - base, lengths[grow]) if len(grow) else empty
    return Grams(
        bucket=bucket,
        row=grow,
        value=scale[grow].astype(np.float32),
        start=rel_start,
        end=rel_end,
    )


def matrix(texts: Sequence[str], cfg: FeatureConfig) -> sparse.csr_matrix:
    """``texts`` as a ``(len(texts), 2**bits)`` sparse matrix (duplicates summed)."""
    grams = extract(texts, cfg)
    mat = sparse.csr_matrix(
        (grams.value, (grams.row, grams.bucket)),
        shape=(len(texts), cfg.buckets),
        dtype=np.float32,
    )
    mat.sum_duplicates()
    mat.sort_indices()
    return mat
