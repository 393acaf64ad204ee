"""Copy the training sets from ../shared/data into data/, trimmed to the columns ChatWarden uses.

Run once from the repository root: ``python data/prepare.py /path/to/shared/data``. The output is
committed; `chatwarden train` reads only data/. See data/DATA_CARD.md.
"""

from __future__ import annotations

import csv
import json
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


def main() -> None:
    shared = Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data")
    for fn in (davidson, toxic_spans, edos, convabuse, notoxic_dota, sms_spam):
        fn(shared / fn.__name__)


if __name__ == "__main__":
    main()
