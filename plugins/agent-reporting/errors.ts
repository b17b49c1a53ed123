/**
 * The error codes the agent-reporting plugin raises: each with its exit code and a one-line summary
 * (docs/errors.md is generated from this table by scripts/error-index.mjs). A new code is added
 * here first; errors are built with `AgentReportingErrors.error(code, message, details?)`.
 */
import { defineErrors } from '../../kernel/errors/define-errors.ts';
import { ExitCode } from '../../kernel/exit-codes.ts';

export const AgentReportingErrors = defineErrors('agent-reporting', {
  BYTEOR_E_AGENT_CONFIG: { exit: ExitCode.USAGE, summary: 'the agent reporting configuration is incomplete or wrong' },
  BYTEOR_E_AGENT_REJECTED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary:
      '(a warning) the control plane refused a report (HTTP 4xx); check `BYTEOR_API_BASE_URL` and `BYTEOR_AGENT_ID`',
  },
  BYTEOR_E_AGENT_UNAUTHORIZED: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '(a warning) HTTP 401/403: the agent key is wrong or revoked; check `BYTEOR_AGENT_API_KEY`',
  },
  BYTEOR_E_AGENT_UNREACHABLE: {
    exit: ExitCode.RUNTIME_FAILURE,
    summary: '(a warning) the control plane is unreachable, down or overloaded; reporting retries with backoff',
  },
});
