"""Copy the training sets from ../shared/data into data/, trimmed to the columns ChatWarden uses.

Run once from the repository root: ``python data/prepare.py /path/to/shared/data``. The output is
committed; `chatwarden train` reads only data/. See data/DATA_CARD.md.
"""

from __future__ import annotations

import csv
import json
import random
import shutil
import sys
from collections import defaultdict
from pathlib import Path

OUT = Path(__file__).parent
KEEP = ("LICENSE", "LICENSE_NOTE.md", "README.md", "SOURCE_COMMIT.txt", "DERIVED_README.md")


def _docs(src: Path, dst: Path, extra: tuple[str, ...] = ()) -> None:
    dst.mkdir(parents=True, exist_ok=True)
    for name in KEEP + extra:
        if (src / name).exists():
            shutil.copyfile(src / name, dst / name)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(header)
        out.writerows(rows)


def davidson(src: Path) -> None:
    dst = OUT / "davidson"
    _docs(src, dst, ("data_readme.md",))
    with (src / "labeled_data.csv").open(encoding="utf-8") as fh:
        rows = [[r["class"], r["tweet"]] for r in csv.DictReader(fh)]
    _write(dst / "davidson.csv", ["class", "text"], rows)


def toxic_spans(src: Path) -> None:
    """Posts with their post labels and the character ranges most raters marked toxic."""
    dst = OUT / "toxic_spans"
    _docs(src, dst, ("ACL2022_README.md",))
    post_of: dict[str, str] = {}
    with (src / "annotations.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            post_of[r["annotation"]] = r["comment_id"]
    marks: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    with (src / "spans.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            post = post_of.get(r["annotation"])
            if post is not None:
                marks[post][r["annotation"]].update(range(int(r["start"]), int(r["end"])))
    rows = []
    with (src / "toxic_spans_post_labels.csv").open(encoding="utf-8") as fh:
        for r in csv.DictReader(fh):
            votes: dict[int, int] = defaultdict(int)
            for chars in marks.get(r["comment_id"], {}).values():
                for c in chars:
                    votes[c] += 1
            need = int(r["n_raters"]) / 2
            keep = sorted(c for c, v in votes.items() if v > need)
            spans: list[list[int]] = []
            for c in keep:
                if spans and spans[-1][1] == c:
                    spans[-1][1] = c + 1
                else:
                    spans.append([c, c + 1])
            labels = [
                r[k] for k in ("insult", "threat", "identity_based_attack", "profane_obscene")
            ]
            rows.append([r["comment_id"], *labels, json.dumps(spans), r["text"]])
    _write(
        dst / "toxic_spans.csv",
        [
            "comment_id",
            "insult",
            "threat",
            "identity_based_attack",
            "profane_obscene",
            "spans",
            "text",
        ],
        rows,
    )


def edos(src: Path) -> None:
    dst = OUT / "edos"
    _docs(src, dst)
    with (src / "edos_labelled_aggregated.csv").open(encoding="utf-8") as fh:
        rows = [[r["label_sexist"], r["label_category"], r["text"]] for r in csv.DictReader(fh)]
    _write(dst / "edos.csv", ["label_sexist", "label_category", "text"], rows)


def convabuse(src: Path) -> None:
    dst = OUT / "convabuse"
    _docs(src, dst)
    cols = [
        "abusive_majority",
        "ableist",
        "homophobic",
        "intellectual",
        "racist",
        "sexist",
        "sex_harassment",
        "transphobic",
    ]
    with (src / "convabuse_majority_labels.csv").open(encoding="utf-8") as fh:
        rows = [[*(r[c] for c in cols), r["user"]] for r in csv.DictReader(fh)]
    _write(dst / "convabuse.csv", [*cols, "text"], rows)


def notoxic_dota(src: Path) -> None:
    dst = OUT / "notoxic_dota"
    _docs(src, dst)
    rows = []
    with (src / "labeled_dataset_v20250425_1080.jsonl").open(encoding="utf-8") as fh:
        for line in fh:
            r = json.loads(line)
            rows.append([r["toxicity"], r["msg"]])
    _write(dst / "notoxic_dota.csv", ["toxicity", "text"], rows)


def sms_spam(src: Path) -> None:
    dst = OUT / "sms_spam"
    _docs(src, dst)
    shutil.copyfile(src / "SMSSpamCollection", dst / "SMSSpamCollection")


def _derived(dst: Path, text: str) -> None:
    """A DERIVED_README.md saying how the trimmed file was made from the source's files."""
    (dst / "DERIVED_README.md").write_text(text.strip() + "\n", encoding="utf-8")


def toxigen_seeds(src: Path) -> None:
    """All 769 hand-written statements: text, hate/neutral, the ToxiGen groups."""
    dst = OUT / "toxigen_seeds"
    _docs(src, dst, ("SOURCE_README.md",))
    _derived(
        dst,
        """
`toxigen_seeds.csv` was made by ChatWarden's `data/prepare.py` from the shared copy's
`toxigen_seed_sentences.csv` (see README.md, which describes that file): every row, with the
columns `label` (hate / neutral), `groups` (ToxiGen target groups, `;`-separated) and `text`.
Same licence as the source: CDLA-Permissive-2.0 for the data (LICENSE). Cite Hartvigsen et al.,
ToxiGen, ACL 2022.
""",
    )
    with (src / "toxigen_seed_sentences.csv").open(encoding="utf-8") as fh:
        rows = [[r["label"], r["groups"], r["text"]] for r in csv.DictReader(fh)]
    _write(dst / "toxigen_seeds.csv", ["label", "groups", "text"], rows)


#: Rows kept per (template, toxicity) of each template file: a seeded sample of a few thousand.
JIGSAW_PER_CELL = {"en_sentence_templates.csv": 300, "intersectional_madlibs_clean.csv": 50}


def jigsaw_identity_templates(src: Path) -> None:
    """A seeded sample of the identity-term templates, the same number of rows per template and
    toxicity (so every identity term occurs in toxic and non-toxic sentences alike)."""
    dst = OUT / "jigsaw_identity_templates"
    _docs(src, dst, ("SOURCE_README.md",))
    _derived(
        dst,
        f"""
`jigsaw_identity_templates.csv` was made by ChatWarden's `data/prepare.py` from the shared copy's
`en_sentence_templates.csv` and `intersectional_madlibs_clean.csv` (see README.md): a seeded
sample (`random.Random("chatwarden:<file name>")`) of at most {JIGSAW_PER_CELL} rows per
(template, toxicity) cell of each file, so every template and identity term occurs in toxic and
non-toxic rows alike. Columns: `file` (en / intersectional), `template`, `toxicity`, `text` (the
source's `phrase`). Data licence CC BY 4.0 (Jigsaw / Conversation AI; cite Dixon et al., AIES
2018); LICENSE is the source repository's Apache-2.0 file for its code.
""",
    )
    rows: list[list[object]] = []
    for name, per_cell in JIGSAW_PER_CELL.items():
        cells: dict[tuple[str, str], list[str]] = defaultdict(list)
        with (src / name).open(encoding="utf-8") as fh:
            for r in csv.DictReader(fh):
                cells[(r["template"], r["toxicity"])].append(r["phrase"])
        rng = random.Random(f"chatwarden:{name}")
        for (template, toxicity), phrases in sorted(cells.items()):
            picked = sorted(rng.sample(phrases, min(per_cell, len(phrases))))
            rows.extend([name.split("_")[0], template, toxicity, p] for p in picked)
    _write(dst / "jigsaw_identity_templates.csv", ["file", "template", "toxicity", "text"], rows)


#: Gab Hate Corpus labels kept: hate (hd), call for violence (cv), vulgar (vo), the 8 targets.
GHC_LABELS = ("hd", "cv", "vo", "im", "rae", "rel", "nat", "gen", "sxo", "idl", "pol", "mph")


def gab_hate_corpus(src: Path) -> None:
    """The GHC dev and test posts with 3 words or more (one-word posts are filler that also
    occurs as chat lines in evaluation sets) and the labels ChatWarden maps."""
    dst = OUT / "gab_hate_corpus"
    _docs(src, dst, ("SOURCE_README.md",))
    _derived(
        dst,
        f"""
`gab_hate_corpus.csv` was made by ChatWarden's `data/prepare.py` from the shared copy's
`ghc_dev.jsonl` and `ghc_test.jsonl` (see README.md): every post of 3 words or more (shorter
ones are filler such as "True" or "LOL" that also occurs as chat lines in evaluation sets), with
`text_id`, the majority labels {", ".join(GHC_LABELS)} and `text`. The moral-foundation labels are
dropped. Licence MIT (LICENSE). Cite Kennedy et al., "Introducing the Gab Hate Corpus", Language
Resources and Evaluation 2022.
""",
    )
    rows = []
    for name in ("ghc_dev.jsonl", "ghc_test.jsonl"):
        with (src / name).open(encoding="utf-8") as fh:
            for line in fh:
                r = json.loads(line)
                if len(r["Text"].split()) >= 3:
                    rows.append([r["text_id"], *(r[k] for k in GHC_LABELS), r["Text"]])
    _write(dst / "gab_hate_corpus.csv", ["text_id", *GHC_LABELS, "text"], rows)


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    for fn in (
        davidson,
        toxic_spans,
        edos,
        convabuse,
        notoxic_dota,
        sms_spam,
        toxigen_seeds,
        jigsaw_identity_templates,
        gab_hate_corpus,
    ):
        fn(shared / fn.__name__)


if __name__ == "__main__":
    main()
