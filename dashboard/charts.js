// Hand-written SVG charts (ADR 0072): a step curve with a confidence band, and grouped
// horizontal bars with interval whiskers and reference marks. No library, no CDN; every
// chart is role="img" with a caption, and the data table beside it is the full text equivalent.
import { percent } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';

export const PALETTE = {
  blue: '#0072b2',
  orange: '#e69f00',
  green: '#009e73',
  vermillion: '#d55e00',
  sky: '#56b4e9',
  purple: '#cc79a7',
  black: '#000000',
};

function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) if (value !== undefined && value !== null) node.setAttribute(name, String(value));
  for (const child of children.flat()) if (child) node.append(child);
  return node;
}

function text(x, y, content, attributes = {}) {
  const node = svg('text', { x, y, ...attributes });
  node.textContent = content;
  return node;
}

let chartCounter = 0;

function frame(width, height, label) {
  chartCounter += 1;
  const titleId = `chart-title-${chartCounter}`;
  const root = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-labelledby': titleId, preserveAspectRatio: 'xMidYMid meet' });
  const title = svg('title', { id: titleId });
  title.textContent = label;
  root.prepend(title);
  return root;
}

/**
 * Step curves (survival-type estimates) with shaded pointwise intervals.
 * series: [{ label, color, dash?, points: [{ day, estimate, lower, upper }] }]
 */
export function stepCurveChart({ label, series, maxDay, marks = [30, 60, 90] }) {
  const width = 640;
  const height = 300;
  const margin = { top: 12, right: 16, bottom: 40, left: 48 };
  const plotWidth = width - margin.left - margin.right;
  const plotHeight = height - margin.top - margin.bottom;
  const lastDay = Math.max(maxDay ?? 0, ...series.flatMap((item) => item.points.map((point) => point.day)), 1);
  const x = (day) => margin.left + (Math.min(day, lastDay) / lastDay) * plotWidth;
  const y = (value) => margin.top + (1 - value) * plotHeight;
  const root = frame(width, height, label);

  const grid = svg('g', { class: 'grid' });
  const axis = svg('g', { class: 'axis' });
  for (const value of [0, 0.25, 0.5, 0.75, 1]) {
    grid.append(svg('line', { x1: margin.left, x2: width - margin.right, y1: y(value), y2: y(value) }));
    axis.append(text(margin.left - 6, y(value) + 4, percent(value, 0), { 'text-anchor': 'end' }));
  }
  const step = lastDay > 200 ? 60 : 30;
  for (let day = 0; day <= lastDay; day += step) {
    axis.append(svg('line', { x1: x(day), x2: x(day), y1: height - margin.bottom, y2: height - margin.bottom + 4 }));
    axis.append(text(x(day), height - margin.bottom + 16, String(day), { 'text-anchor': 'middle' }));
  }
  axis.append(text(margin.left + plotWidth / 2, height - 4, 'Days since admission', { 'text-anchor': 'middle' }));
  axis.append(svg('path', { d: `M${margin.left},${margin.top} V${height - margin.bottom} H${width - margin.right}`, fill: 'none' }));
  for (const day of marks) {
    if (day > lastDay) continue;
    grid.append(svg('line', { x1: x(day), x2: x(day), y1: margin.top, y2: height - margin.bottom, 'stroke-dasharray': '2 4' }));
  }
  root.append(grid, axis);

  for (const item of series) {
    const points = [...item.points].sort((a, b) => a.day - b.day);
    if (points.length === 0) continue;
    // Curves start at 100% on day 0 and step down at each event day.
    const withStart = points[0].day > 0 || points[0].estimate !== 1 ? [{ day: 0, estimate: 1, lower: 1, upper: 1 }, ...points] : points;
    // Corner points of a step function: flat until the next day, then a vertical drop.
    const corners = (key) => {
      const result = [];
      withStart.forEach((point, index) => {
        const value = point[key] ?? point.estimate;
        if (index > 0) result.push([x(point.day), y(withStart[index - 1][key] ?? withStart[index - 1].estimate)]);
        result.push([x(point.day), y(value)]);
      });
      const last = withStart[withStart.length - 1];
      result.push([x(lastDay), y(last[key] ?? last.estimate)]);
      return result;
    };
    const pathOf = (coordinates) => coordinates.map(([px, py], index) => `${index === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`).join(' ');
    const hasBand = withStart.some((point) => point.lower !== null && point.lower !== undefined && point.upper !== null && point.upper !== undefined);
    if (hasBand) {
      const band = [...corners('upper'), ...corners('lower').reverse()];
      root.append(svg('path', { d: `${pathOf(band)} Z`, fill: item.color, 'fill-opacity': 0.15, stroke: 'none', 'data-band': item.label }));
    }
    const stepPath = () => pathOf(corners('estimate'));
    root.append(svg('path', { d: stepPath(), fill: 'none', stroke: item.color, 'stroke-width': 2.5, 'stroke-dasharray': item.dash ?? null, 'data-series': item.label }));
  }
  return root;
}

/**
 * Grouped horizontal bars for proportions (0–1) with 95% interval whiskers and optional
 * reference marks (a benchmark or a target).
 * groups: [{ label, bars: [{ label, value, lower?, upper?, color, pattern? }], reference?: { value, label } }]
 */
export function barChart({ label, groups, max = 1, format = (value) => percent(value) }) {
  const barHeight = 16;
  const gap = 5;
  const groupGap = 12;
  const headerHeight = 18;
  const labelWidth = 150;
  const width = 640;
  const right = 64;
  const plotWidth = width - labelWidth - right;
  // A group of several bars gets its label on a line of its own, so long labels never clip.
  const headed = (group) => group.bars.length > 1;
  const height =
    30 + groups.reduce((total, group) => total + (headed(group) ? headerHeight : 0) + group.bars.length * (barHeight + gap) + groupGap, 0);
  const x = (value) => labelWidth + (Math.max(0, Math.min(value, max)) / max) * plotWidth;
  const root = frame(width, height, label);
  const grid = svg('g', { class: 'grid' });
  const axis = svg('g', { class: 'axis' });
  for (let tick = 0; tick <= 4; tick++) {
    const value = (max * tick) / 4;
    grid.append(svg('line', { x1: x(value), x2: x(value), y1: 4, y2: height - 22 }));
    axis.append(text(x(value), height - 8, format(value).replace(/\.0%$/, '%'), { 'text-anchor': 'middle' }));
  }
  root.append(grid, axis);
  let top = 8;
  for (const group of groups) {
    if (headed(group)) {
      root.append(text(0, top + 12, group.label, { 'font-weight': 600 }));
      top += headerHeight;
    }
    const groupTop = top;
    for (const bar of group.bars) {
      const rowLabel = headed(group) ? bar.label : group.label;
      root.append(text(labelWidth - 8, top + barHeight - 4, rowLabel, { 'text-anchor': 'end', 'font-weight': headed(group) ? 400 : 600 }));
      if (bar.value === null || bar.value === undefined) {
        root.append(text(labelWidth + 4, top + barHeight - 4, 'suppressed or not available', { 'font-size': 11, fill: '#55606e' }));
      } else {
        root.append(svg('rect', { x: labelWidth, y: top, width: Math.max(1, x(bar.value) - labelWidth), height: barHeight, fill: bar.color, 'fill-opacity': bar.pattern === 'light' ? 0.45 : 1, stroke: bar.color, 'data-bar': `${group.label}|${bar.label}` }));
        const hasInterval = bar.lower !== null && bar.lower !== undefined && bar.upper !== null && bar.upper !== undefined;
        if (hasInterval) {
          const mid = top + barHeight / 2;
          root.append(svg('path', { d: `M${x(bar.lower)},${mid - 5} V${mid + 5} M${x(bar.lower)},${mid} H${x(bar.upper)} M${x(bar.upper)},${mid - 5} V${mid + 5}`, stroke: '#000', 'stroke-width': 1.2, fill: 'none' }));
        }
        const valueX = Math.min(width - right + 4, Math.max(x(bar.value), hasInterval ? x(bar.upper) : 0) + 4);
        root.append(text(valueX, top + barHeight - 4, format(bar.value), { 'font-size': 11 }));
      }
      top += barHeight + gap;
    }
    if (group.reference && group.reference.value !== null && group.reference.value !== undefined) {
      const refX = x(group.reference.value);
      root.append(svg('line', { x1: refX, x2: refX, y1: groupTop - 3, y2: top - gap + 3, stroke: '#000', 'stroke-width': 2, 'stroke-dasharray': '4 2', 'data-reference': group.reference.label }));
      root.append(svg('path', { d: `M${refX - 4},${groupTop - 7} L${refX + 4},${groupTop - 7} L${refX},${groupTop - 1} Z`, fill: '#000' }));
    }
    top += groupGap;
  }
  return root;
}

/** A legend as a list (screen readers read it in order; print keeps it). */
export function legend(items) {
  const list = document.createElement('ul');
  list.className = 'legend';
  for (const item of items) {
    const entry = document.createElement('li');
    const sample = svg('svg', { viewBox: '0 0 28 12', 'aria-hidden': 'true' });
    if (item.kind === 'line') sample.append(svg('line', { x1: 0, x2: 28, y1: 6, y2: 6, stroke: item.color, 'stroke-width': 3, 'stroke-dasharray': item.dash ?? null }));
    else if (item.kind === 'reference') sample.append(svg('line', { x1: 14, x2: 14, y1: 0, y2: 12, stroke: '#000', 'stroke-width': 2, 'stroke-dasharray': '4 2' }));
    else sample.append(svg('rect', { x: 0, y: 1, width: 28, height: 10, fill: item.color, 'fill-opacity': item.pattern === 'light' ? 0.45 : 1, stroke: item.color }));
    entry.append(sample, document.createTextNode(item.label));
    list.append(entry);
  }
  return list;
}
