// ./course slides --check: is every slide readable by a room?
//
//   node tools/slides_check.mjs [--min-px N] [--max-chars N] [--all] DECK.md=DECK.html...
//
// Loads each deck as Marp rendered it (build/slides/NN-topic.html) in headless Chromium
// at 1280x720 and measures every slide (<section>) as a projector shows it:
//
//  - text size: for every piece of text, its computed font size times the scale that is
//    really applied to it. Marp's auto-scaling shrinks a code block that is too wide or
//    too tall by an SVG viewBox (no CSS font size changes), so the scale is measured: the
//    on-screen size of that SVG over its viewBox, relative to the slide's own scale.
//    Anything below --min-px (18) fails, code and prose alike.
//  - overflow: any element that reaches past the slide's content box (into the margin
//    that holds the page number, or off the slide), and any element whose content is
//    clipped (scrolls).
//  - walls of text: more than --max-chars (1000) characters on one slide, code included.
//  - a title: every slide has a heading, so a code-only slide says what it shows.
//  - pictures: every <img> loads, and an SVG picture's smallest font-size, times the
//    scale the slide shows it at, is not below --min-px either.
//
// Prints one line per problem, "slides/NN-topic.md:LINE: slide N: ...", with the line of
// the deck where that slide starts, and exits 1 if there is any. --all prints every
// slide's smallest text and fullness too. CHROMIUM (or CHROME_PATH) names the browser.
import { existsSync, readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import puppeteer from 'puppeteer-core';

const options = { minPx: 18, maxChars: 1000, all: false };
const decks = [];
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (a === '--min-px') options.minPx = Number(argv[++i]);
  else if (a === '--max-chars') options.maxChars = Number(argv[++i]);
  else if (a === '--all') options.all = true;
  else if (a.includes('=')) {
    const at = a.indexOf('=');
    decks.push({ md: a.slice(0, at), html: a.slice(at + 1) });
  } else {
    console.error(`slides_check: unknown argument '${a}'`);
    process.exit(2);
  }
}

// The line of the deck where each slide starts (its first line that is not blank): after
// the front matter, slides are separated by lines of "---" outside fenced code blocks.
function slideLines(mdPath) {
  const lines = readFileSync(mdPath, 'utf8').split('\n');
  const starts = [];
  let i = 0;
  if (lines[0] === '---') {
    i = 1;
    while (i < lines.length && lines[i] !== '---') i++;
    i++;
  }
  const firstText = (from) => {
    let j = from;
    while (j < lines.length && lines[j].trim() === '') j++;
    return j + 1;
  };
  starts.push(firstText(i));
  let fence = null;
  for (; i < lines.length; i++) {
    const m = lines[i].match(/^\s*(```+|~~~+)/);
    if (m) {
      if (fence === null) fence = m[1];
      else if (m[1].startsWith(fence[0]) && m[1].length >= fence.length) fence = null;
      continue;
    }
    if (fence === null && lines[i] === '---') starts.push(firstText(i + 1));
  }
  return starts;
}

// A picture's file, relative to the folder the check runs in (the course's root).
const pictureName = (src) => (src.startsWith('file:') ? relative(process.cwd(), fileURLToPath(src)) : src);

// The smallest text in an SVG picture as the slide shows it: the smallest font-size the
// file names (16 px, the default, if none) times the picture's shown width over the
// SVG's own width (viewBox, else the width attribute). Other pictures: null.
function pictureTextPx({ src, width }) {
  if (!src.startsWith('file:') || !src.toLowerCase().endsWith('.svg')) return null;
  const svg = readFileSync(fileURLToPath(src), 'utf8');
  const root = svg.match(/<svg\b[^>]*>/);
  if (!root) return null;
  const viewBox = root[0].match(/viewBox="\s*[-\d.]+[\s,]+[-\d.]+[\s,]+([\d.]+)/);
  const widthAttr = root[0].match(/\swidth="([\d.]+)(px)?"/);
  const own = viewBox ? Number(viewBox[1]) : widthAttr ? Number(widthAttr[1]) : 0;
  if (!(own > 0)) return null;
  const sizes = [...svg.matchAll(/font-size\s*[=:]\s*"?\s*([\d.]+)/g)].map((m) => Number(m[1]));
  const rootSize = root[0].match(/font-size\s*[=:]\s*"?\s*([\d.]+)/);
  if (!rootSize) sizes.push(16);
  return Math.min(...sizes) * (width / own);
}

// Runs in the page: measures every slide.
function measure() {
  const slides = [...document.querySelectorAll('svg[data-marpit-svg] > foreignObject > section')];
  const scaleCache = new Map();
  // Marp's auto-scaling (a code block, a heading with <!-- fit -->) puts its content in a
  // shadow root as <marp-auto-scaling>, whose own shadow root holds an <svg> with a
  // viewBox of the content's natural size, fitted to the room there is ("meet"): the scale
  // it applies is the smaller of on-screen size over viewBox size, on each axis.
  const autoScale = (host, slideScale) => {
    const roots = [host.shadowRoot];
    for (let i = 0; i < roots.length; i++) {
      for (const e of roots[i].querySelectorAll('*')) {
        if (e.shadowRoot) roots.push(e.shadowRoot);
        if (e instanceof SVGSVGElement && e.viewBox.baseVal && e.viewBox.baseVal.width > 0) {
          const vb = e.viewBox.baseVal, r = e.getBoundingClientRect();
          return Math.min(r.width / vb.width, r.height / vb.height) / slideScale;
        }
      }
    }
    return 1;
  };
  // The scale applied to an element's text: the product of the auto-scalings around it.
  const scaleOf = (el, section, slideScale) => {
    if (scaleCache.has(el)) return scaleCache.get(el);
    let s = 1;
    for (let e = el; e && e !== section; e = e.parentElement) if (e.shadowRoot) s *= autoScale(e, slideScale);
    scaleCache.set(el, s);
    return s;
  };
  const snippet = (text) => {
    const t = text.replace(/\s+/g, ' ').trim();
    return t.length > 40 ? t.slice(0, 39) + '…' : t;
  };
  return slides.map((section) => {
    const problems = [];
    const sr = section.getBoundingClientRect();
    const slideScale = sr.width / parseFloat(getComputedStyle(section).width);
    const cs = getComputedStyle(section);
    const box = {
      top: sr.top + parseFloat(cs.paddingTop) * slideScale,
      bottom: sr.bottom - parseFloat(cs.paddingBottom) * slideScale,
      left: sr.left + parseFloat(cs.paddingLeft) * slideScale,
      right: sr.right - parseFloat(cs.paddingRight) * slideScale,
    };
    // Text sizes.
    let minCode = null, minProse = null, chars = 0;
    const walker = document.createTreeWalker(section, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim()) continue;
      const el = n.parentElement;
      if (el.closest('header, footer')) continue;  // Marp's header/footer directives
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const px = parseFloat(getComputedStyle(el).fontSize) * scaleOf(el, section, slideScale);
      const isCode = !!el.closest('pre, marp-pre');
      chars += n.textContent.replace(/\s+/g, ' ').length;
      const rec = { px, text: snippet(isCode ? el.closest('pre, marp-pre').textContent.split('\n')[0] : n.textContent) };
      if (isCode) { if (!minCode || px < minCode.px) minCode = rec; }
      else if (!minProse || px < minProse.px) minProse = rec;
    }
    // Overflow: how far anything reaches past the content box, and clipped content.
    let worst = { by: 0 };
    for (const el of section.querySelectorAll('*')) {
      if (el.closest('header, footer')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 && r.height === 0) continue;
      const sides = [
        ['bottom', r.bottom - box.bottom], ['top', box.top - r.top],
        ['right', r.right - box.right], ['left', box.left - r.left],
      ];
      for (const [side, d] of sides) {
        const by = d / slideScale;
        if (by > worst.by) worst = { by, side, off: side === 'bottom' ? r.bottom > sr.bottom : side === 'top' ? r.top < sr.top : side === 'right' ? r.right > sr.right : r.left < sr.left, tag: el.tagName.toLowerCase(), text: snippet(el.textContent || el.getAttribute('alt') || '') };
      }
      if (el instanceof HTMLElement && el !== section) {
        const ov = getComputedStyle(el);
        const clips = (v) => v !== 'visible';
        if ((clips(ov.overflowX) && el.scrollWidth > el.clientWidth + 1) ||
            (clips(ov.overflowY) && el.scrollHeight > el.clientHeight + 1)) {
          problems.push(`${el.tagName.toLowerCase()} "${snippet(el.textContent)}" is clipped: ${el.scrollWidth}×${el.scrollHeight} px of content in ${el.clientWidth}×${el.clientHeight}`);
        }
      }
    }
    const pictures = [];
    for (const img of section.querySelectorAll('img')) {
      if (!img.complete || img.naturalWidth === 0) problems.push({ missing: img.src });
      else pictures.push({ src: img.src, width: img.getBoundingClientRect().width / slideScale });
    }
    const title = section.querySelector('h1, h2, h3, h4, h5, h6');
    return {
      minCode, minProse, chars, worst, problems, pictures,
      hasTitle: !!title, hasCode: !!section.querySelector('pre, marp-pre'),
      title: title ? snippet(title.textContent) : '',
    };
  });
}

const browserPath = process.env.CHROMIUM || process.env.CHROME_PATH ||
  ['/usr/lib/chromium/chromium', '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(existsSync);
if (!browserPath) {
  console.error('slides_check: no Chromium found (./course setup slides installs it)');
  process.exit(2);
}
const browser = await puppeteer.launch({
  executablePath: browserPath,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--font-render-hinting=none'],
});
let failed = 0, slidesSeen = 0;
try {
  const checkDeck = async ({ md, html }) => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 720, deviceScaleFactor: 1 });
    await page.goto(pathToFileURL(html).href, { waitUntil: 'load' });
    // Bespoke (Marp's HTML template) lays out only the current slide: lay out all.
    await page.addStyleTag({ content: 'svg[data-marpit-svg]{content-visibility:visible!important;display:block!important}' });
    await page.evaluate(async () => {
      await document.fonts.ready;
      // Marp's auto-scaling settles in a ResizeObserver callback: give it a few frames.
      for (let i = 0; i < 4; i++) await new Promise((r) => requestAnimationFrame(r));
    });
    const results = await page.evaluate(measure);
    await page.close();
    const lines = slideLines(md);
    const out = [];
    results.forEach((s, i) => {
      const where = `${md}:${lines.length === results.length ? lines[i] : '?'}: slide ${i + 1}`;
      const problems = s.problems.map((p) => (p.missing ? `the picture ${pictureName(p.missing)} does not load` : p));
      for (const picture of s.pictures) {
        const px = pictureTextPx(picture);
        if (px !== null && px < options.minPx - 0.05) {
          problems.push(`text in the picture ${pictureName(picture.src)} at ${px.toFixed(1)} px (below ${options.minPx} px)`);
        }
      }
      for (const [kind, m] of [['code', s.minCode], ['text', s.minProse]]) {
        if (m && m.px < options.minPx - 0.05) problems.push(`${kind} at ${m.px.toFixed(1)} px (below ${options.minPx} px): "${m.text}"`);
      }
      if (s.worst.by > 1) {
        problems.push(`${s.worst.tag} "${s.worst.text}" ${s.worst.off ? 'runs off the slide' : 'runs into the margin'} at the ${s.worst.side} by ${Math.round(s.worst.by)} px`);
      }
      if (s.chars > options.maxChars) problems.push(`a wall of ${s.chars} characters, code included (more than ${options.maxChars})`);
      if (!s.hasTitle) problems.push(`has no title${s.hasCode ? ' (a code-only slide: say what it shows)' : ''}`);
      for (const p of problems) out.push(`${where}: ${p}`);
      if (options.all) {
        const f = (m) => (m ? m.px.toFixed(1) : '-');
        out.push(`${where}: [code ${f(s.minCode)} px, text ${f(s.minProse)} px, ${s.chars} chars, overflow ${Math.round(s.worst.by)} px] ${s.title}`);
      }
      if (problems.length) failed++;
    });
    slidesSeen += results.length;
    return out;
  };
  // Two decks at a time (the machine may have two cores and other work).
  const outputs = new Array(decks.length);
  let next = 0;
  await Promise.all([0, 1].map(async () => {
    while (next < decks.length) {
      const i = next++;
      outputs[i] = await checkDeck(decks[i]);
    }
  }));
  for (const o of outputs) for (const line of o) console.log(line);
} finally {
  await browser.close();
}
if (failed) {
  console.log(`${failed} of ${slidesSeen} slides in ${decks.length} decks are hard to read (rendered at 1280×720, text below ${options.minPx} px, overflow, walls of text or no title).`);
  process.exit(1);
}
console.log(`All ${slidesSeen} slides in ${decks.length} decks fit at 1280×720 with text of ${options.minPx} px or more.`);
