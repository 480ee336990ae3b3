// The page's probe (protocol.ts, PageProbe): what it shows, read back from
// its DOM and its graph, for the browser test and for anyone at the console.

import type cytoscape from 'cytoscape';
import type { PageProbe } from '../protocol.ts';

const text = (selector: string) => document.querySelector<HTMLElement>(selector);

export function probe(cy: cytoscape.Core, select: (node: string | null) => void): PageProbe {
  return {
    rows: () =>
      [...document.querySelectorAll<HTMLTableRowElement>('#tasks tr[data-phys]')].map((tr) => ({
        task: tr.dataset.task ?? '',
        state: tr.dataset.state ?? '',
        call: tr.dataset.call ?? '',
        thread: tr.dataset.thread ?? '',
        cells: [...tr.cells].map((c) => c.textContent ?? ''),
      })),
    node: (id) => {
      const node = cy.getElementById(id);
      return node.empty() ? null : { type: String(node.data('type')) };
    },
    tap: (id) => {
      cy.getElementById(id).emit('tap');
    },
    select,
    details: () => {
      const box = text('#details');
      return box && !box.hidden ? box.innerText : null;
    },
    total: (name) => {
      const value = text(`[data-total="${name}"] dd`)?.textContent;
      return value === undefined || value === null ? null : Number(value.replaceAll(',', '').replace(/ %$/, ''));
    },
    controlStatus: () => text('#control-status')?.textContent ?? '',
    scheduleRow: (step) => {
      const tr = document.querySelector<HTMLTableRowElement>(`#schedule tr[data-step="${step}"]`);
      return tr ? [...tr.cells].map((c) => c.textContent ?? '') : null;
    },
    banner: () => {
      const box = text('#banner');
      return box && !box.hidden ? (box.textContent ?? '') : null;
    },
  };
}
