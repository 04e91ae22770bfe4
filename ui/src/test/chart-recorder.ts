// Chart.js replaced by a recorder for vitest (jsdom has no canvas): each chart made is kept
// with the canvas and the config it was asked to draw, so a test can read exactly what a
// chart shows. Use: vi.mock("chart.js", async () => (await import("./chart-recorder")).chartJs);
// then read `charts` (cleared by `charts.length = 0` in beforeEach).

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type DrawnChart = { canvas: HTMLCanvasElement; config: any; destroyed: boolean };

export const charts: DrawnChart[] = [];

class Chart {
  static register = () => {};
  static defaults = { font: {} as Record<string, unknown>, color: "" };
  entry: DrawnChart;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  constructor(canvas: HTMLCanvasElement, config: any) {
    this.entry = { canvas, config, destroyed: false };
    charts.push(this.entry);
  }
  destroy() {
    this.entry.destroyed = true;
  }
}

const piece = {};

export const chartJs = {
  Chart,
  BarController: piece,
  BarElement: piece,
  CategoryScale: piece,
  Legend: piece,
  LineController: piece,
  LineElement: piece,
  LinearScale: piece,
  PointElement: piece,
  Tooltip: piece,
};
