import { Body, Controller, Header, HttpCode, Post } from '@nestjs/common';
import { ROLES } from '@circulator/contracts';
import { CurrentPrincipal, Public, Roles } from './access.decorators';
import { AuthService, type SignedIn } from './auth.service';
import { parseBody, passwordChangeSchema, refreshRequestSchema, tokenRequestSchema } from './identity.schemas';
import type { Principal } from './principal.model';

/** Every role a user account can hold: the password change is for any signed-in user. */
const USER_ROLES = ROLES.filter((role) => role !== 'display');

/**
 * `POST /api/auth/token` (CONTRACT §2): a password grant for a bearer token and a refresh token;
 * `POST /api/auth/refresh` and `POST /api/auth/logout` continue and end that sign-in (public: the
 * refresh token is the credential); `POST /api/auth/password` changes one's own password.
 */
@Controller('api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  // RFC 6749 §5.1: an answer carrying a token must not be cached.
  @Header('Cache-Control', 'no-store')
  token(@Body() body: unknown): Promise<SignedIn> {
    return this.auth.signIn(parseBody(tokenRequestSchema, body));
  }

  @Public()
  @Post('refresh')
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  refresh(@Body() body: unknown): Promise<SignedIn> {
    return this.auth.refresh(parseBody(refreshRequestSchema, body));
  }

  @Public()
  @Post('logout')
  @HttpCode(204)
  async logout(@Body() body: unknown): Promise<void> {
    await this.auth.logout(parseBody(refreshRequestSchema, body));
  }

  @Post('password')
  @Roles(...USER_ROLES)
  @HttpCode(204)
  async changePassword(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.auth.changePassword(principal, parseBody(passwordChangeSchema, body));
  }
}
