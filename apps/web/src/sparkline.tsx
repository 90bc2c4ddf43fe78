import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { TREND_WINDOW_MS, windowed, type Series } from './vitals.trend';

export interface SparklineProps {
  /** One or two lines (NIBP: systolic and diastolic) over the last ten minutes. */
  series: readonly Series[];
  /** Right edge of the x axis (epoch ms): the trend slides with time. */
  endMs: number;
  /** Read by screen readers instead of the drawing. */
  label: string;
  /** Changes when the theme does: the lines take their colour from CSS and are redrawn. */
  themeKey: string;
}

/** Aligned data for uPlot: one x array (the union of the series' times), gaps as null. */
export function alignSeries(series: readonly Series[]): uPlot.AlignedData {
  const xs = [...new Set(series.flatMap((s) => s.map(([t]) => t)))].sort((a, b) => a - b);
  const ys = series.map((s) => {
    const byTime = new Map(s.map(([t, v]) => [t, v]));
    return xs.map((t) => byTime.get(t) ?? null);
  });
  return [xs, ...ys];
}

/**
 * A ten-minute trend line (uPlot on a canvas). No axes, legend or cursor: the tile beside it says
 * the value, range and age in text, which is also what assistive technology reads.
 */
export function Sparkline({ series, endMs, label, themeKey }: SparklineProps) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const end = useRef(endMs);
  /** What the chart shows now: a render that changes neither the series nor the window draws nothing. */
  const drawn = useRef<{ series: readonly Series[]; endMs: number } | undefined>(undefined);
  const lines = series.length;

  useEffect(() => {
    const el = box.current;
    if (el === null) return;
    // Colours from CSS (currentColor of the box and its `--trend-2`), read at each draw, so a
    // theme change needs only a redraw.
    const stroke = (i: number) => () => {
      const style = getComputedStyle(el);
      return i === 0 ? style.color : style.getPropertyValue('--trend-2').trim() || style.color;
    };
    const chart = new uPlot(
      {
        width: Math.max(el.clientWidth, 40),
        height: Math.max(el.clientHeight, 24),
        ms: 1,
        pxAlign: false,
        legend: { show: false },
        cursor: { show: false },
        select: { show: false, left: 0, top: 0, width: 0, height: 0 },
        padding: [4, 2, 4, 2],
        axes: [{ show: false }, { show: false }],
        scales: {
          // The last ten minutes, whatever the data: a line that stopped arriving ends short of the edge.
          x: { time: false, range: () => [end.current - TREND_WINDOW_MS, end.current] },
          y: {
            range: (_u, min, max) => {
              // No data yet: any range (nothing is drawn).
              if (!Number.isFinite(min) || !Number.isFinite(max)) return [0, 1];
              const pad = Math.max((max - min) * 0.15, 1);
              return [min - pad, max + pad];
            },
          },
        },
        series: [
          {},
          ...Array.from({ length: lines }, (_, i) => ({
            stroke: stroke(i),
            width: 3,
            spanGaps: true,
            points: { show: false },
          })),
        ],
      },
      [[], ...Array.from({ length: lines }, () => [])],
      el,
    );
    plot.current = chart;
    drawn.current = undefined;
    const resize = new ResizeObserver(() => {
      chart.setSize({ width: Math.max(el.clientWidth, 40), height: Math.max(el.clientHeight, 24) });
    });
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = undefined;
    };
  }, [lines]);

  // After every render; cheap when nothing changed. (The `series` array is new at each render, its
  // elements are not: they change only with a reading.)
  useEffect(() => {
    const chart = plot.current;
    const last = drawn.current;
    if (chart === undefined) return;
    if (last?.endMs === endMs && last.series.length === series.length && last.series.every((s, i) => s === series[i])) {
      return;
    }
    drawn.current = { series, endMs };
    end.current = endMs;
    chart.setData(alignSeries(series.map((s) => windowed(s, endMs))));
  });

  useEffect(() => plot.current?.redraw(false), [themeKey]);

  return <div className="sparkline" ref={box} role="img" aria-label={label} />;
}
