import { checkPassword, passwordPolicyViolations, PASSWORD_MAX_LENGTH } from './password.policy';

const rules = (password: string, username = 'alice') => checkPassword(username, password).map((v) => v.rule);

describe('password policy (NIST SP 800-63B §3.1.1.2)', () => {
  it.each([
    'twelve chars',
    'a long enough passphrase',
    'tulip-moss-river-7',
    'copper-lantern-42',
    'correct mule battery 9',
    // Passwords the repository's tests and demo use for non-admin accounts.
    'case-commands-e2e-password',
    'messages-e2e-password',
    'reprocess-e2e-password',
    'mqtt-devices-e2e-password',
    // No composition rules: lower-case words are fine when long and uncommon.
    'plum orchard lighthouse',
    'Zwölf Äpfel im Korb',
  ])('accepts %j', (password) => {
    expect(checkPassword('alice', password)).toEqual([]);
  });

  describe('length: 12 to 128 characters', () => {
    it('counts characters, not UTF-16 units', () => {
      expect(rules('🔑🗝️🔒🌙🌿🪐')).toContain('too-short');
      expect(checkPassword('alice', '🔑🗝🔒🌙🌿🪐🚑🏥🩺💉🧬🫀')).toEqual([]);
    });

    it('refuses 11 characters and accepts 12', () => {
      expect(rules('plum-orchar')).toEqual(['too-short']);
      expect(rules('plum-orchard')).toEqual([]);
    });

    it('refuses more than 128 characters, saying only that', () => {
      const sentence = 'the quick brown fox jumps over the lazy dog while the night nurse ';
      const long = (sentence + 'checks the infusion pump on bed seven and writes it down in the chart').slice(
        0,
        PASSWORD_MAX_LENGTH,
      );
      expect([...long]).toHaveLength(PASSWORD_MAX_LENGTH);
      expect(rules(long)).toEqual([]);
      expect(passwordPolicyViolations('alice', long + 'x')).toEqual(['must be at most 128 characters long']);
    });
  });

  describe('the username', () => {
    it('refuses the username and any password containing it, whatever the case or separators', () => {
      expect(rules('LongUsername12', 'longusername12')).toEqual(['contains-username']);
      expect(rules('my name is alice, hi!')).toEqual(['contains-username']);
      expect(rules('NurseNg-on-the-ward', 'nurse.ng')).toEqual(['contains-username']);
      expect(rules('nurse.ng on the ward', 'nurse.ng')).toEqual(['contains-username']);
    });

    it('only refuses equality for the start-up admin password', () => {
      expect(checkPassword('admin', 'e2e-admin-password-long', { username: 'equals' })).toEqual([]);
      expect(checkPassword('admin', 'npm-start-admin-password', { username: 'equals' })).toEqual([]);
      expect(checkPassword('admin', 'interfaces-admin-password', { username: 'equals' })).toEqual([]);
      expect(checkPassword('admin', 'circulator-demo', { username: 'equals' })).toEqual([]);
      expect(rules('e2e-admin-password-long', 'admin')).toEqual(['contains-username']);
    });
  });

  describe('the deny-list', () => {
    it.each([
      'passwordpassword',
      'password1234',
      'Password1234!',
      '!!Password2026',
      'P@ssw0rd!2024',
      'pa55w0rd-1234',
      'iloveyou1234',
      'I love you 1234',
      '1q2w3e4r5t6y',
      'q1w2e3r4t5y6',
      'correct horse battery staple',
      'Circulator2026!',
      'Surgeon2026!!',
      'L3tM31n!12345',
      'monkeymonkey',
    ])('refuses %j as common', (password) => {
      expect(rules(password)).toContain('common');
    });

    it('says why without repeating the password', () => {
      const sentences = passwordPolicyViolations('alice', 'P@ssw0rd!2024');
      expect(sentences).toEqual(['is too common: it is on the list of passwords attackers try first']);
      expect(sentences.join()).not.toContain('ssw0rd');
    });

    it('does not refuse a phrase merely because it contains a listed word', () => {
      expect(rules('password manager for the ward')).toEqual([]);
      expect(rules('dragon fruit smoothie')).toEqual([]);
    });
  });

  describe('repetition', () => {
    it.each(['aaaaaaaaaaaa', '111111111111', 'abababababab', 'abcabcabcabc', 'xyz!xyz!xyz!', 'aaaa aaaa aaaa'])(
      'refuses %j',
      (password) => {
        expect(rules(password)).toContain('repetitive');
      },
    );
  });

  describe('simple sequences', () => {
    it.each([
      'abcdefghijkl',
      'lkjihgfedcba',
      '123456789012',
      '987654321098',
      '7890123456789',
      'qwertyuiopas',
      'lkjhgfdsapoiuy',
      'asdfghjkl;123',
      'zxcvbnm12345',
      'qwertzuiopas',
      'abcdef123456',
      'qwerty654321',
      'qwertyqwerty',
      '!@#$%^&*()_+',
      '1qaz2wsx3edc',
    ])('refuses %j', (password) => {
      expect(rules(password)).toEqual(expect.arrayContaining([expect.stringMatching(/sequence|common/)]));
    });

    it('accepts text that only starts like a sequence', () => {
      expect(rules('abcd is where we met')).toEqual([]);
      expect(rules('1234 elm street north')).toEqual([]);
    });
  });
});
