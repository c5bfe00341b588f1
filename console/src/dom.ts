/** Builds an element with attributes and children; text is always set as text, never as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attributes: Record<string, string> = {},
  ...children: Array<Node | string>
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, value);
  element.append(...children);
  return element;
}

/** A table with a header row and one row per item; `data-*` attributes of a row come from `rowData`. */
export function table<T>(
  columns: ReadonlyArray<readonly [heading: string, cell: (item: T) => Node | string]>,
  items: readonly T[],
  rowData: (item: T) => Record<string, string> = () => ({}),
): HTMLTableElement {
  return el(
    'table',
    {},
    el('thead', {}, el('tr', {}, ...columns.map(([heading]) => el('th', {}, heading)))),
    el('tbody', {}, ...items.map((item) => el('tr', rowData(item), ...columns.map(([, cell]) => el('td', {}, cell(item)))))),
  );
}

/** A UTC time of day with milliseconds, the resolution traces need. */
export const timeOfDay = (iso: string | number): string => new Date(iso).toISOString().slice(11, 23);
