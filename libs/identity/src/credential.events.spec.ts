import { Logger } from '@nestjs/common';
import { CredentialEvents, type RevokedSubject } from './credential.events';

describe('CredentialEvents', () => {
  beforeEach(() => {
    jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });

  it('tells every listener of a revocation until it unsubscribes', () => {
    const events = new CredentialEvents();
    const seen: RevokedSubject[] = [];
    const off = events.onRevoked((s) => void seen.push(s));
    events.revoked({ kind: 'display', sub: 'd-1' });
    off();
    off();
    events.revoked({ kind: 'user', sub: 'u-1' });
    expect(seen).toEqual([{ kind: 'display', sub: 'd-1' }]);
  });

  it('keeps calling the others when one listener throws or rejects, and logs it', async () => {
    const events = new CredentialEvents();
    const seen: string[] = [];
    events.onRevoked(() => {
      throw new Error('boom');
    });
    events.onRevoked(() => Promise.reject(new Error('later')));
    events.onRevoked((s) => void seen.push(s.sub));
    expect(() => events.revoked({ kind: 'consult', sub: 'c-1' })).not.toThrow();
    expect(seen).toEqual(['c-1']);
    await new Promise((resolve) => setImmediate(resolve));
    expect(Logger.prototype.error).toHaveBeenCalledTimes(2);
  });

  it('calls a listener subscribed twice twice', () => {
    const events = new CredentialEvents();
    let calls = 0;
    const listener = () => void (calls += 1);
    const off = events.onRevoked(listener);
    events.onRevoked(listener);
    events.revoked({ kind: 'user', sub: 'u-1' });
    off();
    events.revoked({ kind: 'user', sub: 'u-1' });
    expect(calls).toBe(3);
  });
});
