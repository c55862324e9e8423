/* What a reader would see cut in the page shown: run by Playwright's page.evaluate, it
   returns one line per problem found (an empty list when nothing is cut).
   - a label or title box whose text is wider than the box (scrollWidth > clientWidth);
   - text, or an SVG chart's text, outside a box that clips it (overflow hidden or clip,
     and every <svg>);
   - a word of a title broken over two lines although it would fit on one;
   - a list's numbers or bullets wider than the room a clipping or scrolling list leaves
     them (markers are drawn outside the items, where such a list cuts them). */
() => {
  "use strict";
  const problems = [];
  const BOXES = "h1, h2, h3, .site-title, nav a, .label, .tag, .count, .domain, .item-link, " +
    ".card-links a, .search-results a, .search-meta, .pager a, .toc a, .meta, .draft-badge, " +
    "button, .feed-link";
  const TITLES = "h1, h2, h3, .site-title, .item-link, .card-links a, .search-results a, " +
    ".pager a, .toc a";

  function describe(el, text) {
    const cls = typeof el.className === "string" && el.className.trim() ?
      "." + el.className.trim().split(/\s+/).join(".") : "";
    return `${el.tagName.toLowerCase()}${cls} "${(text || el.textContent).trim().slice(0, 50)}"`;
  }

  /* Not shown: display none, hidden, or visually hidden on purpose (clip-path). */
  function unseen(el) {
    for (let at = el; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      if (style.display === "none" || style.visibility === "hidden" || style.clipPath !== "none") {
        return true;
      }
      if (["SCRIPT", "STYLE", "TEMPLATE", "TITLE", "DESC"].includes(at.tagName.toUpperCase())) {
        return true;
      }
    }
    return false;
  }

  function clippers(el) {
    const found = [];
    for (let at = el.parentElement; at; at = at.parentElement) {
      const style = getComputedStyle(at);
      const clips = (v) => v === "hidden" || v === "clip";
      if (clips(style.overflowX) || clips(style.overflowY) || at.tagName.toLowerCase() === "svg") {
        found.push(at);
      }
    }
    return found;
  }

  function inside(rect, box) {
    return rect.left >= box.left - 1 && rect.right <= box.right + 1 &&
      rect.top >= box.top - 1 && rect.bottom <= box.bottom + 1;
  }

  for (const el of document.querySelectorAll(BOXES)) {
    if (unseen(el) || getComputedStyle(el).display === "inline") continue;
    if (el.scrollWidth > el.clientWidth + 1) {
      problems.push(`wider than its box (${el.scrollWidth} > ${el.clientWidth}): ${describe(el)}`);
    }
  }

  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!node.data.trim() || !el || unseen(el)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    let rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
    if (el.closest("svg")) rects = [el.getBoundingClientRect()];
    const cut = clippers(el).find((box) => {
      const edge = box.getBoundingClientRect();
      return rects.some((r) => !inside(r, edge));
    });
    if (cut) problems.push(`cut by ${describe(cut, " ")}: ${describe(el, node.data)}`);
  }

  for (const title of document.querySelectorAll(TITLES)) {
    if (unseen(title)) continue;
    let block = title;
    while (block.parentElement && getComputedStyle(block).display.startsWith("inline")) {
      block = block.parentElement;
    }
    const line = block.clientWidth;
    const texts = document.createTreeWalker(title, NodeFilter.SHOW_TEXT);
    while (texts.nextNode()) {
      const node = texts.currentNode;
      for (const word of node.data.matchAll(/[^\s\-\u2010-\u2014/]+/g)) {
        const range = document.createRange();
        range.setStart(node, word.index);
        range.setEnd(node, word.index + word[0].length);
        const rects = Array.from(range.getClientRects()).filter((r) => r.width > 0);
        const tops = new Set(rects.map((r) => Math.round(r.top)));
        const width = rects.reduce((sum, r) => sum + r.width, 0);
        if (tops.size > 1 && width < line) {
          problems.push(`word broken over lines: "${word[0]}" in ${describe(title)}`);
        }
      }
    }
  }
  const pen = document.createElement("canvas").getContext("2d");
  for (const list of document.querySelectorAll("ol, ul")) {
    const style = getComputedStyle(list);
    if (unseen(list) || (style.overflowX === "visible" && style.overflowY === "visible")) continue;
    Array.from(list.children).forEach((li, n) => {
      const item = getComputedStyle(li);
      if (item.display !== "list-item" || item.listStyleType === "none" ||
          item.listStylePosition !== "outside") return;
      pen.font = `${item.fontWeight} ${item.fontSize} ${item.fontFamily}`;
      const marker = list.tagName === "OL" ? `${list.start + n}. ` : "\u2022 ";
      const room = li.getBoundingClientRect().left - list.getBoundingClientRect().left -
        parseFloat(style.borderLeftWidth);
      if (pen.measureText(marker).width > room) {
        problems.push(`list marker "${marker.trim()}" cut in ${describe(list, " ")}`);
      }
    });
  }
  return problems;
}
