/** The equity chart: even downsampling that keeps both ends, and the SVG's geometry. */
import { downsample, equitySvg } from '../../api/equity-chart';

describe('downsample', () => {
  it('keeps short curves whole and spreads long ones evenly, first and last kept', () => {
    expect(downsample([1, 2, 3], 5)).toEqual([1, 2, 3]);
    const long = Array.from({ length: 101 }, (_, i) => i);
    expect(downsample(long, 5)).toEqual([0, 25, 50, 75, 100]);
    expect(downsample(long, 2)).toEqual([0, 100]);
    expect(() => downsample(long, 1)).toThrow(RangeError);
  });
});

describe('equitySvg', () => {
  it('draws the curve as one polyline scaled into the padded box, with the starting capital dashed', () => {
    const svg = equitySvg(
      [
        { ts: 0, equity: 100 },
        { ts: 60_000, equity: 110 },
        { ts: 120_000, equity: 90 },
      ],
      { width: 264, height: 84, initialCash: 100, title: 'a <b> & c' },
    );
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg" width="264" height="84"')).toBe(true);
    // x: 32..232 over ts 0..120000; y: 32 (110) .. 52 (90).
    expect(svg).toContain('points="32,42 132,32 232,52"');
    expect(svg).toContain('<line x1="32" y1="42" x2="232" y2="42" stroke="#999" stroke-dasharray="4 3"/>');
    expect(svg).toContain('<title>a &lt;b&gt; &amp; c</title>');
    expect(svg).toContain('>110</text>');
    expect(svg).toContain('>90</text>');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
  });

  it('puts a flat curve in the middle and draws no line for an empty one', () => {
    const flat = equitySvg([
      { ts: 0, equity: 5 },
      { ts: 1, equity: 5 },
    ]);
    expect(flat).toContain('points="32,120 608,120"');
    expect(equitySvg([])).not.toContain('<polyline');
  });
});
