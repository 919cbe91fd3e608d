"""Every asset's checks, gathered from the modules beside their stages (quality/crawl.py, text.py,
speech.py, dialogues.py, recordings.py, release.py): what ``stage_asset`` declares and runs."""

from __future__ import annotations

from quality import crawl, dialogues, recordings, release, speech, text
from quality.base import Suite

# Bump when an expectation changes without its suite's description changing: stored check results
# of unchanged partitions are reused only while this and the description match.
SUITES_VERSION = 5

_ALL = tuple(s for stage in (crawl, text, speech, dialogues, recordings, release) for s in stage.STAGE_SUITES)

# One blocking suite per checked asset, and the checks that warn rather than block: the asset's data
# is sound, but not what was aimed at.
SUITES: dict[str, Suite] = {s.asset: s for s in _ALL if s.blocking}
ADVISORY: dict[str, tuple[Suite, ...]] = {}
for _suite in _ALL:
    if not _suite.blocking:
        ADVISORY[_suite.asset] = (*ADVISORY.get(_suite.asset, ()), _suite)


def suites_for(asset: str) -> tuple[Suite, ...]:
    """Every suite an asset is checked with: its blocking one first, then any that warn."""
    return ((SUITES[asset],) if asset in SUITES else ()) + ADVISORY.get(asset, ())
