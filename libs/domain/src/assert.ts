/** Exhaustiveness guard for `switch` over a union: the compiler proves this is unreachable. */
export function assertUnreachable(value: never, what = 'value'): never {
  throw new Error(`Unhandled ${what}: ${JSON.stringify(value)}`);
}
