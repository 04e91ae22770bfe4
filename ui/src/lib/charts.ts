// Charts (issue 4), drawn by Chart.js on a <canvas>. Only the pieces the progress and timeline
// charts use are registered, so the rest of Chart.js is left out of the bundle. Chart.js sizes
// the canvas through its style properties (the CSSOM), which the content security policy
// allows; it adds no <style> element and no style attribute text of its own.
//
// A chart is never the only way to read the figures: every canvas has role="img" with an
// aria-label saying the trend in words, and the screen shows the same figures in a table.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LineController,
  LineElement,
  LinearScale,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";

let registered = false;

function register(): void {
  if (registered) return;
  Chart.register(LineController, LineElement, PointElement, BarController, BarElement, CategoryScale, LinearScale, Legend, Tooltip);
  // The app's own type and ink (system fonts only; nothing fetched).
  Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, Ubuntu, Cantarell, "Noto Sans", Arial, sans-serif';
  Chart.defaults.font.size = 14;
  Chart.defaults.color = "#1b1b1b";
  registered = true;
}

/** The chart's colours: dark enough on white, and each line also has its own dash and marker. */
export const CHART_COLOURS = {
  rating: "#1a4f8b",
  target: "#1e6b34",
  bars: "#1f4e5f",
  grid: "#cfd3d6",
  boundary: "#5b2a86",
};

/** A line chart whose points sit at (x, y): x a day number, so distance along the axis is time. */
export type PointChartConfig = ChartConfiguration<"line", Array<{ x: number; y: number }>, unknown>;

export type AnyChartConfig = ChartConfiguration<"line" | "bar", number[], string>;

/** Markers and dashes that tell lines apart without colour (up to eight; then they repeat). */
export const SERIES_STYLES: ReadonlyArray<{ colour: string; point: "circle" | "rect" | "triangle" | "rectRot" | "crossRot" | "star" | "rectRounded" | "cross"; dash: number[] }> = [
  { colour: "#1a4f8b", point: "circle", dash: [] },
  { colour: "#1e6b34", point: "rect", dash: [8, 5] },
  { colour: "#8a2b0f", point: "triangle", dash: [2, 3] },
  { colour: "#5b2a86", point: "rectRot", dash: [12, 4, 2, 4] },
  { colour: "#6b5400", point: "crossRot", dash: [4, 4] },
  { colour: "#1f4e5f", point: "star", dash: [16, 6] },
  { colour: "#7a1f4f", point: "rectRounded", dash: [1, 4] },
  { colour: "#3d3d3d", point: "cross", dash: [10, 3, 3, 3] },
];

/**
 * Svelte action: draws `config` on the canvas, redraws it when the config changes, and frees
 * the chart when the canvas goes. No animation (calmer, and a reduced-motion setting is never
 * ignored).
 */
export function chart(canvas: HTMLCanvasElement, config: AnyChartConfig | PointChartConfig) {
  register();
  const make = (c: AnyChartConfig | PointChartConfig) =>
    new Chart(canvas, { ...c, options: { ...c.options, animation: false, responsive: true, maintainAspectRatio: false } } as ChartConfiguration);
  let current = make(config);
  return {
    update(next: AnyChartConfig | PointChartConfig) {
      current.destroy();
      current = make(next);
    },
    destroy() {
      current.destroy();
    },
  };
}
