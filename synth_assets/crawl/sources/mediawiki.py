"""MediaWiki XML export (schema 0.10/0.11, plain or .bz2) -> one Document per main-namespace article.

The file is streamed: each <page> is turned into a document and freed before the next is read.
Wikitext is reduced to plain prose with mwparserfromhell. The article's structure stays in the text,
for text_segments to judge what is spoken (and to say why not): headings as markdown headings of their
level ("## History", "### Early life"), list items as "* item" paragraphs. Disambiguation pages are not
articles: each is quarantined with that reason.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote
from xml.etree.ElementTree import Element, tostring

import mwparserfromhell
from mwparserfromhell.nodes import ExternalLink, Heading, HTMLEntity, Node, Tag, Template, Text, Wikilink
from mwparserfromhell.parser import ParserError
from mwparserfromhell.wikicode import Wikicode

from synth_assets.core.records import Document, Quarantined

from ._common import (
    RAW_LIMIT,
    FileContext,
    RecordError,
    collapse_ws,
    iter_xml_elements,
    join_paragraphs,
    local_name,
)

LICENSE = "CC BY-SA 4.0"

DROPPED_TAGS = {
    "ref", "references", "table", "gallery", "math", "chem", "ce", "score", "timeline",
    "imagemap", "graph", "mapframe", "templatedata", "syntaxhighlight", "source", "hr",
}  # fmt: skip
BLOCK_TAGS = {"li", "dt", "dd", "p", "div", "blockquote", "center"}  # each starts a new paragraph
LIST_MARKUP = {"*", "#", ";", ":"}  # list items, definition terms and indented lines: each judged as an entry
LIST_ITEM = "* "  # how a list item starts its paragraph in a document's text
PARAGRAPH_BREAK = "\n\n"
# Maintenance templates that make a page a disambiguation or set-index page: a list of links, not an article.
_DISAMBIGUATION = re.compile(
    r"\{\{\s*(?:disambiguation|disambig|dab|disamb|hndis|geodis|numberdis|set index article|sia|surname|"
    r"given name|ship ?index|mountain ?index|road ?index|sport ?index|[a-z]+ disambiguation)\s*(?:\||\}\})",
    re.IGNORECASE)
INLINE_TEMPLATES = {"convert", "cvt", "nowrap", "nobr", "lang"}  # rendered as their text, see template()

# Namespace numbers whose links are not text: Media (-2), File (6), Category (14).
HIDDEN_NAMESPACE_KEYS = {"-2", "6", "14"}
DEFAULT_HIDDEN_NAMESPACES = frozenset({"media", "file", "image", "category"})

_INTERLANGUAGE = re.compile(r"[a-z]{2,3}(-[a-z]+)*")
_MAGIC_WORD = re.compile(r"__[A-Z]+__")
_STYLE_QUOTES = re.compile(r"'{2,}")  # bold and italic markup: not read out
_STYLE_BEFORE_POSSESSIVE = re.compile(r"(?<=\w)(?:'{3}|'{6})(?=s\b)")  # the Iliad's, written in italics
_LIST_LINE_END = re.compile(r"^(\* [^\n]*)\n(?!\n)", re.MULTILINE)  # an item ends with its line
_EMPTY_PARENS = re.compile(r"\(\s*[,;:]?\s*\)")  # "Foo ({{lang|..}})" once the template is gone
_OPEN_PAREN_PUNCT = re.compile(r"\(\s*[,;:]\s*")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?])")


@dataclass(frozen=True)
class SiteInfo:
    url_prefix: str = ""  # article URL = prefix + encoded title
    hidden_namespaces: frozenset[str] = DEFAULT_HIDDEN_NAMESPACES

    @classmethod
    def from_xml(cls, elem: Element) -> SiteInfo:
        names = {
            (ns.text or "").strip().lower()
            for ns in elem.iterfind("{*}namespaces/{*}namespace")
            if ns.get("key") in HIDDEN_NAMESPACE_KEYS
        }
        return cls(_url_prefix(elem.findtext("{*}base") or ""), DEFAULT_HIDDEN_NAMESPACES | (names - {""}))

    def url(self, title: str) -> str:
        # Same characters left unescaped as MediaWiki's wfUrlencode.
        return self.url_prefix + quote(title.replace(" ", "_"), safe=";@$!*(),/~:") if self.url_prefix else ""


def _url_prefix(base: str) -> str:
    """'https://en.wikipedia.org/wiki/Main_Page' -> 'https://en.wikipedia.org/wiki/'."""
    if "title=" in base:
        return base[: base.index("title=") + len("title=")]
    return base.rsplit("/", 1)[0] + "/" if "/" in base else ""


def read_mediawiki(path: Path, ctx: FileContext) -> Iterator[Document | Quarantined]:
    site = SiteInfo()
    with ctx.open(path) as stream:
        for item in iter_xml_elements(stream, ctx, {"siteinfo", "page"}):
            if isinstance(item, Quarantined):
                yield item
                continue
            elem, position = item
            if local_name(elem.tag) == "siteinfo":
                site = SiteInfo.from_xml(elem)
                continue
            doc = ctx.record(position, lambda: _raw(elem), lambda: _page_fields(elem, site))
            if doc is not None:
                yield doc


def _raw(elem: Element) -> str:
    return tostring(elem, encoding="unicode")[:RAW_LIMIT]


def _page_fields(page: Element, site: SiteInfo) -> dict[str, Any] | None:
    """The document fields of a <page>, or None for pages that are not articles."""
    try:
        namespace = int(page.findtext("{*}ns") or 0)
    except ValueError:
        raise RecordError(f"bad namespace {page.findtext('{*}ns')!r}") from None
    if namespace != 0 or page.find("{*}redirect") is not None:
        return None
    page_id, title = page.findtext("{*}id"), page.findtext("{*}title")
    revisions = page.findall("{*}revision")
    if not page_id or not title or not revisions:
        raise RecordError("page without id, title or revision")
    revision = revisions[-1]  # exports list revisions oldest first
    text = revision.find("{*}text")
    if text is None or text.get("deleted"):
        raise RecordError("revision text missing or deleted")
    wikitext = text.text or ""
    is_redirect = wikitext.lstrip()[:9].upper() == "#REDIRECT"  # older exports lack <redirect>
    if is_redirect or revision.findtext("{*}model", "wikitext") != "wikitext":
        return None
    if _DISAMBIGUATION.search(wikitext):
        raise RecordError("disambiguation page: a list of links to articles, not prose (not spoken)")
    return {
        "doc_id": page_id,
        "revision_id": revision.findtext("{*}id") or "",
        "title": title,
        "url": site.url(title),
        "timestamp": revision.findtext("{*}timestamp") or "",
        "namespace": namespace,
        "text": wikitext_to_text(wikitext, site.hidden_namespaces),
    }


# --- wikitext -> prose ------------------------------------------------------------------------


@dataclass
class _Section:
    level: int  # 0 for the lead
    title: str
    paragraphs: list[str] = field(default_factory=list)


_COMMENT_OR_REF = re.compile(r"<!--.*?(?:-->|\Z)|<ref\b[^>]*/>|<ref\b[^>]*>.*?</ref\s*>", re.DOTALL | re.IGNORECASE)
_BRACES = re.compile(r"\{\{|\}\}")
# [[Page]], [[Page#Part]], [[Page|label]] in the main namespace: their text, as the renderer gives it.
_PLAIN_LINK = re.compile(r"\[\[([^\[\]|:#{}<>]+)(?:#[^\[\]|{}<>]*)?(?:\|([^\[\]{}<>|]+))?\]\]")
_TEMPLATE_NAME = re.compile(r"\{\{\s*([^|{}]*?)\s*(?:\||\}\})")


def prestrip(wikitext: str) -> str:
    """Cut what is never spoken before the full parse: comments, references and the templates that
    are dropped anyway (infoboxes are often half a page). Building mwparserfromhell's tree is most of
    a page's cost, so this roughly halves it. Anything unbalanced is left for the parser."""
    text = _COMMENT_OR_REF.sub("", wikitext)
    out, position, depth, start = [], 0, 0, 0
    for match in _BRACES.finditer(text):
        if match.group() == "{{":
            if depth == 0:
                start = match.start()
            depth += 1
        elif depth:
            depth -= 1
            if depth == 0:
                name = _TEMPLATE_NAME.match(text, start)
                if not (name and name.group(1).lower() in INLINE_TEMPLATES):
                    out.append(text[position:start])
                    position = match.end()
    out.append(text[position:])
    return _PLAIN_LINK.sub(_plain_link_text, "".join(out))


def _plain_link_text(match: re.Match) -> str:
    target, label = match.group(1).strip(), match.group(2)
    if label is None:
        return target
    return label if label.strip() else match.group(0)  # a blank label is the pipe trick: the parser's job


def wikitext_to_text(wikitext: str, hidden_namespaces: frozenset[str] = DEFAULT_HIDDEN_NAMESPACES) -> str:
    """Plain prose: paragraphs separated by a blank line, each heading with text under it as a markdown
    heading of its level ("## History"), each list item as a "* item" paragraph.

    Bold and italic quotes are not parsed as tags: MediaWiki closes them at the end of a line, but the
    parser pairs an unclosed one with the next, often sections later, and the headings in between vanish
    into it (17 of the 174 articles of two real dumps lost their "References" headings that way)."""
    try:
        code = mwparserfromhell.parse(prestrip(wikitext), skip_style_tags=True)
    except ParserError as err:
        raise RecordError(f"unparsable wikitext: {err}") from None
    render = _Renderer(hidden_namespaces).render
    sections: list[_Section] = []
    for section in code.get_sections(flat=True, include_lead=True):
        heading, body = _split_heading(section)
        title = _tidy(_unstyled(render(heading.title.nodes))) if heading else ""
        sections.append(_Section(heading.level if heading else 0, title, _paragraphs(render(body))))
    return join_paragraphs(_layout(sections))


def _split_heading(section: Wikicode) -> tuple[Heading | None, list[Node]]:
    nodes = section.nodes
    if nodes and isinstance(nodes[0], Heading):
        return nodes[0], nodes[1:]
    return None, nodes


def _layout(sections: list[_Section]) -> Iterator[str]:
    for index, section in enumerate(sections):
        if section.title and _has_prose(sections, index):
            yield f"{'#' * min(max(section.level, 2), 6)} {section.title}"
        yield from section.paragraphs


def _has_prose(sections: list[_Section], index: int) -> bool:
    """A heading is kept only when its section or one of its subsections has text left."""
    section = sections[index]
    if section.paragraphs:
        return True
    for later in sections[index + 1 :]:
        if later.level <= section.level:
            return False
        if later.paragraphs:
            return True
    return False


def _unstyled(text: str) -> str:
    return _STYLE_QUOTES.sub("", _STYLE_BEFORE_POSSESSIVE.sub("'", _MAGIC_WORD.sub("", text)))


def _paragraphs(text: str) -> list[str]:
    text = _LIST_LINE_END.sub(r"\1" + PARAGRAPH_BREAK, _unstyled(text))
    paragraphs = (_tidy(p) for p in re.split(r"\n\s*\n", text))
    return [p for p in paragraphs if any(ch.isalnum() for ch in p)]


def _tidy(text: str) -> str:
    """Collapse whitespace and mend the punctuation holes that removed markup leaves behind."""
    text = collapse_ws(text)
    text = _OPEN_PAREN_PUNCT.sub("(", _EMPTY_PARENS.sub("", text))
    return _SPACE_BEFORE_PUNCT.sub(r"\1", text).strip()


class _Renderer:
    """Turns parsed wikitext nodes into the text a reader would see, minus everything not prose."""

    def __init__(self, hidden_namespaces: frozenset[str]):
        self.hidden_namespaces = hidden_namespaces

    def render(self, nodes: list[Node]) -> str:
        return "".join(self.node(node) for node in nodes)

    def node(self, node: Node) -> str:
        if isinstance(node, Text):
            return str(node.value)
        if isinstance(node, Wikilink):
            return self.link(node)
        if isinstance(node, ExternalLink):  # "[url label]" -> label; a bare URL is not speakable
            return self.render(node.title.nodes) if node.title else ""
        if isinstance(node, HTMLEntity):
            return node.normalize()
        if isinstance(node, Tag):
            return self.tag(node)
        if isinstance(node, Template):
            return self.template(node)
        return ""  # comments, template arguments

    def link(self, link: Wikilink) -> str:
        target = str(link.title).strip()
        namespace = target.lstrip(":").split(":", 1)[0].strip().lower() if ":" in target else ""
        if not target.startswith(":"):  # a leading colon makes [[:Category:X]] an ordinary link
            if namespace in self.hidden_namespaces:
                return ""
            if link.text is None and _INTERLANGUAGE.fullmatch(namespace):
                return ""
        if link.text is not None:
            text = self.render(link.text.nodes)
            return text if text.strip() else _pipe_trick(target.lstrip(":"))
        page, _, anchor = target.lstrip(":").partition("#")  # the anchor is not read out
        return page or anchor

    def tag(self, tag: Tag) -> str:
        name = str(tag.tag).strip().lower()
        if name in DROPPED_TAGS:
            return ""
        if name == "br":
            return "\n"
        if tag.wiki_markup in LIST_MARKUP:  # the item's text follows the marker, up to the line's end
            return PARAGRAPH_BREAK + LIST_ITEM
        inner = self.render(tag.contents.nodes) if tag.contents is not None else ""
        return PARAGRAPH_BREAK + inner + PARAGRAPH_BREAK if name in BLOCK_TAGS else inner

    def template(self, template: Template) -> str:
        """Templates are dropped, except the few that only wrap inline text or a quantity: dropping
        {{convert|10|km}} would leave "The lake is long."."""
        name = str(template.name).strip().lower()
        if name not in INLINE_TEMPLATES:
            return ""
        args = [self.render(p.value.nodes).strip() for p in template.params if not p.showkey]
        if name in ("convert", "cvt") and len(args) >= 2:  # {{convert|10|km|mi}} -> "10 km"
            ranged = len(args) >= 4 and args[1] in ("to", "-", "–", "and", "or")
            return " ".join(args[:4] if ranged else args[:2])
        if name in ("nowrap", "nobr") and args:
            return args[0]
        if name == "lang" and len(args) >= 2:  # {{lang|fr|bonjour}}
            return args[1]
        return ""


def _pipe_trick(target: str) -> str:
    """What [[Namespace:Page (topic)|]] shows: "Page"."""
    page = target.split(":", 1)[-1].partition("#")[0]
    return re.sub(r"\s*\([^)]*\)$", "", page).strip()
