"""Parser unit tests: the seed digest to its exact model, and one fixture per body shape."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from conftest import FIXTURES_DIR, digest_file

from digestgen.config import SiteConfig, load_config, parse_config
from digestgen.content.parse import parse_digest
from digestgen.model import Block, Digest, Item

CONFIG = parse_config('title: "T"\nbase_url: "https://example.org/"\n')


def parse_fixture(name: str) -> Digest:
    path = FIXTURES_DIR / f"{name}.md"
    return parse_digest(path.read_bytes(), f"digests/{name}.md", CONFIG)


def parse_text(body: str, config: SiteConfig = CONFIG, path: str = "digests/x.md") -> Digest:
    return parse_digest(digest_file("X", "2024-01-01", body), path, config)


# --- the seed digest ----------------------------------------------------------------

SEED_LEAD = [
    "Unsupervised pitch estimation. Key idea - you need relative pitch, and you can use "
    "synthetic data",
    "OCR in Yandex. A legit article",
    "87.4% top-1 accuracy on Imagenet:",
]
SEED_ML = [
    "Pixel phones now can make long exposure night sky photos",
    "Top trends from ICLR",
    "Google uses RL in recommendations",
    "Open Images 2019 solutions",
    "Why you should not get a PhD",
    "AI circus eof 2019 update",
    "Train pose estimation on radio vs images",
    "Differentiable Convex Optimization Layers",
    "Rigging the Lottery: Making All Tickets Winners:",
    "Hybrid Composition with IdleBlock: More Efficient Networks for Image Recognition",
    "A visual guide to BERT;",
    "New transformers released by HuggingFace (ALBERT / CamemBERT / DistilRoBERTa / GPT-2 XL);",
]
IMAGENET_NOTES = [
    "3.5B weakly labeled Instagram images",
    "(i) train an EfficientNet model on labeled ImageNet images",
    "(ii) use it as a teacher to generate pseudo labels on 300M unlabeled images",
    "(iii) train a larger EfficientNet as a student model on the combination of labeled and "
    "pseudo labeled images",
    "(iv) iterate this process by putting back the student as the teacher",
    "During the generation of the pseudo labels, the teacher is not noised so that the pseudo "
    "labels are as good as possible",
    "480M params",
]
RIGL_NOTES_TREE = [
    (
        "Train sparse neural networks with a fixed parameter count and a fixed computational "
        "cost throughout training, without sacrificing accuracy",
        [],
    ),
    (
        "Method updates the topology of the network during training by using parameter "
        "magnitudes and infrequent gradient calculations",
        [],
    ),
    (
        "Deficiencies of current methods",
        [
            "You have to train a large network first, so you are limited by it",
            "It is inefficient - a lot of zeros",
        ],
    ),
    ("Does not change the FLOPs required to execute the model during training", []),
    (
        "Lottery Ticket Hypothesis - if we can find a sparse neural network with iterative "
        "pruning, then we can train that sparse network from scratch, to the same level of "
        "accuracy, by starting from the original initial conditions",
        [],
    ),
    (
        "The Rigged Lottery method:",
        [
            "Memory efficient / computationally efficient / accurate",
            "Infrequently using instantaneous gradient information to inform a re-wiring of "
            "the network",
        ],
    ),
]
IDLE_NOTES_TREE = [
    ("IdleBlock, which naturally prunes connections within the block", []),
    ("Architecture = the design of a normal block and a reduction block", []),
    (
        "ResNet repeats a Bottleneck block, ShuffleNet repeats a ShuffleBlock, MobileNet v2/v3 "
        "and EfficientNet monotonically repeats and Inverted Residual Block (MBBlock), NASNet "
        "repeats a Normal Cell, and FBNet repeats a variant of MBBlock with different "
        "hyper-parameters",
        [],
    ),
    ("In the Idle design, a subspace of the input is not transformed", []),
    (
        "Given an input tensor x with C channels, the idle factor \u03b1 ∈ (0, 1) (prunning) "
        "tensor will be sliced to two branches:",
        [
            "Active branch x1 with C · (1 \u2212 \u03b1) channels",
            "Idle branch with C · \u03b1 channels",
            "Output tensor contains C · \u03b1 channels copied directly",
        ],
    ),
    (
        "Key distinction of mixed composition is the enhanced receptive field of the stacked "
        "output",
        [],
    ),
    (
        "The theoretical computation cost of one MBBlock is roughly equal to cost of two "
        "IdleBlocks",
        [],
    ),
]


def notes_tree(notes_html: str) -> list[tuple[str, list[str]]]:
    """The notes' list as (text of each top-level entry, texts of its sub-entries)."""
    root = lxml.html.fragment_fromstring(notes_html, create_parent="div")
    (top,) = root.xpath("./ul")
    tree = []
    for li in top.xpath("./li"):
        own = "".join(li.xpath("./text()")).strip()
        subs = [sub.text_content().strip() for sub in li.xpath("./ul/li")]
        assert not li.xpath("./ul/li/ul"), "the seed has only two levels of notes"
        tree.append((own, subs))
    return tree


@pytest.fixture(scope="module")
def seed() -> Digest:
    root = Path(__file__).resolve().parents[1]
    path = "digests/ds-ml-digest-20.md"
    return parse_digest((root / path).read_bytes(), path, load_config(root))


def test_seed_front_matter(seed: Digest) -> None:
    assert seed.title == "2019 DS/ML digest 20"
    assert seed.date == datetime(2019, 12, 23, tzinfo=ZoneInfo("Europe/Moscow"))
    assert seed.number == 20
    assert seed.author == "snakers41"
    assert seed.tags == ("deep-learning", "computer-vision", "nlp", "sparsity")
    assert seed.summary.startswith("Unsupervised pitch estimation, OCR in Yandex")
    assert seed.slug == "ds-ml-digest-20"
    assert seed.url == "digests/ds-ml-digest-20/"
    assert seed.draft is False
    assert seed.updated is None
    assert seed.intro == ()


def test_seed_sections(seed: Digest) -> None:
    assert [s.title for s in seed.sections] == ["", "ML in general"]
    assert [s.level for s in seed.sections] == [2, 2]
    assert [s.anchor for s in seed.sections] == ["", "ml-in-general"]
    assert [s.item_count for s in seed.sections] == [3, 12]
    assert seed.item_count == 15
    assert all(s.subsections == () for s in seed.sections)
    assert all(isinstance(part, Item) for s in seed.sections for part in s.content)
    assert seed.sections[1].line == 21


def test_seed_items_are_text_items(seed: Digest) -> None:
    lead, ml = seed.sections
    assert [i.commentary for i in lead.items()] == SEED_LEAD
    assert [i.commentary for i in ml.items()] == SEED_ML
    for item in seed.items():
        assert item.url is None
        assert item.title == ""
        assert item.domain is None
        assert item.label is None
        assert item.tags == ()
        assert item.path == "digests/ds-ml-digest-20.md"
    assert [i.line for i in lead.items()] == [10, 11, 12]


def test_seed_notes(seed: Digest) -> None:
    items = list(seed.items())
    with_notes = {i.commentary: i for i in items if i.notes}
    assert set(with_notes) == {SEED_LEAD[2], SEED_ML[8], SEED_ML[9]}
    imagenet = with_notes[SEED_LEAD[2]]
    assert imagenet.notes.split("\n") == IMAGENET_NOTES
    assert notes_tree(imagenet.notes_html) == [(n, []) for n in IMAGENET_NOTES]
    for item in items:
        if not item.notes:
            assert item.notes_html == ""


def test_seed_two_level_notes(seed: Digest) -> None:
    items = {i.commentary: i for i in seed.items()}
    rigl, idle = items[SEED_ML[8]], items[SEED_ML[9]]
    assert notes_tree(rigl.notes_html) == RIGL_NOTES_TREE
    assert notes_tree(idle.notes_html) == IDLE_NOTES_TREE
    flat = [line for text, subs in RIGL_NOTES_TREE for line in (text, *subs)]
    assert rigl.notes.split("\n") == flat


def test_seed_anchors(seed: Digest) -> None:
    anchors = [i.anchor for i in seed.items()]
    assert anchors == [
        "unsupervised-pitch-estimation-key-idea-you-need",
        "ocr-in-yandex-a-legit-article",
        "87-4-top-1-accuracy-on-imagenet",
        "pixel-phones-now-can-make-long-exposure-night",
        "top-trends-from-iclr",
        "google-uses-rl-in-recommendations",
        "open-images-2019-solutions",
        "why-you-should-not-get-a-phd",
        "ai-circus-eof-2019-update",
        "train-pose-estimation-on-radio-vs-images",
        "differentiable-convex-optimization-layers",
        "rigging-the-lottery-making-all-tickets-winners",
        "hybrid-composition-with-idleblock-more",
        "a-visual-guide-to-bert",
        "new-transformers-released-by-huggingface-albert",
    ]
    assert len(set(anchors)) == len(anchors)


def test_seed_parse_is_pure_and_repeatable(seed: Digest, repo_root: Path) -> None:
    path = "digests/ds-ml-digest-20.md"
    again = parse_digest((repo_root / path).read_bytes(), path, load_config(repo_root))
    assert again == seed


# --- anchors ------------------------------------------------------------------------


def test_anchor_unchanged_when_commentary_or_title_changes() -> None:
    before = parse_text("- [Title](https://example.com/post) - old words\n")
    after = parse_text("- [New title](https://example.com/post) - entirely new words #tag\n")
    (a,), (b,) = list(before.items()), list(after.items())
    assert a.anchor == b.anchor == "example-com-post"


def test_anchor_unchanged_when_notes_or_position_in_section_change() -> None:
    before = parse_text("## A\n\n- [One](https://example.com/one) - x\n")
    after = parse_text(
        "## B\n\n- [Zero](https://example.com/zero) - new first item\n"
        "- [One](https://example.com/one) - x\n    - a new note\n"
    )
    anchor = {i.url: i.anchor for i in after.items()}["https://example.com/one"]
    assert anchor == next(before.items()).anchor


def test_anchor_of_a_video_does_not_depend_on_other_videos_before_it() -> None:
    """Anchors are URLs on the web: adding a video above must not renumber the one below."""
    alone = parse_text("- [Talk](https://www.youtube.com/watch?v=BBB) - b\n")
    pair = parse_text(
        "- [Other](https://www.youtube.com/watch?v=AAA) - a\n"
        "- [Talk](https://www.youtube.com/watch?v=BBB) - b\n"
    )
    by_url = {i.url: i.anchor for i in pair.items()}
    assert by_url["https://www.youtube.com/watch?v=BBB"] == next(alone.items()).anchor


def test_anchors_never_take_reserved_page_ids() -> None:
    digest = parse_text("## Main\n\n- top of the list\n- [x](https://example.com/) - y\n")
    ids = [s.anchor for s in digest.all_sections()] + [i.anchor for i in digest.items()]
    assert not {"main", "top", "content", "site-header", "site-footer"} & set(ids)
    assert len(set(ids)) == len(ids)


# --- one fixture per body shape -----------------------------------------------------


def test_fixture_intro_before_first_section() -> None:
    d = parse_fixture("intro")
    assert [b.kind for b in d.intro] == ["paragraph", "paragraph"]
    assert (
        d.intro[0].text == "Welcome to this week's digest. It opens with two paragraphs of intro."
    )
    assert "<em>two</em>" in d.intro[0].html
    assert 'href="https://example.com/archive"' in d.intro[1].html
    assert [s.title for s in d.sections] == ["Links"]
    assert [i.url for i in d.items()] == ["https://example.com/first"]


def test_fixture_lead_items_before_any_section() -> None:
    d = parse_fixture("lead_items")
    assert d.intro == ()
    lead, later = d.sections
    assert (lead.title, lead.anchor, lead.level) == ("", "", 2)
    assert [i.title for i in lead.items()] == ["Lead one", "Lead two"]
    assert later.title == "Later"
    assert [i.title for i in later.items()] == ["Sectioned"]


def test_fixture_sections() -> None:
    d = parse_fixture("sections")
    assert [s.title for s in d.sections] == ["Papers", "Tools & Libraries", "Papers"]
    assert d.sections[1].title_html == "Tools &amp; <em>Libraries</em>"
    assert [s.anchor for s in d.sections] == ["papers", "tools-libraries", "papers-2"]
    assert [s.item_count for s in d.sections] == [2, 1, 1]
    assert [s.line for s in d.sections] == [5, 10, 14]


def test_fixture_subsections() -> None:
    d = parse_fixture("subsections")
    research, other = d.sections
    assert [i.title for i in research.content if isinstance(i, Item)] == ["Overview"]
    assert [(s.title, s.level, s.anchor) for s in research.subsections] == [
        ("Vision", 3, "vision"),
        ("Language", 3, "language"),
    ]
    assert [i.title for i in research.subsections[1].items()] == ["BERT", "GPT"]
    assert [i.title for i in research.items()] == ["Overview", "ViT", "BERT", "GPT"]
    assert research.item_count == 4
    assert other.subsections == ()
    assert [i.title for i in d.items()] == ["Overview", "ViT", "BERT", "GPT", "Misc"]


def test_fixture_link_items_with_commentary() -> None:
    items = list(parse_fixture("link_commentary").items())
    assert [(i.title, i.url, i.commentary) for i in items] == [
        ("Dash separator", "https://example.com/dash", "commentary after a dash"),
        ("Em dash separator", "https://example.com/em-dash", "commentary after an em dash"),
        ("Colon separator", "https://example.com/colon", "commentary after a colon"),
        ("By author", "https://example.com/by-author", "by Jane Doe"),
        (
            "Bold title with code",
            "https://example.com/formatted",
            "commentary with emphasis and a second link",
        ),
        ("No commentary", "https://example.com/bare", ""),
    ]
    # The separator goes from the HTML as from the text: templates add their own.
    assert [i.commentary_html for i in items[:4]] == [i.commentary for i in items[:4]]
    formatted = items[4]
    assert formatted.commentary_html.startswith("commentary with <em>")
    assert formatted.title_html == "<strong>Bold</strong> title with <code>code</code>"
    assert "<em>emphasis</em>" in formatted.commentary_html
    assert '<a href="https://example.net/second">second link</a>' in formatted.commentary_html
    assert all(i.domain == "example.com" for i in items)
    assert [i.line for i in items] == [7, 8, 9, 10, 11, 12]


def test_fixture_text_items() -> None:
    first, second = parse_fixture("text_item").items()
    assert first.url is None and first.title == "" and first.domain is None
    assert first.commentary == "A text item without any link, just a remark about the week"
    assert second.commentary == "Another remark that mentions a link in the middle"
    assert 'href="https://example.com/inline"' in second.commentary_html
    assert first.anchor != second.anchor


def test_fixture_trailing_tags() -> None:
    d = parse_fixture("tags")
    assert d.tags == ("weekly", "ml")
    tagged, csharp, one = d.items()
    assert tagged.tags == ("nlp", "deep-learning")
    assert tagged.commentary == "a tagged link"
    assert "#nlp" not in tagged.commentary_html
    assert csharp.tags == ()
    assert csharp.commentary == "written in C# and ranked #1 today"
    assert one.tags == ("NLP",)


def test_fixture_video_label() -> None:
    video, podcast, plain = parse_fixture("video_label").items()
    assert (video.label, video.title, video.url) == (
        "video",
        "A talk",
        "https://www.youtube.com/watch?v=abc123",
    )
    assert video.domain == "youtube.com"
    assert video.commentary == "a conference talk"
    assert (podcast.label, podcast.title) == ("podcast", "An episode")
    assert plain.label is None and plain.url is None
    assert plain.commentary == "[not a label] plain text in brackets without a link"


def test_fixture_nested_notes_two_levels() -> None:
    (item,) = parse_fixture("nested_notes").items()
    assert item.commentary == "with notes"
    assert notes_tree(item.notes_html) == [
        ("First-level note one", []),
        ("First-level note two", ["Second-level note under two", "Another second-level note"]),
        ("First-level note three", []),
    ]
    assert item.notes.split("\n") == [
        "First-level note one",
        "First-level note two",
        "Second-level note under two",
        "Another second-level note",
        "First-level note three",
    ]


def test_fixture_quote_under_item() -> None:
    first, second = parse_fixture("quote").items()
    assert (first.title, first.commentary) == ("Quoted post", "by Sam Author")
    assert first.notes == "This is the quoted opening of the post, kept as a blockquote."
    assert first.notes_html.startswith("<blockquote>")
    assert 'href="https://example.com/inside-quote"' in second.notes_html
    assert first.line == 7 and second.line == 10


def test_fixture_further_paragraphs_in_item() -> None:
    long, short = parse_fixture("paragraphs_in_item").items()
    assert long.commentary == "the first paragraph of the item"
    assert long.notes.split("\n") == [
        "A second paragraph of the same item, with more detail.",
        "A third paragraph closing the item.",
    ]
    assert long.notes_html.count("<p>") == 2
    assert short.notes == ""


def test_fixture_blocks_between_items_kept_in_order() -> None:
    (section,) = parse_fixture("blocks_between_items").sections
    kinds = [p.kind if isinstance(p, Block) else "item" for p in section.content]
    assert kinds == ["item", "paragraph", "table", "fence", "html_block", "html_block", "item"]
    blocks = [p for p in section.content if isinstance(p, Block)]
    assert blocks[0].text == "A paragraph between items."
    assert "<table>" in blocks[1].html and "340M" in blocks[1].text
    assert 'print("code between items")' in blocks[2].text
    assert "<div>An HTML block between items</div>" in blocks[3].html
    assert "<!-- a comment between items -->" in blocks[4].html
    assert [b.line for b in blocks] == [9, 11, 16, 20, 22]


def test_fixture_autolinks() -> None:
    auto, titled = parse_fixture("autolinks").items()
    assert auto.url == "https://example.com/autolinked"
    assert auto.title == "https://example.com/autolinked"
    assert auto.commentary == "an autolink as the item's link"
    assert 'href="https://example.com/in-commentary"' in titled.commentary_html
    assert 'href="mailto:someone@example.com"' in titled.commentary_html


def test_fixture_ordered_list() -> None:
    d = parse_fixture("ordered_list")
    assert [(i.title, i.commentary) for i in d.items()] == [
        ("Gold", "first place"),
        ("Silver", "second place"),
        ("Bronze", "third place"),
    ]


def test_fixture_duplicate_urls_get_unique_anchors() -> None:
    items = list(parse_fixture("duplicate_urls").items())
    assert [i.url for i in items][:2] == ["https://example.com/same"] * 2
    anchors = [i.anchor for i in items]
    assert len(set(anchors)) == 3
    assert anchors[0] == "example-com-same"


def test_fixture_images() -> None:
    d = parse_fixture("images")
    assert '<img src="https://example.com/diagram.png" alt="a diagram"' in d.intro[0].html
    badge, plot = d.items()
    assert (badge.url, badge.title) == ("https://example.com/project", "build badge")
    assert 'src="https://img.shields.io/badge/build-passing-green.svg"' in badge.title_html
    assert badge.commentary == "an image as the link's title"
    assert 'src="https://example.com/plot.png"' in plot.commentary_html


@pytest.mark.parametrize("path", sorted(FIXTURES_DIR.glob("*.md")), ids=lambda p: p.stem)
def test_every_fixture_has_unique_ids_and_items(path: Path) -> None:
    d = parse_digest(path.read_bytes(), f"digests/{path.name}", CONFIG)
    ids = [s.anchor for s in d.all_sections() if s.anchor] + [i.anchor for i in d.items()]
    assert len(ids) == len(set(ids))
    assert d.item_count >= 1


def test_anchors_of_non_latin_titles_come_from_the_title_not_the_position() -> None:
    """Digests are written in many languages; their section and item anchors must be
    derived from their own text, or reordering sections renumbers every link to them."""
    ml, cv = "## Машинное обучение\n\n- первая ссылка\n", "## Зрение\n\n- вторая ссылка\n"
    one, two = parse_text(ml + "\n" + cv), parse_text(cv + "\n" + ml)
    anchors_one = {s.title: s.anchor for s in one.sections}
    anchors_two = {s.title: s.anchor for s in two.sections}
    assert anchors_one == anchors_two
    items_one = {i.commentary: i.anchor for i in one.items()}
    items_two = {i.commentary: i.anchor for i in two.items()}
    assert items_one == items_two
