import { decodeFhirEnvelope } from '../inbound/fhir.envelope';
import type { FhirInboxItem, FhirRefusal, FhirResourceSink, FhirStoreResult } from '../inbound.tokens';

/**
 * Stands in for the inbox in the lib's integration tests: keeps what it is given and dedups by
 * control id as the inbox does (test/e2e/fhir-inbound.e2e-spec.ts runs the real inbox).
 */
export class KeepingSink implements FhirResourceSink {
  readonly items: FhirInboxItem[] = [];
  readonly refusals: FhirRefusal[] = [];
  private readonly keys = new Set<string>();
  /** Runs after each store: lets a test change the server between two pages. */
  afterStore?: () => Promise<void>;

  async store(items: readonly FhirInboxItem[]): Promise<FhirStoreResult[]> {
    const results = items.map((item) => {
      const duplicate = this.keys.has(item.controlId);
      this.keys.add(item.controlId);
      if (!duplicate) this.items.push(item);
      return { inboxId: String(this.items.length), duplicate };
    });
    await this.afterStore?.();
    return results;
  }

  refuse(refusal: FhirRefusal): Promise<void> {
    this.refusals.push(refusal);
    return Promise.resolve();
  }

  /** The ids of the stored resources of a type, in order. */
  ids(type: string): string[] {
    return this.items
      .filter((i) => i.resourceType === type)
      .map((i) => {
        const decoded = decodeFhirEnvelope(i.raw);
        return decoded.ok ? String(decoded.envelope.focus.resource.id) : '?';
      });
  }

  /** The `Type/id` of each stored resource's context, by the resource's control id. */
  context(controlId: string): string[] {
    const item = this.items.find((i) => i.controlId === controlId);
    const decoded = item ? decodeFhirEnvelope(item.raw) : undefined;
    return decoded?.ok ? decoded.envelope.context.map((e) => `${e.resource.resourceType}/${e.resource.id}`) : [];
  }
}
