"""Tier 1 classifier: hashed n-grams and one linear head per column, loaded from npz + JSON.

The model directory holds ``weights.npz`` (no pickles: ``rows``, ``weights``, ``bias``) and
``meta.json`` (version, columns, per-level thresholds, feature config, training data hashes and
dev-split metrics). ``load_model()`` with no path loads the copy bundled in
``chatwarden/model/bundled/``.
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
from chatwarden.model.features import FeatureConfig, extract, sums

__all__ = ["BUNDLED_DIR", "COLUMNS", "Model", "load_model"]

COLUMNS: Final[tuple[str, ...]] = ("harm", *CATEGORIES)
BUNDLED_DIR: Final = pathlib.Path(__file__).parent / "bundled"
WEIGHTS_FILE: Final = "weights.npz"
META_FILE: Final = "meta.json"
LEVELS: Final = 4

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
    ) -> None:
        rows = features.buckets + 1  # the extra zero row absorbs padding n-grams
        if weights.shape != (rows, len(COLUMNS)) or bias.shape != (len(COLUMNS),):
            raise ModelError(
                f"weights have shape {weights.shape}, bias {bias.shape}; expected "
                f"({rows}, {len(COLUMNS)}) and ({len(COLUMNS)},)"
            )
        self.weights = weights
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

        For a column gated by harm this is the logit of its conditional head (which words make
        it this category rather than another).

        Each n-gram's weight is split evenly among the words it touches, so the contributions
        plus the bias add up to the logit.
        """
        if column not in COLUMNS:
            raise KeyError(f"unknown column {column!r}; expected one of {COLUMNS}")
        col = COLUMNS.index(column)
        words: list[tuple[int, int]] = []
        pos = 0
        for part in text.split(" "):
            if part:
                words.append((pos, pos + len(part)))
            pos += len(part) + 1
        if not words:
            return []
        grams = extract([text], self.features)
        gram_w = self.weights[grams.bucket, col].astype(np.float64) * grams.value
        w_start = np.array([s for s, _ in words])
        w_end = np.array([e for _, e in words])
        # overlap[g, w]: gram g touches word w
        overlap = (grams.start[:, None] < w_end[None, :]) & (grams.end[:, None] > w_start[None, :])
        share = overlap / np.maximum(overlap.sum(axis=1, keepdims=True), 1)
        totals = share.T @ gram_w
        ranked = sorted(
            ((s, e, float(v)) for (s, e), v in zip(words, totals, strict=True)),
            key=lambda item: (-item[2], item[0]),
        )
        return ranked


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
    gated = meta.get("gated_by_harm", [])
    if not isinstance(gated, list) or not set(gated) <= set(COLUMNS[1:]):
        raise ModelError(f"meta.json 'gated_by_harm' must list columns of {COLUMNS[1:]}")
    thresholds = _thresholds(meta.get("thresholds"))
    return Model(dense, bias, features, thresholds, version, [str(c) for c in gated])


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
