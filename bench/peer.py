"""Score JSON lines with the peer, alt-profanity-check 1.9.1 (run inside bench/.peer-venv).

Reads ``{"text": ...}`` lines on stdin and writes one probability per line, in order, so that
bench scripts in the main environment can compare it with ChatWarden on the same inputs:

    bench/.peer-venv/bin/python bench/peer.py < lines.jsonl > probs.txt

A line without a text string scores as the empty string. Its pins may clash with ours, hence
its own virtual environment (``bench/quality.py`` creates it on first run).
"""

from __future__ import annotations

import json
import sys


def main() -> None:
    from profanity_check import predict_prob  # type: ignore[import-not-found]

    texts = []
    for line in sys.stdin:
        try:
            obj = json.loads(line)
        except ValueError:
            obj = None
        text = obj.get("text") if isinstance(obj, dict) else None
        texts.append(text if isinstance(text, str) else "")
    probs = predict_prob(texts) if texts else []
    sys.stdout.write("".join(f"{float(p):.6f}\n" for p in probs))


if __name__ == "__main__":
    main()
