/**
 * The job's instances as a grid of coloured cells on one canvas: one draw of a few thousand rectangles, so it
 * stays quick at 10,000 instances where 10,000 DOM nodes would not. Click a cell, or focus the grid and move
 * with the arrow keys (Page Up/Down, Home/End), Enter to open; the focused instance is announced.
 */
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type MouseEvent } from 'react';
import { PHASE_COLOURS, phaseOfCode } from '../ui/phases';
import { cellAt, cellOrigin, gridLayout, moveSelection } from './grid-layout';

export interface InstanceGridProps {
  codes: Uint8Array;
  selected?: number;
  onSelect: (index: number) => void;
  /** one instance in words, for the live region and the hover line */
  describe: (index: number) => string;
  label: string;
}

export function InstanceGrid({ codes, selected, onSelect, describe, label }: InstanceGridProps) {
  const container = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [width, setWidth] = useState(600);
  const [cursor, setCursor] = useState(selected ?? 0);
  const [hover, setHover] = useState<number>();
  const count = codes.length;
  const layout = gridLayout(count, width);

  useLayoutEffect(() => {
    const element = container.current;
    if (!element) return;
    const observer = new ResizeObserver(([entry]) => {
      if (entry) setWidth(Math.max(120, Math.floor(entry.contentRect.width)));
    });
    observer.observe(element);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    if (selected !== undefined) setCursor(selected);
  }, [selected]);

  useEffect(() => {
    const element = canvas.current;
    const context = element?.getContext('2d');
    if (!element || !context) return;
    const ratio = window.devicePixelRatio || 1;
    element.width = Math.ceil(layout.width * ratio);
    element.height = Math.ceil(layout.height * ratio);
    element.style.width = `${layout.width}px`;
    element.style.height = `${layout.height}px`;
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, layout.width, layout.height);
    let colour = '';
    for (let index = 0; index < count; index++) {
      const next = PHASE_COLOURS[phaseOfCode(codes[index] ?? 0)];
      if (next !== colour) context.fillStyle = colour = next;
      const { x, y } = cellOrigin(layout, index);
      context.fillRect(x, y, layout.cell, layout.cell);
    }
    for (const [index, stroke] of [
      [selected, '#111'],
      [cursor, '#111'],
    ] as const) {
      if (index === undefined || index >= count) continue;
      const { x, y } = cellOrigin(layout, index);
      context.strokeStyle = stroke;
      context.lineWidth = index === selected ? 2 : 1;
      context.strokeRect(x + 0.5, y + 0.5, layout.cell - 1, layout.cell - 1);
    }
  }, [codes, count, layout.width, layout.height, layout.cell, layout.gap, layout.columns, selected, cursor]);

  const keepInView = (index: number) => {
    const element = container.current;
    if (!element) return;
    const { y } = cellOrigin(layout, index);
    if (y < element.scrollTop) element.scrollTop = y;
    else if (y + layout.cell > element.scrollTop + element.clientHeight) {
      element.scrollTop = y + layout.cell - element.clientHeight;
    }
  };
  const onKeyDown = (event: KeyboardEvent) => {
    setHover(undefined); // the keyboard's cell is the one to announce now
    if (event.key === 'Enter' || event.key === ' ') {
      event.preventDefault();
      onSelect(cursor);
      return;
    }
    const next = moveSelection(layout, count, cursor, event.key);
    if (next === undefined) return;
    event.preventDefault();
    setCursor(next);
    keepInView(next);
  };
  const indexAt = (event: MouseEvent<HTMLCanvasElement>) => {
    const box = event.currentTarget.getBoundingClientRect();
    return cellAt(layout, count, event.clientX - box.left, event.clientY - box.top);
  };

  return (
    <div className="grid-wrap">
      <div className="grid-scroll" ref={container}>
        <canvas
          ref={canvas}
          tabIndex={0}
          role="img"
          aria-label={`${label}. Use the arrow keys to move between instances and Enter to open one.`}
          aria-describedby="grid-cursor"
          data-testid="instance-grid"
          data-columns={layout.columns}
          data-cell={layout.cell + layout.gap}
          onKeyDown={onKeyDown}
          onClick={(event) => {
            const index = indexAt(event);
            if (index !== undefined) {
              setCursor(index);
              onSelect(index);
            }
          }}
          onMouseMove={(event) => setHover(indexAt(event))}
          onMouseLeave={() => setHover(undefined)}
        />
      </div>
      <p id="grid-cursor" className="grid-cursor" aria-live="polite">
        {count === 0 ? 'No instances yet.' : describe(hover ?? cursor)}
      </p>
    </div>
  );
}
