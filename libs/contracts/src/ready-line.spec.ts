import { formatReadyLine, parseReadyLine } from './ready-line';

describe('ready line', () => {
  it('reads back what it writes, with or without the MLLP listener and the MQTT broker', () => {
    expect(parseReadyLine(`noise\ncirculator: ${formatReadyLine(3000, 2575, 1884)}\nmore`)).toEqual({
      httpPort: 3000,
      mllpPort: 2575,
      mqttPort: 1884,
    });
    expect(parseReadyLine(`circulator: ${formatReadyLine(3000, 2575)}\n`)).toEqual({
      httpPort: 3000,
      mllpPort: 2575,
      mqttPort: undefined,
    });
    expect(parseReadyLine(`circulator: ${formatReadyLine(41234, undefined)}\n`)).toEqual({
      httpPort: 41234,
      mllpPort: undefined,
      mqttPort: undefined,
    });
  });

  it('is undefined until the line is printed', () => {
    expect(parseReadyLine('circulator: building…\n')).toBeUndefined();
  });
});
