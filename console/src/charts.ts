import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement, ScatterController, Tooltip } from 'chart.js';
import { timeOfDay } from './dom.js';

// Only the parts of Chart.js the console draws with: lines over time and the trace's scatter.
Chart.register(LineController, ScatterController, LineElement, PointElement, LinearScale, CategoryScale, Legend, Tooltip);

export interface SeriesSpec {
  readonly key: string;
  readonly label: string;
  readonly color: string;
}

/**
 * A line chart of several series over wall-clock time (x in epoch ms). `push` appends one
 * sample per series and keeps the last `keep`; the canvas's `data-points` mirrors the drawn data
 * as JSON ({ key: [y, ...] }) so what the chart shows can be read without pixels.
 */
export function timeSeriesChart(canvas: HTMLCanvasElement, series: readonly SeriesSpec[], keep = 120) {
  const chart = new Chart(canvas, {
    type: 'line',
    data: {
      datasets: series.map((spec) => ({
        label: spec.label,
        data: [] as Array<{ x: number; y: number }>,
        borderColor: spec.color,
        backgroundColor: spec.color,
        tension: 0.2,
        pointRadius: 2,
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'linear', ticks: { callback: (value) => timeOfDay(Number(value)).slice(0, 8), maxTicksLimit: 8 } },
        y: { beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
  const mirror = () => {
    canvas.dataset['points'] = JSON.stringify(
      Object.fromEntries(series.map((spec, index) => [spec.key, chart.data.datasets[index]?.data.map((point) => (point as { y: number }).y) ?? []])),
    );
  };
  mirror();
  return {
    push(at: number, values: Readonly<Record<string, number>>) {
      series.forEach((spec, index) => {
        const data = chart.data.datasets[index]?.data as Array<{ x: number; y: number }> | undefined;
        const value = values[spec.key];
        if (!data || value === undefined) return;
        data.push({ x: at, y: value });
        if (data.length > keep) data.shift();
      });
      chart.update();
      mirror();
    },
    destroy: () => chart.destroy(),
  };
}

/** Points on lanes: one lane per category (y), time on x; a tooltip names each point. */
export function laneChart(canvas: HTMLCanvasElement, lanes: readonly string[], points: ReadonlyArray<{ at: number; lane: string; label: string }>) {
  const colors = ['#2f5bea', '#067647', '#b54708', '#7a2ee6', '#b42318', '#0e7090'];
  return new Chart(canvas, {
    type: 'scatter',
    data: {
      datasets: lanes.map((lane, index) => ({
        label: lane,
        backgroundColor: colors[index % colors.length],
        pointRadius: 6,
        data: points.filter((point) => point.lane === lane).map((point) => ({ x: point.at, y: index, label: point.label })),
      })),
    },
    options: {
      animation: false,
      maintainAspectRatio: false,
      scales: {
        x: { type: 'linear', ticks: { callback: (value) => timeOfDay(Number(value)), maxTicksLimit: 6 } },
        y: {
          type: 'linear',
          min: -0.5,
          max: lanes.length - 0.5,
          reverse: true,
          // One tick per lane, at the lane (the default ticks would fall between lanes).
          afterBuildTicks: (axis) => {
            axis.ticks = lanes.map((_, index) => ({ value: index }));
          },
          ticks: { callback: (value) => lanes[Number(value)] ?? '' },
        },
      },
      plugins: {
        legend: { display: false },
        tooltip: { callbacks: { label: (item) => (item.raw as { label: string }).label } },
      },
    },
  });
}
