"""Finds active content in a built site as a browser would parse it: html5lib for pages,
the email edition and the HTML inside feeds (after parsing the feed as XML)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from xml.etree.ElementTree import Element

import html5lib
import lxml.etree

# Elements that content must never bring into a page, a feed or an email.
FORBIDDEN = {"script", "iframe", "object", "embed", "base", "form", "meta", "link", "style"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster"}
UNSAFE_SCHEMES = ("javascript:", "data:", "vbscript:")
_XLINK = "{http://www.w3.org/1999/xlink}"


def _local(name: str) -> str:
    if name.startswith(_XLINK):
        return "xlink:" + name[len(_XLINK) :]
    return name.rsplit("}", 1)[-1].lower()


def unsafe_url(value: str) -> bool:
    """A URL a browser would run or load inline: whitespace and controls are ignored."""
    cleaned = "".join(ch for ch in value if ch > " " and ch != "\x7f").lower()
    return cleaned.startswith(UNSAFE_SCHEMES)


def _problems(root: Element, content: Element | None) -> Iterator[str]:
    """Handlers and unsafe URLs anywhere; forbidden elements inside ``content``."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        tag = _local(element.tag)
        for name, value in element.attrib.items():
            attribute = _local(name)
            if attribute.startswith("on"):
                yield f"<{tag} {attribute}={value!r}>"
            if attribute in URL_ATTRIBUTES and unsafe_url(value):
                yield f"<{tag} {attribute}={value!r}>"
        if tag == "script" and not _own_script(element):
            yield "<script>"
    if content is not None:
        for element in content.iter():
            if isinstance(element.tag, str) and _local(element.tag) in FORBIDDEN:
                yield f"<{_local(element.tag)}> in content"


def _own_script(element: Element) -> bool:
    """The theme's search script: the one script a page may carry."""
    return (element.get("src") or "").endswith("/static/search.js") and not (
        element.text or ""
    ).strip()


def page_problems(markup: str | bytes) -> list[str]:
    """Active content in a whole page; the page's ``<main>`` (or body) is its content."""
    tree = html5lib.parse(markup, treebuilder="etree", namespaceHTMLElements=False)
    main = tree.find(".//main")
    body = tree.find(".//body")
    return list(_problems(tree, main if main is not None else body))


def fragment_problems(markup: str) -> list[str]:
    """Active content in an HTML fragment (a feed entry's content), all of it content."""
    fragment = html5lib.parseFragment(markup, treebuilder="etree", namespaceHTMLElements=False)
    return list(_problems(fragment, fragment))


def _feed_html(path: Path) -> Iterator[str]:
    tree = lxml.etree.parse(str(path))
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        name = lxml.etree.QName(element).localname
        carrier = name in ("description", "encoded") or (
            name in ("content", "summary", "title", "subtitle") and element.get("type") == "html"
        )
        if carrier and element.text:
            yield element.text


def site_problems(site: Path, pages: str = "**/*.html") -> dict[str, list[str]]:
    """Active content in every page matching ``pages``, every feed and every JSON feed."""
    found: dict[str, list[str]] = {}
    for page in sorted(site.glob(pages)):
        found[page.relative_to(site).as_posix()] = page_problems(page.read_bytes())
    for feed in sorted([*site.rglob("feed.xml"), *site.rglob("atom.xml")]):
        problems = [p for html in _feed_html(feed) for p in fragment_problems(html)]
        found[feed.relative_to(site).as_posix()] = problems
    for feed in sorted(site.rglob("feed.json")):
        items = json.loads(feed.read_text(encoding="utf-8"))["items"]
        problems = [p for item in items for p in fragment_problems(item.get("content_html", ""))]
        found[feed.relative_to(site).as_posix()] = problems
    return {name: problems for name, problems in found.items() if problems}
