/**
 * Why an identity operation failed. One code per distinct answer a caller can act on; each maps
 * to exactly one HTTP problem (see {@link problemForIdentityError}).
 */
export type IdentityErrorCode =
  | 'unauthorized'
  | 'account_locked'
  | 'forbidden'
  | 'invalid_request'
  | 'weak_password'
  | 'username_taken'
  | 'conflict'
  | 'not_found'
  | 'invalid_configuration'
  | 'unavailable';

/** One field-level validation failure, as an RFC 9457 extension member (`errors`). */
export interface FieldError {
  /** RFC 6901 JSON pointer into the request body, e.g. `/roles/0`. */
  pointer: string;
  detail: string;
}

/** The single coded error type of the identity lib (STYLE §7). */
export class IdentityError extends Error {
  override readonly name = 'IdentityError';

  constructor(
    readonly code: IdentityErrorCode,
    message: string,
    readonly errors: readonly FieldError[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The parts of an RFC 9457 problem that an {@link IdentityError} determines. */
export interface IdentityProblem {
  type: string;
  title: string;
  status: number;
}

/**
 * Maps an error code to its problem type, title and status. Exhaustive: a new code does not
 * compile until it has an answer.
 */
export function problemForIdentityError(code: IdentityErrorCode): IdentityProblem {
  const type = `urn:circulator:problem:${code.replaceAll('_', '-')}`;
  switch (code) {
    case 'unauthorized':
      return { type, title: 'Unauthorized', status: 401 };
    case 'account_locked':
      // 401 like any refused sign-in, with its own type so that a client can say "wait" rather
      // than "wrong password". Unknown names are locked the same way: it reveals no account.
      return { type, title: 'Too many failed sign-in attempts', status: 401 };
    case 'forbidden':
      return { type, title: 'Forbidden', status: 403 };
    case 'invalid_request':
      return { type, title: 'Invalid request', status: 400 };
    case 'weak_password':
      return { type, title: 'Password does not meet the policy', status: 400 };
    case 'username_taken':
      return { type, title: 'Username already exists', status: 409 };
    case 'conflict':
      return { type, title: 'Conflict', status: 409 };
    case 'not_found':
      return { type, title: 'Not found', status: 404 };
    case 'invalid_configuration':
      // A deployment mistake, not the caller's: never expected on a request path.
      return { type, title: 'Invalid configuration', status: 500 };
    case 'unavailable':
      // A service we depend on (the OpenID Provider) cannot be reached: worth trying again later.
      return { type, title: 'Service unavailable', status: 503 };
    default:
      return assertUnreachable(code);
  }
}

function assertUnreachable(value: never): never {
  throw new Error(`unhandled identity error code: ${String(value)}`);
}
