import { type DynamicModule, Module } from '@nestjs/common';
import { CaseSearchRepository } from './case-search.repository';
import { FHIR_FACADE_OPTIONS, type FhirFacadeOptions } from './fhir-facade.options';
import { FhirFacadeService } from './fhir-facade.service';
import { FhirController } from './fhir.controller';
import { OperationOutcomeFilter } from './operation-outcome.filter';

/**
 * The FHIR R4 read façade (CONTRACT §5) for gateway processes. Needs the global PersistenceModule
 * (case table, rooms, devices) and IdentityModule (access guard, audit).
 */
@Module({})
export class FhirFacadeModule {
  static forRoot(options: FhirFacadeOptions): DynamicModule {
    return {
      module: FhirFacadeModule,
      controllers: [FhirController],
      providers: [
        { provide: FHIR_FACADE_OPTIONS, useValue: options },
        CaseSearchRepository,
        FhirFacadeService,
        OperationOutcomeFilter,
      ],
    };
  }
}
