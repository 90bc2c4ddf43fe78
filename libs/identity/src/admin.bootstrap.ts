import { Inject, Injectable, type OnModuleInit } from '@nestjs/common';
import { IDENTITY_OPTIONS, type ResolvedIdentityOptions } from './identity.options';
import { UsersService } from './users.service';

/** Applies `adminPassword` (CONTRACT §1 `ADMIN_PASSWORD`) once the database is open. */
@Injectable()
export class AdminBootstrap implements OnModuleInit {
  constructor(
    private readonly users: UsersService,
    @Inject(IDENTITY_OPTIONS) private readonly options: ResolvedIdentityOptions,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.options.adminPassword !== undefined) await this.users.ensureAdmin(this.options.adminPassword);
  }
}
