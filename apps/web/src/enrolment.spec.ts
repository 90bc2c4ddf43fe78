import { describe, expect, it } from '@jest/globals';
import { enrolmentLink, readEnrolment, takeEnrolment } from './enrolment';

describe('display enrolment links', () => {
  it('carries the token in the fragment, which browsers never send to a server', () => {
    const link = enrolmentLink('https://or.example', 'or5-genhosp', 'a.b.c');
    expect(link).toBe('https://or.example/display/room/or5-genhosp#enrol=a.b.c');
    expect(new URL(link).search).toBe('');
  });

  it('reads the token and gives the address without it, other fragment parameters kept', () => {
    expect(readEnrolment('https://or.example/display/room/or5#enrol=a.b.c')).toEqual({
      token: 'a.b.c',
      cleaned: '/display/room/or5',
    });
    expect(readEnrolment('https://or.example/display/room/or5?theme=dark#x=1&enrol=t')).toEqual({
      token: 't',
      cleaned: '/display/room/or5?theme=dark#x=1',
    });
    expect(readEnrolment('https://or.example/display/room/or5')).toBeUndefined();
    expect(readEnrolment('https://or.example/display/room/or5#other=1')).toBeUndefined();
  });

  it('takes the token out of the address bar at once (history.replaceState)', () => {
    const replaced: string[] = [];
    const win = {
      location: { href: 'https://or.example/display/room/or5#enrol=secret' },
      history: { replaceState: (_data: unknown, _unused: string, url: string) => replaced.push(url) },
    } as unknown as Pick<Window, 'location' | 'history'>;
    expect(takeEnrolment(win)).toBe('secret');
    expect(replaced).toEqual(['/display/room/or5']);
  });
});
