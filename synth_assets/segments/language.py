"""Which language a text is in, from the share of its words that are that language's commonest
function words. No model to load, a few microseconds a document, and reliable on prose of a
sentence or more: enough to keep an English crawl English. Short or odd text comes out "unknown".
"""

from __future__ import annotations

import re

FUNCTION_WORDS = {
    "en": "the of and to in is that it was for on are as with his they at be this from have or by one had not "
          "but what all were when we there can an your which their said if do will each about how up out them",
    "de": "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus "
          "er hat dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder",
    "fr": "le de la les et des en un une du est que dans qui par pour au sur pas plus ne se il elle sont ce avec "
          "son sa ses aux ou mais comme nous vous leur été cette aussi était fait",
    "es": "el la de que y en los del se las por un para con no una su al lo como más pero sus le ya o este sí "
          "porque esta entre cuando muy sin sobre también me hasta hay donde",
    "it": "il di che è e la per un in non una sono mi si da lo le del della con ma gli anche come alla più "
          "questo ha nel dei delle nella essere stato",
    "pt": "de a o que e do da em um para é com não uma os no se na por mais as dos como mas foi ao ele das tem "
          "à seu sua ou ser quando muito há nos já está também",
    "nl": "de en het van een in is dat op te zijn met voor niet aan er die ook als bij door maar om dan worden "
          "nog wel uit naar deze was heeft hij",
}
WORDS = {code: frozenset(words.split()) for code, words in FUNCTION_WORDS.items()}
_TOKEN = re.compile(r"[^\W\d_]+", re.UNICODE)
MIN_WORDS = 8  # fewer words than this: too little to tell
MIN_SHARE = 0.12  # real prose has 25-50 % function words; below this it is no language we know


def detect_language(text: str, sample_words: int = 400) -> tuple[str, float]:
    """(language code or "unknown", share of the first words that are its function words)."""
    words = [w.lower() for w in _TOKEN.findall(text[: sample_words * 12])][:sample_words]
    if len(words) < MIN_WORDS:
        return "unknown", 0.0
    shares = {code: sum(w in vocabulary for w in words) / len(words) for code, vocabulary in WORDS.items()}
    best = max(shares, key=shares.get)
    return (best, round(shares[best], 3)) if shares[best] >= MIN_SHARE else ("unknown", round(shares[best], 3))


MIN_PASSAGE_WORDS = 12
MIN_ENGLISH_SHARE = 0.08  # English prose of a dozen words holds a few of its function words


def foreign_passage(text: str, languages: tuple[str, ...]) -> str | None:
    """Why a passage of an accepted document is in another language (a quotation or a section in Spanish in
    an English article, a Nynorsk article that passed as unknown), or None."""
    if not languages:
        return None
    language, _ = detect_language(text)
    if language not in ("unknown", *languages):
        return f"passage in language {language}, keeping {', '.join(languages)}"
    words = [w.lower() for w in _TOKEN.findall(text)]
    if "en" in languages and language == "unknown" and len(words) >= MIN_PASSAGE_WORDS and \
            sum(w in WORDS["en"] for w in words) / len(words) < MIN_ENGLISH_SHARE:
        return "passage not in English: almost none of its words are English function words"
    return None


BOILERPLATE = re.compile(
    r"^(?:this article (?:is a stub|needs additional citations)|retrieved (?:from|on) |"
    r"all rights reserved|click here|subscribe to|sign up for our|accept (?:all )?cookies|"
    r"jump to (?:navigation|search)|from wikipedia, the free encyclopedia|edit this page|"
    r"share (?:this|on) |follow us on |copyright ©|\(c\) \d{4})",
    re.IGNORECASE,
)


def boilerplate(text: str) -> bool:
    """Site furniture and crawl debris that no one would say aloud."""
    return bool(BOILERPLATE.match(text.strip()))
