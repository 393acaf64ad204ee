"""Tier 1 classifier: hashed n-grams plus static sentence embeddings, one linear head per column.

Each column's logit is ``ngrams(text) @ W + embed(text) @ W_emb + bias``: one joint logistic
regression per column over the hashed n-grams (``features``) and the 128 unit-length static
MiniLM embedding dims (``embeddings``, table shipped in ``bundled/embeddings/``).

The model directory holds ``weights.npz`` (no pickles: ``rows``, ``weights``, ``bias`` and, with
embeddings, ``emb``) and ``meta.json`` (version, columns, per-level thresholds, feature config,
the embedding table's SHA-256, training data hashes and dev-split metrics). The version is a hash
of everything that affects decisions (``model_version``) and is checked on load, as are the
weights' and the embedding table's SHA-256. ``load_model()`` with no path loads the copy bundled
in ``chatwarden/model/bundled/``.
"""

from __future__ import annotations

import hashlib
import json
import pathlib
import threading
from collections.abc import Sequence
from typing import Final

import numpy as np
import numpy.typing as npt

from chatwarden.categories import CATEGORIES
from chatwarden.errors import ModelError
from chatwarden.model.embeddings import (
    DEFAULT_DIR as EMBEDDINGS_DIR,
)
from chatwarden.model.embeddings import (
    StaticEmbedder,
    embeddings_digest,
    load_embedder,
)
from chatwarden.model.features import FeatureConfig, extract, single_grams, sums

__all__ = ["BUNDLED_DIR", "COLUMNS", "Model", "load_model", "model_version"]

COLUMNS: Final[tuple[str, ...]] = ("harm", *CATEGORIES)
BUNDLED_DIR: Final = pathlib.Path(__file__).parent / "bundled"
WEIGHTS_FILE: Final = "weights.npz"
META_FILE: Final = "meta.json"
LEVELS: Final = 4
#: The parts of meta.json that change decisions; ``model_version`` hashes them with the weights.
VERSIONED_META: Final = ("columns", "thresholds", "features", "gated_by_harm", "embeddings")

Thresholds = dict[str, tuple[float, float, float, float]]


class Model:
    """Per-column probabilities for normalised chat lines, and the words behind them."""

    def __init__(
        self,
        weights: npt.NDArray[np.float32],
        bias: npt.NDArray[np.float32],
        features: FeatureConfig,
        thresholds: Thresholds,
        version: str,
        gated_by_harm: Sequence[str] = (),
        embedder: StaticEmbedder | None = None,
        emb_weights: npt.NDArray[np.float32] | None = None,
    ) -> None:
        rows = features.buckets + 1  # the extra zero row absorbs padding n-grams
        if weights.shape != (rows, len(COLUMNS)) or bias.shape != (len(COLUMNS),):
            raise ModelError(
                f"weights have shape {weights.shape}, bias {bias.shape}; expected "
                f"({rows}, {len(COLUMNS)}) and ({len(COLUMNS)},)"
            )
        if (embedder is None) != (emb_weights is None) or (
            embedder is not None
            and emb_weights is not None
            and emb_weights.shape != (embedder.dim, len(COLUMNS))
        ):
            raise ModelError("embedding weights need an embedder of their width, and vice versa")
        self.weights = weights
        #: static sentence embedder and its ``(dim, len(COLUMNS))`` weights (or both None)
        self.embedder = embedder
        self.emb_weights = emb_weights
        self.bias = bias
        self.features = features
        self.thresholds = thresholds
        self.version = version
        #: columns served as P(harm) * P(column | harm)
        self.gated_by_harm = tuple(gated_by_harm)
        self._gated = [COLUMNS.index(c) for c in self.gated_by_harm]

    def logits(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Raw scores ``(len(texts), len(COLUMNS))`` before the sigmoid."""
        out = sums(texts, self.features, self.weights)
        if self.embedder is not None and self.emb_weights is not None:
            out += self.embedder.embed(texts) @ self.emb_weights
        out += self.bias
        return out

    def predict(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        """Probabilities in [0, 1], shape ``(len(texts), len(COLUMNS))``, columns as COLUMNS."""
        z = self.logits(texts)
        np.clip(z, -30.0, 30.0, out=z)
        np.negative(z, out=z)
        np.exp(z, out=z)
        z += 1.0
        np.reciprocal(z, out=z)
        if self._gated:
            z[:, self._gated] *= z[:, :1]
        return z

    def contributions(self, text: str, column: str) -> list[tuple[int, int, float]]:
        """Word spans of ``text`` with their share of ``column``'s logit, largest first.

        Same as ``contributions_many(text, [column])[column]``.
        """
        return self.contributions_many(text, [column])[column]

    def contributions_many(
        self, text: str, columns: Sequence[str]
    ) -> dict[str, list[tuple[int, int, float]]]:
        """Per column, the word spans of ``text`` with their share of its logit, largest first.

        Features are extracted once for all ``columns``. For a column gated by harm this is the
        logit of its conditional head (which words make it this category rather than another).

        Each n-gram's weight is split evenly among the words it touches. The embedding part is
        attributed exactly per word: a line's unit embedding is the sum of its words' token
        vectors over the norm of that sum, so word w gets ``sum_w @ W_emb / norm``. The
        contributions plus the bias therefore add up to the logit.

        Raises:
            KeyError: a column is not one of ``COLUMNS``.
        """
        for column in columns:
            if column not in COLUMNS:
                raise KeyError(f"unknown column {column!r}; expected one of {COLUMNS}")
        cols = [COLUMNS.index(c) for c in columns]
        words: list[tuple[int, int]] = []
        pos = 0
        for part in text.split(" "):
            if part:
                words.append((pos, pos + len(part)))
            pos += len(part) + 1
        if not words or not cols:
            return {c: [] for c in columns}
        grams = single_grams(text, self.features)
        gram_w = self.weights[grams.bucket][:, cols].astype(np.float64) * grams.value[:, None]
        w_start = np.array([s for s, _ in words])
        w_end = np.array([e for _, e in words])
        # overlap[g, w]: gram g touches word w
        overlap = (grams.start[:, None] < w_end[None, :]) & (grams.end[:, None] > w_start[None, :])
        share = overlap / np.maximum(overlap.sum(axis=1, keepdims=True), 1)
        totals = share.T @ gram_w  # (words, columns)
        if self.embedder is not None and self.emb_weights is not None:
            vecs = self.embedder.word_sums([text[s:e] for s, e in words]).astype(np.float64)
            norm = float(np.linalg.norm(vecs.sum(axis=0)))
            if norm > 1e-12:
                totals += (vecs @ self.emb_weights[:, cols].astype(np.float64)) / norm
        out: dict[str, list[tuple[int, int, float]]] = {}
        for k, column in enumerate(columns):
            out[column] = sorted(
                ((s, e, float(v)) for (s, e), v in zip(words, totals[:, k], strict=True)),
                key=lambda item: (-item[2], item[0]),
            )
        return out

    def word_contributions(
        self, texts: Sequence[str]
    ) -> list[tuple[list[tuple[int, int]], npt.NDArray[np.float64]]]:
        """For each text, its words' spans and their share of every column's logit.

        The batch form of ``contributions_many`` (same attribution, same numbers): one feature
        extraction for all ``texts``, shares distributed with array operations. Returns, per
        text, ``(words, totals)`` with ``totals`` of shape ``(len(words), len(COLUMNS))``.
        """
        spans: list[list[tuple[int, int]]] = []
        w_row: list[int] = []
        w_lo: list[int] = []
        w_hi: list[int] = []
        for i, text in enumerate(texts):
            words: list[tuple[int, int]] = []
            pos = 0
            for part in text.split(" "):
                if part:
                    words.append((pos, pos + len(part)))
                    w_row.append(i)
                    w_lo.append(pos)
                    w_hi.append(pos + len(part))
                pos += len(part) + 1
            spans.append(words)
        totals = np.zeros((len(w_row), len(COLUMNS)), dtype=np.float64)
        if len(w_row) and len(texts):
            # global coordinates: every text on its own stretch of one line
            offsets = np.zeros(len(texts) + 1, dtype=np.int64)
            np.cumsum([len(t) + 2 for t in texts], out=offsets[1:])
            rows = np.asarray(w_row, dtype=np.int64)
            g_lo = offsets[rows] + np.asarray(w_lo, dtype=np.int64)
            g_hi = offsets[rows] + np.asarray(w_hi, dtype=np.int64)
            grams = extract(list(texts), self.features)
            gram_w = self.weights[grams.bucket].astype(np.float64) * grams.value[:, None]
            a = offsets[grams.row] + grams.start
            b = offsets[grams.row] + grams.end
            first = np.searchsorted(g_hi, a, side="right")  # first word ending after a
            last = np.searchsorted(g_lo, b, side="left") - 1  # last word starting before b
            touched = last - first + 1
            ok = touched > 0
            share = gram_w[ok] / touched[ok, None]
            first, touched = first[ok], touched[ok]
            n_words = len(w_row)
            for k in range(int(touched.max(initial=0))):
                sel = touched > k
                idx = first[sel] + k
                for col in range(len(COLUMNS)):
                    totals[:, col] += np.bincount(idx, share[sel, col], minlength=n_words)
            if self.embedder is not None and self.emb_weights is not None:
                vecs = self.embedder.word_sums(
                    [texts[r][lo:hi] for r, lo, hi in zip(w_row, w_lo, w_hi, strict=True)]
                ).astype(np.float64)
                sums = np.zeros((len(texts), vecs.shape[1]), dtype=np.float64)
                starts = np.flatnonzero(np.r_[True, rows[1:] != rows[:-1]])
                sums[rows[starts]] = np.add.reduceat(vecs, starts, axis=0)
                norms = np.linalg.norm(sums, axis=1)
                scale = np.where(norms > 1e-12, 1.0 / np.maximum(norms, 1e-12), 0.0)
                totals += (vecs @ self.emb_weights.astype(np.float64)) * scale[rows, None]
        out = []
        start = 0
        for words in spans:
            out.append((words, totals[start : start + len(words)]))
            start += len(words)
        return out


def _read_meta(path: pathlib.Path) -> dict[str, object]:
    try:
        meta = json.loads((path / META_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ModelError(f"model directory {path} has no {META_FILE}") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"cannot read {path / META_FILE}: {exc}") from exc
    if not isinstance(meta, dict):
        raise ModelError(f"{path / META_FILE} must hold a JSON object")
    return meta


def _thresholds(raw: object) -> Thresholds:
    if not isinstance(raw, dict) or set(raw) != set(COLUMNS):
        raise ModelError(f"meta.json 'thresholds' must give the columns {COLUMNS}")
    out: Thresholds = {}
    for col in COLUMNS:
        vals = raw[col]
        if not isinstance(vals, list) or len(vals) != LEVELS:
            raise ModelError(f"meta.json thresholds[{col!r}] must be {LEVELS} numbers")
        a, b, c, d = (float(v) for v in vals)
        out[col] = (a, b, c, d)
    return out


def weights_digest(path: pathlib.Path) -> str:
    """SHA-256 of a weights file; the model version is derived from it."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def model_version(weights_path: pathlib.Path, meta: dict[str, object]) -> str:
    """``tier1-`` and 12 hex digits of a SHA-256 over the weights file and every part of the
    meta that affects decisions (``VERSIONED_META``: thresholds, feature config, gating, the
    embedding table's hash...): change any of them and the version changes."""
    h = hashlib.sha256(weights_digest(weights_path).encode())
    decisive = {key: meta.get(key) for key in VERSIONED_META}
    h.update(json.dumps(decisive, sort_keys=True, separators=(",", ":")).encode())
    return f"tier1-{h.hexdigest()[:12]}"


def _embedder(path: pathlib.Path, raw: object) -> StaticEmbedder:
    """The static embedder a model was trained with: ``path/embeddings`` or the bundled table,
    checked against meta.json's ``embeddings.sha256``."""
    if not isinstance(raw, dict) or not isinstance(raw.get("sha256"), str):
        raise ModelError("meta.json 'embeddings' must be an object with a 'sha256' string")
    folder = path / "embeddings"
    if not folder.is_dir():
        folder = EMBEDDINGS_DIR
    if embeddings_digest(folder) != raw["sha256"]:
        raise ModelError(
            f"static embeddings in {folder} do not match meta.json's embeddings.sha256 (corrupt?)"
        )
    return load_embedder(folder)


def _load(path: pathlib.Path) -> Model:
    meta = _read_meta(path)
    weights_path = path / WEIGHTS_FILE
    try:
        digest = weights_digest(weights_path)
    except FileNotFoundError as exc:
        raise ModelError(f"model directory {path} has no {WEIGHTS_FILE}") from exc
    if meta.get("weights_sha256") != digest:
        raise ModelError(f"{weights_path} does not match meta.json's weights_sha256 (corrupt?)")
    if meta.get("columns") != list(COLUMNS):
        raise ModelError(f"meta.json columns {meta.get('columns')!r} are not {list(COLUMNS)}")
    try:
        features = FeatureConfig.from_json(meta["features"])  # type: ignore[arg-type]
        with np.load(weights_path, allow_pickle=False) as npz:
            rows = np.asarray(npz["rows"], dtype=np.int64)
            packed = np.asarray(npz["weights"], dtype=np.float32)
            bias = np.asarray(npz["bias"], dtype=np.float32)
            emb_w = np.asarray(npz["emb"], dtype=np.float32) if "emb" in npz.files else None
        dense = np.zeros((features.buckets + 1, len(COLUMNS)), dtype=np.float32)
        if rows.size and int(rows.max()) >= features.buckets:
            raise ModelError(f"{weights_path} has a row outside the {features.buckets} buckets")
        dense[rows] = packed
    except ModelError:
        raise
    except (KeyError, ValueError, TypeError, IndexError, OSError) as exc:
        raise ModelError(f"cannot load model from {path}: {exc}") from exc
    version = meta.get("version")
    if not isinstance(version, str):
        raise ModelError("meta.json has no 'version' string")
    if version != model_version(weights_path, meta):
        raise ModelError(
            f"meta.json version {version} does not match the weights and settings it describes "
            f"({model_version(weights_path, meta)}): retrain, or recompute it with model_version"
        )
    embedder = None
    if meta.get("embeddings") is not None:
        if emb_w is None:
            raise ModelError(f"{weights_path} has no 'emb' array but meta.json has embeddings")
        embedder = _embedder(path, meta["embeddings"])
    elif emb_w is not None:
        raise ModelError(f"{weights_path} has an 'emb' array but meta.json has no embeddings")
    gated = meta.get("gated_by_harm", [])
    if not isinstance(gated, list) or not set(gated) <= set(COLUMNS[1:]):
        raise ModelError(f"meta.json 'gated_by_harm' must list columns of {COLUMNS[1:]}")
    thresholds = _thresholds(meta.get("thresholds"))
    try:
        return Model(
            dense,
            bias,
            features,
            thresholds,
            version,
            [str(c) for c in gated],
            embedder=embedder,
            emb_weights=emb_w,
        )
    except ModelError as exc:
        raise ModelError(f"cannot load model from {path}: {exc}") from exc


_CACHE: dict[pathlib.Path, Model] = {}
_LOCK = threading.Lock()


def load_model(path: pathlib.Path | None = None) -> Model:
    """Load (once per directory, then cached) a model; ``None`` gives the bundled one.

    Raises:
        ModelError: the directory, a file, or its contents are missing or corrupt.
    """
    key = (path or BUNDLED_DIR).resolve()
    with _LOCK:
        model = _CACHE.get(key)
        if model is None:
            model = _load(key)
            _CACHE[key] = model
        return model
