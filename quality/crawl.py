"""The crawl's checks: documents (crawl_snapshot) and the per-snapshot counts (snapshot_changes)."""

from __future__ import annotations

from quality.base import Suite, between, lineage, nonempty_text, not_null
from synth_assets.core import names

STAGE_SUITES = (
    Suite("documents_valid", names.CRAWL_SNAPSHOT, "Documents have text, a license and a unique id.",
          lambda: [*lineage(), nonempty_text(), not_null("license"), not_null("content_hash")]),
    Suite("snapshot_changes_valid", names.SNAPSHOT_CHANGES, "Every snapshot has counts, none negative.",
          lambda: [not_null("source"), not_null("snapshot"), between("new", 0), between("changed", 0),
                   between("unchanged", 0), between("removed", 0)]),
)
