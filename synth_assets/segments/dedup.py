"""Exact and near-duplicate detection for text segments, across documents, sources and snapshots.

Exact duplicates are found first and cheaply, by a hash of the normalised text (case, punctuation
and spacing ignored). Near-duplicates are found with MinHash signatures over word shingles and LSH
banding, so a new segment is compared only with the few segments that share a band with it, and the
Jaccard similarity estimated from the two signatures decides. The index keeps signatures and ids,
never texts: memory grows with the number of segments compared, not with their length.

Which segments a partition of ``text_segments`` is compared with: every segment of a complete
(fingerprinted) ``text_segments`` partition that sorts before it by (snapshot, source, file), and the
segments kept before it in its own partition. Snapshots are dated, so a new crawl sorts after the old
ones and adding it never changes what earlier partitions kept. A partition that ran before an
earlier-keyed one existed keeps its duplicates (nothing is lost); the fingerprints of the partitions
it compared with are part of its inputs, so it re-runs and drops them once that partition exists.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

import numpy as np

from synth_assets.core import names
from synth_assets.crawl.shards import order_key, processing_order

if TYPE_CHECKING:  # the index needs only NumPy; storage helpers import their modules when called
    from synth_assets.core.storage import Store

NUM_PERM = 128
SHINGLE_WORDS = 3
SEED = 20261101
_SHIFT = np.uint64(32)
_WORD = re.compile(r"\w+")


def normalise(text: str) -> str:
    """Lower-cased words only: "The  Bridge, opened." and "the bridge opened" are the same text."""
    return " ".join(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def text_hash(text: str) -> bytes:
    return hashlib.blake2b(normalise(text).encode("utf-8"), digest_size=12).digest()


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Word n-grams of the normalised text; a text shorter than one shingle is its own shingle."""
    words = normalise(text).split()
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + size]) for i in range(len(words) - size + 1)}


@lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) of the multiply-add-shift family h(x) = ((a*x + b) mod 2^64) >> 32, a odd.

    It is strongly universal for 32-bit x, and uint64 arithmetic wraps mod 2^64 by itself. (Linear maps
    mod 2^61-1 with a, b cut to 32 bits to avoid overflow looked fine but estimated Jaccard with
    four times the expected error.)
    """
    rng = np.random.default_rng(seed)
    top = np.iinfo(np.uint64).max
    a = rng.integers(0, top, size=num_perm, dtype=np.uint64, endpoint=True) | np.uint64(1)
    b = rng.integers(0, top, size=num_perm, dtype=np.uint64, endpoint=True)
    return a, b


def minhash(text: str, num_perm: int = NUM_PERM, shingle_words: int = SHINGLE_WORDS,
            seed: int = SEED) -> np.ndarray:
    """The MinHash signature (uint32, one value per permutation) of the text's word shingles."""
    grams = shingles(text, shingle_words)
    if not grams:
        grams = {""}
    x = np.fromiter((int.from_bytes(hashlib.blake2b(g.encode("utf-8"), digest_size=4).digest(), "little")
                     for g in grams), dtype=np.uint64, count=len(grams))
    a, b = _permutations(num_perm, seed)
    values = (a[:, None] * x[None, :] + b[:, None]) >> _SHIFT
    return values.min(axis=1).astype(np.uint32)


def jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """Jaccard similarity estimated from two signatures: the share of equal minimum hashes."""
    return float(np.count_nonzero(first == second)) / len(first)


@lru_cache(maxsize=32)
def lsh_bands(threshold: float, num_perm: int = NUM_PERM, fp_weight: float = 0.05) -> tuple[int, int]:
    """(bands, rows) whose S-curve best separates pairs above and below the threshold.

    Candidate pairs are verified on their signatures, so a false candidate costs only time while a
    missed pair is a kept duplicate: misses weigh far more (at 0.8 and 128 permutations: 16 bands of 8
    rows, which catch 95 % of pairs at Jaccard 0.8 and 6 % of pairs at 0.5).
    """
    s = np.linspace(0.0, 1.0, 401)
    best, best_cost = (1, num_perm), float("inf")
    for bands in range(1, num_perm + 1):
        for rows in range(1, num_perm // bands + 1):
            caught = 1.0 - (1.0 - s ** rows) ** bands
            false_pos = np.trapezoid(np.where(s < threshold, caught, 0.0), s)
            false_neg = np.trapezoid(np.where(s >= threshold, 1.0 - caught, 0.0), s)
            cost = fp_weight * false_pos + (1.0 - fp_weight) * false_neg
            if cost < best_cost - 1e-12:
                best, best_cost = (bands, rows), cost
    return best


@dataclass(frozen=True)
class Match:
    """What a segment duplicates: the kept segment's id, and 1.0 or the estimated Jaccard similarity."""

    of: str
    similarity: float
    exact: bool

    @property
    def reason(self) -> str:
        if self.exact:
            return f"duplicate of {self.of}"
        return f"near-duplicate (jaccard {self.similarity:.2f}) of {self.of}"


class DedupIndex:
    """Kept segments' normalised-text hashes and MinHash signatures, with LSH buckets over them.

    ``threshold`` >= 1 turns near-duplicate detection off (exact duplicates only). Results do not
    depend on hash randomisation: hashes are blake2b and permutations come from a fixed seed, and of
    several matches the most similar, then the earliest added, wins.
    """

    def __init__(self, threshold: float = 0.8, *, num_perm: int = NUM_PERM,
                 shingle_words: int = SHINGLE_WORDS, seed: int = SEED):
        self.threshold = threshold
        self.num_perm, self.shingle_words, self.seed = num_perm, shingle_words, seed
        self.near = threshold < 1.0
        self.bands, self.rows = lsh_bands(threshold, num_perm) if self.near else (0, 0)
        self._ids: list[str] = []
        self._exact: dict[bytes, int] = {}
        self._signatures: list[np.ndarray] = []
        self._buckets: list[dict[bytes, int | list[int]]] = [{} for _ in range(self.bands)]

    def __len__(self) -> int:
        return len(self._ids)

    def _band_keys(self, signature: np.ndarray) -> Iterable[tuple[int, bytes]]:
        for band in range(self.bands):
            yield band, signature[band * self.rows:(band + 1) * self.rows].tobytes()

    def signature(self, text: str) -> np.ndarray:
        return minhash(text, self.num_perm, self.shingle_words, self.seed)

    def query(self, text: str) -> Match | None:
        """The indexed segment this text duplicates, if any (the text itself is not added)."""
        found = self._exact.get(text_hash(text))
        if found is not None:
            return Match(self._ids[found], 1.0, exact=True)
        if not self.near:
            return None
        return self._query_near(self.signature(text))

    def _query_near(self, signature: np.ndarray) -> Match | None:
        candidates: set[int] = set()
        for band, key in self._band_keys(signature):
            hit = self._buckets[band].get(key)
            if hit is not None:
                candidates.update(hit if isinstance(hit, list) else (hit,))
        best: tuple[float, int] | None = None
        for index in sorted(candidates):
            similarity = jaccard(signature, self._signatures[index])
            if similarity >= self.threshold and (best is None or similarity > best[0]):
                best = (similarity, index)
        return Match(self._ids[best[1]], best[0], exact=False) if best else None

    def add(self, segment_id: str, text: str) -> None:
        index = len(self._ids)
        self._ids.append(segment_id)
        self._exact.setdefault(text_hash(text), index)
        if not self.near:
            return
        signature = self.signature(text)
        self._signatures.append(signature)
        for band, key in self._band_keys(signature):
            bucket = self._buckets[band]
            hit = bucket.get(key)
            if hit is None:
                bucket[key] = index
            elif isinstance(hit, list):
                hit.append(index)
            else:
                bucket[key] = [hit, index]

    def check_and_add(self, segment_id: str, text: str) -> Match | None:
        """The duplicate match of the text, or None after adding it as a kept segment."""
        found = self._exact.get(text_hash(text))
        if found is not None:
            return Match(self._ids[found], 1.0, exact=True)
        if self.near:
            signature = self.signature(text)
            match = self._query_near(signature)
            if match is not None:
                return match
        self.add(segment_id, text)
        return None


# --- which partitions a text_segments partition is compared with --------------------------------

ASSET = names.TEXT_SEGMENTS


def stored_partitions(store: Store, asset: str = ASSET) -> list[str]:
    """Partition keys that have parts of the asset in storage (complete or not)."""
    from synth_assets.core import parts

    return [p for p in parts.stored_partitions(store, asset) if len(p.split("/")) == 3]


def earlier_partitions(store: Store, partition: str, asset: str = ASSET) -> dict[str, str]:
    """Complete partitions of the asset that sort before ``partition``, with their fingerprints."""
    from synth_assets.core import parts

    mine = order_key(partition)
    earlier = {}
    for other in processing_order(stored_partitions(store, asset)):
        if order_key(other) >= mine:
            break
        value = parts.stored_fingerprint(store, asset, other)
        if value is not None:
            earlier[other] = value
    return earlier


def index_partitions(index: DedupIndex, store: Store, partitions: dict[str, str], asset: str = ASSET) -> int:
    """Add every kept segment of the given partitions to the index, reading ids and texts part by part.

    Fails when a partition changed since its fingerprint was taken (a parallel rewrite), so the result
    never records an input fingerprint it did not see.
    """
    from synth_assets.core import parts

    added = 0
    for partition in processing_order(partitions):
        for row in parts.read_rows(store, asset, partition, columns=["id", "text"]):
            index.add(row["id"], row["text"])
            added += 1
        if parts.stored_fingerprint(store, asset, partition) != partitions[partition]:
            raise RuntimeError(f"{asset} [{partition}] was rewritten while it was being read: retry")
    return added
