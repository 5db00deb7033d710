/** A small grouped bar chart as SVG, written by hand (no dependency): one panel per measure, stacked. */
export interface Panel {
  title: string;
  /** one colour each, in this order */
  series: string[];
  /** labels may span two lines ("\n") */
  groups: Array<{ label: string; values: number[] }>;
  format: (value: number) => string;
}

const WIDTH = 760;
const PLOT_HEIGHT = 160;
const PANEL_HEIGHT = PLOT_HEIGHT + 80;
const LEFT = 20;
const COLOURS = ['#8c96a8', '#2f6fdb', '#e0873a'];

export function svgChart(panels: Panel[]): string {
  const body = panels.map((panel, i) => panelSvg(panel, i * PANEL_HEIGHT)).join('\n');
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${panels.length * PANEL_HEIGHT}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    body,
    '</svg>',
    '',
  ].join('\n');
}

function panelSvg(panel: Panel, top: number): string {
  const finite = panel.groups.flatMap((group) => group.values).filter(Number.isFinite);
  const max = Math.max(...finite, 1e-9);
  const groupWidth = (WIDTH - 2 * LEFT) / Math.max(panel.groups.length, 1);
  const barWidth = Math.min(40, (groupWidth - 16) / panel.series.length);
  const baseY = top + 30 + PLOT_HEIGHT;
  const parts = [
    `<text x="${LEFT}" y="${top + 16}" font-size="13" font-weight="bold">${escape(panel.title)}</text>`,
    ...panel.series.map(
      (name, s) =>
        `<rect x="${WIDTH - 260 + s * 90}" y="${top + 6}" width="10" height="10" fill="${COLOURS[s % COLOURS.length]}"/>` +
        `<text x="${WIDTH - 246 + s * 90}" y="${top + 15}">${escape(name)}</text>`,
    ),
    `<line x1="${LEFT}" y1="${baseY}" x2="${WIDTH - LEFT}" y2="${baseY}" stroke="#444"/>`,
  ];
  panel.groups.forEach((group, g) => {
    const groupX = LEFT + g * groupWidth;
    const barsWidth = barWidth * panel.series.length;
    group.values.forEach((value, s) => {
      if (!Number.isFinite(value)) return;
      const height = (value / max) * PLOT_HEIGHT;
      const x = groupX + (groupWidth - barsWidth) / 2 + s * barWidth;
      parts.push(
        `<rect x="${x.toFixed(1)}" y="${(baseY - height).toFixed(1)}" width="${(barWidth - 2).toFixed(1)}" height="${height.toFixed(1)}" fill="${COLOURS[s % COLOURS.length]}"/>`,
        `<text x="${(x + barWidth / 2 - 1).toFixed(1)}" y="${(baseY - height - 3).toFixed(1)}" text-anchor="middle" font-size="9">${escape(panel.format(value))}</text>`,
      );
    });
    // a label may hold a line break: one line of text each
    group.label
      .split('\n')
      .forEach((line, i) =>
        parts.push(
          `<text x="${(groupX + groupWidth / 2).toFixed(1)}" y="${baseY + 16 + i * 13}" text-anchor="middle">${escape(line)}</text>`,
        ),
      );
  });
  return `<g>\n${parts.join('\n')}\n</g>`;
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
