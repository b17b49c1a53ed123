import { resolve } from 'node:path';
import { ByteorError } from '../../kernel/errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';
import { dataguardConfig, type DataguardConfig } from './run-flags.ts';
import { loadSchemaContract, type SchemaContract } from './registry.ts';
import { bindRules, parseRules, type BoundRule } from './rules.ts';
import { MAX_RULES } from './stage-counters.ts';

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
    throw new ByteorError('BYTEOR_E_DATAGUARD_TOO_MANY_RULES', `${parsed.length} --rule flags given; a policy holds at most ${MAX_RULES} rules`, ExitCode.USAGE);
  }
  const contract = loadSchemaContract(resolve(config.registryRoot), config.schemaId, config.msgType, config.requiredVersion);
  return { config, contract, rules: bindRules(parsed, contract) };
}
