import type { CorsOptions, CorsOptionsDelegate } from '@nestjs/common/interfaces/external/cors-options.interface';
import { originAllowed } from './origin.policy';

interface CorsRequest {
  headers: { origin?: string; host?: string };
}

/**
 * CORS for the HTTP API: a browser page may read our answers only when its origin passes
 * {@link originAllowed} (our own host, or CORS_ORIGINS). Refused origins get no CORS header at
 * all, so the browser keeps the answer from the page; the request itself still needs a token.
 *
 * Bearer tokens travel in the Authorization header, never in cookies, so credentials mode is off:
 * a listed origin's page can call the API only with a token it was given.
 */
export function corsOptions(allowList: readonly string[]): CorsOptionsDelegate<CorsRequest> {
  return (req, callback) => {
    const options: CorsOptions = {
      origin: originAllowed(req.headers.origin, req.headers.host, allowList),
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'X-Request-Id'],
      credentials: false,
      maxAge: 600,
    };
    callback(null, options);
  };
}
