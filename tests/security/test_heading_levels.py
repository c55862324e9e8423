"""Headings that skip levels in the source are shown at levels that never skip, so that
the page's outline is valid; the source is untouched and the warning stays."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import html5lib
import pytest
from sitefactory import make_site, run

BODY = """\
## News

#### Straight to four

- [a](https://a.org) b
    ###### A heading in a note

##### Five after four

### Sub

###### Six under a subsection

## Next

#### Four again
"""


def _vnu() -> list[str]:
    jar = os.environ.get("VNU_JAR", "")
    java = shutil.which("java")
    if not jar or not Path(jar).is_file() or java is None:
        message = f"the Nu Html Checker needs java and VNU_JAR (VNU_JAR={jar!r}, java={java})"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)
    return [java, "-Xss4m", "-jar", jar]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    root = tmp_path_factory.mktemp("headings")
    source = f"---\ntitle: x\ndate: 2020-01-02\n---\n\n{BODY}"
    make_site(root, {"x.md": source})
    result = run("build", "--root", str(root))
    assert result.exit_code == 0, result.stderr
    return root, result.stderr.replace(f"{root}/", "")


def test_levels_never_skip_on_the_page(built: tuple[Path, str]) -> None:
    root, _ = built
    page = (root / "site" / "digests" / "x" / "index.html").read_bytes()
    tree = html5lib.parse(page, treebuilder="etree", namespaceHTMLElements=False)
    main = tree.find(".//main")
    assert main is not None
    headings = [
        (int(e.tag[1]), "".join(e.itertext()).replace("¶", "").strip())
        for e in main.iter()
        if isinstance(e.tag, str) and len(e.tag) == 2 and e.tag[0] == "h" and e.tag[1].isdigit()
    ]
    assert headings == [
        (1, "x"),
        (2, "Contents"),
        (2, "News"),
        (3, "Straight to four"),
        (4, "A heading in a note"),
        (5, "Five after four"),
        (3, "Sub"),
        (4, "Six under a subsection"),
        (2, "Next"),
        (3, "Four again"),
    ]
    assert (root / "digests" / "x.md").read_text().count("#### Straight to four") == 1


def test_the_skip_warnings_stay(built: tuple[Path, str]) -> None:
    _, stderr = built
    assert "digests/x.md:8: warning: heading level skips from h2 to h4; use ### here" in stderr
    assert "digests/x.md:11: warning: heading level skips from h4 to h6; use ##### here" in stderr


def test_the_page_passes_the_nu_html_checker(built: tuple[Path, str]) -> None:
    root, _ = built
    page = root / "site" / "digests" / "x" / "index.html"
    proc = subprocess.run(
        [*_vnu(), "--format", "json", str(page)], capture_output=True, text=True, timeout=300
    )
    messages = json.loads(proc.stderr or proc.stdout or '{"messages": []}')["messages"]
    assert [f"{m.get('lastLine')}: {m.get('message')}" for m in messages] == []
