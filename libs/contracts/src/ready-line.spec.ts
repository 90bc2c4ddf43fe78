import { formatReadyLine, parseReadyLine } from './ready-line';

describe('ready line', () => {
  it('reads back what it writes, with or without the MLLP listener', () => {
    expect(parseReadyLine(`noise\ncirculator: ${formatReadyLine(3000, 2575)}\nmore`)).toEqual({
      httpPort: 3000,
      mllpPort: 2575,
    });
    expect(parseReadyLine(`circulator: ${formatReadyLine(41234, undefined)}\n`)).toEqual({
      httpPort: 41234,
      mllpPort: undefined,
    });
  });

  it('is undefined until the line is printed', () => {
    expect(parseReadyLine('circulator: building…\n')).toBeUndefined();
  });
});
