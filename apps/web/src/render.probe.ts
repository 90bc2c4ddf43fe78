import { useLayoutEffect } from 'react';

/**
 * Update-to-screen time, for the browser tests' benchmark mode. A test that wants the figures
 * installs `window.__circulatorRenderProbe` before the page loads (Playwright `addInitScript`);
 * without it this does nothing. It records, per kind of event, the time from the socket event's
 * arrival (`performance.now()` in the socket handler) to just after the next frame that shows it:
 * React has committed, the next animation frame has started, and a task queued from that frame
 * runs once its rendering step (style, layout, paint) is done. `KIND:commit` is the part of it
 * spent before React had committed the change to the DOM.
 */
export interface RenderProbe {
  record(kind: string, ms: number): void;
}

function installedProbe(): RenderProbe | undefined {
  return (globalThis as { __circulatorRenderProbe?: RenderProbe }).__circulatorRenderProbe;
}

export function useRenderProbe(kind: string, receivedAt: number | undefined): void {
  useLayoutEffect(() => {
    const probe = installedProbe();
    if (probe === undefined || receivedAt === undefined) return;
    probe.record(`${kind}:commit`, performance.now() - receivedAt);
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        probe.record(kind, performance.now() - receivedAt);
        channel.port1.close();
      };
      channel.port2.postMessage(undefined);
    });
  }, [kind, receivedAt]);
}
