"""What do static MiniLM embeddings buy the harm head?  ROC AUC on the live-chat devsets.

Everything is fitted on the project's training examples (``build_examples`` + ``split`` +
``augment``, exactly as ``chatwarden train`` builds them); the devsets are only scored.
Hyper-parameters (C, the stacking weights) are chosen on the internal dev split of the
training data, never on the devsets.

Rows:
  tier1 (bundled)     the shipped tier-1 model's harm probability
  emb LR d=K          logistic regression on the first K dims of the static embeddings
  stack               2-feature LR on [emb-LR logit, tier-1 logit], fitted on the internal dev
                      split (tier 1 never trained on it, so its logit there is out-of-sample)
  ngram (retrained)   tier-1's features and settings, harm head only, retrained here (--joint)
  ngram+emb (joint)   the same LR with the embedding dims appended as dense features (--joint)
  ngram+emb mean      the same with plain (not unit-length) mean embeddings, scaled by the
                      training rows' mean norm: a linear head over them folds into one number
                      per token, so it runs at n-gram speed (--joint)
Then paired-bootstrap 95% intervals of the AUC gains, and the embedder's speed.

    python bench/embeddings_experiment.py            # ~1 min
    python bench/embeddings_experiment.py --joint    # + three liblinear fits (~3 min)
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from chatwarden.model import load_model
from chatwarden.model.embeddings import StaticEmbedder, load_embedder
from chatwarden.model.features import FeatureConfig, matrix
from chatwarden.pipeline.normalise import normalise_text
from chatwarden.training.datasets import UNKNOWN, Example, Lexicon, split
from chatwarden.training.evalsets import HARM_VIOLATIONS
from chatwarden.training.train import C_REG, augment, build_examples

REPO = Path(__file__).resolve().parents[1]
DEVSETS = REPO.parent / "shared" / "devsets"
F64 = npt.NDArray[np.float64]


def devsets() -> dict[str, tuple[list[str], npt.NDArray[np.int8]]]:
    out: dict[str, tuple[list[str], npt.NDArray[np.int8]]] = {}
    rows = [json.loads(x) for x in (DEVSETS / "normvio_dev.jsonl").open(encoding="utf-8")]
    keep = [r for r in rows if r["label"] == 0 or r.get("violation") in HARM_VIOLATIONS]
    out["normvio_harm"] = (
        [normalise_text(r["text"]) for r in keep],
        np.array([r["label"] for r in keep], dtype=np.int8),
    )
    rows = [json.loads(x) for x in (DEVSETS / "conda_dev.jsonl").open(encoding="utf-8")]
    out["conda"] = (
        [normalise_text(r["text"]) for r in rows],
        np.array([r["label"] for r in rows], dtype=np.int8),
    )
    return out


def harm_rows(examples: list[Example]) -> tuple[list[str], npt.NDArray[np.int8], F64]:
    known = [eg for eg in examples if eg.labels[0] != UNKNOWN]
    return (
        [normalise_text(eg.text) for eg in known],
        np.array([eg.labels[0] for eg in known], dtype=np.int8),
        np.array([eg.weight for eg in known], dtype=np.float64),
    )


def logit(p: F64) -> F64:
    p = np.clip(p, 1e-6, 1 - 1e-6)
    return np.log(p / (1 - p))


def auc(y: npt.NDArray[np.int8], s: F64) -> float:
    return round(float(roc_auc_score(y, s)), 4)


def delta_ci(y: npt.NDArray[np.int8], a: F64, b: F64, n: int = 300) -> str:
    """AUC(a) - AUC(b) and its 95% paired-bootstrap interval over the rows."""
    rng = np.random.default_rng(0)
    deltas = []
    for _ in range(n):
        i = rng.integers(0, len(y), len(y))
        if 0 < y[i].sum() < len(i):
            deltas.append(roc_auc_score(y[i], a[i]) - roc_auc_score(y[i], b[i]))
    lo, hi = np.percentile(deltas, [2.5, 97.5])
    return f"{roc_auc_score(y, a) - roc_auc_score(y, b):+.4f} [{lo:+.4f}, {hi:+.4f}]"


def speed(emb: StaticEmbedder, texts: list[str]) -> str:
    """msgs/s on ``texts``: a fresh (cold-cache) embedder, then warm in batches and one by one."""
    vocab = [""] * len(emb.tokenizer.vocab)
    for tok, i in emb.tokenizer.vocab.items():
        vocab[i] = tok
    fresh = StaticEmbedder(emb.table, vocab)
    t = time.perf_counter()
    for i in range(0, len(texts), 1000):
        fresh.embed(texts[i : i + 1000])
    cold = len(texts) / (time.perf_counter() - t)
    lines = (texts * (1 + 100_000 // max(len(texts), 1)))[:100_000]
    t = time.perf_counter()
    for i in range(0, len(lines), 1000):
        fresh.embed(lines[i : i + 1000])
    warm = len(lines) / (time.perf_counter() - t)
    t = time.perf_counter()
    for line in lines[:20_000]:
        fresh.embed([line])
    single = 20_000 / (time.perf_counter() - t)
    return (
        f"embed speed on {len(texts)} training lines of 30-50 chars (mean "
        f"{sum(map(len, texts)) / max(len(texts), 1):.0f}): empty word cache {cold:,.0f} msgs/s; "
        f"warm, 100k msgs in batches of 1000: {warm:,.0f} msgs/s; "
        f"one at a time {single:,.0f} msgs/s"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, default=REPO / "data")
    ap.add_argument("--joint", action="store_true", help="also retrain n-gram LRs (slow)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    t0 = time.perf_counter()

    examples = build_examples(args.data, args.seed)
    train_eg, dev_eg = split(examples)
    train_eg = augment(train_eg, Lexicon.load(args.data), args.seed)  # as train.train does
    x_txt, y_tr, w_tr = harm_rows(train_eg)
    d_txt, y_dv, _ = harm_rows(dev_eg)
    evals = devsets()
    print(
        f"train {len(x_txt)} (pos {int(y_tr.sum())})  internal dev {len(d_txt)}  "
        f"[{time.perf_counter() - t0:.0f}s]"
    )

    emb = load_embedder()
    e_tr, e_dv = emb.embed(x_txt), emb.embed(d_txt)
    e_ev = {k: emb.embed(t) for k, (t, _) in evals.items()}
    tier1 = load_model()
    t1_dv = logit(tier1.predict(d_txt)[:, 0].astype(np.float64))
    t1_ev = {k: logit(tier1.predict(t)[:, 0].astype(np.float64)) for k, (t, _) in evals.items()}

    table: list[tuple[str, float, dict[str, float]]] = []
    kept: dict[str, dict[str, F64]] = {"tier1": t1_ev}
    table.append(
        ("tier1 (bundled)", auc(y_dv, t1_dv), {k: auc(evals[k][1], t1_ev[k]) for k in evals})
    )

    best_emb: tuple[float, LogisticRegression, int] | None = None
    for dims in (64, 128):
        scores = []
        for c in (0.1, 1.0, 10.0):
            clf = LogisticRegression(C=c, class_weight="balanced", max_iter=2000)
            clf.fit(e_tr[:, :dims], y_tr, sample_weight=w_tr)
            scores.append((auc(y_dv, clf.decision_function(e_dv[:, :dims])), c, clf))
        dev_auc, c, clf = max(scores, key=lambda s: s[0])
        ev = {k: auc(evals[k][1], clf.decision_function(e_ev[k][:, :dims])) for k in evals}
        table.append((f"emb LR d={dims} (C={c})", dev_auc, ev))
        if best_emb is None or dev_auc > best_emb[0]:
            best_emb = (dev_auc, clf, dims)
    assert best_emb is not None
    _, eclf, dims = best_emb
    z_dv = np.column_stack([eclf.decision_function(e_dv[:, :dims]), t1_dv])
    stack = LogisticRegression(C=1.0, class_weight="balanced").fit(z_dv, y_dv)
    ev = {
        k: auc(
            evals[k][1],
            stack.decision_function(
                np.column_stack([eclf.decision_function(e_ev[k][:, :dims]), t1_ev[k]])
            ),
        )
        for k in evals
    }
    kept["stack"] = {
        k: stack.decision_function(
            np.column_stack([eclf.decision_function(e_ev[k][:, :dims]), t1_ev[k]])
        )
        for k in evals
    }
    coef = ", ".join(f"{v:.2f}" for v in stack.coef_[0])
    # the dev AUC of the stack is in-sample (it was fitted there): shown for reference only
    table.append((f"stack [emb, tier1] w=({coef})", auc(y_dv, stack.decision_function(z_dv)), ev))
    print(f"[{time.perf_counter() - t0:.0f}s]")

    if args.joint:
        cfg = FeatureConfig()
        g_tr, g_dv = matrix(x_txt, cfg), matrix(d_txt, cfg)
        g_ev = {k: matrix(t, cfg) for k, (t, _) in evals.items()}
        m_tr = emb.embed(x_txt, unit=False)
        m_scale = 1.0 / float(np.mean(np.linalg.norm(m_tr, axis=1)))  # from training data
        m_dv, m_ev = (
            emb.embed(d_txt, unit=False),
            {k: emb.embed(t, unit=False) for k, (t, _) in evals.items()},
        )
        for name, extra in (
            ("ngram (retrained)", 0.0),
            ("ngram+emb (joint)", 1.0),
            ("ngram+emb mean, not unit (joint)", m_scale),
        ):
            if name.startswith("ngram+emb mean"):
                e_tr, e_dv, e_ev = m_tr, m_dv, m_ev

            def feats(
                g: sparse.csr_matrix, e: npt.NDArray[np.float32], a: float = extra
            ) -> sparse.csr_matrix:
                if a == 0.0:
                    return g
                return sparse.hstack([g, sparse.csr_matrix(a * e)], format="csr")

            clf = LogisticRegression(
                C=C_REG,
                solver="liblinear",
                class_weight="balanced",
                max_iter=200,
                random_state=args.seed,
            )
            clf.fit(feats(g_tr, e_tr), y_tr, sample_weight=w_tr)
            kept[name] = {k: clf.decision_function(feats(g_ev[k], e_ev[k])) for k in evals}
            ev = {k: auc(evals[k][1], kept[name][k]) for k in evals}
            table.append((name, auc(y_dv, clf.decision_function(feats(g_dv, e_dv))), ev))
            print(f"{name} [{time.perf_counter() - t0:.0f}s]")

    names = list(evals)
    print(f"\n{'harm head':44s} {'int.dev':>8s} " + " ".join(f"{n:>13s}" for n in names))
    for name, dev_auc, ev in table:
        print(f"{name:44s} {dev_auc:8.4f} " + " ".join(f"{ev[n]:13.4f}" for n in names))
    sizes = ", ".join(f"{k} n={len(v[1])} pos={int(v[1].sum())}" for k, v in evals.items())
    print(f"\ndevsets: {sizes}; total {time.perf_counter() - t0:.0f}s")
    pairs = [
        ("stack", "tier1"),
        ("ngram+emb (joint)", "ngram (retrained)"),
        ("ngram+emb mean, not unit (joint)", "ngram (retrained)"),
    ]
    for a, b in pairs:
        if a in kept and b in kept:
            cis = ", ".join(f"{k} {delta_ci(evals[k][1], kept[a][k], kept[b][k])}" for k in evals)
            print(f"AUC({a}) - AUC({b}), 95% paired bootstrap CI: {cis}")
    print(
        speed(load_embedder(), [t for t in x_txt[: len(x_txt) // 2] if 30 <= len(t) <= 50][:20_000])
    )


if __name__ == "__main__":
    main()
