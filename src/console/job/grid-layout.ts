/**
 * Where each instance's cell goes in the grid: cells shrink as instances grow (24 px for a handful, 8 px for
 * thousands), rows fill the width. Pure: drawing, hit tests and keyboard moves all read it.
 */
export interface GridLayout {
  cell: number;
  gap: number;
  columns: number;
  rows: number;
  width: number;
  height: number;
}

export function gridLayout(count: number, availableWidth: number): GridLayout {
  const cell = count <= 200 ? 22 : count <= 2000 ? 12 : 7;
  const gap = count <= 2000 ? 2 : 1;
  const pitch = cell + gap;
  const columns = Math.max(1, Math.min(count || 1, Math.floor((availableWidth + gap) / pitch)));
  const rows = Math.max(1, Math.ceil(count / columns));
  return { cell, gap, columns, rows, width: columns * pitch - gap, height: rows * pitch - gap };
}

/** The cell's top-left corner. */
export function cellOrigin(layout: GridLayout, index: number): { x: number; y: number } {
  const pitch = layout.cell + layout.gap;
  return { x: (index % layout.columns) * pitch, y: Math.floor(index / layout.columns) * pitch };
}

/** The instance under a point of the grid, or undefined (a gap, or past the last instance). */
export function cellAt(layout: GridLayout, count: number, x: number, y: number): number | undefined {
  const pitch = layout.cell + layout.gap;
  const column = Math.floor(x / pitch);
  const row = Math.floor(y / pitch);
  if (x < 0 || y < 0 || column >= layout.columns || x - column * pitch > layout.cell) return undefined;
  if (y - row * pitch > layout.cell) return undefined;
  const index = row * layout.columns + column;
  return index < count ? index : undefined;
}

/** Where a key moves the selection: arrows by a cell or a row, Page keys by ten rows, Home/End to the ends. */
export function moveSelection(
  layout: GridLayout,
  count: number,
  from: number,
  key: string,
): number | undefined {
  const steps: Record<string, number> = {
    ArrowLeft: -1,
    ArrowRight: 1,
    ArrowUp: -layout.columns,
    ArrowDown: layout.columns,
    PageUp: -layout.columns * 10,
    PageDown: layout.columns * 10,
  };
  if (key === 'Home') return 0;
  if (key === 'End') return count - 1;
  const step = steps[key];
  if (step === undefined || count === 0) return undefined;
  return Math.min(count - 1, Math.max(0, from + step));
}
