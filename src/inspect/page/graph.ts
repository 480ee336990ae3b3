// The capability graph, drawn with cytoscape and laid out by dagre: the
// graph of `caduceus inspect --format dot` (views.ts), plus an edge from
// each waiting task to what it waits on. Updates keep the layout unless
// objects or caps came or went; search dims what does not match; clicking a
// node shows it in the details panel (details.ts).

import cytoscape from 'cytoscape';
import dagre from 'cytoscape-dagre';
import type { DeadlockedTask } from '../../kernel/deadlock.ts';
import type { Snapshot } from '../../kernel/snapshot.ts';
import { capabilityGraph, objectName } from '../views.ts';
import { byId } from './dom.ts';

cytoscape.use(dagre);

/**
 * Up to this many nodes the layout is dagre's, both directions tried. Past
 * it, a layered layout puts the hundreds of objects one CSpace names (init's)
 * in one rank, a line no panel shows: a force-directed layout (cytoscape's
 * cose) instead, which gathers each task's objects around it, and past
 * COSE_MOST a grid.
 */
const DAGRE_MOST = 250;
const COSE_MOST = 1500;
/** A big graph is laid out again at most this often (ms); meanwhile new nodes go beside a neighbour. */
const RELAYOUT_MS = 10_000;
/** A big graph is drawn again at most this often (ms). */
const BIG_REDRAW_MS = 2000;
/** Past this many nodes only the neighbourhood of what the search finds is drawn. */
const DRAW_MOST = 2500;

export const TYPE_COLORS: Record<string, string> = {
  Task: '#2f6fdb',
  CSpace: '#7a8595',
  Endpoint: '#e07b00',
  Notification: '#c9a100',
  Memory: '#2e8b57',
  Page: '#8e6bbf',
  VSpace: '#5b4b8a',
  PageTable: '#7e6bb0',
  Console: '#444c56',
  Reply: '#b03a6b',
  Net: '#444c56',
  Listener: '#1f8a8a',
  Connection: '#23a3a3',
};

const SHAPES: Record<string, string> = {
  Task: 'round-rectangle',
  CSpace: 'rectangle',
  Endpoint: 'diamond',
  Notification: 'triangle',
  Memory: 'barrel',
  Page: 'round-rectangle',
  VSpace: 'hexagon',
  PageTable: 'octagon',
  Console: 'ellipse',
  Reply: 'ellipse',
  Net: 'ellipse',
  Listener: 'diamond',
  Connection: 'round-rectangle',
};

const STYLE: cytoscape.StylesheetJson = [
  {
    selector: 'node',
    style: {
      label: 'data(label)',
      'text-wrap': 'wrap',
      'font-size': 10,
      'font-family': 'ui-monospace, monospace',
      'text-valign': 'bottom',
      'text-margin-y': 3,
      width: 26,
      height: 20,
      shape: 'data(shape)' as unknown as cytoscape.Css.NodeShape,
      'background-color': 'data(color)',
      'border-width': 1,
      'border-color': '#ffffff',
      'min-zoomed-font-size': 6,
    },
  },
  { selector: 'node.blocked', style: { 'border-width': 3, 'border-color': '#2f6fdb', 'border-style': 'dashed' } },
  { selector: 'node.stuck', style: { 'border-width': 4, 'border-color': '#c0392b', 'border-style': 'solid' } },
  { selector: 'node:selected', style: { 'overlay-color': '#2f6fdb', 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
  { selector: 'node.match', style: { 'border-width': 4, 'border-color': '#f1c40f' } },
  { selector: '.dim', style: { opacity: 0.15 } },
  {
    selector: 'edge',
    style: {
      width: 1.2,
      'curve-style': 'bezier',
      'line-color': '#9aa3b2',
      'target-arrow-color': '#9aa3b2',
      'target-arrow-shape': 'triangle',
      'arrow-scale': 0.7,
      label: 'data(label)',
      'font-size': 8,
      'font-family': 'ui-monospace, monospace',
      'text-rotation': 'autorotate',
      'text-background-color': '#ffffff',
      'text-background-opacity': 0.8,
      'text-background-padding': '1px',
      'min-zoomed-font-size': 7,
      color: '#4b5563',
    },
  },
  { selector: 'edge.binding', style: { 'line-style': 'dashed', 'line-color': '#b8bfcc', 'target-arrow-color': '#b8bfcc' } },
  { selector: 'edge.wait', style: { 'line-style': 'dotted', width: 2, 'line-color': '#2f6fdb', 'target-arrow-color': '#2f6fdb', color: '#2f6fdb' } },
  { selector: 'edge.stuck', style: { 'line-color': '#c0392b', 'target-arrow-color': '#c0392b', color: '#c0392b' } },
];

interface Elements {
  nodes: cytoscape.ElementDefinition[];
  edges: cytoscape.ElementDefinition[];
}

/** The graph's elements: objects, caps, bindings, and each waiting task's wait. */
export function graphElements(snapshot: Snapshot, deadlocks: DeadlockedTask[] | null): Elements {
  const { nodes, edges } = capabilityGraph(snapshot);
  const stuck = new Set((deadlocks ?? []).map((d) => objectName('Task', d.task)));
  const states = new Map(snapshot.tasks.map((t) => [objectName('Task', t.phys), t]));
  const out: Elements = { nodes: [], edges: [] };
  const node = (id: string, type: string, label: string[], phys?: number) => {
    const task = states.get(id);
    const classes = [task?.state === 'blocked' ? 'blocked' : '', stuck.has(id) ? 'stuck' : ''].filter(Boolean).join(' ');
    out.nodes.push({ data: { id, type, phys, label: label.join('\n'), color: TYPE_COLORS[type] ?? '#888', shape: SHAPES[type] ?? 'ellipse' }, classes });
  };
  for (const n of nodes.values()) node(n.id, n.type, n.label, n.phys);
  // An edge's id is what it is (a slot of a CSpace names one object; a task has one binding of each kind), so it stays from one state to the next.
  for (const e of edges) out.edges.push({ data: { id: `${e.from}>${e.to}:${e.label}`, source: e.from, target: e.to, label: e.label }, classes: e.binding ? 'binding' : '' });
  for (const t of snapshot.tasks) {
    if (t.waitsOn === null || t.waitsOn === 'answer') continue;
    const from = objectName('Task', t.phys);
    const to = objectName(t.waitsOn.type, t.waitsOn.phys);
    if (!nodes.has(from)) continue;
    if (!nodes.has(to)) node(to, t.waitsOn.type, [`${t.waitsOn.type} 0x${t.waitsOn.phys.toString(16)}`], t.waitsOn.phys);
    out.edges.push({ data: { id: `wait:${from}>${to}`, source: from, target: to, label: `waits in ${t.call ?? 'a call'}` }, classes: stuck.has(from) ? 'wait stuck' : 'wait' });
  }
  return out;
}

export class CapGraph {
  readonly cy: cytoscape.Core;
  private shape = '';
  private moved = false;
  /** When the layout last ran, and a later one waiting (a big graph). */
  private laidAt = -Infinity;
  private later: number | undefined;
  private coseDone = false;
  /** Nodes come or gone since the layout ran. */
  private changed = 0;
  private drawnAt = -Infinity;
  private redraw: number | undefined;
  private query = '';
  private all: Elements = { nodes: [], edges: [] };

  constructor(private readonly onSelect: (node: string | null) => void) {
    this.cy = cytoscape({ container: byId('cy'), style: STYLE, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
    this.cy.on('tap', 'node', (event) => this.onSelect(event.target.id() as string));
    this.cy.on('tap', (event) => {
      if (event.target === this.cy) this.onSelect(null);
    });
    // Until the user zooms or pans, each new layout is fitted to the view.
    for (const gesture of ['wheel', 'mousedown', 'touchstart']) byId('cy').addEventListener(gesture, () => (this.moved = true), { passive: true });
    byId('relayout').addEventListener('click', () => this.layout(!this.moved));
    byId('fit').addEventListener('click', () => {
      this.moved = false;
      this.fit();
    });
    const search = byId<HTMLInputElement>('search');
    search.addEventListener('input', () => this.search(search.value));
    search.addEventListener('keydown', (event) => {
      if (event.key === 'Enter') this.focusMatches();
      if (event.key === 'Escape') {
        search.value = '';
        this.search('');
      }
    });
  }

  /** Draws a new state: the same layout when the same objects and edges are there, a new one otherwise. */
  show(snapshot: Snapshot, deadlocks: DeadlockedTask[] | null): void {
    this.all = graphElements(snapshot, deadlocks);
    // Redrawing hundreds of nodes and edges costs the browser: a big graph is drawn at most every BIG_REDRAW_MS.
    if (this.all.nodes.length <= DAGRE_MOST) return this.draw();
    if (this.redraw !== undefined) return;
    const wait = this.drawnAt + BIG_REDRAW_MS - performance.now();
    if (wait <= 0) return this.draw();
    this.redraw = window.setTimeout(() => {
      this.redraw = undefined;
      this.draw();
    }, wait);
  }

  private draw(): void {
    this.drawnAt = performance.now();
    const { nodes, edges } = this.visible();
    const shape = [...nodes.map((n) => n.data.id), '|', ...edges.map((e) => e.data.id)].join(' ');
    const cy = this.cy;
    let added = 0;
    let removed = 0;
    cy.batch(() => {
      const wanted = new Set([...nodes, ...edges].map((e) => e.data.id as string));
      cy.elements().forEach((e) => {
        if (wanted.has(e.id())) return;
        if (e.isNode()) removed++;
        e.remove();
      });
      for (const def of [...nodes, ...edges]) {
        const existing = cy.getElementById(def.data.id as string);
        if (existing.empty()) {
          const node = def.data.source === undefined;
          if (node) added++;
          cy.add(node ? { ...def, classes: `${def.classes ?? ''} unplaced` } : def);
          continue;
        }
        // Only what changed: touching an element's data or classes restyles it.
        if (existing.data('label') !== def.data.label) existing.data('label', def.data.label);
        const classes = (def.classes as string) || '';
        if (!existing.classes().every((c) => classes.split(' ').includes(c)) || !classes.split(' ').every((c) => c === '' || existing.hasClass(c))) existing.classes(classes);
      }
    });
    if (shape !== this.shape) {
      this.shape = shape;
      this.changed += added + removed;
      // A small graph is laid out again at once. A big one's layout costs the browser a second or more:
      // again only when half as many nodes as it had came or went, at most every RELAYOUT_MS (Lay out does it at once).
      const due = nodes.length <= DAGRE_MOST || this.changed * 2 >= nodes.length;
      const wait = this.laidAt + RELAYOUT_MS - performance.now();
      if (due && (nodes.length <= DAGRE_MOST || wait <= 0)) this.layout(!this.moved);
      else {
        this.placeNew();
        if (due && this.later === undefined) this.later = window.setTimeout(() => this.layout(!this.moved), wait);
      }
    }
    this.mark();
    const total = this.all.nodes.length;
    byId('graph-note').textContent =
      total > DRAW_MOST && nodes.length < total ? `${total} nodes: showing ${nodes.length}${this.query ? ' near what the search finds' : '; search to find the rest'}` : `${total} nodes, ${this.all.edges.length} edges`;
  }

  /** All of it, or for a big graph the search's matches and their neighbours. */
  private visible(): Elements {
    if (this.all.nodes.length <= DRAW_MOST) return this.all;
    const hits = new Set(this.all.nodes.filter((n) => this.matches(n)).map((n) => n.data.id as string));
    if (this.query === '' || hits.size === 0) {
      const nodes = this.all.nodes.slice(0, DRAW_MOST);
      const shown = new Set(nodes.map((n) => n.data.id as string));
      return { nodes, edges: this.all.edges.filter((e) => shown.has(e.data.source as string) && shown.has(e.data.target as string)) };
    }
    const near = new Set(hits);
    const edges = this.all.edges.filter((e) => hits.has(e.data.source as string) || hits.has(e.data.target as string));
    for (const e of edges) near.add(e.data.source as string).add(e.data.target as string);
    return { nodes: this.all.nodes.filter((n) => near.has(n.data.id as string)).slice(0, DRAW_MOST), edges };
  }

  /** Nodes added since the layout ran go beside a neighbour that has a place. */
  private placeNew(): void {
    this.cy.nodes('.unplaced').forEach((n) => {
      const placed = n.neighborhood('node').not('.unplaced').nodes();
      if (placed.nonempty()) {
        const at = placed[0].position();
        n.position({ x: at.x + (Math.random() - 0.5) * 60, y: at.y + (Math.random() - 0.5) * 60 });
      }
      n.removeClass('unplaced');
    });
  }

  layout(fit: boolean): void {
    clearTimeout(this.later);
    this.later = undefined;
    this.changed = 0;
    this.laidAt = performance.now();
    this.cy.nodes().removeClass('unplaced');
    const count = this.cy.nodes().length;
    if (count === 0) return;
    if (count > COSE_MOST) this.cy.layout({ name: 'grid', animate: false, fit: false, avoidOverlap: true } as cytoscape.LayoutOptions).run();
    else if (count > DAGRE_MOST) {
      // From where the nodes are after the first time, so a new layout moves them little.
      this.cy.layout({ name: 'cose', animate: false, fit: false, randomize: !this.coseDone, numIter: this.coseDone ? 100 : 1000, nodeDimensionsIncludeLabels: true } as cytoscape.LayoutOptions).run();
      this.coseDone = true;
    } else {
      // Left to right or top down, whichever fits the panel larger (a CSpace with many caps fans out one way or the other).
      const box = byId('cy');
      const dagre = (rankDir: string) => this.cy.layout({ name: 'dagre', rankDir, nodeSep: 4, rankSep: 50, edgeSep: 4, nodeDimensionsIncludeLabels: true, animate: false, fit: false } as cytoscape.LayoutOptions).run();
      const scale = () => {
        const bb = this.cy.elements().boundingBox();
        return Math.min(box.clientWidth / Math.max(bb.w, 1), box.clientHeight / Math.max(bb.h, 1));
      };
      dagre('LR');
      const across = scale();
      dagre('TB');
      if (scale() < across) dagre('LR');
    }
    if (fit) this.fit();
  }

  /** The whole graph in view, but no closer than life size (a small graph is not blown up). */
  private fit(): void {
    this.cy.fit(undefined, 20);
    if (this.cy.zoom() > 1.2) {
      this.cy.zoom(1.2);
      this.cy.center();
    }
  }

  private matches(n: cytoscape.ElementDefinition): boolean {
    if (this.query === '') return false;
    const q = this.query.replace(/^0x/, '');
    return [n.data.id, n.data.label, n.data.type].some((v) => String(v ?? '').toLowerCase().includes(q));
  }

  search(text: string): void {
    this.query = text.trim().toLowerCase();
    if (this.all.nodes.length > DRAW_MOST) this.draw();
    else this.mark();
  }

  private mark(): void {
    const cy = this.cy;
    cy.batch(() => {
      cy.elements().removeClass('dim match');
      if (this.query === '') return;
      const hits = cy.nodes().filter((n) => this.matches({ data: n.data() as cytoscape.ElementDefinition['data'] }));
      cy.elements().not(hits.closedNeighborhood()).addClass('dim');
      hits.addClass('match');
    });
  }

  private focusMatches(): void {
    const hits = this.cy.nodes('.match');
    if (hits.nonempty()) {
      this.cy.animate({ fit: { eles: hits.closedNeighborhood(), padding: 40 }, duration: 250 });
      if (hits.length === 1) this.onSelect(hits[0].id());
    }
  }

  /** Selects a node (null: none) and brings it into view. */
  select(id: string | null): void {
    this.cy.nodes(':selected').unselect();
    if (id === null) return;
    const node = this.cy.getElementById(id);
    if (node.empty()) return;
    node.select();
    const box = this.cy.extent();
    const at = node.position();
    if (at.x < box.x1 || at.x > box.x2 || at.y < box.y1 || at.y > box.y2) this.cy.animate({ center: { eles: node }, duration: 250 });
  }
}
