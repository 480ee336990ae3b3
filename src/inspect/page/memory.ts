// One map per Memory area: a bar across its pages with its metadata, its
// objects and its free runs (views.ts areaRuns, the runs of `caduceus
// inspect --format map`), child areas nested under their parent. Hovering a
// run names it; clicking an object selects it in the graph.

import type { AreaSnapshot, Snapshot } from '../../kernel/snapshot.ts';
import { type AreaRun, areaRuns, objectName, objectsByArea } from '../views.ts';
import { byId, el, hex, tip } from './dom.ts';
import { TYPE_COLORS } from './graph.ts';

const COLORS = { metadata: '#55606e', free: '#eef1f5', area: '#58b07a' };
/** Children listed open at most; more are folded. */
const OPEN_CHILDREN = 8;
/** Areas drawn at most; the rest are counted. */
const MOST_AREAS = 300;
/** The maps are drawn again at most this often (ms): a busy system changes its objects at every state. */
const REDRAW_MS = 2000;

/**
 * The pages a bar spans: all of the area, or when everything in it lies in
 * its first third, that part and a margin, so small objects in a big area
 * are not each less than a pixel wide.
 */
function shownPages(runs: AreaRun[], area: AreaSnapshot, pageSize: number): number {
  const used = runs.filter((r) => r.kind !== 'free').reduce((end, r) => Math.max(end, (r.from - area.phys) / pageSize + r.pages), 0);
  return used * 3 < area.pages ? Math.min(area.pages, Math.max(16, Math.ceil(used * 1.25))) : area.pages;
}

function runColor(run: AreaRun): string {
  if (run.kind !== 'object' || !run.object) return COLORS[run.kind === 'object' ? 'free' : run.kind];
  return run.object.type === 'Memory' ? COLORS.area : (TYPE_COLORS[run.object.type] ?? '#6c9be8');
}

function runText(run: AreaRun, pageSize: number): string {
  const what = run.kind === 'object' && run.object ? `${objectName(run.object.type, run.object.phys)} (${run.object.refs} refs)` : run.kind;
  return `${hex(run.from)}-${hex(run.from + run.pages * pageSize - 1)}  ${run.pages} page${run.pages === 1 ? '' : 's'}  ${what}`;
}

export class MemoryMaps {
  private readonly box = byId('memory');
  /** Areas folded or opened by hand, by address, kept across updates. */
  private readonly open = new Map<number, boolean>();
  private text = '';
  private latest: Snapshot | null = null;
  private drawnAt = -Infinity;
  private waiting: number | undefined;
  /** Each bar's painter, run again when the maps change width. */
  private painters: Array<() => void> = [];

  constructor(private readonly onSelect: (node: string) => void) {
    let width = 0;
    new ResizeObserver(() => {
      if (this.box.clientWidth === width) return;
      width = this.box.clientWidth;
      for (const paint of this.painters) paint();
    }).observe(this.box);
  }

  /** Draws a new state: at once the first time, then at most every REDRAW_MS, and only when areas or objects changed. */
  show(snap: Snapshot): void {
    this.latest = snap;
    if (this.waiting !== undefined) return;
    const wait = this.drawnAt + REDRAW_MS - performance.now();
    if (wait > 0) {
      this.waiting = window.setTimeout(() => {
        this.waiting = undefined;
        if (this.latest) this.show(this.latest);
      }, wait);
      return;
    }
    this.drawnAt = performance.now();
    const text = JSON.stringify([snap.areas, snap.objects.map((o) => [o.phys, o.pages, o.refs, o.area])]);
    if (text === this.text) return;
    this.text = text;
    const inside = objectsByArea(snap);
    const children = new Map<number | null, AreaSnapshot[]>();
    const known = new Set(snap.areas.map((a) => a.phys));
    for (const area of snap.areas) {
      const parent = area.parent !== null && known.has(area.parent) ? area.parent : null;
      children.set(parent, [...(children.get(parent) ?? []), area]);
    }
    let drawn = 0;
    this.painters = [];
    const draw = (area: AreaSnapshot): HTMLElement => {
      drawn++;
      const runs = areaRuns(snap, area, inside.get(area.phys) ?? []);
      const name = area.parent === null ? 'root area (all of physical memory)' : objectName('Memory', area.phys);
      const shown = shownPages(runs, area, snap.pageSize);
      const head = `${name}: ${area.pages} pages, ${area.overhead} metadata, ${area.free} free${area.fragmented ? ', fragmented' : ''}${shown < area.pages ? ` (the bar shows its first ${shown} pages: the rest is free)` : ''}`;
      const kids = children.get(area.phys) ?? [];
      const block = el('div', { class: 'area', 'data-area': hex(area.phys) }, el('div', { class: 'area-head' }, head), this.bar(runs, area, snap.pageSize, shown));
      if (kids.length > 0) {
        // Its child areas, folded when there are many.
        const nested = el('details', {}, el('summary', {}, `${kids.length} child area${kids.length === 1 ? '' : 's'}`));
        nested.open = this.open.get(area.phys) ?? kids.length <= OPEN_CHILDREN;
        nested.addEventListener('toggle', () => {
          this.open.set(area.phys, nested.open);
          // A bar painted while folded had no width.
          if (nested.open) for (const paint of this.painters) paint();
        });
        for (const kid of kids) if (drawn < MOST_AREAS) nested.append(draw(kid));
        block.append(nested);
      }
      return block;
    };
    const roots = (children.get(null) ?? []).map(draw);
    const more = snap.areas.length - drawn;
    this.box.replaceChildren(...roots, ...(more > 0 ? [el('p', { class: 'faint' }, `... and ${more} more areas`)] : []));
  }

  private bar(runs: AreaRun[], area: AreaSnapshot, pageSize: number, shown: number): HTMLCanvasElement {
    const canvas = el('canvas');
    const paint = () => {
      // A folded bar has no width: it is painted when it is shown.
      const width = canvas.clientWidth;
      if (width === 0) return;
      const ratio = window.devicePixelRatio || 1;
      canvas.width = Math.round(width * ratio);
      canvas.height = Math.round(16 * ratio);
      const g = canvas.getContext('2d');
      if (!g) return;
      g.scale(ratio, ratio);
      const scale = width / shown;
      for (const run of runs) {
        const x = ((run.from - area.phys) / pageSize) * scale;
        g.fillStyle = runColor(run);
        g.fillRect(x, 0, Math.max(1, run.pages * scale), 16);
      }
    };
    requestAnimationFrame(paint);
    this.painters.push(paint);
    const runAt = (event: MouseEvent) => {
      const page = ((event.offsetX / (canvas.clientWidth || 1)) * shown) | 0;
      const at = area.phys + page * pageSize;
      return runs.find((r) => at >= r.from && at < r.from + r.pages * pageSize);
    };
    canvas.addEventListener('mousemove', (event) => {
      const run = runAt(event);
      tip(run ? runText(run, pageSize) : null, event.clientX, event.clientY);
    });
    canvas.addEventListener('mouseleave', () => tip(null));
    canvas.addEventListener('click', (event) => {
      const run = runAt(event);
      if (run?.object) this.onSelect(objectName(run.object.type, run.object.phys));
    });
    return canvas;
  }
}
