import { Logger } from '@nestjs/common';
import { CredentialEvents, endedBy, type RevokedSubject } from './credential.events';

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

describe('endedBy', () => {
  const a = { sub: 'u-1', sessionId: 's-a' };
  const b = { sub: 'u-1', sessionId: 's-b' };
  const other = { sub: 'u-2', sessionId: 's-a' };

  it('ends every connection of the subject when no sign-in is named', () => {
    const all: RevokedSubject = { kind: 'user', sub: 'u-1' };
    expect([a, b, other, { sub: 'u-1' }].map((p) => endedBy(all, p))).toEqual([true, true, false, true]);
  });

  it('ends only the named sign-in (logout, a reused refresh token)', () => {
    const one: RevokedSubject = { kind: 'user', sub: 'u-1', session: 's-a' };
    expect([a, b, other].map((p) => endedBy(one, p))).toEqual([true, false, false]);
  });

  it('ends every other sign-in but the kept one (a password changed in it)', () => {
    const others: RevokedSubject = { kind: 'user', sub: 'u-1', keepSession: 's-b' };
    expect([a, b, other, { sub: 'u-1' }].map((p) => endedBy(others, p))).toEqual([true, false, false, true]);
  });
});
