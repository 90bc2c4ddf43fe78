import {
  type ArgumentsHost,
  Body,
  Catch,
  Controller,
  type ExceptionFilter,
  Headers,
  HttpCode,
  HttpException,
  Inject,
  Logger,
  Post,
  Req,
  Res,
  UseFilters,
} from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Public } from '@circulator/identity';
import { FHIR_INBOUND_SETTINGS, type FhirInboundSettings } from '../inbound.tokens';
import { hookSecretMatches } from './hook.secret';
import { hookOutcome, operationOutcome, type OperationOutcome } from './operation-outcome';
import { HookInputError, SubscriptionHookService } from './subscription-hook.service';

/** FHIR's media type (R4 §3.1.0.1.6). */
const FHIR_JSON = 'application/fhir+json; charset=utf-8';

interface HttpResponse {
  status(code: number): HttpResponse;
  setHeader(name: string, value: string): void;
  headersSent: boolean;
  json(body: unknown): void;
  end(): void;
}

/** The hook's errors as OperationOutcome (R4: a FHIR endpoint answers errors as one), not problem JSON. */
@Catch()
export class HookErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('SubscriptionHook');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<HttpResponse>();
    if (res.headersSent) {
      res.end();
      return;
    }
    let status = 500;
    let body: OperationOutcome;
    if (exception instanceof HookInputError) {
      status = 400;
      body = operationOutcome([{ severity: 'error', code: 'invalid', diagnostics: exception.message }]);
    } else if (exception instanceof HttpException) {
      status = exception.getStatus();
      const code =
        status === 401 ? 'login' : status === 429 ? 'throttled' : status === 413 ? 'too-costly' : 'processing';
      body = operationOutcome([{ severity: 'error', code, diagnostics: exception.message }]);
    } else {
      const errorId = randomUUID();
      this.logger.error(
        `error ${errorId}: ${exception instanceof Error ? (exception.stack ?? exception.message) : String(exception)}`,
      );
      body = operationOutcome([
        {
          severity: 'fatal',
          code: 'exception',
          diagnostics: `the notification was not stored (error ${errorId}); send it again`,
        },
      ]);
    }
    res.setHeader('Content-Type', FHIR_JSON);
    if (status === 401) res.setHeader('WWW-Authenticate', 'X-Hook-Secret');
    res.status(status).json(body);
  }
}

/**
 * `POST /fhir/subscription-hook` (CONTRACT §5): the EHR's subscription notifications. No bearer
 * token (CONTRACT §2): the caller proves itself with `X-Hook-Secret: <FHIR_HOOK_SECRET>`, compared
 * in constant time; without a configured secret every call is refused. 200 with an
 * OperationOutcome once the resources are durably stored; 400 for a body that is no notification
 * or Bundle; 401 for a wrong secret.
 */
@ApiTags('fhir')
@Controller('fhir')
@UseFilters(HookErrorFilter)
export class SubscriptionHookController {
  constructor(
    @Inject(FHIR_INBOUND_SETTINGS) private readonly settings: FhirInboundSettings,
    @Inject(SubscriptionHookService) private readonly hook: SubscriptionHookService,
  ) {}

  @Public()
  @ApiOperation({
    summary: 'R4 Subscriptions Backport notification (or a history/transaction/collection Bundle) from the EHR',
  })
  @ApiHeader({ name: 'X-Hook-Secret', required: true, description: 'FHIR_HOOK_SECRET' })
  @Post('subscription-hook')
  @HttpCode(200)
  async receive(
    @Headers('x-hook-secret') secret: string | undefined,
    @Body() body: unknown,
    @Req() req: { ip?: string },
    @Res({ passthrough: true }) res: HttpResponse,
  ): Promise<OperationOutcome> {
    if (!hookSecretMatches(secret, this.settings.hookSecret)) {
      throw new HttpException(
        this.settings.hookSecret
          ? 'X-Hook-Secret is missing or wrong'
          : 'the subscription hook is off: FHIR_HOOK_SECRET is not set',
        401,
      );
    }
    const outcome = await this.hook.handle(body, req.ip ?? null);
    res.setHeader('Content-Type', FHIR_JSON);
    return hookOutcome(outcome);
  }
}
