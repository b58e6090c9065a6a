"""Lexical text similarity for French and English alike: character n-grams of accent-folded words,
weighted by TF-IDF, compared by cosine. No model and no dependency; robust to inflection ("peluche",
"peluches") and to either language, which word-level methods are not without a stemmer per language.

Also bottom-k sketches of word shingles, to find near-duplicate texts across a whole catalog without
comparing every pair.
"""

from __future__ import annotations

import math
import re
import unicodedata
import zlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

_NOT_WORD = re.compile(r"[^a-z0-9]+")
_DIGITS = re.compile(r"\d+")
SIZES = (3, 4)

Vector = dict[str, float]


def fold(text: str) -> str:
    """Lower case, accents dropped, anything but letters and digits turned into single spaces."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _NOT_WORD.sub(" ", plain).strip()


def grams(text: str) -> Counter[str]:
    """Character n-grams inside words padded with spaces (scikit-learn's "char_wb")."""
    counts: Counter[str] = Counter()
    for word in _DIGITS.sub(" ", fold(text)).split():
        padded = f" {word} "
        for size in SIZES:
            counts.update(padded[i : i + size] for i in range(len(padded) - size + 1))
    return counts


class TfIdf:
    """Inverse document frequencies learnt from a set of texts, and unit vectors of texts."""

    def __init__(self, documents: Iterable[Counter[str]]) -> None:
        df: Counter[str] = Counter()
        count = 0
        for doc in documents:
            df.update(doc.keys())
            count += 1
        self.idf = {gram: math.log((1 + count) / (1 + n)) + 1 for gram, n in df.items()}

    def vector(self, counts: Counter[str]) -> Vector:
        weights = {g: (1 + math.log(n)) * self.idf.get(g, 1.0) for g, n in counts.items()}
        norm = math.sqrt(sum(w * w for w in weights.values())) or 1.0
        return {g: w / norm for g, w in weights.items()}


def cosine(a: Vector, b: Vector) -> float:
    if len(a) > len(b):
        a, b = b, a
    return sum(w * b.get(g, 0.0) for g, w in a.items())


@dataclass(frozen=True, slots=True)
class Mismatch:
    index: int
    own: float
    best: int | None
    best_score: float


def mismatches(
    profiles: Sequence[str],
    descriptions: Sequence[str],
    *,
    threshold: float = 0.3,
    margin: float = 0.1,
    floor: float = 0.02,
) -> list[Mismatch]:
    """Descriptions that do not belong to their product: description i is compared with profile i (its
    product's name, brand, family and categories). One that shares little with its own profile is a
    suspect; it is reported when another product's profile fits it clearly better (a swap), or when it
    shares nearly nothing with its own (`floor`)."""
    profile_grams = [grams(p) for p in profiles]
    description_grams = [grams(d) for d in descriptions]
    model = TfIdf([*profile_grams, *description_grams])
    profile_vectors = [model.vector(g) for g in profile_grams]
    found = []
    postings: dict[str, list[tuple[int, float]]] | None = None
    for i, counts in enumerate(description_grams):
        if not counts or not profile_grams[i]:
            continue
        vector = model.vector(counts)
        own = cosine(vector, profile_vectors[i])
        if own >= threshold:
            continue
        postings = postings if postings is not None else _postings(profile_vectors)
        scores: Counter[int] = Counter()
        for gram, weight in vector.items():
            for j, other in postings.get(gram, ()):
                scores[j] += weight * other
        scores.pop(i, None)
        best = scores.most_common(1)[0][0] if scores else None
        best_score = cosine(vector, profile_vectors[best]) if best is not None else 0.0
        if best_score >= own + margin:
            found.append(Mismatch(i, round(own, 3), best, round(best_score, 3)))
        elif own < floor:
            found.append(Mismatch(i, round(own, 3), None, round(best_score, 3)))
    return found


def _postings(vectors: Sequence[Vector]) -> dict[str, list[tuple[int, float]]]:
    """Gram → (profile, weight), leaving out grams found in more than a quarter of the profiles: they weigh
    little and would make every look-up walk most of the batch."""
    postings: dict[str, list[tuple[int, float]]] = {}
    for j, vector in enumerate(vectors):
        for gram, weight in vector.items():
            postings.setdefault(gram, []).append((j, weight))
    common = max(10, len(vectors) // 4)
    return {gram: entries for gram, entries in postings.items() if len(entries) <= common}


def shingles(text: str, size: int = 3) -> set[int]:
    """Hashes of the text's word n-grams (stable across processes: CRC-32, not Python's hash)."""
    words = fold(text).split()
    if len(words) < size:
        return {zlib.crc32(" ".join(words).encode())} if words else set()
    return {zlib.crc32(" ".join(words[i : i + size]).encode()) for i in range(len(words) - size + 1)}


def sketch(hashes: set[int], k: int = 8) -> tuple[int, ...]:
    """The k smallest shingle hashes: two texts share them in proportion to their resemblance."""
    return tuple(sorted(hashes)[:k])


def jaccard(a: set[int], b: set[int]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


LEXICAL = "char n-gram TF-IDF"


def mismatch_method(prefer: str = "auto") -> tuple[str, Callable[..., list[Mismatch]]]:
    """(name, function) of the swapped-description method: the sentence-embedding model of the `[ai]`
    extra when it is installed, else the lexical one; `prefer="lexical"` forces the latter."""
    from apps.quality import embeddings

    if prefer != "lexical" and embeddings.available():
        return embeddings.NAME, embeddings.mismatches
    return LEXICAL, mismatches
