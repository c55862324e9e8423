"""``digestgen check``: every build validation without writing, then the curator's checks."""

from __future__ import annotations

from pathlib import Path

from digestgen.build.run import render_site
from digestgen.commands.check import (
    WARNING,
    Finding,
    check_site,
    from_error,
    newer_than,
    sort_findings,
)
from digestgen.commands.linkcheck import LinkOptions, link_findings
from digestgen.config import load_config
from digestgen.content.parse import parse_site, source_files
from digestgen.errors import DigestError


def run_check(
    root: Path,
    since: int | None = None,
    links: LinkOptions | None = None,
) -> list[Finding]:
    """All findings for the site at ``root``; nothing is written but the link cache.

    Drafts are checked too: a draft is where a repeated link is about to be published.
    Mistakes that stop a build are reported alone, since the later checks need a site.
    """
    try:
        config = load_config(root)
        site = parse_site(config, source_files(root, config), drafts=True)
        render_site(root, site)  # the templates' mistakes, in memory only
    except DigestError as exc:
        return from_error(exc)
    newer = newer_than(site, since)
    recent = {d.path for d in site.digests if newer(d)}
    findings = [
        finding
        for warning in site.warnings
        for finding in from_error(warning, WARNING, "content")
        if finding.path in recent
    ]
    findings += check_site(site, since)
    if links is not None:
        findings += link_findings(site, root, links, since)
    return sort_findings(findings)
