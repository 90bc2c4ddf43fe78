import { originAllowed } from './origin.policy';

describe('originAllowed', () => {
  const listed = ['https://desk.hospital.example', 'http://10.0.8.20:8080'];

  it('lets a client without Origin through: not a browser, it still needs a token', () => {
    expect(originAllowed(undefined, 'circulator.hospital.example', [])).toBe(true);
    expect(originAllowed(undefined, undefined, [])).toBe(true);
  });

  it.each([
    ['http://circulator.hospital.example:3000', 'circulator.hospital.example:3000'],
    ['https://circulator.hospital.example', 'circulator.hospital.example'],
    // The scheme's default port written out in Host, and host names in another case.
    ['https://circulator.hospital.example', 'Circulator.Hospital.Example:443'],
    ['http://127.0.0.1:3000', '127.0.0.1:3000'],
    ['http://[::1]:3000', '[::1]:3000'],
  ])('allows our own page: Origin %s to Host %s', (origin, host) => {
    expect(originAllowed(origin, host, [])).toBe(true);
  });

  it('allows a listed origin from anywhere, exactly as written', () => {
    expect(originAllowed('https://desk.hospital.example', 'circulator.hospital.example', listed)).toBe(true);
    expect(originAllowed('http://10.0.8.20:8080', undefined, listed)).toBe(true);
  });

  it.each([
    ['another site', 'https://evil.example', 'circulator.hospital.example'],
    ['the same host on another port', 'http://circulator.hospital.example:8080', 'circulator.hospital.example:3000'],
    ['the same host by another scheme', 'http://circulator.hospital.example', 'circulator.hospital.example:443'],
    ['a listed host on another port', 'https://desk.hospital.example:8443', 'circulator.hospital.example'],
    ['a listed host by another scheme', 'http://desk.hospital.example', 'circulator.hospital.example'],
    ['a sub-domain of ours', 'https://x.circulator.hospital.example', 'circulator.hospital.example'],
    ['a sandboxed frame or file: page', 'null', 'circulator.hospital.example'],
    ['an Origin that is no URL', 'not a url', 'circulator.hospital.example'],
    ['a non-web scheme', 'file:///etc/passwd', 'circulator.hospital.example'],
    ['no Host to compare with', 'https://circulator.hospital.example', undefined],
    ['an empty Host', 'https://circulator.hospital.example', ''],
    ['a Host with user info', 'https://evil.example', 'victim@evil.example'],
    ['a Host with a path', 'https://evil.example', 'evil.example/x'],
    ['a Host with a fragment', 'https://evil.example', 'evil.example#x'],
  ])('refuses %s', (_what, origin, host) => {
    expect(originAllowed(origin, host, listed)).toBe(false);
  });
});
