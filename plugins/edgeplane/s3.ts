import type { AdapterFactory } from '../../kernel/plugin-contract.ts';
import { track } from './bindings.ts';
import { S3Egress, S3EgressSettings } from './s3-egress.ts';
import { S3Ingress, S3IngressSettings } from './s3-ingress.ts';
import { parseSettings } from './settings.ts';

/** The `s3` adapter kind: ingress in s3-ingress.ts, egress in s3-egress.ts. */
export const s3Adapter: AdapterFactory = {
  kind: 's3',
  summary:
    'S3 (@aws-sdk/client-s3): objects under a prefix in key order, lines, checkpoint by key+offset / lines ' +
    'batched into objects by size and time (spooled, multipart, deterministic keys)',
  direction: 'both',
  ingress: (settings) => track(new S3Ingress(parseSettings(S3IngressSettings, settings, 'ingress', 's3'))),
  egress: (settings) => track(new S3Egress(parseSettings(S3EgressSettings, settings, 'egress', 's3'))),
};
