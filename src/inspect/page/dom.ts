// Building the page: elements, and numbers and durations as a person reads them.

export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const found = document.getElementById(id);
  if (!found) throw new Error(`the page has no #${id}`);
  return found as T;
}

type Child = Node | string | null | undefined | false;

/** An element with attributes (`class`, `data-*`, `title`, ...) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) if (value !== undefined) node.setAttribute(name, value);
  for (const child of children) if (child !== null && child !== undefined && child !== false) node.append(child);
  return node;
}

export const hex = (n: number) => `0x${n.toString(16)}`;

const thousands = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1,234 for counts; one decimal below 10 for rates. */
export function count(n: number): string {
  if (!Number.isFinite(n)) return '-';
  if (n !== 0 && Math.abs(n) < 10 && !Number.isInteger(n)) return n.toFixed(1);
  return thousands.format(Math.round(n));
}

/** 0.25 s, 12 s, 3 min 5 s. */
export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  if (seconds < 10) return `${seconds.toFixed(seconds < 1 ? 2 : 1)} s`;
  if (seconds < 120) return `${Math.round(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  return minutes < 120 ? `${minutes} min ${Math.round(seconds % 60)} s` : `${Math.round(minutes / 60)} h`;
}

/** The tooltip that follows the pointer. */
export function tip(text: string | null, x = 0, y = 0): void {
  const box = byId('tip');
  if (text === null) {
    box.hidden = true;
    return;
  }
  box.textContent = text;
  box.hidden = false;
  box.style.left = `${Math.min(x + 14, window.innerWidth - box.offsetWidth - 8)}px`;
  box.style.top = `${y + 14}px`;
}
