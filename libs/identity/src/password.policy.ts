import { PASSWORD_DENY_LIST } from './password.deny-list';

/**
 * The password policy, after NIST SP 800-63B §3.1.1.2 (memorized secrets): a length range and a
 * comparison with passwords attackers try first; no composition rules (no "one digit, one
 * symbol"), no periodic expiry. Pure, so that every rule is unit-tested.
 */

/** Minimum length (800-63B asks for at least 8; we ask for 12). */
export const PASSWORD_MIN_LENGTH = 12;
/** Maximum length (800-63B: at least 64 must be allowed); also bounds argon2's work per request. */
export const PASSWORD_MAX_LENGTH = 128;

/** The rules of the policy; each violation names one. */
export type PasswordRule = 'too-short' | 'too-long' | 'contains-username' | 'common' | 'repetitive' | 'sequence';

/** One broken rule, with a sentence for the problem detail (never the password itself). */
export interface PasswordViolation {
  rule: PasswordRule;
  detail: string;
}

/** How strictly the username is compared. */
export interface PasswordCheckOptions {
  /**
   * `contains` (default): the password must not contain the username (800-63B "context-specific
   * words"). `equals`: it must only not be the username — used for the start-up `ADMIN_PASSWORD`,
   * a deployment secret that operators commonly name after the account (`…-admin-…`), so that an
   * upgrade does not stop a running installation from starting.
   */
  username?: 'contains' | 'equals';
}

/** Everything wrong with a password for this user, as violations; empty when it is acceptable. */
export function checkPassword(
  username: string,
  password: string,
  options: PasswordCheckOptions = {},
): PasswordViolation[] {
  const violations: PasswordViolation[] = [];
  // Code points, not UTF-16 units: an emoji is one character to the person typing it.
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH) {
    violations.push({ rule: 'too-short', detail: `must be at least ${PASSWORD_MIN_LENGTH} characters long` });
  }
  if (length > PASSWORD_MAX_LENGTH) {
    // Nothing else is worth computing on a value that is refused anyway.
    return [{ rule: 'too-long', detail: `must be at most ${PASSWORD_MAX_LENGTH} characters long` }];
  }
  const folded = fold(password);
  if (mentionsUsername(username, password, folded, options.username ?? 'contains')) {
    violations.push({
      rule: 'contains-username',
      detail: options.username === 'equals' ? 'must not be the username' : 'must not contain the username',
    });
  }
  const compact = alphanumeric(folded);
  // The letters and digits alone, unless there are too few of them to judge (`!!!!!!!!!!ab`).
  if (isRepetitive(folded) || (compact.length >= 4 && isRepetitive(compact))) {
    violations.push({ rule: 'repetitive', detail: 'must not be one character or a short pattern repeated' });
  } else if ((compact.length >= 4 && isSimpleSequence(compact)) || isSimpleSequence(folded.replace(/\s+/g, ''))) {
    violations.push({ rule: 'sequence', detail: 'must not be a simple sequence such as abcdef, 654321 or qwerty' });
  }
  if (isCommon(folded)) {
    violations.push({ rule: 'common', detail: 'is too common: it is on the list of passwords attackers try first' });
  }
  return violations;
}

/** {@link checkPassword} as sentences, for problem details and start-up messages. */
export function passwordPolicyViolations(
  username: string,
  password: string,
  options: PasswordCheckOptions = {},
): string[] {
  return checkPassword(username, password, options).map((v) => v.detail);
}

/** Lower case, compatibility-normalised (full-width letters, ligatures), trimmed. */
function fold(value: string): string {
  return value.normalize('NFKC').toLowerCase().trim();
}

function alphanumeric(value: string): string {
  return value.replace(/[^\p{L}\p{N}]/gu, '');
}

function mentionsUsername(username: string, password: string, folded: string, how: 'contains' | 'equals'): boolean {
  const name = fold(username);
  if (name === '') return false;
  if (how === 'equals') return folded === name || password.trim().toLowerCase() === username.trim().toLowerCase();
  // `nurse.ng` is also in `NurseNg-2026-x`: compare without separators too.
  const compactName = alphanumeric(name);
  return folded.includes(name) || (compactName.length >= 3 && alphanumeric(folded).includes(compactName));
}

/**
 * One unit repeated: `aaaaaaaaaaaa`, `abababababab`, `abcabcabcabc`, and any unit repeated at
 * least three times (its smallest period is at most a third of its length). Two copies of a
 * longer unit are judged by the other rules applied to the unit (`qwertyqwerty`).
 */
function isRepetitive(value: string): boolean {
  const chars = [...value];
  if (chars.length < 2) return false;
  const period = smallestPeriod(chars);
  return period <= 2 || period * 3 <= chars.length;
}

/** The smallest p such that chars[i] === chars[i - p] for every i ≥ p (KMP failure function). */
function smallestPeriod(chars: readonly string[]): number {
  const fail = new Array<number>(chars.length).fill(0);
  for (let i = 1, k = 0; i < chars.length; i++) {
    while (k > 0 && chars[i] !== chars[k]) k = fail[k - 1] ?? 0;
    if (chars[i] === chars[k]) k++;
    fail[i] = k;
  }
  return chars.length - (fail[chars.length - 1] ?? 0);
}

/** The unit of an exact repetition (`qwertyqwerty` → `qwerty`), or the value itself. */
function repeatedUnit(value: string): string {
  const chars = [...value];
  if (chars.length === 0) return value;
  const period = smallestPeriod(chars);
  return chars.length % period === 0 ? chars.slice(0, period).join('') : value;
}

// Keyboard walks, forwards; reversed walks are checked too. QWERTY, QWERTZ and AZERTY rows, and
// the column walks people use to satisfy composition rules elsewhere.
const KEYBOARD_WALKS = [
  '`1234567890-=',
  '~!@#$%^&*()_+',
  'qwertyuiopasdfghjklzxcvbnm',
  'qwertzuiopasdfghjklyxcvbnm',
  'azertyuiopqsdfghjklmwxcvbn',
  '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p',
  'qazwsxedcrfvtgbyhnujmikolp',
  'zaq1xsw2cde3vfr4bgt5nhy6mju7',
  '1q2w3e4r5t6y7u8i9o0p',
  'q1w2e3r4t5y6u7i8o9p0',
];

/** At least this long to count as one part of a two-part sequence (`abcdef123456`). */
const MIN_PART = 4;

/**
 * A simple sequence: ascending or descending letters or digits (`abcdefghijkl`, `987654321098`),
 * a stretch of a keyboard walk (`qwertyuiopas`), two such parts joined (`qwerty123456`), or any of
 * these repeated twice.
 */
function isSimpleSequence(compact: string): boolean {
  const unit = repeatedUnit(compact);
  return [compact, unit].some((value) => {
    if (isRun(value)) return true;
    const chars = [...value];
    for (let split = MIN_PART; split <= chars.length - MIN_PART; split++) {
      if (isRun(chars.slice(0, split).join('')) && isRun(chars.slice(split).join(''))) return true;
    }
    return false;
  });
}

function isRun(value: string): boolean {
  return value.length >= 2 && (isStepSequence(value) || isKeyboardWalk(value));
}

/** Every character one after (or every one before) the previous, in its own alphabet, wrapping. */
function isStepSequence(value: string): boolean {
  const steps = new Set<number>();
  const chars = [...value];
  for (let i = 1; i < chars.length; i++) {
    const step = stepBetween(chars[i - 1] ?? '', chars[i] ?? '');
    if (step === undefined) return false;
    steps.add(step);
  }
  return steps.size === 1 && (steps.has(1) || steps.has(-1));
}

function stepBetween(a: string, b: string): number | undefined {
  for (const alphabet of ['0123456789', 'abcdefghijklmnopqrstuvwxyz']) {
    const i = alphabet.indexOf(a);
    const j = alphabet.indexOf(b);
    if (i < 0 || j < 0) continue;
    const forward = (j - i + alphabet.length) % alphabet.length;
    if (forward === 1) return 1;
    if (forward === alphabet.length - 1) return -1;
    return 0;
  }
  return undefined;
}

function isKeyboardWalk(value: string): boolean {
  const reversed = [...value].reverse().join('');
  return KEYBOARD_WALKS.some((walk) => walk.includes(value) || walk.includes(reversed));
}

// 800-63B: look-alike substitutions do not make a listed password a new one. `1`, `!` and `|`
// stand for `i` as often as for `l`: both readings are tried.
const LOOK_ALIKES: Record<string, string> = {
  '@': 'a',
  '4': 'a',
  '8': 'b',
  '(': 'c',
  '3': 'e',
  '0': 'o',
  $: 's',
  '5': 's',
  '+': 't',
  '7': 't',
};
const AS_I: Record<string, string> = { ...LOOK_ALIKES, '1': 'i', '!': 'i', '|': 'i' };
const AS_L: Record<string, string> = { ...LOOK_ALIKES, '1': 'l', '!': 'l', '|': 'l' };

/**
 * Whether the password is on the deny-list, as it is, without separators, without the digits and
 * symbols around it (`!!Password2024` → `password`), or with look-alikes undone (`p@ssw0rd`), or
 * is two copies of such an entry.
 */
function isCommon(folded: string): boolean {
  const candidates = new Set<string>();
  const add = (value: string): void => {
    const compact = alphanumeric(value);
    if (compact === '') return;
    candidates.add(compact);
    candidates.add(repeatedUnit(compact));
  };
  add(folded);
  // Letters with whatever decoration around them: the decoration is what people add to a word.
  const core = stripDecoration(folded);
  add(core);
  for (const value of [folded, core]) {
    for (const table of [AS_I, AS_L]) {
      const undone = [...value].map((c) => table[c] ?? c).join('');
      add(undone);
      add(stripDecoration(undone));
    }
  }
  return [...candidates].some((candidate) => PASSWORD_DENY_LIST.has(candidate));
}

function stripDecoration(value: string): string {
  return value.replace(/^[^\p{L}]+|[^\p{L}]+$/gu, '');
}
