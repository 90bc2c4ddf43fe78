import {
  MosquittoFileError,
  deviceWriteTopics,
  mosquittoAclFile,
  mosquittoPasswordFile,
  mosquittoPasswordFileFromHashes,
  mosquittoPasswordHash,
  mosquittoPasswordLine,
  mqttIdProblem,
  type SaltSource,
} from './mosquitto.files';

/** A salt source that hands out 12-byte salts 0x01…, 0x02…, in call order. */
function countingSalt(): SaltSource {
  let n = 0;
  return (bytes) => {
    n += 1;
    return new Uint8Array(bytes).fill(n);
  };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    if (e instanceof MosquittoFileError) return e.code;
    throw e;
  }
  return undefined;
}

describe('mosquittoPasswordHash', () => {
  it('matches a line written by mosquitto_passwd 2.0.11', () => {
    // `mosquitto_passwd -b pw dev-1 s3cret` wrote this line; we reuse its salt.
    const line =
      'dev-1:$7$101$yJpgubSmXL9ojdVP$CoFcf5/Qj7OvosxEQRdeXO73tsjJ5GSfoZ1YOiqRtdMhp6/aGpBC0vSUubfev2b4XYqd34vzIjrW6IG/wTIuwg==';
    const salt = Buffer.from('yJpgubSmXL9ojdVP', 'base64');
    expect(mosquittoPasswordLine({ username: 'dev-1', secret: 's3cret' }, { salt: () => salt })).toBe(line);
  });

  it('has the $7$ layout: iterations, a 12-byte salt and a 64-byte hash in padded base64', () => {
    const hash = mosquittoPasswordHash('secret', new Uint8Array(12).fill(7), 1000);
    const [empty, seven, iterations, salt, digest, ...rest] = hash.split('$');
    expect([empty, seven, iterations, rest]).toEqual(['', '7', '1000', []]);
    expect(Buffer.from(salt ?? '', 'base64')).toEqual(Buffer.alloc(12, 7));
    expect(digest).toHaveLength(88); // 64 bytes: 86 characters and '=='
    expect(Buffer.from(digest ?? '', 'base64')).toHaveLength(64);
  });

  it('refuses an empty secret, a secret with NUL (the broker would stop there), a wrong salt length', () => {
    const salt = new Uint8Array(12);
    expect(codeOf(() => mosquittoPasswordHash('', salt))).toBe('bad-secret');
    expect(codeOf(() => mosquittoPasswordHash('abc\u0000def', salt))).toBe('bad-secret');
    expect(codeOf(() => mosquittoPasswordHash('abc', new Uint8Array(16)))).toBe('bad-salt');
    expect(codeOf(() => mosquittoPasswordHash('abc', salt, 0))).toBe('bad-iterations');
    expect(codeOf(() => mosquittoPasswordHash('abc', salt, 1.5))).toBe('bad-iterations');
  });
});

describe('mqttIdProblem', () => {
  it.each([
    ['', 'is empty'],
    ['+', 'contains an MQTT wildcard or level separator (+ # /)'],
    ['mon#1', 'contains an MQTT wildcard or level separator (+ # /)'],
    ['or-1/mon-1', 'contains an MQTT wildcard or level separator (+ # /)'],
    ['mon 1', 'contains whitespace'],
    ['mon-1\n', 'contains whitespace'],
    ['mon\t1', 'contains whitespace'],
    ['mon\u00a01', 'contains whitespace'],
    ['mon\u00001', 'contains NUL or a control character'],
    ['mon\u00071', 'contains NUL or a control character'],
    ['mon:1', "contains ':' (the password file's separator)"],
    ['mon\ud8001', 'is not valid UTF-8'],
    ['x'.repeat(65_536), 'is longer than an MQTT string'],
  ])('refuses %j: %s', (id, problem) => {
    expect(mqttIdProblem(id)).toBe(problem);
  });

  it.each(['mon-1', 'PUMP_7', 'tag.42', 'gerät-ü', 'or-1@site'])('accepts %j', (id) => {
    expect(mqttIdProblem(id)).toBeUndefined();
  });
});

describe('mosquittoPasswordFile', () => {
  it('writes the service user, then the devices by id, each with its own salt', () => {
    const file = mosquittoPasswordFile(
      {
        service: { username: 'circulator', secret: 'svc-secret' },
        devices: [
          { id: 'pump-7', secret: 'p7' },
          { id: 'mon-1', secret: 'm1' },
        ],
      },
      { salt: countingSalt() },
    );
    const lines = file.split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[3]).toBe(''); // ends with a newline
    expect(lines[0]).toBe(`circulator:${mosquittoPasswordHash('svc-secret', new Uint8Array(12).fill(1))}`);
    expect(lines[1]).toBe(`mon-1:${mosquittoPasswordHash('m1', new Uint8Array(12).fill(2))}`);
    expect(lines[2]).toBe(`pump-7:${mosquittoPasswordHash('p7', new Uint8Array(12).fill(3))}`);
  });

  it('uses random salts by default: the same secret never gives the same line twice', () => {
    const user = { username: 'mon-1', secret: 'same' };
    expect(mosquittoPasswordLine(user)).not.toBe(mosquittoPasswordLine(user));
  });

  it('refuses an unsafe id and a duplicate user, including a device named like the service user', () => {
    const service = { username: 'circulator', secret: 's' };
    expect(codeOf(() => mosquittoPasswordFile({ service, devices: [{ id: 'mon+', secret: 'x' }] }))).toBe('unsafe-id');
    expect(
      codeOf(() =>
        mosquittoPasswordFile({
          service,
          devices: [
            { id: 'mon-1', secret: 'x' },
            { id: 'mon-1', secret: 'y' },
          ],
        }),
      ),
    ).toBe('duplicate-user');
    expect(codeOf(() => mosquittoPasswordFile({ service, devices: [{ id: 'circulator', secret: 'x' }] }))).toBe(
      'duplicate-user',
    );
    expect(() => mosquittoPasswordFile({ service, devices: [{ id: 'a b', secret: 'x' }] })).toThrow(
      'device id "a b" contains whitespace',
    );
  });
});

describe('mosquittoPasswordFileFromHashes', () => {
  const hash = mosquittoPasswordHash('s', new Uint8Array(12).fill(9));

  it('writes stored hashes as they are, in the order given', () => {
    expect(
      mosquittoPasswordFileFromHashes([
        { username: 'svc', hash },
        { username: 'mon-1', hash },
      ]),
    ).toBe(`svc:${hash}\nmon-1:${hash}\n`);
  });

  it('refuses what is not a $7$ hash (a line break would smuggle in a user), an unsafe name, a duplicate', () => {
    expect(codeOf(() => mosquittoPasswordFileFromHashes([{ username: 'a', hash: `${hash}\nevil:${hash}` }]))).toBe(
      'bad-hash',
    );
    expect(codeOf(() => mosquittoPasswordFileFromHashes([{ username: 'a', hash: 'plain' }]))).toBe('bad-hash');
    expect(codeOf(() => mosquittoPasswordFileFromHashes([{ username: 'a#', hash }]))).toBe('unsafe-id');
    expect(
      codeOf(() =>
        mosquittoPasswordFileFromHashes([
          { username: 'a', hash },
          { username: 'a', hash },
        ]),
      ),
    ).toBe('duplicate-user');
  });
});

describe('mosquittoAclFile', () => {
  it('lets each device write only its own topics, and the service user read all', () => {
    expect(
      mosquittoAclFile({
        serviceUser: 'circulator',
        devices: [
          { id: 'tag-9', type: 'rtls-tag' },
          { id: 'env-3', type: 'environment-sensor', roomId: 'or-2' },
          { id: 'mon-1', type: 'monitor', roomId: 'or-2' },
          { id: 'env-4', type: 'environment-sensor' },
        ],
      }),
    ).toBe(
      [
        '# Generated by Circulator: devices write only their own topics and read nothing.',
        '',
        'user circulator',
        'topic read circulator/v1/#',
        '',
        'user env-3',
        'topic write circulator/v1/devices/env-3/#',
        'topic write circulator/v1/rooms/or-2/environment',
        '',
        'user env-4',
        'topic write circulator/v1/devices/env-4/#',
        '',
        'user mon-1',
        'topic write circulator/v1/devices/mon-1/#',
        '',
        'user tag-9',
        'topic write circulator/v1/devices/tag-9/#',
        'topic write circulator/v1/rtls/tag-9',
        '',
      ].join('\n'),
    );
  });

  it('never grants a device a wildcard through its id or its room', () => {
    expect(codeOf(() => deviceWriteTopics({ id: '#', type: 'monitor' }))).toBe('unsafe-id');
    expect(() => deviceWriteTopics({ id: 'env-1', type: 'environment-sensor', roomId: '+' })).toThrow(
      'room id "+" contains an MQTT wildcard',
    );
    expect(codeOf(() => mosquittoAclFile({ serviceUser: 'svc one', devices: [] }))).toBe('unsafe-id');
    expect(codeOf(() => mosquittoAclFile({ serviceUser: 'svc', devices: [{ id: 'svc', type: 'monitor' }] }))).toBe(
      'duplicate-user',
    );
  });

  it('gives a monitor with a room only its device topics (rooms/…/environment is for environment sensors)', () => {
    expect(deviceWriteTopics({ id: 'mon-1', type: 'monitor', roomId: 'or-2' })).toEqual([
      'circulator/v1/devices/mon-1/#',
    ]);
  });
});
