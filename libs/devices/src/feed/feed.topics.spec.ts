import {
  FEED_SUBSCRIPTION,
  FEED_TOPIC_PREFIX,
  feedTopic,
  isSafeId,
  parseFeedTopic,
  topicAllowed,
  type FeedTopic,
  type TopicPublisher,
} from './feed.topics';

describe('parseFeedTopic: exactly the topics of CONTRACT §6', () => {
  it.each([
    ['circulator/v1/devices/mon-1/observations', { kind: 'observations', deviceId: 'mon-1' }],
    ['circulator/v1/devices/mon-1/status', { kind: 'status', deviceId: 'mon-1' }],
    ['circulator/v1/devices/mon-1/alarms', { kind: 'alarms', deviceId: 'mon-1' }],
    ['circulator/v1/rooms/or-3/environment', { kind: 'environment', roomId: 'or-3' }],
    ['circulator/v1/rtls/tag_0042', { kind: 'rtls', tagId: 'tag_0042' }],
  ] as const)('%s', (topic, expected) => {
    expect(parseFeedTopic(topic)).toEqual(expected);
    // And back: the simulator builds topics with feedTopic.
    expect(feedTopic(expected)).toBe(topic);
  });

  it.each([
    ['another version', 'circulator/v2/devices/mon-1/status'],
    ['no prefix', 'devices/mon-1/status'],
    ['a leading slash', '/circulator/v1/devices/mon-1/status'],
    ['a trailing slash', 'circulator/v1/devices/mon-1/status/'],
    ['a doubled slash', 'circulator/v1/devices//mon-1/status'],
    ['an extra level', 'circulator/v1/devices/mon-1/status/x'],
    ['a missing level', 'circulator/v1/devices/mon-1'],
    ['an unknown device topic', 'circulator/v1/devices/mon-1/commands'],
    ['an unknown area', 'circulator/v1/beds/b-1/environment'],
    ['a room topic other than environment', 'circulator/v1/rooms/or-3/status'],
    ['rtls with a sub-level', 'circulator/v1/rtls/tag-1/position'],
    ['the wrong case', 'circulator/v1/Devices/mon-1/status'],
    ['the prefix alone', 'circulator/v1/'],
    ['the subscription filter', FEED_SUBSCRIPTION],
    ['an empty topic', ''],
  ])('refuses %s', (_why, topic) => {
    expect(parseFeedTopic(topic)).toBeUndefined();
  });

  it.each([
    ['a single-level wildcard', '+'],
    ['a multi-level wildcard', '#'],
    ['a wildcard inside', 'mon+1'],
    ['NUL', 'mon\u00001'],
    ['a blank', 'mon 1'],
    ['a non-ASCII letter', 'moniteur-é'],
    ['a dot alone', '.'],
    ['two dots', '..'],
    ['65 characters', 'x'.repeat(65)],
  ])('refuses an id with %s in every id position', (_why, id) => {
    expect(isSafeId(id)).toBe(false);
    expect(parseFeedTopic(`circulator/v1/devices/${id}/status`)).toBeUndefined();
    expect(parseFeedTopic(`circulator/v1/rooms/${id}/environment`)).toBeUndefined();
    expect(parseFeedTopic(`circulator/v1/rtls/${id}`)).toBeUndefined();
  });

  it('accepts ids of letters, digits, dots, underscores and hyphens up to 64 characters', () => {
    for (const id of ['a', 'A9', 'mon.1', 'EUI-64_0800.1', 'x'.repeat(64), '...a', '-']) {
      expect([id, isSafeId(id)]).toEqual([id, true]);
    }
    expect(parseFeedTopic(`circulator/v1/devices/${'x'.repeat(64)}/observations`)).toEqual({
      kind: 'observations',
      deviceId: 'x'.repeat(64),
    });
  });

  it('subscribes to every v1 topic under the prefix', () => {
    expect(FEED_TOPIC_PREFIX).toBe('circulator/v1/');
    expect(FEED_SUBSCRIPTION).toBe(`${FEED_TOPIC_PREFIX}#`);
  });
});

describe('topicAllowed: a device publishes only under its own topic', () => {
  const monitor: TopicPublisher = { id: 'mon-1', type: 'monitor', roomId: 'or-1' };
  const tag: TopicPublisher = { id: 'tag-7', type: 'rtls-tag' };
  const sensor: TopicPublisher = { id: 'env-1', type: 'environment-sensor', roomId: 'or-1' };

  it('its own device topics, whatever its type', () => {
    for (const kind of ['observations', 'status', 'alarms'] as const) {
      expect(topicAllowed(feedTopic({ kind, deviceId: 'mon-1' }), monitor)).toBe(true);
      expect(topicAllowed(feedTopic({ kind, deviceId: 'tag-7' }), tag)).toBe(true);
      expect(topicAllowed(feedTopic({ kind, deviceId: 'env-1' }), sensor)).toBe(true);
    }
  });

  it("never another device's topics", () => {
    for (const kind of ['observations', 'status', 'alarms'] as const) {
      expect(topicAllowed(feedTopic({ kind, deviceId: 'mon-2' }), monitor)).toBe(false);
    }
    // Ids are compared exactly: no prefix or case match.
    expect(topicAllowed('circulator/v1/devices/mon-10/status', monitor)).toBe(false);
    expect(topicAllowed('circulator/v1/devices/MON-1/status', monitor)).toBe(false);
  });

  it('rtls/{id} only for an rtls-tag with that id', () => {
    expect(topicAllowed('circulator/v1/rtls/tag-7', tag)).toBe(true);
    expect(topicAllowed('circulator/v1/rtls/tag-8', tag)).toBe(false);
    // A monitor whose id happens to be a tag's cannot move it.
    expect(topicAllowed('circulator/v1/rtls/mon-1', monitor)).toBe(false);
  });

  it('rooms/{roomId}/environment only for an environment-sensor registered in that room', () => {
    expect(topicAllowed('circulator/v1/rooms/or-1/environment', sensor)).toBe(true);
    expect(topicAllowed('circulator/v1/rooms/or-2/environment', sensor)).toBe(false);
    expect(topicAllowed('circulator/v1/rooms/or-1/environment', monitor)).toBe(false);
    expect(topicAllowed('circulator/v1/rooms/or-1/environment', { id: 'env-2', type: 'environment-sensor' })).toBe(
      false,
    );
  });

  it('nothing that is not a feed topic', () => {
    expect(topicAllowed('circulator/v1/devices/mon-1/commands', monitor)).toBe(false);
    expect(topicAllowed('circulator/v1/devices/+/status', monitor)).toBe(false);
    expect(topicAllowed(FEED_SUBSCRIPTION, monitor)).toBe(false);
  });

  it('feedTopic builds what parseFeedTopic reads, for every kind', () => {
    const topics: FeedTopic[] = [
      { kind: 'observations', deviceId: 'd' },
      { kind: 'status', deviceId: 'd' },
      { kind: 'alarms', deviceId: 'd' },
      { kind: 'environment', roomId: 'r' },
      { kind: 'rtls', tagId: 't' },
    ];
    for (const t of topics) expect(parseFeedTopic(feedTopic(t))).toEqual(t);
  });
});
