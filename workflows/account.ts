/**
 * account:{venue}:{account} — cash, positions and reservations of one venue
 * account (SPEC §4, §8). Loads its balances from the venue on first start,
 * then handles its messages in arrival order: reserve (buying-power check,
 * answered to the order), fill (deduped by trade id, booked through the
 * settlement rule), release, resync. Settlement timers move unsettled cash;
 * continues as new with its view after N messages or when history is long.
 */
import {
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderActivities } from '../activities/orders';
import { release, reserve, type Account } from '../domain/brokerage/buying-power';
import { settleDue } from '../domain/brokerage/settlement';
import {
  accountFromBalances,
  accountOfLedger,
  accountRulesFor,
  bookFill,
  ledgerOfAccount,
  nextSettlementAt,
  orderRequestOf,
  rememberTrade,
  settlementToday,
} from '../domain/execution/account-book';
import { accountStillIs, accountTotals, type AccountResync } from '../domain/execution/reconcile';
import { venueOrderCall } from './activity-options';
import {
  accountFillSignal,
  accountQuery,
  accountReleaseSignal,
  accountReserveSignal,
  accountResyncSignal,
  orderReservationSignal,
  type AccountFill,
  type AccountView,
  type AccountWorkflowInput,
  type ReservationReply,
  type ReserveRequest,
} from './order-messages';
import { QmtlVenue } from './search-attributes';

export const DEFAULT_EVENTS_PER_RUN = 1_000;
/** Pause before asking an unreachable venue for the balances again. */
const BALANCES_RETRY_MS = 60_000;

type AccountMessage =
  | { kind: 'reserve'; request: ReserveRequest }
  | { kind: 'fill'; fill: AccountFill }
  | { kind: 'release'; orderId: string }
  | { kind: 'resync'; resync?: AccountResync };

const { fetchAccountBalances } = proxyActivities<OrderActivities>(venueOrderCall);

export async function accountWorkflow(input: AccountWorkflowInput): Promise<AccountView> {
  const rules = accountRulesFor(input.venue);
  const ref = { venue: input.venue, account: input.account };
  const inbox: AccountMessage[] = [];
  const replies: Array<{ to: string; reply: ReservationReply }> = [];
  let account: Account = input.carried
    ? accountOfLedger(input.carried)
    : accountFromBalances([], input.quoteCurrency);
  let tradeIds = [...(input.carried?.bookedTradeIds ?? [])];
  let updatedAt = input.carried?.updatedAt ?? Date.now();
  const view = (): AccountView => ({
    venue: input.venue,
    account: input.account,
    quoteCurrency: input.quoteCurrency,
    ...ledgerOfAccount(account),
    bookedTradeIds: [...tradeIds],
    updatedAt,
  });

  setHandler(accountQuery, view);
  // Handlers only queue: messages are handled in arrival order, after the balances are in.
  const enqueue = (message: AccountMessage): void => {
    inbox.push(message);
  };
  setHandler(accountReserveSignal, (request) => enqueue({ kind: 'reserve', request }));
  setHandler(accountFillSignal, (fill) => enqueue({ kind: 'fill', fill }));
  setHandler(accountReleaseSignal, ({ orderId }) => enqueue({ kind: 'release', orderId }));
  setHandler(accountResyncSignal, (resync) => enqueue({ kind: 'resync', ...(resync && { resync }) }));
  upsertSearchAttributes([{ key: QmtlVenue, value: input.venue }]);

  /** The venue's balances, asked until it answers: orders wait for their reservation meanwhile. */
  const loadBalances = async (): Promise<void> => {
    for (;;) {
      try {
        account = accountFromBalances(
          await fetchAccountBalances(ref),
          input.quoteCurrency,
          account.reservations,
        );
        updatedAt = Date.now();
        return;
      } catch (err) {
        log.warn('account balances unavailable', { ...ref, error: String(err) });
        await sleep(BALANCES_RETRY_MS);
      }
    }
  };

  /**
   * Reconciliation's balances, taken only while the account is as the decision saw it: a fill booked
   * since may or may not be in them, so adopting could count it twice. The next pass decides again.
   */
  const adopt = ({ balances, expected }: AccountResync): boolean => {
    const lastTradeId = tradeIds.at(-1);
    const now = { totals: accountTotals(view()), ...(lastTradeId !== undefined && { lastTradeId }) };
    if (!accountStillIs(expected, now)) {
      log.info('resync ignored: the account booked since the difference was seen', { ...ref, expected, now });
      return false;
    }
    const totals = Object.entries(balances).map(([currency, total]) => ({ currency, total }));
    account = accountFromBalances(totals, input.quoteCurrency, account.reservations);
    return true;
  };

  const handle = async (message: AccountMessage): Promise<void> => {
    switch (message.kind) {
      case 'reserve': {
        const { request } = message;
        const reply = reservationFor(account, request, input.quoteCurrency, rules);
        if (reply.ok) account = reserve(account, reply.reservation);
        replies.push({ to: request.replyTo, reply: reply.answer });
        break;
      }
      case 'fill':
        if (tradeIds.includes(message.fill.tradeId)) return;
        account = bookFill(account, message.fill, rules.settlement, Date.now());
        tradeIds = rememberTrade(tradeIds, message.fill.tradeId);
        break;
      case 'release':
        account = release(account, message.orderId);
        break;
      case 'resync':
        if (message.resync === undefined) await loadBalances();
        else if (!adopt(message.resync)) return;
        break;
    }
    updatedAt = Date.now();
  };

  const answer = async (): Promise<void> => {
    while (replies.length > 0) {
      const { to, reply } = replies[0]!;
      try {
        await getExternalWorkflowHandle(to).signal(orderReservationSignal, reply);
      } catch (err) {
        // The order is gone: nobody will release what was reserved for it.
        log.warn('reservation answer not delivered; releasing', { to, error: String(err) });
        account = release(account, reply.orderId);
      }
      replies.shift();
    }
  };

  if (input.openingBalances && !input.carried) {
    account = accountFromBalances(input.openingBalances, input.quoteCurrency);
  } else if (!input.carried) {
    await loadBalances();
  }
  const eventsPerRun = input.eventsPerRun ?? DEFAULT_EVENTS_PER_RUN;
  let handled = 0;
  for (;;) {
    const settleAt = nextSettlementAt(account, rules.settlement);
    if (settleAt === null) await condition(() => inbox.length > 0);
    else await condition(() => inbox.length > 0, Math.max(1, settleAt - Date.now()));
    account = { ...account, cash: settleDue(account.cash, settlementToday(rules.settlement, Date.now())) };
    while (inbox.length > 0) {
      await handle(inbox.shift()!);
      handled += 1;
    }
    await answer();
    // Only hand over with nothing received and unanswered: the next run starts from this view.
    if ((handled >= eventsPerRun || workflowInfo().continueAsNewSuggested) && inbox.length === 0) {
      const { openingBalances: _opening, ...rest } = input;
      return continueAsNew<typeof accountWorkflow>({ ...rest, carried: view() });
    }
  }
}

type Rules = ReturnType<typeof accountRulesFor>;

/** The buying-power verdict on one request, and the answer the order gets. */
function reservationFor(account: Account, request: ReserveRequest, quoteCurrency: string, rules: Rules) {
  const refuse = (reason: string, detail: string) =>
    ({ ok: false, answer: { orderId: request.orderId, ok: false, reason, detail } }) as const;
  if (!request.symbol.endsWith(`/${quoteCurrency}`)) {
    return refuse(
      'QUOTE_CURRENCY_MISMATCH',
      `account counts cash in ${quoteCurrency}, not ${request.symbol}'s quote`,
    );
  }
  let verdict;
  try {
    verdict = rules.buyingPower.check(account, orderRequestOf(request, rules), {});
  } catch (err) {
    return refuse('INVALID_ORDER', String(err)); // malformed decimals in the request
  }
  if (!verdict.ok) return refuse(verdict.reason, verdict.detail);
  return { ok: true, reservation: verdict.reserve, answer: { orderId: request.orderId, ok: true } } as const;
}
