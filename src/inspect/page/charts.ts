// Counters over time, drawn with uPlot: system calls per second by
// operation, blocked tasks, parks and wake-ups per second, and the free
// pages of the boot areas, from the history of Points the server keeps
// (ten minutes) and each new one.

import uPlot from 'uplot';
import type { Point } from '../protocol.ts';
import { byId, count } from './dom.ts';

const PALETTE = ['#2f6fdb', '#e07b00', '#2e8b57', '#c0392b', '#8e6bbf', '#c9a100', '#17a2b8', '#b03a6b', '#55606e', '#7cb342', '#ff7043', '#5c6bc0'];
const HEIGHT = 130;
/** Operations drawn one by one; the rest are summed. */
const TOP_OPS = 6;

interface Series {
  label: string;
  value: (p: Point) => number | null;
}

class Chart {
  private plot: uPlot | null = null;
  private labels = '';

  constructor(private readonly box: HTMLElement) {
    new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT })).observe(box);
  }

  private width(): number {
    return Math.max(200, this.box.clientWidth);
  }

  draw(points: Point[], series: Series[]): void {
    const labels = series.map((s) => s.label).join('\n');
    const data: uPlot.AlignedData = [points.map((p) => p.t), ...series.map((s) => points.map((p) => s.value(p)))];
    if (labels !== this.labels || !this.plot) {
      this.labels = labels;
      this.plot?.destroy();
      this.plot = new uPlot(
        {
          width: this.width(),
          height: HEIGHT,
          scales: { x: { time: false } },
          legend: { show: true, live: true },
          cursor: { drag: { x: false, y: false } },
          axes: [
            { values: (_u, ticks) => ticks.map((t) => `${ticks.length > 1 && ticks[1] - ticks[0] < 1 ? t.toFixed(1) : Math.round(t)} s`), size: 28 },
            { values: (_u, ticks) => ticks.map((t) => count(t)), size: 56 },
          ],
          series: [{ label: 'time (s)', value: (_u, v) => (v === null ? '' : `${v.toFixed(1)} s`) }, ...series.map((s, i) => ({ label: s.label, stroke: PALETTE[i % PALETTE.length], width: 1.5, value: (_u: uPlot, v: number | null) => (v === null ? '' : count(v)) }))],
        },
        data,
        this.box,
      );
    } else this.plot.setData(data);
  }
}

export class Charts {
  private readonly calls = new Chart(byId('chart-calls'));
  private readonly blocked = new Chart(byId('chart-blocked'));
  private readonly parks = new Chart(byId('chart-parks'));
  private readonly free = new Chart(byId('chart-free'));

  show(points: Point[]): void {
    // Operations by their calls in the whole history, busiest first.
    const totals = new Map<string, number>();
    for (const p of points) for (const [op, n] of Object.entries(p.calls)) totals.set(op, (totals.get(op) ?? 0) + n);
    const ops = [...totals].filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]).map(([op]) => op);
    const top = ops.slice(0, TOP_OPS);
    const rest = ops.slice(TOP_OPS);
    const series: Series[] = top.map((op) => ({ label: op, value: (p) => p.calls[op] ?? 0 }));
    if (rest.length > 0) series.push({ label: `${rest.length} others`, value: (p) => rest.reduce((sum, op) => sum + (p.calls[op] ?? 0), 0) });
    this.calls.draw(points, series.length > 0 ? series : [{ label: 'calls', value: () => 0 }]);
    this.blocked.draw(points, [{ label: 'blocked tasks', value: (p) => p.blocked }]);
    this.parks.draw(points, [
      { label: 'kernel parks', value: (p) => p.parks },
      { label: 'thread parks', value: (p) => p.threadParks },
      { label: 'thread wake-ups', value: (p) => p.wakeups },
      { label: 'calls woken', value: (p) => p.woken },
    ]);
    const areas = [...new Set(points.flatMap((p) => Object.keys(p.free)))];
    this.free.draw(points, areas.length > 0 ? areas.map((a) => ({ label: a.startsWith('0x') ? `memory_${a.slice(2)}` : a, value: (p) => p.free[a] ?? null })) : [{ label: 'free pages', value: () => null }]);
  }
}
