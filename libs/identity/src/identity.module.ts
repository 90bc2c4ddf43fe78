import { createSecretKey } from 'node:crypto';
import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { JwtService } from '@nestjs/jwt';
import { TypeOrmModule, getRepositoryToken } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import {
  AppSecretEntity,
  AuditLogEntity,
  ConsultationEntity,
  DisplayCredentialEntity,
  LoginThrottleEntity,
  RefreshFamilyEntity,
  RefreshTokenEntity,
  UserEntity,
} from '@circulator/persistence';
import { AccessGuard } from './access.guard';
import { AdminBootstrap } from './admin.bootstrap';
import { AuditService } from './audit.service';
import { AuditContext } from './audit/audit.context';
import { AuditController } from './audit/audit.controller';
import { AuditLogRepository } from './audit/audit-log.repository';
import { AuditSourceInterceptor } from './audit/audit-source.interceptor';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { ConsultationsController } from './consultations.controller';
import { ConsultationsService } from './consultations.service';
import { CredentialEvents } from './credential.events';
import { DisplaysController } from './displays.controller';
import { DisplaysService } from './displays.service';
import { IDENTITY_OPTIONS, type IdentityModuleOptions, resolveIdentityOptions } from './identity.options';
import { LoginThrottle } from './login.throttle';
import { OidcController } from './oidc.controller';
import { OidcPendingStore } from './oidc.pending';
import { OidcService } from './oidc.service';
import { PasswordHasher } from './password.hasher';
import { ProblemDetailsFilter } from './problem-details.filter';
import { RefreshTokenRepository } from './refresh-token.repository';
import { SIGNING_KEY, loadOrCreateSigningKey } from './signing-key.repository';
import { TOKEN_AUDIENCE, TOKEN_ISSUER } from './token.claims';
import { TokenService } from './token.service';
import { UsersController } from './users.controller';
import { UsersService } from './users.service';

/**
 * Identity and access (CONTRACT §2): users, sign-in with lockout and refresh tokens, display
 * credentials, remote consultations, bearer tokens, the global {@link AccessGuard} and
 * {@link ProblemDetailsFilter}, and the audit log.
 *
 * Import once, in the root module, next to `PersistenceModule.forRoot(...)`. It is global so that
 * any feature module can inject {@link TokenService}, {@link AuditService} and
 * {@link CredentialEvents}.
 */
@Module({})
export class IdentityModule {
  static forRoot(options: IdentityModuleOptions = {}): DynamicModule {
    const resolved = resolveIdentityOptions(options);
    return {
      module: IdentityModule,
      global: true,
      imports: [
        TypeOrmModule.forFeature([
          UserEntity,
          DisplayCredentialEntity,
          AuditLogEntity,
          AppSecretEntity,
          LoginThrottleEntity,
          RefreshFamilyEntity,
          RefreshTokenEntity,
          ConsultationEntity,
        ]),
      ],
      controllers: [
        AuthController,
        OidcController,
        UsersController,
        DisplaysController,
        ConsultationsController,
        AuditController,
      ],
      providers: [
        { provide: IDENTITY_OPTIONS, useValue: resolved },
        {
          // Async: the app does not accept a request before every process shares one key.
          provide: SIGNING_KEY,
          useFactory: (secrets: Repository<AppSecretEntity>) => loadOrCreateSigningKey(secrets),
          inject: [getRepositoryToken(AppSecretEntity)],
        },
        {
          // Our own JwtService instance rather than JwtModule: the key exists only after the
          // database is read, and nobody else should sign with it.
          provide: JwtService,
          useFactory: (key: Buffer) =>
            new JwtService({
              // A KeyObject, made once: given bytes, jsonwebtoken tries each verify to read them as a
              // public key, fails, and only then makes a secret key (1.5 % of a busy gateway's CPU).
              secret: createSecretKey(key),
              signOptions: { algorithm: 'HS256', issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE },
              verifyOptions: { algorithms: ['HS256'], issuer: TOKEN_ISSUER, audience: TOKEN_AUDIENCE },
            }),
          inject: [SIGNING_KEY],
        },
        PasswordHasher,
        AuditContext,
        AuditLogRepository,
        AuditService,
        CredentialEvents,
        LoginThrottle,
        RefreshTokenRepository,
        TokenService,
        UsersService,
        AuthService,
        OidcPendingStore,
        OidcService,
        DisplaysService,
        ConsultationsService,
        AdminBootstrap,
        { provide: APP_GUARD, useClass: AccessGuard },
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
        { provide: APP_INTERCEPTOR, useClass: AuditSourceInterceptor },
      ],
      exports: [TokenService, UsersService, DisplaysService, ConsultationsService, AuditService, CredentialEvents],
    };
  }
}
