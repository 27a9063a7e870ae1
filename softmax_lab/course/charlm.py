r"""A tiny character-level n-gram language model, for sampling text at different temperatures.

The model counts, in a training text, how often each character follows each context of ``order - 1``
characters. Its logits for the next character are

.. math::  z_c = \ln(\text{count}(\text{context}, c) + \alpha),

so that at temperature T = 1 sampling from :math:`\operatorname{softmax}(z)` reproduces the (smoothed)
counts, T -> 0 always picks the most frequent continuation, and large T flattens towards uniform.
A context never seen in training backs off to shorter contexts (finally to no context: the character
frequencies).
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import numpy as np

from softmax_lab import sample

__all__ = ["ALICE", "load_text", "CharNGram", "distinct_ngram_ratio", "known_word_rate"]

ALICE = "alice_chapter1_opening.txt"


def load_text(name: str = ALICE) -> str:
    """The body of a text shipped in ``softmax_lab/course/data`` (the header, up to the first blank line, is dropped),
    lower-cased, with every run of whitespace replaced by one space."""
    raw = resources.files("softmax_lab.course").joinpath("data", name).read_text(encoding="utf-8")
    body = raw.split("\n\n", 1)[1]
    return re.sub(r"\s+", " ", body).strip().lower()


class CharNGram:
    """Character n-gram counts with add-``alpha`` smoothing and back-off for unseen contexts.

    ``order=3`` is a trigram model: the next character depends on the previous two.
    """

    def __init__(self, text: str, order: int = 3, alpha: float = 0.01) -> None:
        if not isinstance(text, str) or len(text) < order:
            raise ValueError(f"text must be a string of at least order={order} characters")
        if isinstance(order, bool) or not isinstance(order, int) or order < 1:
            raise ValueError(f"order must be an int >= 1, got {order!r}")
        if not alpha > 0:
            raise ValueError(f"alpha must be > 0 (it keeps log(count + alpha) finite), got {alpha!r}")
        self.order = order
        self.alpha = float(alpha)
        self.vocab = sorted(set(text))
        self.index = {c: i for i, c in enumerate(self.vocab)}
        ids = np.array([self.index[c] for c in text], dtype=np.intp)
        v = len(self.vocab)
        # counts[k] maps a context of length k (as a tuple of ids) to a count vector over the vocabulary
        self.counts: list[dict[tuple[int, ...], np.ndarray]] = []
        for k in range(order):
            table: dict[tuple[int, ...], np.ndarray] = {}
            for pos in range(k, len(ids)):
                ctx = tuple(ids[pos - k:pos].tolist())
                row = table.get(ctx)
                if row is None:
                    row = table[ctx] = np.zeros(v)
                row[ids[pos]] += 1
            self.counts.append(table)

    def next_counts(self, context: str) -> np.ndarray:
        """Counts of each next character after the last ``order - 1`` characters of ``context``,
        backing off to shorter contexts when that one was never seen."""
        ids = [self.index.get(c, -1) for c in context[len(context) - (self.order - 1):]] if self.order > 1 else []
        for k in range(min(len(ids), self.order - 1), 0, -1):
            ctx = tuple(ids[len(ids) - k:])
            if -1 not in ctx and ctx in self.counts[k]:
                return self.counts[k][ctx]
        return self.counts[0][()]

    def logits(self, context: str) -> np.ndarray:
        r"""Next-character logits :math:`\ln(\text{count} + \alpha)`, shape ``(len(vocab),)``."""
        return np.log(self.next_counts(context) + self.alpha)

    def generate(self, prompt: str, length: int, temperature: float = 1.0, rng: Any = None) -> str:
        """``prompt`` followed by ``length`` characters, each drawn from softmax(logits / T).

        T = 0 is greedy decoding (always the most frequent continuation). ``rng``: Generator or int seed.
        """
        gen = np.random.default_rng(rng)  # a Generator is used as is, an int seeds a new one
        out = list(prompt)
        for _ in range(length):
            k = int(sample(self.logits("".join(out[-(self.order - 1):]) if self.order > 1 else ""),
                           temperature, rng=gen))
            out.append(self.vocab[k])
        return "".join(out)


def distinct_ngram_ratio(text: str, n: int = 3) -> float:
    """Distinct character n-grams divided by all n-grams in ``text``: 1.0 = no repetition (diversity)."""
    grams = [text[i:i + n] for i in range(len(text) - n + 1)]
    return len(set(grams)) / len(grams) if grams else 0.0


def known_word_rate(text: str, reference: str) -> float:
    """Fraction of the words of ``text`` (letters and apostrophes) that also occur in ``reference`` (coherence)."""
    words = re.findall(r"[a-z']+", text.lower())
    vocab = set(re.findall(r"[a-z']+", reference.lower()))
    return sum(w in vocab for w in words) / len(words) if words else 0.0
