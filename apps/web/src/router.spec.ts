import { describe, expect, it } from '@jest/globals';
import { matchRoute, pathOf, type Route } from './router';

describe('matchRoute', () => {
  it.each<[string, Route]>([
    ['/', { name: 'home' }],
    ['/board', { name: 'board' }],
    ['/display/room/or5-genhosp', { name: 'display', roomId: 'or5-genhosp' }],
    ['/display/room/or5-genhosp/', { name: 'display', roomId: 'or5-genhosp' }],
    ['/anesthesia/room/OR_1.a', { name: 'anesthesia', roomId: 'OR_1.a' }],
    ['/display/room/', { name: 'not-found', path: '/display/room/' }],
    ['/display/room/a/b', { name: 'not-found', path: '/display/room/a/b' }],
    ['/display/room/%E0%A4%A', { name: 'not-found', path: '/display/room/%E0%A4%A' }],
    ['/display/room/<script>', { name: 'not-found', path: '/display/room/<script>' }],
    ['/admin', { name: 'not-found', path: '/admin' }],
    ['/integration', { name: 'integration' }],
    ['/biomed/', { name: 'biomed' }],
    ['/admin/displays', { name: 'displays' }],
    ['/admin/displays/x', { name: 'not-found', path: '/admin/displays/x' }],
  ])('%s', (path, route) => {
    expect(matchRoute(path)).toEqual(route);
  });

  it('round-trips with pathOf', () => {
    for (const route of [
      { name: 'board' },
      { name: 'display', roomId: 'or5' },
      { name: 'anesthesia', roomId: 'or:7' },
    ] as Route[]) {
      expect(matchRoute(pathOf(route))).toEqual(route);
    }
  });
});
