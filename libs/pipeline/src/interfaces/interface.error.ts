import type { InterfaceFieldError } from './interface.config';

/**
 * Why a change to the interfaces was refused. One code per answer a caller can act on; the REST
 * edge maps each to exactly one problem (apps/server/src/api/interfaces.controller.ts).
 * - `invalid`: the configuration itself is wrong (`errors` says where);
 * - `not_found`: no such interface;
 * - `read_only`: it comes from HL7_INTERFACES_FILE: change the file instead;
 * - `conflict`: valid alone, but clashes with another interface (same route on a port, TLS on a shared port…);
 * - `reserved`: the built-in `default` interface cannot be deleted.
 */
export type InterfaceErrorCode = 'invalid' | 'not_found' | 'read_only' | 'conflict' | 'reserved';

/** The single coded error type of the interfaces module (STYLE §7). */
export class InterfaceError extends Error {
  override readonly name = 'InterfaceError';

  constructor(
    readonly code: InterfaceErrorCode,
    message: string,
    readonly errors: readonly InterfaceFieldError[] = [],
  ) {
    super(message);
  }
}
