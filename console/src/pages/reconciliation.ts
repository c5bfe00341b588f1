import { el, table } from '../dom.js';
import { describeError } from '../graph.js';
import type { Page } from '../page.js';

const RECONCILIATION = `query ConsoleReconciliation($date: String!) {
  reconciliation(date: $date) {
    date expectedFrom reconciled
    groups {
      channel currency orderCount mismatchCount
      location { code name }
      capturedExpected { amount } capturedPosted { amount } refundedExpected { amount } refundedPosted { amount }
    }
    mismatches { orderId kind mismatch channel location { code } expected { amount currency } actual { amount currency } }
  }
}`;

interface Amount {
  readonly amount: string;
}
interface Group {
  readonly channel: string;
  readonly currency: string;
  readonly orderCount: number;
  readonly mismatchCount: number;
  readonly location: { readonly code: string; readonly name: string };
  readonly capturedExpected: Amount;
  readonly capturedPosted: Amount;
  readonly refundedExpected: Amount;
  readonly refundedPosted: Amount;
}
interface Mismatch {
  readonly orderId: string;
  readonly kind: string;
  readonly mismatch: string;
  readonly channel: string | null;
  readonly location: { readonly code: string } | null;
  readonly expected: Amount & { readonly currency: string };
  readonly actual: Amount & { readonly currency: string };
}
interface Reconciliation {
  readonly date: string;
  readonly expectedFrom: string;
  readonly reconciled: boolean;
  readonly groups: readonly Group[];
  readonly mismatches: readonly Mismatch[];
}

/**
 * One UTC day's reconciliation: what the order domain recorded as captured and refunded, per
 * channel and store, against the ledger's postings, and every mismatch (a missing, unexpected or
 * different posting). `#reconciliation/<YYYY-MM-DD>` opens a day; today by default.
 */
export const reconciliationPage: Page = (root, { graph, say }, argument) => {
  const date = el('input', { id: 'reconciliation-date', type: 'date' });
  date.value = /^\d{4}-\d{2}-\d{2}$/.test(argument) ? argument : new Date().toISOString().slice(0, 10);
  const result = el('div', { id: 'reconciliation-result' });
  root.append(el('h2', {}, 'Reconciliation'), el('form', { class: 'inline' }, el('label', {}, 'Day (UTC) ', date)), result);

  const load = async () => {
    say('');
    const { reconciliation: day } = await graph<{ reconciliation: Reconciliation }>(RECONCILIATION, { date: date.value });
    const verdict = day.reconciled
      ? el('p', { class: 'ok', 'data-state': 'reconciled' }, `${day.date} reconciles: every payment the orders record is posted.`)
      : el('p', { class: 'bad', 'data-state': 'mismatched' }, `${day.date}: ${day.mismatches.length} mismatches.`);
    result.replaceChildren(
      verdict,
      el('p', { class: 'hint' }, `Expected amounts from ${day.expectedFrom}.`),
      el('h3', {}, 'Per channel and store'),
      day.groups.length === 0
        ? el('p', { class: 'empty' }, 'No captures or refunds that day.')
        : table<Group>(
            [
              ['Channel', (group) => group.channel],
              ['Store', (group) => `${group.location.name} (${group.location.code})`],
              ['Orders', (group) => String(group.orderCount)],
              ['Captured: orders / ledger', (group) => `${group.capturedExpected.amount} / ${group.capturedPosted.amount} ${group.currency}`],
              ['Refunded: orders / ledger', (group) => `${group.refundedExpected.amount} / ${group.refundedPosted.amount} ${group.currency}`],
              ['Mismatches', (group) => String(group.mismatchCount)],
            ],
            day.groups,
            (group): Record<string, string> => (group.mismatchCount > 0 ? { class: 'bad' } : {}),
          ),
      el('h3', {}, 'Mismatches'),
      day.mismatches.length === 0
        ? el('p', { class: 'empty' }, 'None.')
        : table<Mismatch>(
            [
              ['Order', (mismatch) => mismatch.orderId],
              ['What', (mismatch) => `${mismatch.kind} · ${mismatch.mismatch}`],
              ['Where', (mismatch) => [mismatch.channel, mismatch.location?.code].filter(Boolean).join(' · ')],
              ['Orders say', (mismatch) => `${mismatch.expected.amount} ${mismatch.expected.currency}`],
              ['Ledger says', (mismatch) => `${mismatch.actual.amount} ${mismatch.actual.currency}`],
            ],
            day.mismatches,
            (mismatch) => ({ 'data-order-id': mismatch.orderId, 'data-mismatch': mismatch.mismatch }),
          ),
    );
  };
  const run = () => void load().catch((error: unknown) => say(describeError(error)));
  date.addEventListener('change', run);
  run();
  return () => undefined;
};
