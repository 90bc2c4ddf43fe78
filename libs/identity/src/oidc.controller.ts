import { Body, Controller, Get, Header, HttpCode, Post, Query, Redirect } from '@nestjs/common';
import { z } from 'zod';
import { Public } from './access.decorators';
import type { SignedIn } from './auth.service';
import { parseBody } from './identity.schemas';
import { OidcService } from './oidc.service';

/** Where the web client's sign-in page is; it takes the one-time code from `?oidc=`. */
export const WEB_LOGIN_PATH = '/login';

const exchangeSchema = z.object({ code: z.string().min(1).max(128) }).strict();
/** The callback's query: every value a single string (a repeated parameter is refused). */
const callbackQuerySchema = z.record(z.string(), z.string().max(4096));

/**
 * Sign-in through the hospital's OpenID Provider (issue 7). All public: the provider's answer and
 * the one-time code are the credentials. `GET /api/auth/oidc` tells the web client whether to offer
 * it; the other routes answer 404 when it is not configured.
 */
@Controller('api/auth/oidc')
@Public()
export class OidcController {
  constructor(private readonly oidc: OidcService) {}

  @Get()
  status(): { enabled: boolean; loginUrl?: string } {
    return this.oidc.enabled ? { enabled: true, loginUrl: '/api/auth/oidc/login' } : { enabled: false };
  }

  /** 302 to the provider. */
  @Get('login')
  @Header('Cache-Control', 'no-store')
  @Redirect(undefined, 302)
  async login(): Promise<{ url: string }> {
    return { url: await this.oidc.login() };
  }

  /**
   * The provider's redirect back: 302 to the web client's sign-in page with a one-time code (never
   * a token in a URL: it would stay in the history, logs and Referer headers).
   */
  @Get('callback')
  @Header('Cache-Control', 'no-store')
  // The one-time code must not leak to whatever the sign-in page loads.
  @Header('Referrer-Policy', 'no-referrer')
  @Redirect(undefined, 302)
  async callback(@Query() query: unknown): Promise<{ url: string }> {
    const code = await this.oidc.callback(parseBody(callbackQuerySchema, query));
    return { url: `${WEB_LOGIN_PATH}?oidc=${encodeURIComponent(code)}` };
  }

  /** The one-time code for the token response of `POST /api/auth/token`; once, within 60 s. */
  @Post('exchange')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  exchange(@Body() body: unknown): Promise<SignedIn> {
    return this.oidc.exchange(parseBody(exchangeSchema, body).code);
  }
}
