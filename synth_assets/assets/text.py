"""Text stages: documents cut into TTS-sized segments (synth_assets/segments/), then rewritten into
spoken form (synth_assets/spoken/)."""

from dagster import AssetExecutionContext, Config
from pydantic import Field

from resources.rewriter import TextRewriter
from resources.storage import Storage
from synth_assets.core import names
from synth_assets.orchestration.stage import run_stage, stage_asset, upstream_fingerprint
from synth_assets.segments.partition import SegmentSettings, earlier_partitions, segment_partition
from synth_assets.spoken.partition import SpokenSettings, speak_partition

_SEGMENTS, _SPOKEN = SegmentSettings(), SpokenSettings()


class SegmentConfig(Config):
    min_words: int = Field(default=_SEGMENTS.min_words, description="Shorter fragments are dropped with a reason.")
    max_words: int = Field(default=_SEGMENTS.max_words, description="Longest segment, about 22 s of speech. A "
                           "longer sentence is cut only where both halves stand alone as sentences, else dropped "
                           "with a recorded reason.")
    pack_words: int = Field(default=_SEGMENTS.pack_words, description="Whole sentences of a paragraph are joined "
                            "into one segment up to this many words.")
    near_duplicate_threshold: float = Field(
        default=_SEGMENTS.near_duplicate_threshold, gt=0.0, le=1.0, description="MinHash-estimated Jaccard "
        "similarity of word shingles at or above which a segment is dropped as a near-duplicate of a kept one; "
        "1.0 keeps exact dedup only.")
    shingle_words: int = Field(default=_SEGMENTS.shingle_words, ge=1, description="Words per shingle for "
                               "near-duplicates (3: one changed word in a 40-word segment is still ~0.85).")
    languages: list[str] = Field(default=list(_SEGMENTS.languages), description="Documents detected in another "
                                 "language are dropped (codes: en de fr es it pt nl; empty list keeps all). Too "
                                 "little text to tell counts as unknown and is kept.")
    dedup_across_partitions: bool = Field(
        default=_SEGMENTS.dedup_across_partitions, description="Also drop duplicates of segments in complete "
        "text_segments partitions sorting before this one by (snapshot, source, file); else only within this "
        "partition.")

    def settings(self) -> SegmentSettings:
        return SegmentSettings(**{**self.model_dump(), "languages": tuple(self.languages)})


class SpokenConfig(Config):
    filler_rate: float = Field(default=_SPOKEN.filler_rate, description="Chance that a sentence gets a filler word.")
    new_responses: bool = Field(default=_SPOKEN.new_responses, description="With an LLM rewriter: instruction "
                                "documents get a new spoken answer to the rewritten instruction (LLaMA-Omni's "
                                "step two) instead of a rewrite of the dataset's written one.")
    misspell_rate: float = Field(default=_SPOKEN.misspell_rate, description="User turns: chance that a word is "
                                 "misspelled in the written copy (column `misspelled`); each change is recorded.")
    hesitation_rate: float = Field(default=_SPOKEN.hesitation_rate, ge=0.0, le=1.0, description="User turns, "
                                   "rule-based rewrite: chance that a sentence hesitates and repairs itself at a "
                                   "clause start ('the, the', 'the, uh, the'); each one is recorded.")


@stage_asset(
    deps=(names.CRAWL_SNAPSHOT,),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="segments-v5",  # v5: back-matter sections, and list items that are not sentences, dropped
    description="Documents split into whole sentences and packed into TTS-sized segments (a too-long sentence "
    "is cut only at a clause boundary where both halves stand alone, else dropped); documents in other "
    "languages, headings, code, boilerplate, fragments, back-matter sections (references, further reading, "
    "filmographies, popular culture), citations and narration's list items that are not sentences dropped, and exact and near-duplicates removed (within the partition and against complete "
    "partitions of earlier snapshots/sources), each with a recorded reason.",
)
def text_segments(context: AssetExecutionContext, config: SegmentConfig, store: Storage):
    partition, settings = context.partition_key, config.settings()
    earlier = earlier_partitions(store, partition, settings)

    def summarize(frame):
        return {"segments": len(frame), "words": int(frame["words"].sum()),
                "by_role": frame["role"].value_counts().to_dict()}

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: segment_partition(stage, store, partition, settings, earlier,
                                                             log=context.log.info),
                     inputs={names.CRAWL_SNAPSHOT: upstream_fingerprint(store, names.CRAWL_SNAPSHOT, partition),
                             "config": config.model_dump(), "dedup_against": earlier})


@stage_asset(
    deps=(names.TEXT_SEGMENTS,),
    group_name="text",
    kinds=("python", "parquet"),
    code_version="spoken-v6",  # v6: "Mrs." read "Missus", undotted titles; no filler before a question tag
    description="Segments rewritten into what a person would say: markup and asides dropped, editorial "
    "brackets resolved, foreign script transliterated or dropped, numbers, symbols and roman numerals "
    "verbalized, rows with anything unspeakable or a roman numeral no reading fits left dropped, fillers placed by register with a seeded RNG; the operations are "
    "recorded per row.",
)
def spoken_text(context: AssetExecutionContext, config: SpokenConfig, store: Storage, rewriter: TextRewriter):
    partition, engine = context.partition_key, rewriter.rewriter()

    def summarize(frame):
        operations = frame["operations"].explode().str.split(":").str[0].value_counts()
        return {"utterances": len(frame), "operations": operations.to_dict()}

    return run_stage(context, store, summarize=summarize,
                     produce=lambda stage: speak_partition(stage, store, partition, SpokenSettings(**config.model_dump()),
                                                           engine),
                     inputs={names.TEXT_SEGMENTS: upstream_fingerprint(store, names.TEXT_SEGMENTS, partition),
                             "config": config.model_dump(), "rewriter": engine.output_settings()})
