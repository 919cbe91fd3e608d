"""Shared fixtures: a quiet, offline environment, small landing zones the tests write, a moto S3 server."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import textwrap
import zlib
from pathlib import Path

import pytest

E2E_USER_VOICES = "piper-joe,kokoro-gongitsune"
for _name, _value in {"DAGSTER_TELEMETRY_DISABLED": "1", "GX_ANALYTICS_ENABLED": "false", "HF_HUB_OFFLINE": "1",
                      "TRANSFORMERS_OFFLINE": "1", "TQDM_DISABLE": "1", "MLFLOW_DISABLE_TELEMETRY": "true",
                      "DO_NOT_TRACK": "1",
                      # Model stages log to MLflow unless told not to; the test of that names its own store.
                      "SYNTH_MLFLOW": "0",
                      # Commands run one partition worker unless a test asks for more (the shared
                      # whole-graph run in tests/end_to_end/test_pipeline.py runs two, as a 2-core demo does).
                      "SYNTH_WORKERS": "1",
                      # Whole-graph runs voice their users with Piper and one Kokoro voice, not five: Kokoro
                      # costs about 1.5 s a second of speech on one core, so the tiny landing zone takes 140 s,
                      # not 198 (with Piper and flite voices only, 71 s, but Kokoro would run in no such test).
                      # The pipeline test runs the default pool; tests/tts tests every voice.
                      "SYNTH_USER_VOICES": E2E_USER_VOICES}.items():
    os.environ.setdefault(_name, _value)


# A shell ignores Ctrl-C for what it starts in the background, and children inherit that: the stop tests
# send SIGINT to the commands they start and expect it heard, wherever the suite itself was started.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


WIKI_PAGE = """<page>
    <title>{title}</title>
    <ns>0</ns>
    <id>{page_id}</id>
    <revision>
      <id>{rev}</id>
      <timestamp>2026-10-30T12:00:00Z</timestamp>
      <text xml:space="preserve">{text}</text>
    </revision>
  </page>"""


def mediawiki_xml(pages: list[tuple[str, str]]) -> str:
    # Page ids follow the title, as on a wiki, so the same page keeps its id across snapshots.
    body = "\n  ".join(WIKI_PAGE.format(title=t, page_id=zlib.crc32(t.encode()) % 10**6, rev=i + 1000, text=x)
                       for i, (t, x) in enumerate(pages))
    return textwrap.dedent("""\
        <mediawiki xmlns="http://www.mediawiki.org/xml/export-0.11/" version="0.11" xml:lang="en">
          <siteinfo>
            <sitename>Wikipedia</sitename>
            <base>https://en.wikipedia.org/wiki/Main_Page</base>
            <namespaces><namespace key="0" case="first-letter" /></namespaces>
          </siteinfo>
          """) + "  " + body + "\n</mediawiki>\n"


LAKE_TEXT = (
    "'''Lake Orvin''' is a cold mountain lake in the northern valley. The lake covers about twelve square "
    "kilometres and reaches a depth of sixty metres near its eastern shore. Fishermen have rowed across it "
    "since the early eighteen hundreds, when the first village was built beside the outlet.\n\n"
    "== History ==\nA stone bridge was finished in 1872 after four years of work. It still carries a narrow road "
    "over the river that drains the lake, and walkers cross it every summer on their way to the high pastures."
)
CLOCK_TEXT = (
    "'''The tower clock''' of the market square strikes every hour from six in the morning until ten at night. "
    "Its iron works were made by a local smith in 1905 and were cleaned for the first time a century later. "
    "Children like to watch the small wooden figures that come out of a door above the dial at noon."
)


LONG_PARAGRAPH = " ".join([
    "The old mill stood by the weir for more than two hundred years.",
    "Its wheel turned a pair of heavy stones that ground wheat from the farms around the village.",
    "Each autumn the miller hired two boys to carry sacks up the narrow stairs to the loft.",
    "When the river ran low in summer, the wheel slowed and the work stretched late into the evening.",
    "A storm in the spring of 1931 broke the sluice gate, and the mill never turned again.",
    "Today the building is a small museum with the stones still in place.",
])


@pytest.fixture
def tiny_landing(tmp_path: Path) -> Path:
    return write_tiny_landing(tmp_path / "landing")


def write_tiny_landing(root: Path) -> Path:
    """A landing zone with a small wiki dump, an instruction set, and a JSONL dump with one broken line."""
    wiki = root / "wikipedia" / "2026-11-01"
    wiki.mkdir(parents=True)
    (wiki / "pages.xml").write_text(mediawiki_xml(
        [("Lake Orvin", LAKE_TEXT), ("Tower clock", CLOCK_TEXT), ("Weir mill", LONG_PARAGRAPH)]))
    alpaca = root / "alpaca" / "2026-11-01"
    alpaca.mkdir(parents=True)
    (alpaca / "alpaca.json").write_text(json.dumps([
        {"instruction": "Give one tip for keeping bread fresh.", "input": "",
         "output": "Keep the loaf in a cloth bag at room temperature, and slice only what you need each day."},
        {"instruction": "Explain why the sky looks blue during the day.", "input": "",
         "output": "Sunlight scatters off the air, and blue light scatters much more than red light, "
                   "so the whole sky glows blue."},
    ]))
    chats = root / "ultrachat" / "2026-11-01"
    chats.mkdir(parents=True)
    good = {"id": "1", "data": ["What is a good first houseplant for a dark room?",
                                "A snake plant copes well with low light and needs water only every few weeks."]}
    (chats / "chats.jsonl").write_bytes(
        (json.dumps(good) + "\n" + '{"id": "2", "data": ["unterminated\n').encode())
    return root


@pytest.fixture(scope="session")
def moto_endpoint():
    """A real S3-protocol server (moto) on 127.0.0.1 for the session."""
    from benchmarks.production_stack import moto_server

    with moto_server() as endpoint:
        yield endpoint


TONE_ENGINE = textwrap.dedent("""\
    import numpy as np

    def load(threads):
        def speak(text, speed, seed, **variation):
            t = np.arange(int(16000 * 0.8)) / 16000
            return (0.3 * np.sin(2 * np.pi * (150 + seed % 150) * t)).astype(np.float32), 16000
        return speak
""")


@contextlib.contextmanager
def python_voices(folder: Path, name: str, source: str, roles: tuple[tuple[str, str], ...]):
    """Test voices (engine "python") spoken by the engine module ``source``, one per (role, gender),
    registered as ``test-<name>-<role>`` for the test's duration."""
    from synth_assets.tts.registry import REGISTRY, Voice, register

    engine = folder / f"{name}_engine.py"
    engine.write_text(source)
    voices = [register(Voice(f"test-{name}-{role}", "python", gender, "en-US", 16_000, "test", None,
                             model=f"{engine}:load")) for role, gender in roles]
    try:
        yield [v.id for v in voices]
    finally:
        for voice in voices:
            REGISTRY.pop(voice.id, None)


@pytest.fixture
def tone_voices(tmp_path):
    """In-process test voices (engine "python") that speak a tone: a female and a male user voice,
    and a third (female) for the assistant, who never shares a voice with the users."""
    with python_voices(tmp_path, "tone", TONE_ENGINE,
                       (("female", "female"), ("male", "male"), ("assistant", "female"))) as voices:
        yield voices
