"""Train the tier 1 model from ``data/`` into a model directory (``weights.npz`` + ``meta.json``).

Steps: read and label every source (``datasets``), add synthetic chat (``chatgen``), dedupe,
split by group into train/dev, add chat-style variants of the training lines (``augment``),
normalise every line as serving does (serving also cuts the live-chat vocabulary out,
``classify.model_text``; training on that text measured worse on Dota chat), hash n-grams
(``chatwarden.model.features``) and append the 128 unit-length static MiniLM embedding dims
(``chatwarden.model.embeddings``) as dense features, fit one joint L2 logistic regression per
column on the rows that column's label is known for, prune tiny n-gram weights, pick per-level
thresholds on the dev split, and write the files. Same data and seed give byte-identical files.
"""

from __future__ import annotations

import hashlib
import io
import json
import random
import time
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Final

import numpy as np
import numpy.typing as npt
from rich.console import Console
from rich.progress import Progress
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from chatwarden.categories import CATEGORIES, MAX_LEVEL, SEVERE, preset
from chatwarden.model import COLUMNS, META_FILE, WEIGHTS_FILE, model_version
from chatwarden.model.embeddings import DEFAULT_DIR as EMBEDDINGS_DIR
from chatwarden.model.embeddings import embeddings_digest, load_embedder
from chatwarden.model.features import FeatureConfig, matrix
from chatwarden.pipeline.normalise import normalise
from chatwarden.textgen import chat
from chatwarden.training import chatgen
from chatwarden.training.augment import restyle
from chatwarden.training.datasets import (
    UNKNOWN,
    WORDS,
    Example,
    Lexicon,
    file_hashes,
    identity_counts,
    load_examples,
    make_labels,
    split,
    text_key,
)
from chatwarden.training.feedback import Feedback, to_examples

#: Category thresholds (levels 1-4): at most this share of the dev split's harmless lines reaches
#: a category's threshold ...
HARMLESS_RATE: Final = (0.0005, 0.001, 0.003, 0.01)
#: ... at most this share of its harmful lines of another kind (harm 1, this category 0) ...
OTHER_KIND_RATE: Final = (0.01, 0.03, 0.06, 0.15)
#: ... and at most this share of its milder lines, those whose ``min_level`` is above the level
#: (synthetic trash talk such as "uninstall noob", "bozo", "L" is bullying held only at level 4).
MILD_RATE: Final = (0.005, 0.01, 0.03, 1.0)
#: Category thresholds never exceed this: high enough that bullying's levels 1-3 can sit above
#: synthetic trash talk the model scores 0.99.
MAX_CATEGORY_THRESHOLD: Final = 0.999
#: Precision each level aims for on the dev split (level 1 first), at ``PREVALENCE``: the rule
#: for ``harm`` (whose level-4 threshold is the policy's harm floor) and ``swearing``.
LEVEL_PRECISION: Final = (0.9, 0.8, 0.7, 0.55)
#: Share of harmful lines assumed when computing precision: chat is mostly harmless, and the
#: dev split's own mix (mostly positives) would make every threshold far too low.
PREVALENCE: Final = 0.1
#: Thresholds used when the dev split has too few positives of a column to pick them.
DEFAULT_THRESHOLDS: Final = (0.9, 0.8, 0.65, 0.5)
MIN_DEV_POSITIVES: Final = 20
#: Thresholds never go below these probabilities (levels 1-4): the dev split's harmless rows
#: are easy negatives, so the precision rule alone can pick thresholds near zero.
MIN_THRESHOLDS: Final = (0.5, 0.35, 0.25, 0.15)
#: Category heads trained only on harmful rows and served as P(harm) * P(category | harm):
#: profanity or an identity word alone then cannot raise a discrimination category.
#: Swearing is not gated (profanity is swearing whether or not it is harmful).
GATED: Final = tuple(c for c in CATEGORIES if c != "swearing")
PRUNE_BELOW: Final = 0.02
C_REG: Final = 2.0
AUGMENT_COPIES: Final = 1
#: Ordinary synthetic chat lines (``textgen.chat.generate``, all harmless) ...
CHAT_BENIGN: Final = 12_000
#: ... and the share of ``chatgen``'s labelled families' default row counts.
FAMILY_SCALE: Final = 1.0
#: Factor on the unit-length embedding dims appended to the n-grams (whose rows also have unit
#: L2 norm): 1.0 puts both blocks on the same scale under one L2 penalty.
EMB_SCALE: Final = 1.0
#: Bounds of ``balance_sources``' per-source class factors (None: not applied).
SOURCE_BALANCE: Final[tuple[float, float] | None] = None
#: The most a harmless line naming a group is up-weighted by ``balance_identity``.
MAX_IDENTITY_UPWEIGHT: Final = 3.0


@dataclass
class TrainReport:
    """What ``train`` did: sizes, dev metrics, the version it wrote and how long it took."""

    out_dir: Path
    version: str
    n_train: int
    n_dev: int
    dev_auc: dict[str, float]
    thresholds: dict[str, tuple[float, float, float, float]]
    seconds: float = 0.0
    sources: dict[str, int] = field(default_factory=dict)
    #: per identity word: harmful lines, harmless lines, the harmless lines' weight factor
    identity_words: dict[str, list[float]] = field(default_factory=dict)


def _chat_examples(lex: Lexicon, seed: int, scale: float) -> list[Example]:
    """Synthetic chat: ``chatgen``'s labelled families (threats, self-harm encouragement,
    identity hate, harassment, insults, trash talk, and their harmless look-alikes: banter,
    counter-speech, negation, identity support, slang and emotes...) plus its ordinary chat
    lines. A family row's categories come from its template, only swearing from the lexicon;
    rows of one template share a group, so the dev split holds templates training never saw."""
    out: list[Example] = []
    for row in chatgen.generate_families(seed, scale=FAMILY_SCALE * scale):
        labels = make_labels(lex, row.text, row.harm, row.categories)
        out.append(
            Example(
                row.text,
                labels,
                f"chatgen_{row.family}",
                group=f"chatgen:{row.family}:{row.template}",
                min_level=row.min_level or 1,
            )
        )
    for text, kind in chat.generate(int(CHAT_BENIGN * scale), 0, seed=seed):
        out.append(
            Example(text, make_labels(lex, text, 0), f"chatgen_{kind}", group=f"chatgen:{text}")
        )
    return out


def source_family(source: str) -> str:
    """Sources that are one dataset or one generator under several names."""
    if source.startswith("chatgen"):
        return "chatgen"
    return source.removesuffix("_not_sexist")


def balance_sources(
    examples: Sequence[Example], bounds: tuple[float, float] = (0.5, 2.0)
) -> list[Example]:
    """Within each source that has both, bring the total weight of its harmful and harmless
    lines towards equal (each class's factor clamped to ``bounds``), so a source's style says
    less about the harm label: davidson's many offensive tweets weigh less, its "neither"
    tweets and the edos, GHC and convabuse minorities more."""
    totals: dict[str, list[float]] = {}
    for eg in examples:
        if eg.labels[0] in (0, 1):
            t = totals.setdefault(source_family(eg.source), [0.0, 0.0])
            t[eg.labels[0]] += eg.weight
    lo, hi = bounds
    factor: dict[tuple[str, int], float] = {}
    for fam, (harmless, harmful) in totals.items():
        if harmless > 0 and harmful > 0:
            mid = (harmless + harmful) / 2
            factor[(fam, 0)] = min(hi, max(lo, mid / harmless))
            factor[(fam, 1)] = min(hi, max(lo, mid / harmful))
    out = []
    for eg in examples:
        f = factor.get((source_family(eg.source), eg.labels[0]), 1.0)
        out.append(replace(eg, weight=eg.weight * f) if f != 1.0 else eg)
    return out


def balance_identity(
    examples: Sequence[Example], most: float = MAX_IDENTITY_UPWEIGHT
) -> tuple[list[Example], dict[str, list[float]]]:
    """Up-weight the harmless lines that name a group more often named in harmful lines.

    For each word of ``IDENTITY_WORDS`` with ``h`` harmful and ``n < h`` harmless lines, its
    harmless lines get weight x ``min(most, h / n)`` (a line with several such words: the
    largest factor), so a group's name alone predicts neither label. Returns the examples and,
    per word, ``[harmful, harmless, factor]``.
    """
    counts = identity_counts(examples)
    factor = {w: (min(most, h / n) if 0 < n < h else 1.0) for w, (h, n) in counts.items()}
    out: list[Example] = []
    for eg in examples:
        if eg.labels[0] == 0:
            words = set(WORDS.findall(eg.text.lower()))
            up = max((factor[w] for w in words if w in factor), default=1.0)
            if up > 1.0:
                eg = replace(eg, weight=eg.weight * up)
        out.append(eg)
    report = {w: [h, n, round(factor[w], 3)] for w, (h, n) in counts.items()}
    return out, report


def build_examples(data_dir: Path, seed: int) -> list[Example]:
    """Every labelled example: the sources in ``data_dir`` plus synthetic chat, deduplicated."""
    examples = load_examples(data_dir, seed=seed)
    scale = min(1.0, len(examples) / 60_000)
    seen = {text_key(eg.text) for eg in examples}
    for eg in _chat_examples(Lexicon.load(data_dir), seed, scale):
        key = text_key(eg.text)
        if key not in seen:
            seen.add(key)
            examples.append(eg)
    return examples


def augment(
    examples: Sequence[Example], lexicon: Lexicon, seed: int, copies: int = AUGMENT_COPIES
) -> list[Example]:
    """The examples plus ``copies`` chat-style variants of each (same labels, same group).

    A harmful line is cropped only to a run that keeps one of its lexicon words (a random crop
    of a toxic comment is often harmless); without such a word it is not cropped.
    """
    rng = random.Random(seed + 1)
    out = list(examples)
    for eg in examples:
        for _ in range(copies):
            crop_to: str | None = ""
            if eg.labels[0] != 0:
                hits = lexicon.hits(eg.text)
                crop_to = rng.choice(hits) if hits else None
            text = restyle(eg.text, rng, crop_to=crop_to)
            out.append(replace(eg, text=text))
    return out


def _labels(examples: Sequence[Example]) -> npt.NDArray[np.int8]:
    return np.array([eg.labels for eg in examples], dtype=np.int8).reshape(-1, len(COLUMNS))


def _fit(
    x: sparse.csr_matrix,
    y: npt.NDArray[np.int8],
    w: npt.NDArray[np.float64],
    seed: int,
    *,
    balanced: bool = True,
) -> tuple[npt.NDArray[np.float64], float]:
    if len(np.unique(y)) < 2:  # nothing to learn: a constant score at the only label
        return np.zeros(x.shape[1]), (4.0 if len(y) and y[0] == 1 else -4.0)
    clf = LogisticRegression(
        C=C_REG,
        solver="liblinear",
        class_weight="balanced" if balanced else None,
        max_iter=200,
        random_state=seed,
    )
    clf.fit(x, y, sample_weight=w)
    return np.asarray(clf.coef_[0], dtype=np.float64), float(clf.intercept_[0])


def _precision_at_prevalence(
    scores: npt.NDArray[np.float64], y: npt.NDArray[np.int8], t: float
) -> float:
    tp = PREVALENCE * float(np.mean(scores[y == 1] >= t))
    fp = (1.0 - PREVALENCE) * float(np.mean(scores[y == 0] >= t))
    return tp / (tp + fp) if tp + fp > 0 else 1.0


def pick_thresholds(
    scores: npt.NDArray[np.float64], y: npt.NDArray[np.int8]
) -> tuple[float, float, float, float]:
    """Per level, the lowest score whose precision reaches ``LEVEL_PRECISION``, raised to the
    lowest dev positive at or above it (same recall, more room for harmless lines).

    Precision is computed as if ``PREVALENCE`` of lines were harmful, so it does not depend on
    how the dev split happens to be mixed. Too few dev positives (or negatives) fall back to
    ``DEFAULT_THRESHOLDS``.
    """
    if int((y == 1).sum()) < MIN_DEV_POSITIVES or int((y == 0).sum()) < MIN_DEV_POSITIVES:
        return DEFAULT_THRESHOLDS
    grid = np.unique(np.round(scores, 4))
    prec = np.array([_precision_at_prevalence(scores, y, float(t)) for t in grid])
    out: list[float] = []
    positives = np.sort(scores[y == 1])
    for target in LEVEL_PRECISION:
        ok = np.flatnonzero(prec >= target)
        t = float(grid[ok[0]]) if len(ok) else 0.99
        # raise it to the lowest positive it keeps: same dev recall, more margin for negatives
        kept = positives[positives >= t]
        t = float(kept[0]) if len(kept) else t
        out.append(round(min(max(t, MIN_THRESHOLDS[len(out)]), 0.99), 4))
    for i in range(1, len(out)):  # level 1 strictest: thresholds never increase with the level
        out[i] = min(out[i], out[i - 1])
    a, b, c, d = out
    return a, b, c, d


def group_weights(groups: Sequence[str]) -> npt.NDArray[np.float64]:
    """1 / the number of lines of each line's group: the dev lines of one synthetic template
    (or one post and its windows) count as one line when thresholds are picked, so a single
    template the model never saw cannot set a category's threshold on its own."""
    sizes: dict[str, int] = {}
    for g in groups:
        sizes[g] = sizes.get(g, 0) + 1
    return np.array([1.0 / sizes[g] for g in groups], dtype=np.float64)


def category_min_level(overall: int, category: str) -> int:
    """The lowest level of ``category`` that holds a line meant to be held from the overall
    level ``overall`` on (``categories.preset``): trash talk (overall 4) is bullying 4, an
    insult (overall 3) bullying 2; 5 if no preset holds it by this category."""
    for level in range(max(overall, 1), MAX_LEVEL + 1):
        at = preset(level).get(category, 0)  # type: ignore[call-overload]
        if at:
            return int(at)
    return MAX_LEVEL + 1


def _at_most(
    scores: npt.NDArray[np.float64], rate: float, weights: npt.NDArray[np.float64] | None = None
) -> float:
    """The lowest threshold (4 decimals) that at most ``rate`` of ``scores`` reach, each score
    counting its weight (default 1)."""
    if not len(scores):
        return 0.0
    w = np.ones(len(scores)) if weights is None else weights
    order = np.argsort(-scores, kind="stable")
    desc, share = scores[order], np.cumsum(w[order]) / float(w.sum())
    k = int(np.searchsorted(share, rate + 1e-12, side="right"))  # the first k stay within rate
    if k >= len(desc):
        return 0.0
    return float(np.floor(desc[k] * 10_000) + 1) / 10_000  # just above the (k+1)-th highest


def pick_category_thresholds(
    scores: npt.NDArray[np.float64],
    y: npt.NDArray[np.int8],
    harm: npt.NDArray[np.int8],
    min_level: npt.NDArray[np.int8] | None = None,
    severe: npt.NDArray[np.bool_] | None = None,
    weights: npt.NDArray[np.float64] | None = None,
) -> tuple[float, float, float, float]:
    """Per level, the lowest served score that at most ``HARMLESS_RATE`` of the harmless dev
    lines, ``OTHER_KIND_RATE`` of the harmful dev lines of another kind and ``MILD_RATE`` of
    this category's lines meant for a higher level (``min_level``) reach, and at least
    ``MIN_THRESHOLDS``; never higher at a higher level.

    ``y``: the category's label (``UNKNOWN`` rows are ignored), ``harm``: the harm label,
    ``severe``: harmful lines of a category held from level 1 on (``categories.SEVERE``); they
    do not count as another kind (holding an identity attack as the wrong identity category, or
    a threat as bullying, still holds what the level is meant to hold), ``weights``: how much
    each line counts (``group_weights``: the lines of one synthetic template count as one).
    Fewer than ``MIN_DEV_POSITIVES`` harmless lines fall back to ``DEFAULT_THRESHOLDS``.
    """
    w = np.ones(len(scores)) if weights is None else weights
    is_harmless = harm == 0
    other_kind = (harm == 1) & (y == 0)
    if severe is not None:
        other_kind &= ~severe
    if int(is_harmless.sum()) < MIN_DEV_POSITIVES:
        return DEFAULT_THRESHOLDS
    ours = (harm == 1) & (y == 1)
    out: list[float] = []
    for level in range(4):
        t = max(
            _at_most(scores[is_harmless], HARMLESS_RATE[level], w[is_harmless]),
            _at_most(scores[other_kind], OTHER_KIND_RATE[level], w[other_kind]),
            MIN_THRESHOLDS[level],
        )
        if min_level is not None:
            milder = ours & (min_level > level + 1)
            t = max(t, _at_most(scores[milder], MILD_RATE[level], w[milder]))
        out.append(round(min(t, MAX_CATEGORY_THRESHOLD), 4))
    for i in range(1, len(out)):
        out[i] = min(out[i], out[i - 1])
    a, b, c, d = out
    return a, b, c, d


def _write_npz(path: Path, arrays: dict[str, npt.NDArray[np.generic]]) -> None:
    """Like ``numpy.savez_compressed`` but byte-reproducible (fixed zip timestamps, order)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def _roc(y: npt.NDArray[np.int8], s: npt.NDArray[np.float64]) -> float:
    if len(np.unique(y)) < 2:
        return float("nan")
    return round(float(roc_auc_score(y, s)), 4)


def training_split(
    data_dir: Path, seed: int, feedback: Feedback | None = None
) -> tuple[list[Example], dict[str, list[float]], list[Example], list[Example]]:
    """The rows ``train`` learns from: ``(examples, identity_words, train, dev)``: every
    labelled example (shipped data, synthetic chat), the identity words' report, the training
    split with its chat-style variants and the feedback's training rows, and the dev split.

    With ``feedback`` its training rows replace any shipped line with the same text and join
    the training split as they are (no variants, each with the feedback weight); no row whose
    text is held back is in the training split, not even a variant of a shipped line.
    """
    examples = build_examples(data_dir, seed)
    if feedback is not None:  # the moderators' verdict wins over a shipped line's
        taken = feedback.keys
        examples = [eg for eg in examples if text_key(eg.text) not in taken]
    if SOURCE_BALANCE is not None:
        examples = balance_sources(examples, SOURCE_BALANCE)
    examples, identity_words = balance_identity(examples)
    train_eg, dev_eg = split(examples)
    lexicon = Lexicon.load(data_dir)
    train_eg = augment(train_eg, lexicon, seed)
    if feedback is not None:
        held = feedback.heldout_keys
        train_eg = [eg for eg in train_eg if text_key(eg.text) not in held]
        train_eg += to_examples(feedback.train, lexicon, feedback.weight)
    return examples, identity_words, train_eg, dev_eg


def train(
    data_dir: Path,
    out_dir: Path,
    *,
    seed: int = 0,
    progress: bool = True,
    features: FeatureConfig | None = None,
    embeddings: bool = True,
    feedback: Feedback | None = None,
) -> TrainReport:
    """Train on ``data_dir`` and write ``weights.npz`` and ``meta.json`` into ``out_dir``.

    With ``embeddings`` (the default) each head also sees the bundled static embeddings.
    With ``feedback`` (moderators' labels, ``training.feedback``) its training rows join the
    training split as they are (no chat-style variants, each with the feedback weight) and
    replace any shipped line with the same text; its held-back rows' texts are kept out of
    training altogether. The dev split, and so the thresholds' rule, is the shipped data's.
    """
    began = time.perf_counter()
    cfg = features or FeatureConfig()
    with Progress(console=Console(stderr=True), disable=not progress, transient=True) as bar:
        task = bar.add_task("reading data", total=len(COLUMNS) + 4)

        def step(what: str) -> None:
            bar.update(task, advance=1, description=what)

        examples, identity_words, train_eg, dev_eg = training_split(data_dir, seed, feedback)
        step("normalising")
        norm: Callable[[str], str] = lambda t: normalise(t).text  # noqa: E731
        train_txt = [norm(eg.text) for eg in train_eg]
        dev_txt = [norm(eg.text) for eg in dev_eg]
        x_train = matrix(train_txt, cfg)
        x_dev = matrix(dev_txt, cfg)
        n_grams = cfg.buckets
        embedder = load_embedder(EMBEDDINGS_DIR) if embeddings else None
        if embedder is not None:
            e_train = EMB_SCALE * embedder.embed(train_txt)
            e_dev = embedder.embed(dev_txt)
            x_train = sparse.hstack([x_train, sparse.csr_matrix(e_train)], format="csr")
        n_emb = embedder.dim if embedder is not None else 0
        y_train, y_dev = _labels(train_eg), _labels(dev_eg)
        w_train = np.array([eg.weight for eg in train_eg], dtype=np.float64)
        step("training")
        weights = np.zeros((n_grams + n_emb, len(COLUMNS)), dtype=np.float64)
        bias = np.zeros(len(COLUMNS), dtype=np.float64)
        for j, col in enumerate(COLUMNS):
            known = y_train[:, j] != UNKNOWN
            if col in GATED:  # a conditional head: which category, given that it is harmful
                known &= y_train[:, 0] == 1
            rows = np.flatnonzero(known)
            # a gated head keeps its true base rate among harmful rows: balancing the classes
            # would put every harmful line without evidence at P(category | harm) = 0.5
            weights[:, j], bias[j] = _fit(
                x_train[rows], y_train[rows, j], w_train[rows], seed, balanced=col not in GATED
            )
            step(f"trained {col}")
        # the embedding weights (scale folded in) are kept whole in float32: serving computes
        # embed(texts) @ emb; only the n-gram weights are pruned and stored as float16
        emb = (EMB_SCALE * weights[n_grams:]).astype(np.float32)
        weights = weights[:n_grams]
        weights[np.abs(weights) < PRUNE_BELOW] = 0.0
        keep = np.flatnonzero(np.any(weights != 0.0, axis=1)).astype(np.uint32)
        packed = weights[keep].astype(np.float16)
        bias32 = bias.astype(np.float32)
        # score the dev split with exactly the stored (float16, pruned) weights
        dev_logits = x_dev[:, keep] @ packed.astype(np.float32) + bias32
        if embedder is not None:
            dev_logits += e_dev @ emb
        dev_scores = 1.0 / (1.0 + np.exp(-np.clip(dev_logits, -30, 30)))
        gated = [COLUMNS.index(c) for c in GATED]
        dev_scores[:, gated] *= dev_scores[:, :1]
        step("choosing thresholds")
        thresholds: dict[str, tuple[float, float, float, float]] = {}
        dev_auc: dict[str, float] = {}
        support: dict[str, list[int]] = {}
        harm_dev = y_dev[:, 0]
        overall_dev = [eg.min_level for eg in dev_eg]
        groups_dev = [eg.group for eg in dev_eg]
        severe_cols = [COLUMNS.index(c) for c in SEVERE]
        severe_dev = np.any(y_dev[:, severe_cols] == 1, axis=1) & (harm_dev == 1)
        for j, col in enumerate(COLUMNS):
            if col in GATED:
                # served score P(harm) P(col | harm): a positive is a harmful line of this
                # category, a negative a harmless line or a harmful line of another kind
                known = (harm_dev == 0) | ((harm_dev == 1) & (y_dev[:, j] != UNKNOWN))
                y = np.where(harm_dev[known] == 1, y_dev[known, j], 0).astype(np.int8)
                s = np.asarray(dev_scores[known, j], dtype=np.float64)
                level_dev = np.array(
                    [category_min_level(m, col) for m in overall_dev], dtype=np.int8
                )
                thresholds[col] = pick_category_thresholds(
                    s,
                    y,
                    harm_dev[known],
                    level_dev[known],
                    severe_dev[known],
                    group_weights([g for g, k in zip(groups_dev, known, strict=True) if k]),
                )
            else:
                known = y_dev[:, j] != UNKNOWN
                y, s = y_dev[known, j], np.asarray(dev_scores[known, j], dtype=np.float64)
                thresholds[col] = pick_thresholds(s, y)
            dev_auc[col] = _roc(y, s)
            support[col] = [int((y == 1).sum()), int((y == 0).sum())]
        out_dir.mkdir(parents=True, exist_ok=True)
        weights_path = out_dir / WEIGHTS_FILE
        arrays: dict[str, npt.NDArray[np.generic]] = {
            "rows": keep,
            "weights": packed,
            "bias": bias32,
        }
        if embedder is not None:
            arrays["emb"] = emb
        _write_npz(weights_path, arrays)
        digest = hashlib.sha256(weights_path.read_bytes()).hexdigest()
        sources: dict[str, int] = {}
        for eg in examples:
            sources[eg.source] = sources.get(eg.source, 0) + 1
        if feedback is not None:
            sources["feedback"] = len(feedback.train)
        emb_meta = (
            {
                "sha256": embeddings_digest(EMBEDDINGS_DIR),
                "dim": embedder.dim,
                "unit": True,
                "scale": EMB_SCALE,
                "files": "embeddings/ (minilm_static.npz, vocab.txt): sha256 of their sha256s",
            }
            if embedder is not None
            else None
        )
        meta: dict[str, object] = {
            "columns": list(COLUMNS),
            "weights_sha256": digest,
            "thresholds": {c: list(t) for c, t in thresholds.items()},
            "threshold_rule": (
                "chosen on the dev split of the training data (never on evaluation sets). "
                "Categories gated by harm (served score P(harm) * P(category | harm)): per "
                "level 1-4 the lowest score that at most "
                "(each line weighted 1 / the dev lines of its group: one synthetic template "
                "counts as one line) "
                f"{list(HARMLESS_RATE)} of the harmless dev lines and at most "
                f"{list(OTHER_KIND_RATE)} of the harmful dev lines of another, not severe kind "
                "(no identity category, no aggression) reach "
                f"and at most {list(MILD_RATE)} of its lines meant for a higher level (trash "
                "talk: bullying at level 4), at least "
                f"{list(MIN_THRESHOLDS)} and at most {MAX_CATEGORY_THRESHOLD}, never higher at a "
                "higher level. harm and swearing: "
                "the lowest score whose precision on the dev split, "
                f"reweighted to {PREVALENCE:.0%} harmful lines, reaches "
                f"{list(LEVEL_PRECISION)}, raised to the lowest dev positive score at or "
                f"above it and to at least {list(MIN_THRESHOLDS)}; fewer than "
                f"{MIN_DEV_POSITIVES} dev lines to choose from: {list(DEFAULT_THRESHOLDS)}. "
                "The policy holds a category when its score reaches its level's threshold and "
                "harm reaches harm's level-4 threshold (the harm floor; swearing: no floor)"
            ),
            "features": cfg.to_json(),
            "embeddings": emb_meta,
            "gated_by_harm": list(GATED),
            "input": "chatwarden.pipeline.normalise.normalise(text).text",
            "training": {
                "seed": seed,
                "c": C_REG,
                "augment_copies": AUGMENT_COPIES,
                "chatgen": {"benign_lines": CHAT_BENIGN, "family_scale": FAMILY_SCALE},
                "source_balance": SOURCE_BALANCE,
                "prune_below": PRUNE_BELOW,
                "n_train": len(train_eg),
                "n_dev": len(dev_eg),
                "sources": dict(sorted(sources.items())),
                "data_sha256": file_hashes(data_dir),
                "identity_words": identity_words,
                **({"feedback": feedback.summary()} if feedback is not None else {}),
            },
            "dev_metrics": {"roc_auc": dev_auc, "support_pos_neg": support},
        }
        version = model_version(weights_path, meta)
        meta["version"] = version
        (out_dir / META_FILE).write_text(
            json.dumps(meta, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
        step("done")
    return TrainReport(
        out_dir=out_dir,
        version=version,
        n_train=len(train_eg),
        n_dev=len(dev_eg),
        dev_auc=dev_auc,
        thresholds=thresholds,
        seconds=round(time.perf_counter() - began, 1),
        sources=sources,
        identity_words=identity_words,
    )
