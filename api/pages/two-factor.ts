// Page glue for a staff member's own two-factor sign-in (web/app/routes/ops.two-factor.tsx): whether
// it is on, starting an enrolment (the QR code as an image the page can show without scripts) and
// confirming it with a first code. The same functions as POST /auth/totp/enrol and /confirm.
import {
  beginTotpEnrolment,
  confirmTotpEnrolment,
  totpEnabled,
  unusedRecoveryCodeCount,
} from '../auth/two-factor.js';
import type { AppDeps } from '../deps.js';
import type { WebUser } from './load-context.js';

export function twoFactorWebServices(deps: AppDeps) {
  return {
    status: async (user: WebUser) => {
      const enabled = await totpEnabled(deps.pool, user.id);
      return { enabled, recoveryCodesLeft: enabled ? await unusedRecoveryCodeCount(deps.pool, user.id) : 0 };
    },
    begin: async (user: WebUser) => {
      const enrolment = await beginTotpEnrolment(deps, user);
      // A data: image (the pages' CSP allows them) instead of inline markup from a string.
      const qrImage = `data:image/svg+xml;base64,${Buffer.from(enrolment.qrSvg).toString('base64')}`;
      return { secret: enrolment.secret, otpauthUri: enrolment.otpauthUri, qrImage };
    },
    confirm: (user: WebUser, code: string) => confirmTotpEnrolment(deps, user, code),
  };
}
