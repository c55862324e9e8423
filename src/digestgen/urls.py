"""Slugs, anchors and URL handling shared by the parser, the pages and the feeds."""

from __future__ import annotations

import re
import string
import unicodedata
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit

_NON_WORD = re.compile(r"[\W_]+")
UNSAFE_SCHEMES = ("javascript", "vbscript", "data")


def _fold(text: str) -> str:
    """Latin letters lose their accents (``naïve`` -> ``naive``); other scripts stay."""
    if text.isascii():  # nothing to fold (NFKD and NFC leave ASCII as it is)
        return text
    out: list[str] = []
    for char in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(char) and out and out[-1].isascii():
            continue
        out.append(char)
    return unicodedata.normalize("NFC", "".join(out))


def slugify(text: str, max_length: int = 60) -> str:
    """Lower-case words joined by ``-``: Latin accents folded, other scripts kept
    (``Машинное обучение`` -> ``машинное-обучение``), so that an anchor comes from
    the text in any language and never from its position."""
    slug = _NON_WORD.sub("-", _fold(text).lower()).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0] or slug[:max_length]
    return slug


def domain_of(url: str) -> str | None:
    """The host of an absolute URL without ``www.``, or ``None`` for other links."""
    try:
        host = urlsplit(url).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.removeprefix("www.")


def anchor_for_url(url: str) -> str:
    """A readable anchor derived from the URL only: host, path, the values of its
    query (``watch?v=ID`` names the video) and fragment; tracking parameters left out."""
    try:
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=False) if parts.query else []
    except ValueError:
        return slugify(url) or "link"
    host = (parts.hostname or "").removeprefix("www.")
    values = " ".join(v for k, v in query if not is_tracking_param(k))
    words = slugify(f"{host} {parts.path} {values} {parts.fragment}", max_length=64)
    return words or "link"


_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")


def scheme_of(url: str) -> str:
    """The lower-cased scheme, ignoring the whitespace and controls browsers ignore."""
    match = _SCHEME.match(url)
    if match is None and not (url.isprintable() and " " not in url):
        match = _SCHEME.match("".join(ch for ch in url if ch > " " and ch != "\x7f"))
    return match.group(1).lower() if match else ""


def is_unsafe_url(url: str) -> bool:
    return scheme_of(url) in UNSAFE_SCHEMES


class AnchorSet:
    """Hands out anchors unique within one page: ``name``, ``name-2``, ``name-3``..."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def claim(self, wanted: str) -> str:
        anchor = wanted
        n = 2
        while anchor in self._used:
            anchor = f"{wanted}-{n}"
            n += 1
        self._used.add(anchor)
        return anchor


TRACKING_PARAMS = frozenset(
    [
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "mc_cid",
        "mc_eid",
        "igshid",
        "yclid",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ref_src",
        "ref_url",
        "s_cid",
    ]
)
HOST_ALIASES = {
    "youtu.be": "youtube.com",
    "m.youtube.com": "youtube.com",
    "mobile.twitter.com": "twitter.com",
    "x.com": "twitter.com",
    "old.reddit.com": "reddit.com",
    "new.reddit.com": "reddit.com",
    "np.reddit.com": "reddit.com",
    "m.wikipedia.org": "wikipedia.org",
}


def link_normalizer(
    extra_aliases: Iterable[tuple[str, str]] = (), extra_tracking: Iterable[str] = ()
) -> Callable[[str], str]:
    """``normalize_url`` with the built-in aliases plus a site's own aliases and tracking
    parameters: the rules by which two links are the same link everywhere (check, add,
    "also featured in", domain pages)."""
    aliases = {**HOST_ALIASES, **dict(extra_aliases)}
    tracking = frozenset(p.lower() for p in extra_tracking)
    return lambda url: normalize_url(url, aliases=aliases, tracking=tracking)


def host_of_link(normalized: str) -> str | None:
    """The host of a link in its normalised form (aliases applied, no ``www.``)."""
    try:
        host = urlsplit(normalized).hostname
    except ValueError:
        return None
    return host or None


def is_tracking_param(name: str, extra: frozenset[str] = frozenset()) -> bool:
    """``utm_*`` and the well-known click ids, plus the ``extra`` names a site adds."""
    lowered = name.lower()
    return lowered.startswith("utm_") or lowered in TRACKING_PARAMS or lowered in extra


_PERCENT = re.compile(r"%([0-9a-fA-F]{2})")
_SLASHES = re.compile(r"//+")
_UNRESERVED = frozenset(string.ascii_letters + string.digits + "-._~")


def _percent(match: re.Match[str]) -> str:
    """An escaped unreserved character as itself, any other escape in upper case."""
    char = chr(int(match.group(1), 16))
    return char if char in _UNRESERVED else "%" + match.group(1).upper()


def _without_dots(path: str) -> str:
    """The path with ``.`` and ``..`` segments resolved (RFC 3986, 5.2.4)."""
    kept: list[str] = []
    for segment in path.split("/"):
        if segment == "..":
            if len(kept) > 1:
                kept.pop()
        elif segment != ".":
            kept.append(segment)
    return "/".join(kept) + ("/" if path.endswith(("/.", "/..")) else "")


def normal_path(path: str) -> str:
    """A URL path as one spelling: escapes in one case (``%7e`` is ``~``, ``%c3`` is
    ``%C3``), doubled slashes collapsed, dot segments resolved. Each step runs only
    when the path has what it changes, since most paths have none of it."""
    if "%" in path:
        path = _PERCENT.sub(_percent, path)
    if "//" in path:
        path = _SLASHES.sub("/", path)
    if "/." in path:
        path = _without_dots(path)
    return path


def normalize_url(
    url: str,
    *,
    aliases: dict[str, str] | None = None,
    keep_fragment: bool = True,
    tracking: frozenset[str] = frozenset(),
) -> str:
    """The form under which two links count as the same link.

    https for http, lower-case host without ``www.``, host aliases applied
    (``youtu.be/ID`` -> ``youtube.com/watch?v=ID``), tracking parameters and a
    trailing slash dropped, the path in one spelling (:func:`normal_path`); the
    fragment is kept by default, since it names a podcast episode or a changelog entry.
    """
    stripped = url.strip()
    try:
        parts = urlsplit(stripped)
    except ValueError:
        return stripped
    hostname = parts.hostname  # a property that parses the netloc: read once
    if parts.scheme not in ("http", "https") or not hostname:
        return stripped
    bare = hostname.removeprefix("www.")
    alias_map = HOST_ALIASES if aliases is None else aliases
    host = alias_map.get(bare, bare)
    path = parts.path
    query = parse_qsl(parts.query, keep_blank_values=True) if parts.query else []
    if bare == "youtu.be" and host == "youtube.com":
        query.insert(0, ("v", path.strip("/")))
        path = "/watch"
    query = [(k, v) for k, v in query if not is_tracking_param(k, tracking)]
    # Only a netloc with a colon can have a port (or an invalid one, which raises).
    number = parts.port if ":" in parts.netloc else None
    port = f":{number}" if number and number not in (80, 443) else ""
    path = normal_path(path).rstrip("/")
    fragment = ""
    if keep_fragment and parts.fragment:
        fragment = "#" + _PERCENT.sub(_percent, parts.fragment)
    search = f"?{urlencode(query)}" if query else ""
    return f"https://{host}{port}{path}{search}{fragment}"
