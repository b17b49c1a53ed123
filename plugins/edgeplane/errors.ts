/**
 * The error codes the edgeplane plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `EdgeplaneErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';

export const EdgeplaneErrors = defineErrors('edgeplane', {
  BYTEOR_E_EDGEPLANE_CONFIG: {
    exit: ExitCode.USAGE,
    summary: "a binding's settings are invalid (unknown key, missing key, bad value)",
  },
  BYTEOR_E_EDGEPLANE_TRANSPORT: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'a transport cannot connect, listen, open a file or finish a write',
  },
  BYTEOR_E_EGRESS_OUTAGE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: 'the egress destination stayed unreachable longer than `egress.max_outage_ms`',
  },
});
