"""The curator's checks over the model: links featured twice, link hygiene, and findings output."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from urllib.parse import parse_qsl, urlsplit

from digestgen.config import SiteConfig
from digestgen.errors import DigestError
from digestgen.model import Digest, Item, Site
from digestgen.site.featured import repeated_links, url_key
from digestgen.urls import is_tracking_param, scheme_of

ERROR = "error"
WARNING = "warning"
FORMATS = ("text", "json", "github")
# Written inside an item (it renders as an invisible HTML comment) to accept a repeat.
REPEAT_MARKER = re.compile(r"<!--\s*repeat\s*-->", re.IGNORECASE)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://", re.IGNORECASE)
_BARE_URL = re.compile(r"^(?:[a-z][a-z0-9+.-]*://|www\.)\S+$", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing ``digestgen check`` reports, at a place in a file."""

    severity: str
    code: str
    message: str
    path: str | None
    line: int | None = None
    column: int | None = None

    def location(self) -> str:
        """``path:line:column`` with the parts that are known."""
        return DigestError("", self.path, self.line, self.column).location()

    def __str__(self) -> str:
        return f"{self.location()}: {self.severity}: {self.message}"


def from_error(error: DigestError, severity: str = ERROR, code: str = "invalid") -> list[Finding]:
    """Findings for a (possibly combined) ``DigestError``."""
    errors: list[DigestError] = getattr(error, "errors", [error])
    return [Finding(severity, code, e.message, e.path, e.line, e.column) for e in errors]


def newer_than(site: Site, since: int | None) -> Callable[[Digest], bool]:
    """Whether a digest is newer than digest number ``since`` (every digest when ``None``).

    A digest without a number counts as newer when it is dated after digest ``since``.
    """
    if since is None:
        return lambda _digest: True
    anchor = next((d for d in site.digests if d.number == since), None)

    def newer(digest: Digest) -> bool:
        if digest.number is not None:
            return digest.number > since
        return anchor is not None and digest.date > anchor.date

    return newer


def _marked_repeat(item: Item) -> bool:
    return bool(REPEAT_MARKER.search(item.commentary_html) or REPEAT_MARKER.search(item.notes_html))


def duplicate_links(site: Site, since: int | None = None) -> list[Finding]:
    """Every link featured again as news, inside one digest or across digests, with both
    places; links of blocks that recur from digest to digest are not repeats
    (``featured.repeated_links``)."""
    key = url_key(site.config)
    allowed = {key(url) for url in site.config.duplicate_allow}
    newer = newer_than(site, since)
    found: list[Finding] = []
    for first, again in repeated_links(site):
        earlier, item = first.item, again.item
        if item.link in allowed or _marked_repeat(item) or not newer(again.digest):
            continue
        same = "" if earlier.url == item.url else f" as {earlier.url}"
        found.append(
            Finding(
                ERROR,
                "duplicate-link",
                f"link featured twice: {item.url} was already featured{same} at "
                f"{earlier.path}:{earlier.line} (mark an intended repeat with <!-- repeat --> "
                "or list it in duplicate_allow)",
                item.path,
                item.line,
            )
        )
    return found


def _hygiene(item: Item, config: SiteConfig) -> Iterator[tuple[str, str]]:
    url = item.url or ""
    title = item.title.strip()
    tracking = frozenset(p.lower() for p in config.tracking_params)
    try:
        query = parse_qsl(urlsplit(url).query, keep_blank_values=True)
    except ValueError:
        query = []
    params = sorted({k for k, _ in query if is_tracking_param(k, tracking)})
    if params:
        yield "tracking-params", f"tracking parameters left in the link: {', '.join(params)}"
    if not title:
        yield "empty-title", f"link has no title: {url}"
    elif title.endswith(("...", "…")):
        yield "truncated-title", f"title looks truncated: {title!r}"
    elif _BARE_URL.match(title) or title.rstrip("/") == _SCHEME.sub("", url).rstrip("/"):
        yield "bare-url-title", f"a bare URL is used as the title: {title!r}"
    if config.check_http and scheme_of(url) == "http":
        yield "plain-http", f"plain http: link (is there an https: version?): {url}"


def link_hygiene(site: Site, since: int | None = None) -> list[Finding]:
    """Tracking parameters, truncated, bare-URL or empty titles, and (if asked) http: links."""
    newer = newer_than(site, since)
    return [f for digest in site.digests if newer(digest) for f in _digest_hygiene(site, digest)]


def _digest_hygiene(site: Site, digest: Digest) -> list[Finding]:
    return [
        Finding(WARNING, code, message, item.path, item.line)
        for item in digest.items()
        if item.url is not None
        for code, message in _hygiene(item, site.config)
    ]


def digest_warnings(site: Site, digest: Digest) -> list[Finding]:
    """What ``digestgen check`` warns about in one digest: its content warnings and its
    links' hygiene (``publish`` shows them as it releases a draft)."""
    content = [
        finding
        for warning in site.warnings
        if warning.path == digest.path
        for finding in from_error(warning, WARNING, "content")
    ]
    return sort_findings([*content, *_digest_hygiene(site, digest)])


def check_site(site: Site, since: int | None = None) -> list[Finding]:
    """The curator's checks of a parsed site: repeated links, then link hygiene."""
    return sort_findings([*duplicate_links(site, since), *link_hygiene(site, since)])


def sort_findings(findings: Iterable[Finding]) -> list[Finding]:
    return sorted(findings, key=lambda f: (f.path or "", f.line or 0, f.column or 0, f.code))


def _summary(findings: list[Finding]) -> str:
    errors = sum(1 for f in findings if f.severity == ERROR)
    warnings = len(findings) - errors
    return f"{errors} error{'s' * (errors != 1)}, {warnings} warning{'s' * (warnings != 1)}"


def _github_escape(text: str, property_value: bool = False) -> str:
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if property_value else text


def _github_line(finding: Finding) -> str:
    props = [f"file={_github_escape(finding.path or '', True)}"] if finding.path else []
    if finding.line is not None:
        props.append(f"line={finding.line}")
    if finding.column is not None:
        props.append(f"col={finding.column}")
    props.append(f"title={_github_escape('digestgen ' + finding.code, True)}")
    return f"::{finding.severity} {','.join(props)}::{_github_escape(finding.message)}"


def format_findings(findings: list[Finding], fmt: str = "text") -> str:
    """The findings as text lines, a JSON document, or GitHub Actions annotations."""
    if fmt == "json":
        errors = sum(1 for f in findings if f.severity == ERROR)
        document = {
            "errors": errors,
            "warnings": len(findings) - errors,
            "findings": [asdict(f) for f in findings],
        }
        return json.dumps(document, indent=2, ensure_ascii=False)
    if fmt == "github":
        return "\n".join([*(_github_line(f) for f in findings), _summary(findings)])
    return "\n".join([*(str(f) for f in findings), _summary(findings)])


def exit_status(findings: Iterable[Finding], strict: bool = False) -> int:
    """1 when there is an error (or, with ``strict``, any finding at all), else 0."""
    severities = {f.severity for f in findings}
    return 1 if ERROR in severities or (strict and severities) else 0
