"""Cut a document into TTS-sized utterances, recording everything that is dropped and why.

Paragraphs are split into sentences, and consecutive whole sentences of one paragraph are packed
into segments of up to ``pack_words`` words. A segment never starts or ends inside a sentence. A
sentence longer than ``max_words`` is cut only at a clause boundary where both halves stand alone as
sentences (a semicolon, or ", but they ..."), else it is dropped with its reason. Headings, ``[code]``
blocks, sentences with inline code or math, paragraphs whose start was lost, fragments under
``min_words`` and exact duplicates are dropped with a reason. So is what a listener would not hear read
out (``unspoken``): back-matter sections whole, and narration's list items that are not sentences
(titles, names, citations, rows of character tables).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from synth_assets.core import names
from synth_assets.core.limits import MAX_SEGMENT_WORDS
from synth_assets.core.records import Document, Segment, stable_id
from synth_assets.segments.unspoken import back_matter, citation, list_item_problem
from synth_assets.segments.wholeness import ends_mid_sentence, starts_mid_sentence

# Words that end in a period without ending the sentence ("Dr. Smith", "approx. 5").
ABBREVIATIONS = frozenset(
    "mr mrs ms dr prof st jr sr vs etc no nos fig figs approx inc ltd co corp gen col lt sgt gov sen "
    "rep rev mt ft ave cf al ca vol pp ed eds pop est fl ibid viz ch sec op cit "
    "jan feb mar apr jun jul aug sep sept oct nov dec".split()
)
# A possible sentence end: punctuation, closing quotes/brackets, a space, then a capital or digit.
_BOUNDARY = re.compile(r"[.!?…]+[\"'”’)\]]*\s+(?=[\"'“‘(\[]?[A-Z0-9])")
# Initials and dotted acronyms: "J.", "U.S.", "e.g."
_DOTTED = re.compile(r"(?:[A-Za-z]\.)+")
_CODE = re.compile(r"(\[code\].*?(?:\[/code\]|\Z))", re.S)  # unclosed blocks run to the end
_PARAGRAPH = re.compile(r"\n\s*\n")
_TURN = re.compile(r"(USER|ASSISTANT):\s*")
_HEADING = re.compile(r"(?P<level>#{1,6})\s+(?P<title>.*)")
DROP_TEXT_CHARS = 500
MAX_WORDS = MAX_SEGMENT_WORDS
PACK_WORDS = 40  # shorter sentences are joined into segments up to this many words


def count_words(text: str) -> int:
    return len(text.split())


def _is_abbreviation(before: str) -> bool:
    """Whether the word ending ``before`` (which ends in a period) is an abbreviation or an initial."""
    word = before.rsplit(None, 1)[-1].lstrip("\"'“‘([")
    return bool(_DOTTED.fullmatch(word)) or word[:-1].lower() in ABBREVIATIONS


def split_sentences(text: str) -> list[str]:
    sentences, start = [], 0
    for match in _BOUNDARY.finditer(text):
        end = match.start() + 1
        if match.group().rstrip().rstrip("\"'”’)]") == "." and _is_abbreviation(text[start:end]):
            continue
        sentences.append(text[start:match.end()].strip())
        start = match.end()
    tail = text[start:].strip()
    return [*sentences, tail] if tail else sentences


# Where a sentence too long for one clip may be cut so that both halves stand alone: a semicolon, or a
# comma before a coordinating conjunction whose clause has its own subject (", but they did ...").
_CLAUSE_BREAK = re.compile(r"(?P<punct>[;:]|,)\s+(?P<conj>(?:and|but|yet|so|whereas|although|though)\s+)?"
                           r"(?P<next>[\"'“‘(]?[\w'’-]+)")
# A conjunction kept at the start of the new sentence ("But they ..."); "and" is dropped; a subordinating
# one is rewritten so that its clause can stand alone ("..., whereas water needs" -> "By contrast, water needs").
KEPT_CONJUNCTIONS = frozenset({"but", "yet", "so"})
REWRITTEN_CONJUNCTIONS = {"whereas": "by contrast,", "although": "even so,", "though": "even so,"}
# Words that open a clause with its own subject; a capitalised word (a name) does too. Not "that": after
# ", and" it mostly continues a reported statement ("argued that ..., and that ...").
SUBJECT_STARTS = frozenset(
    "i you he she it we they this these those there the a an his her its their our my your some many "
    "most all each both one no such several few other others another neither either".split())
# Words that open a dependent clause: a piece starting with one does not stand alone.
SUBORDINATORS = frozenset("that which who whom whose where when because if whether while whereas as since "
                          "unless until although though than".split())
# After a semicolon or colon, a clause with a finite verb stands alone even without a listed subject word.
_FINITE_VERB = re.compile(r"\b(?:is|are|was|were|has|have|had|will|would|can|could|did|does|do|may|might|must|"
                          r"should|shall|became|becomes|remains|remained|\w+ed)\b")
# "Critics argued that X; that Y": the reporting clause carried over to the second piece.
_REPORTING = re.compile(r"^(?P<prefix>(?:\S+\s+){1,6}?(?:\w+ed|held|said|wrote|thought|knew|felt|found|"
                        r"believe[sd]?|argue[sd]?|claim(?:s|ed)?|hold|holds|say|says)\s+)that\s")
# TeX math ($x^2$, but not "$801 and $850"), TeX commands, templates and HTML tags.
_MATH_OR_MARKUP = re.compile(r"\$(?![\d\s])[^$\n]+?(?<!\s)\$|\\[a-zA-Z]+|\\[()\[\]]|\{\{|\}\}|<[a-zA-Z/][^<>]*>")
# A reaction or formula: an arrow between terms, or element symbols with counts ("CH4 + 2 O2", "H2O").
_REACTION = re.compile(r"[→⇌⟶↔]|(?:\b[A-Z][a-z]?\d+[A-Za-z\d]*\s*\+\s*\d*\s*[A-Z][a-z]?\d*)")
# A function word right before punctuation: a word (often inline math) was removed from the source, as
# in "is computed as, where is the mean".
_HOLE = re.compile(r"\b(?:the|a|an|of|by|as|than|where|when|denoted|equals)\s*[,;.](?:\s|$)")
# A paragraph that stops on a comma, a semicolon or a word that needs a continuation lost its end.
_TRUNCATED = re.compile(r"(?:[,;(\[-]|\b(?:and|or|but|nor|of|the|a|an|to|in|on|at|with|for|by|as|from|such as|"
                        r"including|than|that|which|who|whose|is|are|was|were))[\s\"'”’]*$")
_LIST_LINE = re.compile(r"^\s*(?:[-*•+]|\d{1,2}[.)])\s+(?=\S)")
_TABLE_LINE = re.compile(r"^\s*\|")
_INLINE_CODE = re.compile(r"(?<=\S)[ \t]*\[code\][^\n]*?\[/code\]")
INLINE_CODE_MARK = "⟦code⟧"


def _balanced(text: str) -> bool:
    """No bracket or double quote left open or closed across the cut."""
    depth = 0
    for ch in text:
        depth += ch in "(["
        depth -= ch in ")]"
        if depth < 0:
            return False
    return depth == 0 and (text.count('"') % 2 == 0) and text.count("“") == text.count("”")


def _stands_alone(clause: str, after: str) -> bool:
    """Whether ``clause``, which followed ``after`` (',', ';' or ':'), reads as a sentence of its own."""
    word = clause.split(None, 1)[0].lstrip("\"'“‘(") if clause.split() else ""
    if not word or word.lower() in SUBORDINATORS or not _balanced(clause):
        return False
    if word.lower() in SUBJECT_STARTS or word[0].isupper():
        return True
    return after in ";:" and bool(_FINITE_VERB.search(clause))


def _in_series(head: str, item_words: int = 4) -> bool:
    """Whether the text before ", and" ends a list: its last comma-separated item is short and follows
    another comma."""
    items = head.split(",")
    return len(items) >= 3 and count_words(items[-1]) <= item_words


def _as_sentence(head: str) -> str:
    return head.rstrip(" ,;") + "."


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _carried_over(head: str, rest: str) -> str | None:
    """'that Y' after 'Critics argued that X;' becomes 'Critics argued that Y'; None when there is no
    reporting clause to carry."""
    reporting = _REPORTING.match(head)
    return reporting["prefix"] + rest if reporting and rest.lower().startswith("that ") else None


def _clause_cuts(sentence: str) -> list[tuple[str, str]]:
    """(first sentence, rest) for every clean clause boundary, each half made a sentence of its own."""
    cuts = []
    for match in _CLAUSE_BREAK.finditer(sentence):
        conjunction = (match["conj"] or "").strip().lower()
        if match["punct"] == "," and not conjunction:
            continue  # a bare comma joins phrases, not independent clauses
        head = sentence[:match.start()]
        if conjunction == "and" and _in_series(head):
            continue  # "a market, a church, and a harbour": the last item of a list, not a clause
        clause = sentence[match.start("next"):]
        if not _balanced(head):
            continue
        if carried := _carried_over(head, clause):
            clause = carried
        elif not _stands_alone(clause, match["punct"]):
            continue
        if conjunction in KEPT_CONJUNCTIONS:
            clause = f"{conjunction} {clause}"
        elif conjunction in REWRITTEN_CONJUNCTIONS:
            clause = f"{REWRITTEN_CONJUNCTIONS[conjunction]} {clause}"
        cuts.append((_as_sentence(head), _capitalised(clause)))
    return cuts


def split_long_sentence(sentence: str, max_words: int, min_words: int = 1) -> list[str] | None:
    """The sentence as pieces of at most max_words that are each a sentence on their own, cut only at
    clean clause boundaries (the most even cut first); None when no such cut exists."""
    if count_words(sentence) <= max_words:
        return [sentence]
    middle = count_words(sentence) / 2
    cuts = sorted(_clause_cuts(sentence), key=lambda cut: abs(count_words(cut[0]) - middle))
    for head, rest in cuts:
        if count_words(head) < min_words or count_words(rest) < min_words:
            continue
        first = split_long_sentence(head, max_words, min_words)
        second = split_long_sentence(rest, max_words, min_words)
        if first is not None and second is not None:
            return first + second
    return None


def _pack(parts: list[str], max_words: int) -> list[str]:
    """Greedily join consecutive sentences while the result stays within max_words."""
    packed: list[str] = []
    for part in parts:
        if packed and count_words(packed[-1]) + count_words(part) <= max_words:
            packed[-1] = f"{packed[-1]} {part}"
        else:
            packed.append(part)
    return packed


def _sentence_problem(sentence: str, index: int, last: bool, narration: bool = False) -> str | None:
    """Why a sentence cannot be spoken as written, or None."""
    if narration and citation(sentence):
        return "a citation or bibliographic reference"
    if INLINE_CODE_MARK in sentence:
        return "sentence holds inline code"
    if _MATH_OR_MARKUP.search(sentence):
        return "sentence holds math or markup"
    if _REACTION.search(sentence):
        return "sentence holds a chemical equation or a formula"
    if _HOLE.search(sentence):
        return "a word is missing: markup was removed from the source"
    if index == 0 and starts_mid_sentence(sentence):
        return "starts mid-sentence: its beginning was lost in the source"
    if last and sentence.rstrip().endswith(":"):
        return "introduces a list, table or code that is not spoken"
    return None


def _paragraph_candidates(paragraph: str, max_words: int, pack_words: int, min_words: int,
                          narration: bool = False) -> Iterator[tuple[str | None, str]]:
    """(drop reason or None, text) for a paragraph: runs of whole sentences packed to pack_words, and
    each sentence that cannot be kept, with its reason (a drop breaks the run it falls in)."""
    sentences = split_sentences(paragraph)
    run: list[str] = []
    for index, sentence in enumerate(sentences):
        last = index == len(sentences) - 1
        reason = _sentence_problem(sentence, index, last, narration)
        pieces = None if reason else split_long_sentence(sentence, max_words, min_words)
        if reason is None and pieces is None:
            reason = f"sentence of {count_words(sentence)} words, over {max_words}, with no clean clause split"
        if reason:
            yield from ((None, piece) for piece in _pack(run, pack_words))
            run = []
            yield reason, sentence
            continue
        if last and ends_mid_sentence(pieces[-1]):
            if _TRUNCATED.search(pieces[-1]):
                yield from ((None, piece) for piece in _pack(run, pack_words))
                run = []
                yield "ends mid-sentence: its end was lost in the source", sentence
                continue
            pieces[-1] = pieces[-1].rstrip() + "."  # a list item or caption: say it as a sentence
        run.extend(pieces)
    yield from ((None, piece) for piece in _pack(run, pack_words))


TABLE = "[table]"
PARAGRAPH, ITEM = "paragraph", "item"


def _blocks(chunk: str) -> Iterator[tuple[str, str]]:
    """(kind, text) for the blocks of a chunk: PARAGRAPH, or ITEM for a list item (its marker dropped),
    or a run of table lines ("| a | b |") as one TABLE."""
    for paragraph in _PARAGRAPH.split(chunk):
        lines = paragraph.split("\n")
        if not any(_LIST_LINE.match(x) or _TABLE_LINE.match(x) for x in lines):
            yield PARAGRAPH, paragraph
            continue
        block: list[str] = []
        kind, in_table = PARAGRAPH, False
        for line in lines:
            if _TABLE_LINE.match(line):
                if not in_table:
                    yield from ([(kind, " ".join(block))] if block else [])
                    block, in_table = [], True
                    yield TABLE, TABLE
                continue
            in_table = False
            if _LIST_LINE.match(line):
                yield from ([(kind, " ".join(block))] if block else [])
                block, kind = [_LIST_LINE.sub("", line)], ITEM
            else:
                block.append(line)
        yield from ([(kind, " ".join(block))] if block else [])


def _candidates(text: str, max_words: int, pack_words: int,
                min_words: int) -> Iterator[tuple[str, str | None, str]]:
    """(role, drop reason or None, text) for every utterance candidate, in document order.

    A code block of its own acts as a paragraph break: the prose around it is kept separately. A code
    block inside a sentence drops that sentence. A back-matter section (``unspoken.back_matter``) is
    dropped whole, its subsections with it, as one candidate.
    """
    role = "narration"
    skipped: list[str] = []  # the back-matter section being dropped: its heading, then its blocks
    skipped_level = 0
    text = _INLINE_CODE.sub(f" {INLINE_CODE_MARK}", text)
    for chunk_index, chunk in enumerate(_CODE.split(text)):
        if chunk_index % 2:  # odd chunks are the captured code blocks
            if skipped:
                skipped.append(chunk)
                continue
            yield role, "code", chunk
            continue
        for kind, paragraph in _blocks(chunk):
            paragraph = " ".join(paragraph.split())
            if turn := _TURN.match(paragraph):  # a turn lasts until the next prefix
                role, paragraph = turn.group(1).lower(), paragraph[turn.end():]
            if not paragraph:
                continue
            heading = _HEADING.fullmatch(paragraph)
            if skipped and (heading is None or len(heading["level"]) > skipped_level):
                skipped.append(paragraph)
                continue
            if skipped:
                yield role, _back_matter_reason(skipped[0]), "\n\n".join(skipped)
                skipped = []
            if heading and role == "narration" and back_matter(heading["title"]):
                skipped, skipped_level = [paragraph], len(heading["level"])
                continue
            if heading:
                yield role, "heading", paragraph
            elif kind == TABLE:
                yield role, "table", paragraph
            elif kind == ITEM and role == "narration" and (problem := list_item_problem(paragraph)):
                yield role, problem, paragraph
            else:
                yield from ((role, reason, piece) for reason, piece in _paragraph_candidates(
                    paragraph, max_words, pack_words, min_words, narration=role == "narration"))
    if skipped:
        yield role, _back_matter_reason(skipped[0]), "\n\n".join(skipped)


def _back_matter_reason(heading: str) -> str:
    title = _HEADING.fullmatch(heading)["title"]
    return f"section {title!r} is not spoken: references, further reading or a list of works or mentions"


def split_document(doc: Document, *, min_words: int = 4, max_words: int = MAX_WORDS,
                   pack_words: int = PACK_WORDS) -> tuple[list[Segment], list[dict]]:
    """Segments of the document and the drops, as {"parent_id", "position", "reason", "text"}.

    ``position`` counts kept and dropped candidates together, so both lists interleave in document
    order; a segment's id is made from its position and text.
    """
    pack_words = min(pack_words, max_words)
    params = json.dumps({"min_words": min_words, "max_words": max_words, "pack_words": pack_words},
                        sort_keys=True)
    segments: list[Segment] = []
    drops: list[dict] = []
    seen: dict[str, str] = {}  # normalised text -> id of the segment that kept it
    for position, (role, reason, text) in enumerate(_candidates(doc.text, max_words, pack_words, min_words)):
        words = count_words(text)
        key = " ".join(text.lower().split())
        if reason is None and words < min_words:
            reason = f"fragment of {words} words, under {min_words}"
        if reason is None and key in seen:
            reason = f"duplicate of {seen[key]}"
        if reason:
            drops.append({"parent_id": doc.id, "position": position, "reason": reason,
                          "text": text[:DROP_TEXT_CHARS]})
            continue
        segment = Segment(id=stable_id("segment", doc.id, position, text), parent_id=doc.id,
                          stage=names.TEXT_SEGMENTS, params=params, source=doc.source, snapshot=doc.snapshot,
                          role=role, position=position, text=text, words=words, license=doc.license)
        seen[key] = segment.id
        segments.append(segment)
    return segments, drops
