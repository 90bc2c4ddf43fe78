import { Writable } from 'node:stream';
import pino from 'pino';
import { LOG_REDACT_PATHS } from './logging';

describe('log redaction', () => {
  it('keeps credentials and patient data out of the log lines', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const log = pino({ redact: { paths: LOG_REDACT_PATHS, censor: '[redacted]' } }, sink);
    log.info(
      {
        req: { headers: { authorization: 'Bearer eyJhbGciOi.secret', 'x-hook-secret': 'hook-secret-value' } },
        body: { username: 'admin', password: 'hunter2-hunter2' },
        job: { patient: { name: 'EVERYMAN, Adam', mrn: 'MRN-123' }, raw: 'MSH|^~\\&|PID|EVERYMAN' },
        caseId: 'c-1',
      },
      'request',
    );
    const line = lines.join('');
    for (const secret of ['eyJhbGciOi', 'hook-secret-value', 'hunter2', 'EVERYMAN', 'MRN-123']) {
      expect(line).not.toContain(secret);
    }
    expect(line).toContain('"caseId":"c-1"');
    expect(line).toContain('[redacted]');
  });
});
