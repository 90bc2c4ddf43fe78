import { Body, Controller, Post } from '@nestjs/common';
import type { Principal } from './principal.model';
import { CurrentPrincipal, Roles } from './access.decorators';
import { parseNewUser } from './identity.schemas';
import { type UserView, UsersService } from './users.service';

/** `POST /api/users` (CONTRACT §2, admin): creates an account. */
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @Roles('admin')
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<UserView> {
    return this.users.create(parseNewUser(body), principal);
  }
}
