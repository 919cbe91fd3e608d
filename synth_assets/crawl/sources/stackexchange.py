"""Stack Exchange Posts.xml -> one "USER: question / ASSISTANT: answer" Document per answered question.

Rows are streamed. Answers come after their question in the dump, so a question waits in memory
until its accepted answer arrives (then it is written and forgotten) or, for questions with no
accepted answer, until the end of the file, with the best-scored answer seen so far. Memory is
therefore the cleaned text of every still-open question plus one answer each, not the whole dump.
A large Posts.xml is read in slices of whole threads (threads.py), each slice bounded the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from synth_assets.core.records import Document, Quarantined

from ._common import (
    FileContext,
    RecordError,
    collapse_ws,
    iter_xml_elements,
    join_paragraphs,
    raw_json,
)

LICENSE = "CC BY-SA 4.0"  # today's posts; a post's own license is read per row (post_license)
# Stack Exchange's terms by the date a post was contributed (UTC): before 2011-04-08 CC BY-SA 2.5,
# from then until 2018-05-02 CC BY-SA 3.0, from 2018-05-02 on CC BY-SA 4.0. Newer dumps also say it
# per row (ContentLicense), which wins.
LICENSES_BY_DATE = (("2011-04-08", "CC BY-SA 2.5"), ("2018-05-02", "CC BY-SA 3.0"))
KNOWN_LICENSES = ("CC BY-SA 2.5", "CC BY-SA 3.0", "CC BY-SA 4.0")  # oldest first
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
DEFAULT_SITE = "stackexchange.com"
QUESTION, ANSWER = "1", "2"  # PostTypeId values; other post types (tag wikis...) are skipped


@dataclass(frozen=True)
class PostLicense:
    license: str
    source: str  # where it came from: "ContentLicense", "post date" or "source" (the configured one)
    warning: str = ""


def post_license(row: dict[str, str], fallback: str) -> PostLicense:
    """One post's license: its ``ContentLicense``, else the license Stack Exchange's terms give its
    ``CreationDate``, else ``fallback`` (the source's license). A ContentLicense this reader does not
    know is not trusted: the post keeps the license the rest would give it, with a warning."""
    by_date = _license_by_date(row.get("CreationDate", ""))
    kept = PostLicense(by_date, "post date") if by_date else PostLicense(fallback, "source")
    stated = " ".join(row.get("ContentLicense", "").split())
    if not stated:
        return kept
    for known in KNOWN_LICENSES:
        if stated.upper() == known.upper():
            return PostLicense(known, "ContentLicense")
    warning = f"unknown ContentLicense {stated[:60]!r} on post {row.get('Id', '?')}: kept as {kept.license} ({kept.source})"
    return PostLicense(kept.license, kept.source, warning)


def _license_by_date(created: str) -> str:
    if not _DATE.match(created):
        return ""
    day = created[:10]
    return next((license for until, license in LICENSES_BY_DATE if day < until), KNOWN_LICENSES[-1])


def thread_license(question: PostLicense, answer: PostLicense) -> str:
    """A thread joins a question and an answer. BY-SA lets an adaptation take a later version of the
    same license, so two Stack Exchange versions give the later one; anything else the question's."""
    if question.license in KNOWN_LICENSES and answer.license in KNOWN_LICENSES:
        return max(question.license, answer.license, key=KNOWN_LICENSES.index)
    return question.license


@dataclass
class _Answer:
    id: str
    score: int
    text: str
    license: PostLicense


@dataclass
class _Question:
    id: str
    title: str
    text: str
    accepted_id: str
    created: str
    position: str
    license: PostLicense
    best: _Answer | None = None


def read_stackexchange(
    path: Path, ctx: FileContext, *, site: str = DEFAULT_SITE
) -> Iterator[Document | Quarantined]:
    open_questions: dict[str, _Question] = {}

    def finish(question: _Question, answer: _Answer) -> Document | Quarantined | None:
        fields = lambda: _thread_fields(question, answer, site)
        return ctx.record(question.position, lambda: question.title, fields)

    broken: Quarantined | None = None
    with ctx.open(path) as stream:  # a slice: its whole threads only (threads.py)
        for item in iter_xml_elements(stream, ctx, {"row"}):
            if isinstance(item, Quarantined):
                broken = item  # the file is cut: write what is already answered, then report it
                break
            row, position = item
            try:
                done = _add_post(open_questions, row.attrib, position, ctx.license)
            except RecordError as err:
                yield ctx.quarantine(position, str(err), raw_json(dict(row.attrib)))
                continue
            if done:
                yield finish(*done)
    for question in open_questions.values():  # no accepted answer seen: the best-scored one
        if question.best is not None:
            yield finish(question, question.best)
    if broken is not None:
        yield broken


def _add_post(
    open_questions: dict[str, _Question], row: dict[str, str], position: str, source_license: str
) -> tuple[_Question, _Answer] | None:
    """Record one row; return (question, accepted answer) once a thread is complete."""
    kind = row.get("PostTypeId")
    if kind == QUESTION:
        question = _question(row, position, post_license(row, source_license))
        open_questions[question.id] = question
    elif kind == ANSWER:
        question = open_questions.get(_required(row, "ParentId"))
        if question is None:  # its question was completed already, deleted, or is not in this dump
            return None
        answer = _answer(row, post_license(row, source_license))
        if answer.id == question.accepted_id:
            del open_questions[question.id]
            return question, answer
        if question.best is None or answer.score > question.best.score:
            question.best = answer
    return None


def _question(row: dict[str, str], position: str, license: PostLicense) -> _Question:
    return _Question(
        id=_required(row, "Id"),
        title=collapse_ws(_required(row, "Title")),
        text=html_to_text(_required(row, "Body")),
        accepted_id=row.get("AcceptedAnswerId", ""),
        created=row.get("CreationDate", ""),
        position=position,
        license=license,
    )


def _answer(row: dict[str, str], license: PostLicense) -> _Answer:
    text = html_to_text(_required(row, "Body"))
    if not text:
        raise RecordError("answer body is empty after cleaning")
    try:
        score = int(row.get("Score", "0"))
    except ValueError:
        raise RecordError(f"bad Score {row['Score']!r}") from None
    return _Answer(id=_required(row, "Id"), score=score, text=text, license=license)


def _required(row: dict[str, str], name: str) -> str:
    value = row.get(name)
    if not value:
        raise RecordError(f"row without {name}")
    return value


def _thread_fields(question: _Question, answer: _Answer, site: str) -> dict[str, Any]:
    # The bodies are already paragraph-joined: join, do not re-collapse them.
    parts = [f"USER: {question.title}", question.text, f"ASSISTANT: {answer.text}"]
    text = "\n\n".join(part for part in parts if part)
    return {
        "doc_id": question.id,
        "revision_id": answer.id,  # another answer chosen later makes another document
        "title": question.title,
        "url": f"https://{site}/questions/{question.id}",
        "timestamp": question.created,
        "license": thread_license(question.license, answer.license),
        "notes": _license_notes(question.license, answer.license),
        "text": text,
    }


def _license_notes(question: PostLicense, answer: PostLicense) -> dict[str, Any]:
    """What the params column says of the license: where each post's came from, and any warning."""
    notes: dict[str, Any] = {"license_from": {"question": question.source, "answer": answer.source}}
    if question.license != answer.license:
        notes["licenses"] = {"question": question.license, "answer": answer.license}
    warnings = [w for w in (question.warning, answer.warning) if w]
    if warnings:
        notes["license_warning"] = "; ".join(warnings)
    return notes


# --- HTML -> text -----------------------------------------------------------------------------

BLOCK_TAGS = {
    "p", "div", "pre", "blockquote", "ul", "ol", "li", "table", "tr", "hr",
    "h1", "h2", "h3", "h4", "h5", "h6",
}  # fmt: skip
CODE_TAGS = {"code", "pre"}


class _TextExtractor(HTMLParser):
    """Paragraphs of visible text; code is kept but fenced as "[code] ... [/code]" so later stages
    can tell it apart from prose. Entities are unescaped by HTMLParser (convert_charrefs)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.paragraphs: list[str] = []
        self._parts: list[str] = []
        self._code_depth = 0  # <pre><code> nests: mark only the outer one

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag in BLOCK_TAGS:
            self._flush()
        if tag in CODE_TAGS:
            if self._code_depth == 0:
                self._parts.append("[code] ")
            self._code_depth += 1
        elif tag == "br":
            self._parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in CODE_TAGS and self._code_depth:
            self._code_depth -= 1
            if self._code_depth == 0:
                self._parts.append(" [/code]")
        if tag in BLOCK_TAGS:
            self._flush()

    def handle_data(self, data: str) -> None:
        self._parts.append(data)

    def close(self) -> None:
        super().close()
        if self._code_depth:  # unclosed <code>: still close the marker
            self._parts.append(" [/code]")
        self._flush()

    def _flush(self) -> None:
        paragraph = collapse_ws("".join(self._parts))
        if paragraph:
            self.paragraphs.append(paragraph)
        self._parts = []


def html_to_text(html: str) -> str:
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    return join_paragraphs(extractor.paragraphs)


# --- the site archive (.7z) as the Stack Exchange data dump ships it -------------------------------

POSTS_MEMBER = "Posts.xml"
MAX_ARCHIVE_RATIO = 100  # Posts.xml expands ~5-10x in 7z; far more is a bomb


def read_stackexchange_archive(
    path: Path, ctx: FileContext, *, site: str = DEFAULT_SITE
) -> Iterator[Document | Quarantined]:
    """The Posts.xml inside a site's .7z, unpacked to a temporary folder (py7zr), then streamed."""
    import tempfile

    import py7zr

    try:
        with py7zr.SevenZipFile(path, "r") as archive:
            members = {Path(m.filename).name: m for m in archive.list() if not m.is_directory}
            member = members.get(POSTS_MEMBER)
            if member is None:
                yield ctx.quarantine("archive", f"no {POSTS_MEMBER} in the archive (has: {sorted(members)[:10]})")
                return
            if member.uncompressed > max(64 << 20, MAX_ARCHIVE_RATIO * path.stat().st_size):
                yield ctx.quarantine("archive", f"{POSTS_MEMBER} would expand to {member.uncompressed:,} bytes: "
                                                "refused as a decompression bomb")
                return
            with tempfile.TemporaryDirectory(prefix="synth-7z-") as tmp:
                archive.extract(path=tmp, targets=[member.filename])
                extracted = next(Path(tmp).rglob(POSTS_MEMBER))
                yield from read_stackexchange(extracted, ctx, site=site)
    except (py7zr.exceptions.ArchiveError, OSError, EOFError) as err:
        yield ctx.quarantine("archive", f"unreadable 7z archive: {err}")
