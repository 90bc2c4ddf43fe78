import WebSocket from 'ws';

/**
 * A load client for the fan-out bench: the socket.io protocol (engine.io 4 over a websocket,
 * namespace `/live`) written out by hand, so that a thousand connections cost the bench process
 * little. It connects, authenticates, subscribes to one topic and then only answers pings: it
 * reads every frame the server sends (the server does all its work for it) but decodes none.
 * Latency is measured by the real socket.io clients among them (the probes).
 */
export class RawLiveClient {
  private ws?: WebSocket;
  /** Frames received after the subscription (updates and anything else). */
  frames = 0;
  /** Size of the first `update` event frame seen (to size the bare-websocket baseline alike). */
  updateFrameBytes = 0;

  /** `onFrame` is given every frame after the subscription but engine.io's pings, as it arrives. */
  constructor(
    private readonly url: string,
    private readonly token: string,
    private readonly onFrame?: (frame: Buffer) => void,
  ) {}

  /** Connects, authenticates and subscribes; resolves with the topic's version at the snapshot. */
  async subscribe(topic: string, timeoutMs = 15_000): Promise<number> {
    const wsUrl = `${this.url.replace(/^http/, 'ws')}/socket.io/?EIO=4&transport=websocket`;
    const ws = new WebSocket(wsUrl, { perMessageDeflate: false });
    this.ws = ws;
    return new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => fail(new Error(`no subscription to ${topic} within ${timeoutMs} ms`)), timeoutMs);
      const fail = (err: Error) => {
        clearTimeout(timer);
        ws.terminate();
        reject(err);
      };
      let subscribed = false;
      ws.on('error', (err) => (subscribed ? undefined : fail(err)));
      ws.on('message', (data: Buffer) => {
        if (subscribed) {
          this.frames += 1;
          // "2" is engine.io's ping: answer it, or the server drops the connection.
          if (data.length === 1 && data[0] === 0x32) {
            ws.send('3');
            return;
          }
          if (this.updateFrameBytes === 0 && data.includes('42/live,["update"')) this.updateFrameBytes = data.length;
          this.onFrame?.(data);
          return;
        }
        const text = data.toString();
        if (text.startsWith('0')) ws.send(`40/live,${JSON.stringify({ token: this.token })}`);
        else if (text === '2') ws.send('3');
        else if (text.startsWith('44/live,')) fail(new Error(`refused: ${text.slice(8)}`));
        else if (text.startsWith('40/live,')) ws.send(`42/live,0${JSON.stringify(['subscribe', { topic }])}`);
        else if (text.startsWith('43/live,0')) {
          const [ack] = JSON.parse(text.slice('43/live,0'.length)) as [
            { ok: boolean; version?: number; error?: string },
          ];
          if (!ack.ok) return fail(new Error(`subscribe refused: ${ack.error ?? '?'}`));
          subscribed = true;
          clearTimeout(timer);
          resolve(ack.version ?? 0);
        }
      });
    });
  }

  close(): void {
    this.ws?.terminate();
  }
}
