// Renders docs/metrics.md (the words behind every number) and jumps to the section of the
// metric named in the address (#retention finds the section citing queries/metrics/retention.sql).
// A deliberately small Markdown subset: headings, paragraphs, lists, tables, code, bold, links.
/* global CSS */
import { el } from './tables.js';

const slug = (heading) => heading.toLowerCase().replace(/[^a-z0-9 -]/g, '').trim().replace(/\s+/g, '-');

function inline(textValue) {
  const nodes = [];
  const pattern = /(`[^`]+`|\*\*[^*]+\*\*|\[[^\]]+\]\([^)]+\))/g;
  let last = 0;
  for (const match of textValue.matchAll(pattern)) {
    if (match.index > last) nodes.push(textValue.slice(last, match.index));
    const token = match[0];
    if (token.startsWith('`')) nodes.push(el('code', { text: token.slice(1, -1) }));
    else if (token.startsWith('**')) nodes.push(el('strong', { text: token.slice(2, -2) }));
    else {
      const [, label, href] = /^\[([^\]]+)\]\(([^)]+)\)$/.exec(token);
      nodes.push(/^(https?:|#)/.test(href) ? el('a', { href, text: label }) : label);
    }
    last = match.index + token.length;
  }
  if (last < textValue.length) nodes.push(textValue.slice(last));
  return nodes;
}

function render(markdown) {
  const blocks = [];
  const lines = markdown.split('\n');
  for (let index = 0; index < lines.length; ) {
    const line = lines[index];
    if (!line.trim()) { index += 1; continue; }
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min(heading[1].length + 1, 4);
      blocks.push(el(`h${level}`, { id: slug(heading[2]) }, ...inline(heading[2])));
      index += 1;
      continue;
    }
    if (line.startsWith('```')) {
      const code = [];
      for (index += 1; index < lines.length && !lines[index].startsWith('```'); index += 1) code.push(lines[index]);
      blocks.push(el('pre', {}, el('code', { text: code.join('\n') })));
      index += 1;
      continue;
    }
    if (line.startsWith('|')) {
      const rows = [];
      for (; index < lines.length && lines[index].startsWith('|'); index += 1) rows.push(lines[index]);
      const cells = (row) => row.replace(/^\||\|$/g, '').split('|').map((cell) => cell.trim());
      const body = rows.slice(2).map((row) => el('tr', {}, cells(row).map((cell) => el('td', {}, ...inline(cell)))));
      blocks.push(el('div', { className: 'table-wrap' }, el('table', {}, el('thead', {}, el('tr', {}, cells(rows[0]).map((cell) => el('th', { scope: 'col' }, ...inline(cell))))), el('tbody', {}, body))));
      continue;
    }
    if (/^\s*[-*]\s+/.test(line)) {
      const items = [];
      for (; index < lines.length && (/^\s*[-*]\s+/.test(lines[index]) || /^\s{2,}\S/.test(lines[index])); index += 1) {
        if (/^\s*[-*]\s+/.test(lines[index])) items.push(lines[index].replace(/^\s*[-*]\s+/, ''));
        else items[items.length - 1] += ` ${lines[index].trim()}`;
      }
      blocks.push(el('ul', {}, items.map((item) => el('li', {}, ...inline(item)))));
      continue;
    }
    const paragraph = [];
    for (; index < lines.length && lines[index].trim() && !/^(#|\||```|\s*[-*]\s)/.test(lines[index]); index += 1) paragraph.push(lines[index].trim());
    blocks.push(el('p', {}, ...inline(paragraph.join(' '))));
  }
  return blocks;
}

/** The heading for #name: a heading with that slug, else the section citing the metric's SQL file. */
function sectionFor(article, name) {
  const byId = article.querySelector(`[id="${CSS.escape(name)}"]`);
  if (byId) return byId;
  let current = null;
  for (const node of article.children) {
    if (/^H[2-4]$/.test(node.tagName)) current = node;
    if (current && node.textContent.includes(`${name}.sql`)) return current;
  }
  return null;
}

async function boot() {
  const status = document.getElementById('definitions-status');
  const article = document.getElementById('definitions');
  const response = await fetch('docs/metrics.md', { cache: 'no-cache' });
  if (!response.ok) {
    status.textContent = 'The definitions (docs/metrics.md) are not available on this server.';
    return;
  }
  article.replaceChildren(...render(await response.text()));
  const name = decodeURIComponent(window.location.hash.slice(1));
  const target = name ? sectionFor(article, name) : null;
  status.textContent = name && !target ? `No section of docs/metrics.md names “${name}”; the SQL file’s header comment defines it (queries/).` : '';
  status.hidden = !status.textContent;
  if (target) {
    target.setAttribute('tabindex', '-1');
    target.scrollIntoView();
    target.focus();
  }
}

boot();
