/**
 * A bar chart (Chart.js on a canvas, no animation), described in words for screen readers; the page shows the
 * same numbers in a table beside it.
 */
import { BarController, BarElement, CategoryScale, Chart, LinearScale, Tooltip } from 'chart.js';
import { useEffect, useRef } from 'react';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, Tooltip);

export interface BarChartProps {
  labels: string[];
  values: number[];
  /** what the values are, e.g. "Cost (USD)" */
  valueLabel: string;
  /** the chart in one sentence */
  description: string;
  horizontal?: boolean;
  formatValue: (value: number) => string;
  testId?: string;
}

export function BarChart(props: BarChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<Chart<'bar'>>(undefined);
  const format = useRef(props.formatValue);
  format.current = props.formatValue;

  useEffect(() => {
    if (!canvas.current) return;
    chart.current = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: [],
        datasets: [{ label: props.valueLabel, data: [], backgroundColor: '#0072b2', maxBarThickness: 36 }],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        indexAxis: props.horizontal ? 'y' : 'x',
        plugins: { tooltip: { callbacks: { label: (item) => format.current(Number(item.raw)) } } },
        scales: {
          [props.horizontal ? 'x' : 'y']: {
            beginAtZero: true,
            ticks: { callback: (value) => format.current(Number(value)) },
          },
        },
      },
    });
    return () => chart.current?.destroy();
  }, [props.horizontal, props.valueLabel]);

  useEffect(() => {
    const current = chart.current;
    if (!current) return;
    current.data.labels = props.labels;
    current.data.datasets[0]!.data = props.values;
    current.update();
  }, [props.labels, props.values]);

  return (
    <div className={props.horizontal ? 'chart chart-tall' : 'chart'}>
      <canvas ref={canvas} role="img" aria-label={props.description} data-testid={props.testId} />
    </div>
  );
}
