"""Segmentation, verbalization and the spoken-form rewrite."""

from __future__ import annotations

import json

import pytest

from synth_assets.core.records import Document, stable_id
from synth_assets.segments.segment import split_document, split_long_sentence, split_sentences
from synth_assets.segments.wholeness import whole


def make_doc(text: str, **fields) -> Document:
    return Document(id="doc-1", parent_id=None, stage="crawl_snapshot", source="wikipedia",
                    snapshot="2026-11-01", license="CC-BY-SA-4.0", text=text, **fields)


PROSE = ("## History\n\n"
         "Dr. Smith arrived in the U.S. in 1998 with Mr. Jones. The trip cost about 3.5 million dollars, "
         "e.g. for ships and food. J. R. R. Tolkien was not on board.\n\n"
         "[code]print('hello world, this is code')[/code]\n\n"
         "Short one.\n\n"
         "The city grew quickly after the war and became the largest port in the region.")


# --- segmentation --------------------------------------------------------------------------------

def test_sentences_do_not_split_at_abbreviations_initials_or_decimals():
    assert split_sentences("Dr. Smith met Mr. Jones in the U.S. Army. It cost 3.5 dollars, e.g. cheap. "
                           "J. R. R. Tolkien wrote it! Did he? Yes.") == [
        "Dr. Smith met Mr. Jones in the U.S. Army.", "It cost 3.5 dollars, e.g. cheap.",
        "J. R. R. Tolkien wrote it!", "Did he?", "Yes."]


def test_headings_code_and_fragments_are_dropped_with_reasons():
    segments, drops = split_document(make_doc(PROSE))
    reasons = {d["reason"].split(" ")[0]: d for d in drops}
    assert reasons["heading"]["text"] == "## History"
    assert reasons["code"]["text"].startswith("[code]")
    assert reasons["fragment"]["text"] == "Short one."
    assert all(d["parent_id"] == "doc-1" for d in drops)
    assert all("[code]" not in s.text and not s.text.startswith("#") for s in segments)
    # The abbreviation-rich paragraph stays whole: it fits in one 40-word segment.
    assert segments[0].text.startswith("Dr. Smith arrived in the U.S. in 1998")
    assert segments[0].text.endswith("Tolkien was not on board.")


def test_positions_interleave_segments_and_drops_in_document_order():
    segments, drops = split_document(make_doc(PROSE))
    positions = sorted([s.position for s in segments] + [d["position"] for d in drops])
    assert positions == list(range(len(positions)))
    assert [s.position for s in segments] == sorted(s.position for s in segments)


@pytest.mark.parametrize("max_words", [5, 8, 12, 40])
def test_segments_never_exceed_max_words_and_are_whole_sentences(max_words):
    long_sentence = ("In the early years the settlement had a market, a church, two mills, a small school, "
                     "and a harbour that froze every winter " + "and thawed again in spring " * 6 + ".")
    segments, drops = split_document(make_doc(PROSE + "\n\n" + long_sentence), min_words=1,
                                     max_words=max_words)
    assert segments and all(s.words <= max_words for s in segments)
    assert all(s.words == len(s.text.split()) for s in segments)
    assert all(whole(s.text) for s in segments)
    if max_words < len(long_sentence.split()):
        assert any(d["reason"].endswith("with no clean clause split") for d in drops)


def test_a_long_sentence_is_cut_only_where_both_halves_stand_alone():
    sentence = ("Some anarchists, such as William Godwin and Wilhelm Weitling, argued for a society without "
                "rulers, but they did not use the word anarchist for themselves, and the term was adopted "
                "later by Proudhon; he wrote that property is theft.")
    assert split_long_sentence(sentence, max_words=16) == [
        "Some anarchists, such as William Godwin and Wilhelm Weitling, argued for a society without rulers.",
        "But they did not use the word anarchist for themselves.",
        "The term was adopted later by Proudhon; he wrote that property is theft."]
    segments, drops = split_document(make_doc(sentence), max_words=25)
    assert not drops and all(whole(s.text) and s.words <= 25 for s in segments)
    assert " ".join(s.text for s in segments).startswith("Some anarchists, such as William Godwin")


def test_a_long_sentence_without_a_clean_clause_split_is_dropped_with_its_reason_never_cut_mid_phrase():
    sentence = ("The river rises in the northern hills, runs through three large towns and many villages, "
                "and reaches the sea after a long and slow journey across the plain.")
    segments, drops = split_document(make_doc(sentence), max_words=15)
    assert segments == []
    assert drops[0]["reason"] == "sentence of 28 words, over 15, with no clean clause split"
    assert drops[0]["text"] == sentence


def test_a_cut_never_falls_inside_brackets_or_quotes():
    sentence = ("The report (which the council published, and they read it twice) was long, "
                "and the mayor said \"we will act, and we will act soon\" before the vote.")
    segments, drops = split_document(make_doc(sentence), max_words=12)
    assert segments == [] and "no clean clause split" in drops[0]["reason"]


def test_sentences_with_inline_code_or_math_are_dropped_and_the_rest_of_the_paragraph_kept():
    text = ("You can sort a list in place. Call [code] items.sort() [/code] on it. "
            "The cost is $O(n \\log n)$ in the worst case. It works for any comparable items.")
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == ["You can sort a list in place.", "It works for any comparable items."]
    assert [d["reason"] for d in drops] == ["sentence holds inline code", "sentence holds math or markup"]


def test_a_paragraph_whose_start_was_lost_drops_that_sentence_and_keeps_the_next():
    text = "also called atypical autism) is diagnosed when criteria are not met. Doctors look at many signs."
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == ["Doctors look at many signs."]
    assert drops[0]["reason"].startswith("starts mid-sentence")


def test_a_list_lead_in_is_dropped_and_list_items_are_said_as_sentences():
    text = ("The main schools of thought are these:\n\n"
            "Anarcho-communism, which argues for common ownership\n\n"
            "Mutualism, which argues for markets without profit")
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == ["Anarcho-communism, which argues for common ownership.",
                                          "Mutualism, which argues for markets without profit."]
    assert drops[0]["reason"] == "introduces a list, table or code that is not spoken"


def test_turn_roles_are_kept_across_paragraphs():
    text = ("USER: How do I bake bread at home without a special machine?\n\n"
            "ASSISTANT: Mix flour, water, salt and yeast into a dough.\n\n"
            "Let it rise for two hours, then bake it in a hot oven.\n\n"
            "USER: Thank you very much, that sounds easy enough.")
    segments, _ = split_document(make_doc(text))
    assert [(s.role, s.text.split()[0]) for s in segments] == [
        ("user", "How"), ("assistant", "Mix"), ("assistant", "Let"), ("user", "Thank")]
    assert not any("USER:" in s.text or "ASSISTANT:" in s.text for s in segments)


def test_plain_prose_is_narration_with_lineage_copied_from_document():
    segments, _ = split_document(make_doc(PROSE), min_words=3, max_words=30)
    seg = segments[0]
    assert {s.role for s in segments} == {"narration"}
    assert (seg.parent_id, seg.stage, seg.source, seg.snapshot, seg.license) == (
        "doc-1", "text_segments", "wikipedia", "2026-11-01", "CC-BY-SA-4.0")
    assert json.loads(seg.params) == {"min_words": 3, "max_words": 30, "pack_words": 30}
    assert seg.id == stable_id("segment", "doc-1", seg.position, seg.text)


def test_ids_are_stable_across_calls():
    first, _ = split_document(make_doc(PROSE))
    second, _ = split_document(make_doc(PROSE))
    assert [s.id for s in first] == [s.id for s in second]
    assert len({s.id for s in first}) == len(first)


def test_exact_duplicates_are_dropped_naming_the_segment_they_repeat():
    text = "The bridge opened to traffic in May.\n\nSomething else happened here too.\n\n" \
           "The  bridge opened to TRAFFIC in May."
    segments, drops = split_document(make_doc(text))
    assert len(segments) == 2
    [drop] = drops
    assert drop["reason"] == f"duplicate of {segments[0].id}"
    assert drop["text"] == "The bridge opened to TRAFFIC in May."


def test_unclosed_code_block_runs_to_the_end_and_empty_document_gives_nothing():
    segments, drops = split_document(make_doc("Here is a longer line of prose.\n\n[code]x = 1\n\ny = 2"))
    assert [s.text for s in segments] == ["Here is a longer line of prose."]
    assert [d["reason"] for d in drops] == ["code"]
    assert split_document(make_doc("")) == ([], [])


# --- verbalization -------------------------------------------------------------------------------


# --- spoken form ---------------------------------------------------------------------------------




def test_a_clause_after_a_semicolon_or_colon_with_its_own_verb_becomes_a_sentence():
    sentence = ("Specific heat often varies with temperature, and differs for each state of matter: liquid water "
                "has one of the highest values among common substances, but ice has only half of it.")
    assert split_long_sentence(sentence, max_words=20) == [
        "Specific heat often varies with temperature, and differs for each state of matter.",
        "Liquid water has one of the highest values among common substances, but ice has only half of it."]


def test_a_subordinate_clause_is_rewritten_to_stand_alone():
    sentence = ("Copper needs only a little heat to warm up, which is why a copper pan heats quickly on a stove, "
                "whereas the same mass of water needs almost eleven times as much energy to warm by one degree.")
    assert split_long_sentence(sentence, max_words=25) == [
        "Copper needs only a little heat to warm up, which is why a copper pan heats quickly on a stove.",
        "By contrast, the same mass of water needs almost eleven times as much energy to warm by one degree."]


def test_a_reporting_clause_is_carried_over_to_the_piece_that_continues_it():
    sentence = ("Syndicalists held that the class struggle takes place at the point of production; that every "
                "gain trains the workers for the final strike; and that the union is the cell of the future society.")
    assert split_long_sentence(sentence, max_words=20) == [
        "Syndicalists held that the class struggle takes place at the point of production.",
        "Syndicalists held that every gain trains the workers for the final strike.",
        "Syndicalists held that the union is the cell of the future society."]


def test_a_piece_opening_with_a_subordinator_is_never_cut_off():
    sentence = ("They argued for years about the plan in the council, and which of the two towns should pay for "
                "the bridge was never settled by anyone at all.")
    assert split_long_sentence(sentence, max_words=15) is None


def test_list_lines_of_one_paragraph_become_sentences_and_table_lines_are_dropped():
    text = ("Here are three tips:\n1. Go to bed at the same time every day.\n2. Keep the bedroom cool and dark."
            "\n3. Avoid coffee late in the day.\n\n| City | Population |\n|---|---|\n| Lyon | 522,000 |")
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == [  # each item is a paragraph of its own
        "Go to bed at the same time every day.", "Keep the bedroom cool and dark.", "Avoid coffee late in the day."]
    assert [d["reason"] for d in drops] == ["introduces a list, table or code that is not spoken", "table"]


def test_a_sentence_with_a_hole_left_by_removed_markup_is_dropped():
    text = ("A reading score is computed as, where is the mean, and a child is referred when. "
            "Most children are never referred at all.")
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == ["Most children are never referred at all."]
    assert drops[0]["reason"] == "a word is missing: markup was removed from the source"


def test_a_paragraph_that_lost_its_end_drops_that_sentence_instead_of_faking_a_full_stop():
    text = ("Early writers used the word freely. Some, such as William Godwin and Wilhelm Weitling,\n\n"
            "A list item without a full stop")
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == ["Early writers used the word freely.", "A list item without a full stop."]
    assert drops[0]["reason"] == "ends mid-sentence: its end was lost in the source"
    assert drops[0]["text"] == "Some, such as William Godwin and Wilhelm Weitling,"


def test_back_matter_sections_are_dropped_whole_with_their_subsections_and_the_reason():
    text = ("Achilles was a hero of the Trojan War.\n\n## Popular culture\n\nAchilles appears in many films.\n\n"
            "### Film\n\n* Brad Pitt in Troy (2004)\n\n## Legacy\n\nHis heel gave its name to a tendon.\n\n"
            "## Further reading\n\n* Homer, Iliad")
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == ["Achilles was a hero of the Trojan War.", "His heel gave its name to a tendon."]
    sections = [d for d in drops if d["reason"].startswith("section")]
    assert [d["reason"].split(" is ")[0] for d in sections] == ["section 'Popular culture'", "section 'Further reading'"]
    assert "Brad Pitt" in sections[0]["text"] and "Homer" in sections[1]["text"]


def test_narration_list_items_are_spoken_only_when_they_are_sentences():
    text = ("The role was played by:\n\n* Piero Lulli in Ulysses (1955)\n\n* Brad Pitt in Troy (2004)\n\n"
            "* Homer, Odyssey XI, 467–540\n\n* Æ æ: Latin AE ligature\n\n"
            "* Charlotte Lewis (Rebecca Mader) in the television series Lost\n\n"
            "* New Maladies of the Soul. New York, Columbia University Press, 1995.\n\n"
            "* The ship was sold to the Indian Navy in 1948 and scrapped later.\n\n"
            "* Keep the bedroom cool and dark at night.")
    segments, drops = split_document(make_doc(text))
    assert [s.text for s in segments] == ["The ship was sold to the Indian Navy in 1948 and scrapped later.",
                                          "Keep the bedroom cool and dark at night."]
    assert [d["reason"] for d in drops] == [
        "introduces a list, table or code that is not spoken",
        "list item that is not a sentence (a name, a title or an entry)",
        "list item that is not a sentence (a name, a title or an entry)",
        "list item: a citation or bibliographic reference", "list item: a row of a letter or character table",
        "list item that is not a sentence (a name, a title or an entry)",  # "Lost" is a title, not a verb
        "list item: a citation or bibliographic reference"]


def test_an_answer_keeps_its_list_and_a_citation_in_running_narration_is_dropped():
    answer = "USER: How do I sleep better?\n\nASSISTANT: Try these two things.\n\n* Go to bed early\n\n* Drink less coffee after lunch"
    segments, _ = split_document(make_doc(answer))
    assert [s.text for s in segments if s.role == "assistant"] == [
        "Try these two things.", "Go to bed early.", "Drink less coffee after lunch."]
    prose = "The siege lasted ten years. Nagy, Gregory, The Best of the Achaeans, Johns Hopkins University Press, 1979."
    segments, drops = split_document(make_doc(prose))
    assert [s.text for s in segments] == ["The siege lasted ten years."]
    assert drops[0]["reason"] == "a citation or bibliographic reference"
