"""Static sentence embeddings distilled from all-MiniLM-L6-v2: a WordPiece lookup and a mean.

``chatwarden/model/bundled/embeddings/`` (shipped inside the package) holds one vector per
WordPiece token of all-MiniLM-L6-v2's vocabulary (``minilm_static.npz``, float16, made once by
``scripts/distill_embeddings.py``) and the vocabulary (``vocab.txt``). A line is embedded as the
L2-normalised mean of its tokens' vectors: no neural network runs here, only a pure-Python
tokenizer (BERT's uncased basic tokenizer plus greedy longest-match-first WordPiece, cached per
word) and one numpy gather. Unknown tokens are skipped;
a line with no known token embeds to the zero vector.

Input is expected to be normalised already (``chatwarden.pipeline.normalise.normalise_text``);
the tokenizer still lower-cases and strips accents itself, as BERT's does.
"""

from __future__ import annotations

import hashlib
import math
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt

from chatwarden.errors import ModelError

__all__ = ["DEFAULT_DIR", "StaticEmbedder", "WordPiece", "embeddings_digest", "load_embedder"]

DEFAULT_DIR: Final = Path(__file__).resolve().parent / "bundled" / "embeddings"
EMBEDDINGS_FILE: Final = "minilm_static.npz"
VOCAB_FILE: Final = "vocab.txt"
UNK: Final = "[UNK]"
#: BERT's limit: a longer whitespace-free run is one unknown token.
MAX_WORD_CHARS: Final = 100
#: The per-word cache is cleared when it grows past this (bounded memory on adversarial input).
MAX_CACHE: Final = 1 << 18

F32 = npt.NDArray[np.float32]


def _is_punct(ch: str) -> bool:
    cp = ord(ch)
    if 33 <= cp <= 47 or 58 <= cp <= 64 or 91 <= cp <= 96 or 123 <= cp <= 126:
        return True
    return unicodedata.category(ch).startswith("P")


def _is_cjk(cp: int) -> bool:
    return (
        0x4E00 <= cp <= 0x9FFF
        or 0x3400 <= cp <= 0x4DBF
        or 0x20000 <= cp <= 0x2A6DF
        or 0x2A700 <= cp <= 0x2B81F
        or 0x2B820 <= cp <= 0x2CEAF
        or 0xF900 <= cp <= 0xFAFF
        or 0x2F800 <= cp <= 0x2FA1F
    )


def _basic_split(word: str) -> list[str]:
    """BERT's basic tokenizer on one whitespace-free chunk: lower, strip accents, split
    punctuation and CJK ideographs into their own pieces, drop control characters."""
    word = word.lower()
    if not word.isascii():
        word = "".join(
            c for c in unicodedata.normalize("NFD", word) if unicodedata.category(c) != "Mn"
        )
    parts: list[str] = []
    cur: list[str] = []
    for ch in word:
        cp = ord(ch)
        if (
            cp < 32
            or cp == 127
            or cp == 0xFFFD
            or (cp > 127 and unicodedata.category(ch)[0] == "C")
        ):
            continue  # as BERT: control, format, private-use and unassigned characters go
        if _is_punct(ch) or _is_cjk(cp) or ch.isspace():
            if cur:
                parts.append("".join(cur))
                cur = []
            if not ch.isspace():
                parts.append(ch)
        else:
            cur.append(ch)
    if cur:
        parts.append("".join(cur))
    return parts


class WordPiece:
    """BERT-uncased tokenization against a vocabulary, cached per whitespace-separated word."""

    def __init__(self, vocab: Sequence[str]) -> None:
        self.vocab: dict[str, int] = {tok: i for i, tok in enumerate(vocab)}
        if UNK not in self.vocab:
            raise ModelError(f"vocabulary has no {UNK} token")
        self.unk_id = self.vocab[UNK]
        self.max_piece = max(len(t) for t in vocab)
        self._cache: dict[str, tuple[int, ...]] = {}

    def _pieces(self, chunk: str) -> list[int]:
        """Greedy longest-match-first WordPiece of one punctuation-free chunk."""
        if len(chunk) > MAX_WORD_CHARS:
            return [self.unk_id]
        vocab = self.vocab
        out: list[int] = []
        start, n = 0, len(chunk)
        while start < n:
            end = min(n, start + self.max_piece)
            found = -1
            while end > start:
                piece = chunk[start:end] if start == 0 else "##" + chunk[start:end]
                found = vocab.get(piece, -1)
                if found >= 0:
                    break
                end -= 1
            if found < 0:
                return [self.unk_id]  # as BERT: one unmatched piece makes the word unknown
            out.append(found)
            start = end
        return out

    def word_ids(self, word: str) -> tuple[int, ...]:
        """Token ids of one whitespace-free word (cached)."""
        ids = self._cache.get(word)
        if ids is None:
            ids = tuple(i for chunk in _basic_split(word) for i in self._pieces(chunk))
            if len(self._cache) >= MAX_CACHE:
                self._cache.clear()
            self._cache[word] = ids
        return ids

    def ids(self, text: str) -> list[int]:
        """Token ids of ``text`` (``[UNK]`` included)."""
        out: list[int] = []
        for word in text.split():
            out.extend(self.word_ids(word))
        return out

    def tokenize(self, text: str) -> list[str]:
        """Token strings of ``text``, for inspection and tests."""
        inv = self._inverse()
        return [inv[i] for i in self.ids(text)]

    def _inverse(self) -> list[str]:
        inv = [""] * len(self.vocab)
        for tok, i in self.vocab.items():
            inv[i] = tok
        return inv


class StaticEmbedder:
    """``embed(texts) -> (n, dim)`` float32, each row the L2-normalised mean of token vectors."""

    def __init__(self, table: F32, vocab: Sequence[str]) -> None:
        if table.ndim != 2 or table.shape[0] != len(vocab):
            raise ModelError(f"embedding table {table.shape} does not match {len(vocab)} tokens")
        self.table = table
        self.tokenizer = WordPiece(vocab)
        self.dim = int(table.shape[1])
        # word -> ids without [UNK]: the unknown token's vector means nothing for a line
        self._ids: dict[str, tuple[int, ...]] = {}

    def _word(self, word: str) -> tuple[int, ...]:
        unk = self.tokenizer.unk_id
        ids = tuple(i for i in self.tokenizer.word_ids(word) if i != unk)
        if len(self._ids) >= MAX_CACHE:
            self._ids.clear()
        self._ids[word] = ids
        return ids

    def word_sums(self, words: Sequence[str]) -> F32:
        """Per word, the sum of its token vectors, shape ``(len(words), dim)``.

        A line's unit embedding is the sum of its words' rows divided by the norm of that sum,
        so a linear head over it splits exactly into per-word shares (used for explanations).
        """
        out = np.zeros((len(words), self.dim), dtype=np.float32)
        cache = self._ids
        for i, text in enumerate(words):
            ids: list[int] = []
            for w in text.split():
                got = cache.get(w)
                ids.extend(got if got is not None else self._word(w))
            if ids:
                out[i] = self.table[ids].sum(axis=0)
        return out

    def embed(self, texts: Sequence[str], *, unit: bool = True) -> F32:
        """Embeddings of ``texts`` (normalised chat lines), shape ``(len(texts), dim)``.

        Each row is the mean of the line's token vectors, scaled to unit length when ``unit``
        (the default). Without ``unit`` the rows are plain means, so a linear head over them
        equals the mean of per-token scores: it can be folded into a per-token lookup table.
        """
        n = len(texts)
        out = np.zeros((n, self.dim), dtype=np.float32)
        ids: list[int] = []
        starts = np.empty(n, dtype=np.int64)
        cache = self._ids
        word = self._word
        extend = ids.extend
        for row, text in enumerate(texts):
            starts[row] = len(ids)
            for w in text.split():
                got = cache.get(w)
                extend(got if got is not None else word(w))
        if not ids:
            return out
        if n == 1:  # the one-message path: as few numpy calls as possible
            vec = self.table[ids].sum(axis=0)
            scale1 = math.sqrt(float(vec @ vec)) if unit else float(len(ids))
            out[0] = vec / max(scale1, 1e-12)
            return out
        lengths = np.diff(np.append(starts, len(ids)))
        has = lengths > 0
        sums = np.add.reduceat(self.table[np.asarray(ids, dtype=np.int64)], starts[has], axis=0)
        counts = lengths[has, None].astype(np.float32)
        if unit:
            scale = np.linalg.norm(sums, axis=1, keepdims=True)
            np.maximum(scale, 1e-12, out=scale)
        else:
            scale = counts
        out[has] = sums / scale
        return out


_CACHE: dict[Path, StaticEmbedder] = {}
_LOCK = threading.Lock()


def _load(path: Path) -> StaticEmbedder:
    try:
        vocab = (path / VOCAB_FILE).read_text(encoding="utf-8").splitlines()
        with np.load(path / EMBEDDINGS_FILE, allow_pickle=False) as npz:
            table = np.asarray(npz["embeddings"], dtype=np.float32)
    except (OSError, KeyError, ValueError, UnicodeDecodeError) as exc:
        raise ModelError(f"cannot load static embeddings from {path}: {exc}") from exc
    return StaticEmbedder(table, vocab)


def embeddings_digest(path: Path | None = None) -> str:
    """SHA-256 over the embedding table and the vocabulary in ``path`` (``None``: DEFAULT_DIR).

    Raises:
        ModelError: a file is missing or unreadable.
    """
    folder = path or DEFAULT_DIR
    h = hashlib.sha256()
    try:
        for name in (EMBEDDINGS_FILE, VOCAB_FILE):
            h.update(hashlib.sha256((folder / name).read_bytes()).digest())
    except OSError as exc:
        raise ModelError(f"cannot read static embeddings in {folder}: {exc}") from exc
    return h.hexdigest()


def load_embedder(path: Path | None = None) -> StaticEmbedder:
    """Load (once per directory, then cached) the static embeddings; ``None``: ``DEFAULT_DIR``.

    Raises:
        ModelError: the files are missing or do not fit together.
    """
    key = (path or DEFAULT_DIR).resolve()
    with _LOCK:
        emb = _CACHE.get(key)
        if emb is None:
            emb = _load(key)
            _CACHE[key] = emb
        return emb
