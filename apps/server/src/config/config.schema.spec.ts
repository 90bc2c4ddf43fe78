import { ConfigError, loadConfig } from './app-config';
import { configSchema, VARIABLES } from './config.schema';

describe('HL7_INTERFACES_FILE', () => {
  it('is optional', () => {
    expect(configSchema.parse({}).HL7_INTERFACES_FILE).toBeUndefined();
  });

  it('takes a JSON file path, trimmed', () => {
    expect(configSchema.parse({ HL7_INTERFACES_FILE: ' /etc/circulator/interfaces.json ' }).HL7_INTERFACES_FILE).toBe(
      '/etc/circulator/interfaces.json',
    );
  });

  it('refuses another format with one line naming the variable and the fix', () => {
    expect(() => loadConfig({ HL7_INTERFACES_FILE: '/etc/interfaces.yaml' })).toThrow(ConfigError);
    expect(() => loadConfig({ HL7_INTERFACES_FILE: '/etc/interfaces.yaml' })).toThrow(
      /^HL7_INTERFACES_FILE must name a \.json file \(got "\/etc\/interfaces\.yaml"\): point it at a JSON file/,
    );
  });

  it('is described and not a secret', () => {
    expect(VARIABLES.HL7_INTERFACES_FILE).toMatchObject({
      sensitive: false,
      description: expect.stringMatching(/HL7/),
    });
  });
});
