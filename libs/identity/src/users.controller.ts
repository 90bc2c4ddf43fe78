import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import type { UserAccountView } from '@circulator/contracts';
import type { Principal } from './principal.model';
import { CurrentPrincipal, Roles } from './access.decorators';
import { parseNewUser } from './identity.schemas';
import { type UserView, UsersService } from './users.service';

/** User administration (CONTRACT §2 `POST /api/users`, and issue 7): admin only. */
@Controller('api/users')
@Roles('admin')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  create(@Body() body: unknown, @CurrentPrincipal() principal: Principal): Promise<UserView> {
    return this.users.create(parseNewUser(body), principal);
  }

  @Get()
  list(): Promise<UserAccountView[]> {
    return this.users.list();
  }

  @Get(':id')
  get(@Param('id') id: string): Promise<UserAccountView> {
    return this.users.get(id);
  }

  @Patch(':id')
  update(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<UserAccountView> {
    return this.users.update(id, body, principal);
  }

  @Post(':id/password')
  @HttpCode(204)
  async resetPassword(
    @Param('id') id: string,
    @Body() body: unknown,
    @CurrentPrincipal() principal: Principal,
  ): Promise<void> {
    await this.users.resetPassword(id, body, principal);
  }

  @Post(':id/unlock')
  @HttpCode(204)
  async unlock(@Param('id') id: string, @CurrentPrincipal() principal: Principal): Promise<void> {
    await this.users.unlock(id, principal);
  }
}
