import { resolve } from 'node:path';
import { dataguardConfig, type DataguardConfig } from './run-flags.ts';
import { loadSchemaContract, type SchemaContract } from './registry.ts';
import { bindRules, parseRules, type BoundRule } from './rules.ts';
import { MAX_RULES } from './stage-counters.ts';
import { DataguardErrors } from './errors.ts';

/**
 * Everything a DataGuard run is bound to: the resolved flags, the schema contract loaded from the
 * registry, and the redaction policy bound to that contract. Built once on the main thread when
 * the run starts (every failure is reported there, before any worker exists) and again inside
 * each DataGuard stage worker from the same flags.
 */
export interface DataguardRunContract {
  config: DataguardConfig;
  contract: SchemaContract;
  rules: BoundRule[];
}

export function resolveRunContract(flags: Readonly<Record<string, unknown>>): DataguardRunContract {
  const config = dataguardConfig(flags);
  const parsed = parseRules(config.rules);
  if (parsed.length > MAX_RULES) {
    throw DataguardErrors.error(
      'BYTEOR_E_DATAGUARD_TOO_MANY_RULES',
      `${parsed.length} --rule flags given; a policy holds at most ${MAX_RULES} rules`,
    );
  }
  const contract = loadSchemaContract(
    resolve(config.registryRoot),
    config.schemaId,
    config.msgType,
    config.requiredVersion,
  );
  return { config, contract, rules: bindRules(parsed, contract) };
}
