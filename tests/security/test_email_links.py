"""The email edition makes real ``href``/``src`` attributes absolute, never text that
looks like one (inside ``<code>``, a code block or an attribute value)."""

from __future__ import annotations

from pathlib import Path

import html5lib
from sitefactory import make_site, run

BODY = """\
## Links

- [Local](/guide/) - set `<a href="/relative">` in the `src="/img.png"` attribute
    - ![a picture](/pictures/p.png)

```html
<a href="/in-a-fence">x</a> <img src="/fenced.png">
```

<p title='href="/in-a-title"'>raw <a href='/single-quoted'>link</a></p>
"""


def test_only_real_attributes_are_made_absolute(tmp_path: Path) -> None:
    root = make_site(tmp_path, {"x.md": f"---\ntitle: x\ndate: 2020-01-02\n---\n\n{BODY}"})
    out = tmp_path / "x.html"
    result = run("export", "x", "--root", str(root), "--format", "email", "-o", str(out))
    assert result.exit_code == 0, result.stderr
    tree = html5lib.parse(out.read_bytes(), treebuilder="etree", namespaceHTMLElements=False)
    text = "".join(tree.find(".//body").itertext())
    assert '<a href="/relative">' in text and 'src="/img.png"' in text
    assert '<a href="/in-a-fence">x</a> <img src="/fenced.png">' in text
    hrefs = [a.get("href") for a in tree.iter("a")]
    assert "https://example.org/guide/" in hrefs
    assert "https://example.org/single-quoted" in hrefs
    assert all(h.startswith(("https://", "mailto:")) for h in hrefs if h), hrefs
    [image] = [i for i in tree.iter("img") if i.get("alt") == "a picture"]
    assert image.get("src") == "https://example.org/pictures/p.png"
    assert image.get("width") == "552"
    titles = [p.get("title") for p in tree.iter("p") if p.get("title")]
    assert titles == ['href="/in-a-title"']
