// The break actions a reconciliation page's form posts (components/BreakActions.tsx), sent to the
// reconciliation services; null for an intent that is not a break action.
import type { AppLoadContext } from '@remix-run/node';
import { attempt } from './action-result.server.js';
import type { WebUser } from '../../api/pages/load-context.js';

type Services = AppLoadContext['services']['reconciliations'];

export function breakAction(recon: Services, user: WebUser, form: FormData, requestId: string) {
  const intent = String(form.get('intent') ?? '');
  const breakId = String(form.get('breakId') ?? '');
  const text = (name: string) => String(form.get(name) ?? '').trim() || undefined;
  switch (intent) {
    case 'match':
      return attempt(
        () =>
          recon.resolve(
            user,
            breakId,
            {
              resolution: 'match',
              entryIds: (text('entryIds') ?? '').split(/[\s,]+/).filter(Boolean),
              note: text('note'),
            },
            requestId,
          ),
        'Matched by hand.',
      );
    case 'dismiss':
      return attempt(
        () => recon.resolve(user, breakId, { resolution: 'dismiss', reason: text('reason') }, requestId),
        'Break dismissed.',
      );
    case 'adjust':
      return attempt(
        () => recon.resolve(user, breakId, { resolution: 'adjust', note: text('note') }, requestId),
        'Adjustment proposed: a second operator must approve it.',
      );
    case 'approve':
      return attempt(() => recon.approve(user, breakId, requestId), 'Adjustment approved and posted.');
    default:
      return null;
  }
}
