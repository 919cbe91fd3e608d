"""Conversations in proportion to the data: every valid instruction becomes a conversation (a rate,
not a cap, is the knob; a cap stays available), repeats are quarantined with a reason, false premises
come from every article at a rate per article, and a 50,000-instruction partition streams."""

from __future__ import annotations

import tracemalloc

import pytest

from synth_assets.core import names, parts
from synth_assets.core.mix import MixTargets
from synth_assets.core.stage_run import StageRun
from synth_assets.core.storage import LocalStore
from synth_assets.dialogues import render
from synth_assets.dialogues.behaviours import NO_BEHAVIOURS
from synth_assets.tts.policy import VoicePolicy

KEY = "alpaca/2026-11-01/alpaca.json"
WIKI = "wikipedia/2026-11-01/enwiki.xml"
TOPICS = ["bread", "rain", "tides", "bees", "glass", "salt", "wind", "snow", "clay", "maps", "ink", "wool",
          "rivers", "bells", "kites", "ferns", "moss", "owls", "tea", "rust", "sand", "clouds", "frogs",
          "corn", "iron", "milk", "pearls", "reeds", "seeds", "stars"]


def instruction_documents(count: int, repeat_every: int = 0) -> list[dict]:
    rows = []
    for i in range(count):
        topic = TOPICS[i % len(TOPICS)] + ("" if i < len(TOPICS) else f" number {i}")
        if repeat_every and i % repeat_every == repeat_every - 1:
            topic = TOPICS[0]  # asks what document 0 asked
        question = f"Explain how {topic} are made." if i else "Explain how bread are made."
        rows.append({"id": f"doc-{i}", "parent_id": None, "stage": names.CRAWL_SNAPSHOT, "kind": "alpaca",
                     "text": f"USER: {question}\n\nASSISTANT: They come from a slow and careful process.",
                     "source": "alpaca", "snapshot": "2026-11-01", "license": "CC BY-NC 4.0", "file": KEY,
                     "position": f"line 1, item {i + 1}", "title": question})
    return rows


def stored(tmp_path, rows: list[dict], partition: str = KEY, asset: str = names.CRAWL_SNAPSHOT) -> LocalStore:
    store = LocalStore(tmp_path / "data")
    parts.write_parts(store, asset, partition, rows, fingerprint_value="fixture")
    return store


def stage(asset: str = names.INSTRUCTION_DIALOGUES, partition: str = KEY) -> StageRun:
    return StageRun(asset, partition, "run-1", "test")


def test_every_valid_instruction_becomes_a_conversation_by_default(tmp_path, tone_voices):
    female, male, assistant = tone_voices
    policy = VoicePolicy(user_voices=(female, male), assistant_voice=assistant, workers=1)
    store = stored(tmp_path, instruction_documents(26) + [{**instruction_documents(1)[0], "id": "bad",
                                                          "text": "USER: \n\nASSISTANT: nothing"}])
    tally = render.InstructionTally()
    no_clarifications = MixTargets(safety=0.2, false_premise=0.2, instruction=0.6, clarification=0.0)
    rows = list(render.instruction_dialogues(stage(), store, KEY, 1.0, policy, no_clarifications, tally=tally,
                                             behaviours=NO_BEHAVIOURS))  # no long session joins two of them

    assert len(rows) == 26 > 20  # the old fixed cap
    assert (tally.documents, tally.scripted, tally.invalid, tally.duplicates) == (27, 26, 1, 0)


def test_a_repeated_instruction_is_quarantined_naming_the_one_kept(tmp_path):
    run = stage()
    store = stored(tmp_path, instruction_documents(12, repeat_every=4))
    tally = render.InstructionTally()
    scripts = list(render.instruction_scripts(run, store, KEY, tally=tally))

    assert [s.parent_id for s in scripts] == [f"doc-{i}" for i in range(12) if i % 4 != 3]
    assert tally.duplicates == 3 and len(run.quarantined) == 3
    assert run.quarantined[0].reason == ("doc-3: duplicate instruction: the same as line 1, item 1 of "
                                         f"{KEY}, which was kept")


def test_a_rate_keeps_that_share_of_instructions_and_the_same_ones_on_a_rerun(tmp_path):
    store = stored(tmp_path, instruction_documents(200))
    first = [s.parent_id for s in render.instruction_scripts(stage(), store, KEY, rate=0.3)]
    again = [s.parent_id for s in render.instruction_scripts(stage(), store, KEY, rate=0.3)]

    assert first == again and 40 <= len(first) <= 80  # 60 expected
    everything = [s.parent_id for s in render.instruction_scripts(stage(), store, KEY)]
    assert len(everything) == 200 and set(first) <= set(everything)


def test_a_cap_is_still_there_when_asked_for(tmp_path):
    store = stored(tmp_path, instruction_documents(30))
    scripts = render.instruction_scripts(stage(), store, KEY)
    capped = list(render.with_clarifications(scripts, 5, 0.0))
    assert len(capped) == 5
    uncapped = list(render.with_clarifications(render.instruction_scripts(stage(), store, KEY), None, 0.5))
    kinds = [s.kind for s in uncapped]
    # Every document is a conversation; a clarification asks its own document's question (never a copy of
    # an instruction conversation), at the mix's share per instruction conversation.
    assert len(uncapped) == 30 and kinds.count("instruction") == 20 and kinds.count("clarification") == 10


FACTS = ["The {name} Tower was completed in 1889 for the fair in Paris.",
         "The {name} bridge was designed by Gustave Eiffel and opened to walkers in March.",
         "The {name} road is about 285 km long and quite narrow in places."]


def article_segments(articles: int) -> list[dict]:
    rows = []
    for a in range(articles):
        for i, fact in enumerate(FACTS):
            rows.append({"id": f"seg-{a}-{i}", "parent_id": f"doc-{a}", "stage": names.TEXT_SEGMENTS,
                         "source": "wikipedia", "snapshot": "2026-11-01", "role": "narration", "position": i,
                         "text": fact.format(name=f"Article{a}"), "words": 12, "license": "CC BY-SA 4.0",
                         "document_id": f"page-{a}"})
    return rows


@pytest.mark.parametrize(("per_article", "cap", "low", "high"),
                         [(1.0, None, 12, 12), (2.0, None, 24, 24), (0.5, None, 3, 9), (1.0, 4, 4, 4)])
def test_false_premises_come_from_every_article_at_the_rate_per_article(tmp_path, per_article, cap, low, high):
    store = stored(tmp_path, article_segments(12), WIKI, names.TEXT_SEGMENTS)
    parts.write_parts(store, names.CRAWL_SNAPSHOT, WIKI, [{"id": f"doc-{a}", "title": f"Article{a}"}
                                                          for a in range(12)], fingerprint_value="fixture")
    made = list(render.premise_scripts(stage(names.FALSE_PREMISE_DIALOGUES, WIKI), store, WIKI, per_article, cap))

    assert low <= len(made) <= high
    by_article = {}
    for script, document_id in made:
        by_article.setdefault(document_id, []).append(script)
    assert max(len(s) for s in by_article.values()) == max(1, int(per_article))
    if per_article >= 1 and cap is None:
        assert sorted(by_article) == sorted(f"page-{a}" for a in range(12))


@pytest.mark.slow
def test_fifty_thousand_instructions_stream_in_bounded_memory(tmp_path):
    """The documents are read a batch at a time and scripts are made one by one: memory grows only by
    the duplicate check's key per distinct instruction."""
    count = 50_000
    store = stored(tmp_path, instruction_documents(count))
    tracemalloc.start()
    made = sum(1 for _ in render.with_clarifications(render.instruction_scripts(stage(), store, KEY), None, 0.33))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    assert made == count  # each document one conversation: an instruction or a clarification of its own
    assert peak < 60 << 20, f"peak {peak / 2**20:.1f} MB for {count} instructions"
