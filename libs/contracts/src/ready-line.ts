/**
 * The line a server process prints once it listens, read by the tools that start it (the bench,
 * the npm start test): one format, written and read through these two functions.
 */
export function formatReadyLine(httpPort: number, mllpPort: number | undefined): string {
  return (
    `ready: http://localhost:${httpPort}/ (API docs /api/docs)` +
    (mllpPort !== undefined ? `, HL7 MLLP on port ${mllpPort}` : '')
  );
}

/** The ports in a server's output once its ready line is there; undefined before. */
export function parseReadyLine(output: string): { httpPort: number; mllpPort: number | undefined } | undefined {
  const m = /ready: http:\/\/localhost:(\d+)\/[^\n]*?(?:, HL7 MLLP on port (\d+))?$/m.exec(output);
  if (!m) return undefined;
  return { httpPort: Number(m[1]), mllpPort: m[2] === undefined ? undefined : Number(m[2]) };
}
