/**
 * The line a server process prints once it listens, read by the tools that start it (the bench,
 * the npm start test): one format, written and read through these two functions.
 */
export function formatReadyLine(httpPort: number, mllpPort: number | undefined, mqttPort?: number): string {
  return (
    `ready: http://localhost:${httpPort}/ (API docs /api/docs)` +
    (mllpPort !== undefined ? `, HL7 MLLP on port ${mllpPort}` : '') +
    (mqttPort !== undefined ? `, MQTT on port ${mqttPort}` : '')
  );
}

export interface ReadyPorts {
  httpPort: number;
  mllpPort: number | undefined;
  mqttPort: number | undefined;
}

/** The ports in a server's output once its ready line is there; undefined before. */
export function parseReadyLine(output: string): ReadyPorts | undefined {
  const m = /ready: http:\/\/localhost:(\d+)\/[^\n]*?(?:, HL7 MLLP on port (\d+))?(?:, MQTT on port (\d+))?$/m.exec(
    output,
  );
  if (!m) return undefined;
  return {
    httpPort: Number(m[1]),
    mllpPort: m[2] === undefined ? undefined : Number(m[2]),
    mqttPort: m[3] === undefined ? undefined : Number(m[3]),
  };
}
