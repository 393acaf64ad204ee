"""Static MiniLM embeddings: WordPiece tokenization, shapes, normalisation, similarity, loading."""

from __future__ import annotations

import shutil
import time
from pathlib import Path

import numpy as np
import pytest

from chatwarden.errors import ModelError
from chatwarden.model.embeddings import (
    DEFAULT_DIR,
    EMBEDDINGS_FILE,
    VOCAB_FILE,
    StaticEmbedder,
    WordPiece,
    embeddings_digest,
    load_embedder,
)


@pytest.fixture(scope="module")
def emb() -> StaticEmbedder:
    return load_embedder()


def test_loads_fast(tmp_path: Path) -> None:
    copy = tmp_path / "emb"
    shutil.copytree(DEFAULT_DIR, copy)
    began = time.perf_counter()
    loaded = load_embedder(copy)
    assert time.perf_counter() - began < 0.5
    assert loaded.table.dtype == np.float32
    assert loaded.table.shape[0] == len(loaded.tokenizer.vocab)
    assert load_embedder(copy) is loaded  # cached


def test_missing_files_raise(tmp_path: Path) -> None:
    with pytest.raises(ModelError):
        load_embedder(tmp_path)
    (tmp_path / VOCAB_FILE).write_text("[UNK]\na\n", encoding="utf-8")
    np.savez(tmp_path / EMBEDDINGS_FILE, embeddings=np.zeros((3, 4), np.float16))
    with pytest.raises(ModelError, match="does not match"):
        load_embedder(tmp_path)


def test_known_words_are_single_tokens(emb: StaticEmbedder) -> None:
    assert emb.tokenizer.tokenize("you are an idiot") == ["you", "are", "an", "idiot"]


def test_continuation_pieces(emb: StaticEmbedder) -> None:
    pieces = emb.tokenizer.tokenize("pogchamp")
    assert len(pieces) > 1
    assert not pieces[0].startswith("##")
    assert all(p.startswith("##") for p in pieces[1:])
    assert "".join(p.removeprefix("##") for p in pieces) == "pogchamp"


def test_punctuation_accents_and_cjk_split_like_bert(emb: StaticEmbedder) -> None:
    tok = emb.tokenizer
    assert tok.tokenize("hello,world!!") == ["hello", ",", "world", "!", "!"]
    assert tok.tokenize("Café") == ["cafe"]
    assert tok.tokenize("日本") == ["日", "本"]


def test_unknown_characters(emb: StaticEmbedder) -> None:
    tok = emb.tokenizer
    assert tok.tokenize("\U0001f602") == ["[UNK]"]  # an emoji the vocab lacks
    assert tok.tokenize("ok \ue04c") == ["ok"]  # private-use: dropped, as BERT does
    assert tok.tokenize("a" * 101) == ["[UNK]"]
    assert tok.tokenize("") == []


def test_greedy_longest_match_on_a_toy_vocab() -> None:
    tok = WordPiece(["[UNK]", "un", "unaff", "##aff", "##able", "##a", "##ble"])
    assert tok.tokenize("unaffable") == ["unaff", "##able"]
    assert tok.tokenize("unx") == ["[UNK]"]  # one unmatched piece: the whole word is unknown
    with pytest.raises(ModelError):
        WordPiece(["a", "b"])


def test_embed_shape_dtype_and_norm(emb: StaticEmbedder) -> None:
    texts = ["you are an idiot", "gg wp", "", "\U0001f602 \U0001f602", "lol"]
    out = emb.embed(texts)
    assert out.shape == (len(texts), emb.dim)
    assert out.dtype == np.float32
    norms = np.linalg.norm(out, axis=1)
    np.testing.assert_allclose(norms[[0, 1, 4]], 1.0, atol=1e-5)
    assert norms[2] == 0.0 and norms[3] == 0.0  # nothing known: the zero vector
    assert emb.embed([]).shape == (0, emb.dim)


def test_embed_is_batch_independent(emb: StaticEmbedder) -> None:
    texts = ["you are an idiot", "", "gg wp noob team", "lol"]
    batch = emb.embed(texts)
    one_by_one = np.vstack([emb.embed([t]) for t in texts])
    np.testing.assert_allclose(batch, one_by_one, atol=1e-6)


def test_similar_words_are_closer(emb: StaticEmbedder) -> None:
    idiot, moron, banana = emb.embed(["idiot", "moron", "banana"])
    assert float(idiot @ moron) > float(idiot @ banana) + 0.1
    insult, insult2, food = emb.embed(["you are an idiot", "you are a moron", "i like bananas"])
    assert float(insult @ insult2) > float(insult @ food)


def test_plain_mean_without_unit(emb: StaticEmbedder) -> None:
    texts = ["you are an idiot", "", "gg"]
    out = emb.embed(texts, unit=False)
    ids = [i for i in emb.tokenizer.ids(texts[0]) if i != emb.tokenizer.unk_id]
    np.testing.assert_allclose(out[0], emb.table[ids].mean(axis=0), atol=1e-6)
    assert not out[1].any()
    np.testing.assert_allclose(emb.embed(texts[:1], unit=False), out[:1], atol=1e-6)
    unit = emb.embed(texts)
    np.testing.assert_allclose(unit[0], out[0] / np.linalg.norm(out[0]), atol=1e-5)


def test_table_ships_inside_the_package() -> None:
    import chatwarden

    package = Path(chatwarden.__file__).resolve().parent
    assert DEFAULT_DIR.is_relative_to(package)
    for name in (EMBEDDINGS_FILE, VOCAB_FILE, "LICENSE", "MODEL_CARD.md", "README.md"):
        assert (DEFAULT_DIR / name).is_file()
    assert len(embeddings_digest()) == 64


def test_word_sums_add_up_to_the_line_embedding(emb: StaticEmbedder) -> None:
    words = ["you", "are", "an", "idiot", "pogchamp", "\U0001f602"]
    total = emb.word_sums(words).sum(axis=0)
    line = emb.embed([" ".join(words)])[0]
    np.testing.assert_allclose(total / np.linalg.norm(total), line, atol=1e-5)
