import { Body, Controller, Header, HttpCode, Post, Req } from '@nestjs/common';
import type { TokenResponse } from '@circulator/contracts';
import { type AuthenticatedRequest, Public } from './access.decorators';
import { AuditService } from './audit.service';
import { IdentityError } from './identity.error';
import { normalizeUsername, parseBody, tokenRequestSchema } from './identity.schemas';
import { TokenService } from './token.service';
import { UsersService } from './users.service';

/** `POST /api/auth/token` (CONTRACT §2): a password grant for a bearer token. */
@Controller('api/auth')
export class AuthController {
  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
  ) {}

  @Public()
  @Post('token')
  @HttpCode(200)
  // RFC 6749 §5.1: an answer carrying a token must not be cached.
  @Header('Cache-Control', 'no-store')
  async token(@Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<TokenResponse> {
    const { username, password } = parseBody(tokenRequestSchema, body);
    const user = await this.users.verifyCredentials(username, password);
    if (!user) {
      // The attempted name (trimmed to the longest valid one) but never the password.
      await this.audit.record({
        principal: null,
        action: 'auth.token',
        targetType: 'user',
        detail: { outcome: 'failure', username: normalizeUsername(username).slice(0, 64), ip: request.ip },
      });
      throw new IdentityError('unauthorized', 'invalid username or password');
    }
    const token = this.tokens.issueForUser(user);
    await this.audit.record({
      principal: { kind: 'user', sub: user.id, username: user.username, roles: user.roles },
      action: 'auth.token',
      targetType: 'user',
      targetId: user.id,
      detail: { outcome: 'success', ip: request.ip },
    });
    return token;
  }
}
