/**
 * The equity curve of a run for people: downsampled for JSON answers, and a
 * small hand-made SVG (one polyline, the starting capital as a dashed line,
 * min/max labels) for `GET /v1/runs/{id}/equity.svg`. No chart library: the
 * picture is a few lines of markup and must render anywhere, offline.
 */

export interface EquityPoint {
  ts: number;
  equity: number;
}

/**
 * At most `max` points spread evenly over the curve, first and last always
 * kept, so the shape and the end value survive any downsampling.
 */
export function downsample<T>(points: readonly T[], max: number): T[] {
  if (max < 2) throw new RangeError('keep at least two points');
  if (points.length <= max) return [...points];
  const out: T[] = [];
  for (let i = 0; i < max; i++) out.push(points[Math.round((i * (points.length - 1)) / (max - 1))]!);
  return out;
}

export interface ChartOptions {
  width?: number;
  height?: number;
  title?: string;
  /** Drawn as a dashed line: above it the run made money. */
  initialCash?: number;
}

const PAD = 32;
const MAX_CHART_POINTS = 1000;

const escapeXml = (text: string): string =>
  text.replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

const fixed = (n: number): string => (Math.round(n * 100) / 100).toString();

export function equitySvg(curve: readonly EquityPoint[], options: ChartOptions = {}): string {
  const width = options.width ?? 640;
  const height = options.height ?? 240;
  const points = downsample(curve, MAX_CHART_POINTS);
  const values = points.map((p) => p.equity);
  if (options.initialCash !== undefined) values.push(options.initialCash);
  const low = Math.min(...values);
  const high = Math.max(...values);
  const t0 = points[0]?.ts ?? 0;
  const t1 = points[points.length - 1]?.ts ?? 1;
  const x = (ts: number): number => PAD + (t1 === t0 ? 0 : ((ts - t0) / (t1 - t0)) * (width - 2 * PAD));
  // A flat curve sits in the middle instead of dividing by zero.
  const y = (v: number): number =>
    high === low ? height / 2 : PAD + ((high - v) / (high - low)) * (height - 2 * PAD);
  const line = points.map((p) => `${fixed(x(p.ts))},${fixed(y(p.equity))}`).join(' ');
  const title = escapeXml(options.title ?? 'Equity');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<title>${title}</title>`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="${PAD}" y="${PAD / 2 + 4}" font-family="sans-serif" font-size="12" fill="#333">${title}</text>`,
  ];
  if (options.initialCash !== undefined && points.length > 0) {
    const base = fixed(y(options.initialCash));
    parts.push(
      `<line x1="${PAD}" y1="${base}" x2="${width - PAD}" y2="${base}" stroke="#999" stroke-dasharray="4 3"/>`,
    );
  }
  if (points.length > 0) {
    parts.push(
      `<polyline fill="none" stroke="#1f6feb" stroke-width="1.5" points="${line}"/>`,
      `<text x="${width - PAD}" y="${PAD - 4}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#666">${fixed(high)}</text>`,
      `<text x="${width - PAD}" y="${height - PAD + 12}" text-anchor="end" font-family="sans-serif" font-size="10" fill="#666">${fixed(low)}</text>`,
    );
  }
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}
