"""The lexical text method: French and English alike, accents and inflection folded; the swap finder
names the product a description belongs to; the [ai] method is picked only when installed."""

from apps.quality import embeddings, similarity


def test_folding_drops_case_accents_and_punctuation():
    assert similarity.fold("Bûche de NOËL, à l'érable !") == "buche de noel a l erable"


def test_inflected_words_share_most_of_their_ngrams_in_either_language():
    model = similarity.TfIdf([similarity.grams(t) for t in ("peluche", "peluches", "chocolat", "reindeers")])

    def sim(a, b):
        return similarity.cosine(model.vector(similarity.grams(a)), model.vector(similarity.grams(b)))

    assert sim("renne en peluche", "rennes en peluches") > 0.6
    assert sim("plush reindeer", "plush reindeers") > 0.6
    assert sim("renne en peluche", "bûche au chocolat") < sim("renne en peluche", "rennes en peluches") / 2


def test_a_swapped_pair_is_found_and_each_names_the_others_product():
    profiles = [
        "Renne en peluche Jouets Peluches",
        "Bûche au chocolat Épicerie Chocolats",
        "Boule de verre Décorations",
    ]
    texts = [
        "Une bûche au chocolat fondante.",
        "Un renne en peluche tout doux.",
        "Une boule de verre soufflé.",
    ]
    found = similarity.mismatches(profiles, texts)
    assert sorted((m.index, m.best) for m in found) == [(0, 1), (1, 0)]


def test_fitting_descriptions_are_left_alone():
    profiles = ["Renne en peluche Jouets", "Bûche au chocolat Épicerie"]
    texts = ["Un renne en peluche tout doux.", "Une bûche au chocolat fondante."]
    assert similarity.mismatches(profiles, texts) == []


def test_near_duplicates_resemble_and_different_texts_do_not():
    a = similarity.shingles("un renne en peluche tout doux avec une écharpe rouge tricotée main")
    b = similarity.shingles("un renne en peluche tout doux avec une écharpe verte tricotée main")
    c = similarity.shingles("une bûche au chocolat noir et aux marrons glacés pour le réveillon")
    assert similarity.jaccard(a, b) > 0.5 > similarity.jaccard(a, c)
    assert len(set(similarity.sketch(a)) & set(similarity.sketch(b))) >= 2


def test_the_embedding_method_is_chosen_only_when_installed(monkeypatch):
    monkeypatch.setattr(embeddings, "available", lambda: False)
    assert similarity.mismatch_method()[0] == similarity.LEXICAL
    monkeypatch.setattr(embeddings, "available", lambda: True)
    assert similarity.mismatch_method()[0] == embeddings.NAME
    assert similarity.mismatch_method(prefer="lexical")[0] == similarity.LEXICAL
