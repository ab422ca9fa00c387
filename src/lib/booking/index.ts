/**
 * pg-grind/booking: double-booking made impossible by the database. An exclusion constraint
 * (bookings_no_overlap) keeps the active bookings of a resource apart, buffers included; triggers
 * enforce length limits, availability, blackouts, the status machine and the payment rule.
 * Every function takes `db` (pool or transaction) first; the SQL is in sql/booking/.
 */
/// <reference path="../generated/zapatos/schema.d.ts" preserve="true" />
import type * as s from 'zapatos/schema';
import { isTransaction, loadSql, many, maybeOne, transaction, type Db, type ParamsOf, type RowOf } from '../core/db.js';
import { CheckViolation, ExclusionViolation, found } from '../core/errors.js';
import type { IdempotencyQueries } from '../core/idempotency.js';
import { pageLimit, type PageSize } from '../core/page.js';
import { BookingConflict, PaymentAlreadySettled } from './errors.js';

export * from './errors.js';

const q = loadSql('booking', [
  'create_resource',
  'find_resource',
  'replace_availability',
  'create_blackout',
  'list_slots',
  'resource_utilisation',
  'create_booking',
  'find_booking',
  'find_conflicts',
  'transition_booking',
  'expire_holds',
  'list_customer_bookings',
  'create_payment',
  'list_payments',
  'settle_payment',
  'claim_idempotency_key',
  'find_idempotency_key',
  'save_idempotency_response',
]);

/** The statements over booking.idempotency_keys, for `idempotent()` in ../idempotency.ts. */
export const idempotencyQueries: IdempotencyQueries = {
  claim: q.claim_idempotency_key,
  find: q.find_idempotency_key,
  save: q.save_idempotency_response,
};

export type BookingStatus = s.booking.booking_status;
export type PaymentStatus = s.booking.payment_status;
export type Id = string | number;

/** A weekly availability window in the resource's local time; weekday 0 = Sunday. */
export interface AvailabilityWindow {
  weekday: number;
  /** "HH:MM", inclusive. */
  start: string;
  /** "HH:MM", exclusive; "24:00" is the end of the day. */
  end: string;
}

/** A resource row with its availability windows. */
export type Resource = Omit<RowOf<typeof q.find_resource>, 'windows'> & { windows: AvailabilityWindow[] };

export interface NewResource {
  name: string;
  /** IANA zone, e.g. "Europe/Berlin". */
  timeZone: string;
  minMinutes?: number;
  maxMinutes?: number;
  bufferBeforeMinutes?: number;
  bufferAfterMinutes?: number;
  requiresPayment?: boolean;
  /** Price of one booking in minor units; required (> 0) when requiresPayment. */
  priceMinor?: number;
  /** ISO 4217; required when priceMinor > 0. */
  currency?: string | null;
}

/** Defaults of a new resource (also the column defaults of booking.resources). */
export const RESOURCE_DEFAULTS = {
  minMinutes: 15,
  maxMinutes: 480,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  requiresPayment: false,
  priceMinor: 0,
} as const;

/**
 * A booking as the API shows it: status is effective (a lapsed hold reads as expired);
 * balance_due_minor is price_minor minus succeeded payments.
 */
export type Booking = RowOf<typeof q.find_booking>;

export interface NewBooking {
  resourceId: Id;
  customerEmail: string;
  start: Date | string;
  end: Date | string;
  /** Make it a hold that lapses after this many minutes (instead of a pending booking). */
  holdMinutes?: number;
  /** Stored on the row; unique. */
  idempotencyKey?: string;
}

/** Default life of a hold, minutes. */
export const DEFAULT_HOLD_MINUTES = 15;

/** A free slot; local_start is "YYYY-MM-DDTHH:MM" in the resource's time zone. */
export type Slot = RowOf<typeof q.list_slots>;

export interface SlotQuery {
  /** First local date, "YYYY-MM-DD". */
  from: string;
  /** Last local date (inclusive). */
  to: string;
  minutes: number;
}

/** Minutes of one local day ("YYYY-MM-DD"). */
export type UtilisationDay = RowOf<typeof q.resource_utilisation>;

export type Payment = RowOf<typeof q.list_payments>;

export interface NewPayment {
  amountMinor: number | string;
  currency: string;
  status?: PaymentStatus;
  providerReference: string;
  idempotencyKey?: string;
}

/** Longest date range for slots and utilisation, days. */
export const MAX_RANGE_DAYS = 62;
/**
 * Most candidate slots one slots request may ask for: days in the range x 1440 / minutes (the
 * slots of whole-day windows, DST aside). Checked before the statement runs, so a request costs at
 * most some 10,000 index probes (62 days of 1-minute slots would be 89,280); 6 days of 1-minute
 * or 62 days of 9-minute slots still fit.
 */
export const MAX_SLOTS = 10_000;

function invalid(constraint: string, message: string): CheckViolation {
  return new CheckViolation(message, { code: '23514', constraint, schema: 'booking' });
}

function checkDateRange(from: string, to: string): void {
  const days = (Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000;
  if (!(days >= 0 && days < MAX_RANGE_DAYS)) {
    throw invalid('date_range', `to must be on or after from, at most ${MAX_RANGE_DAYS} days`);
  }
}

// ---------------------------------------------------------------------------------------------
// resources

/** Creates a resource; returns it. Throws CheckViolation (resources_*) for bad values. */
export async function createResource(db: Db, r: NewResource): Promise<Resource> {
  const d = RESOURCE_DEFAULTS;
  const [row] = await many(db, q.create_resource, [
    r.name,
    r.timeZone,
    r.minMinutes ?? d.minMinutes,
    r.maxMinutes ?? d.maxMinutes,
    r.bufferBeforeMinutes ?? d.bufferBeforeMinutes,
    r.bufferAfterMinutes ?? d.bufferAfterMinutes,
    r.requiresPayment ?? d.requiresPayment,
    r.priceMinor ?? d.priceMinor,
    r.currency ?? null,
  ]);
  return { ...row!, windows: [] };
}

/** The windows are JSON built by the statement itself (find_resource.sql), in this shape. */
function toResource(row: RowOf<typeof q.find_resource>): Resource {
  return { ...row, windows: row.windows as unknown as AvailabilityWindow[] };
}

/** The resource with its windows, or undefined. */
export async function findResource(db: Db, id: Id): Promise<Resource | undefined> {
  const row = await maybeOne(db, q.find_resource, [id]);
  return row && toResource(row);
}

/** The resource with its windows; throws NotFound. */
export async function getResource(db: Db, id: Id): Promise<Resource> {
  return found(await findResource(db, id), 'resource');
}

/**
 * Replaces the weekly windows of a resource; returns the resource. Throws NotFound, CheckViolation
 * (availability_windows_start_before_end, _weekday_range), ExclusionViolation
 * (availability_windows_no_overlap), InvalidInput for a malformed time.
 */
export async function replaceAvailability(db: Db, id: Id, windows: readonly AvailabilityWindow[]): Promise<Resource> {
  return transaction(db, async (tx) => {
    const done = await maybeOne(tx, q.replace_availability, [
      id,
      windows.map((w) => w.weekday),
      windows.map((w) => w.start),
      windows.map((w) => w.end),
    ]);
    found(done, 'resource');
    return getResource(tx, id);
  });
}

export type Blackout = RowOf<typeof q.create_blackout>;

function checkPeriod(start: Date | string, end: Date | string, constraint: string): void {
  if (!(new Date(end).getTime() > new Date(start).getTime())) throw invalid(constraint, 'end must be after start');
}

/**
 * Adds a blackout (no new bookings overlapping it; existing ones stay); returns it. Throws
 * ForeignKeyViolation (blackouts_resource_id_fkey), CheckViolation (blackouts_period_bounded,
 * blackouts_reason_length).
 */
export async function createBlackout(
  db: Db,
  id: Id,
  b: { start: Date | string; end: Date | string; reason?: string | null },
): Promise<Blackout> {
  checkPeriod(b.start, b.end, 'blackouts_period_bounded');
  const [row] = await many(db, q.create_blackout, [id, b.start, b.end, b.reason ?? null]);
  return row!;
}

/**
 * Free slots of `minutes` between two local dates, DST-correct; throws NotFound, and
 * CheckViolation (bookings_length_within_limits, date_range, slot_count) for a length the
 * resource does not allow, a bad range, or more than MAX_SLOTS candidate slots.
 */
export async function listSlots(db: Db, id: Id, query: SlotQuery): Promise<Slot[]> {
  checkDateRange(query.from, query.to);
  const r = await getResource(db, id);
  if (query.minutes < r.min_minutes || query.minutes > r.max_minutes) {
    throw invalid('bookings_length_within_limits', `slots must be ${r.min_minutes} .. ${r.max_minutes} minutes`);
  }
  const days = (Date.parse(`${query.to}T00:00:00Z`) - Date.parse(`${query.from}T00:00:00Z`)) / 86_400_000 + 1;
  if (days * Math.floor(1440 / query.minutes) > MAX_SLOTS) {
    throw invalid('slot_count', `at most ${MAX_SLOTS} candidate slots (days x 1440 / minutes) per request`);
  }
  return many(db, q.list_slots, [id, query.from, query.to, query.minutes]);
}

/** Available and booked minutes per local day; throws NotFound, CheckViolation (date_range). */
export async function resourceUtilisation(
  db: Db,
  id: Id,
  range: { from: string; to: string },
): Promise<UtilisationDay[]> {
  checkDateRange(range.from, range.to);
  await getResource(db, id);
  return many(db, q.resource_utilisation, [id, range.from, range.to]);
}

// ---------------------------------------------------------------------------------------------
// bookings

async function conflictsOf(db: Db, b: NewBooking) {
  return many(db, q.find_conflicts, [b.resourceId, b.start, b.end]);
}

/**
 * Books a period (a hold when holdMinutes is given); returns the booking. Lapsed holds in the way
 * are expired in the same statement. Throws BookingConflict (23P01 bookings_no_overlap, naming the
 * conflicting bookings), CheckViolation (bookings_length_within_limits, bookings_within_availability,
 * bookings_outside_blackouts, bookings_period_bounded, bookings_customer_email_format),
 * ForeignKeyViolation (bookings_resource_id_fkey), UniqueViolation (bookings_idempotency_key_key).
 */
export async function createBooking(db: Db, b: NewBooking): Promise<Booking> {
  checkPeriod(b.start, b.end, 'bookings_period_bounded');
  const params: ParamsOf<typeof q.create_booking> = [
    b.resourceId,
    b.customerEmail,
    b.start,
    b.end,
    b.holdMinutes ?? null,
    b.idempotencyKey ?? null,
  ];
  try {
    // Inside a caller's transaction the insert gets a savepoint, so that after an overlap the
    // transaction is still usable for naming the conflict.
    const rows = isTransaction(db)
      ? await transaction(db, (tx) => many(tx, q.create_booking, params))
      : await many(db, q.create_booking, params);
    return rows[0]!;
  } catch (err) {
    if (err instanceof ExclusionViolation && err.constraint === 'bookings_no_overlap') {
      const fields = {
        code: err.code,
        constraint: err.constraint,
        table: err.table,
        schema: err.schema,
        statement: err.statement,
      };
      throw new BookingConflict(fields, await conflictsOf(db, b), err);
    }
    throw err;
  }
}

/** The booking, or undefined. */
export function findBooking(db: Db, id: Id): Promise<Booking | undefined> {
  return maybeOne(db, q.find_booking, [id]);
}

/** The booking; throws NotFound. */
export async function getBooking(db: Db, id: Id): Promise<Booking> {
  return found(await findBooking(db, id), 'booking');
}

/**
 * Moves a booking to `status`; returns it. Throws NotFound, IllegalTransition (BK001) and
 * PaymentRequired (BK002).
 */
export async function transitionBooking(db: Db, id: Id, status: BookingStatus): Promise<Booking> {
  return found(await maybeOne(db, q.transition_booking, [id, status]), 'booking');
}

/** held/pending -> confirmed. Throws NotFound, IllegalTransition, PaymentRequired. */
export const confirmBooking = (db: Db, id: Id) => transitionBooking(db, id, 'confirmed');
/** held/pending/confirmed -> cancelled. Throws NotFound, IllegalTransition. */
export const cancelBooking = (db: Db, id: Id) => transitionBooking(db, id, 'cancelled');
/** confirmed -> completed. Throws NotFound, IllegalTransition. */
export const completeBooking = (db: Db, id: Id) => transitionBooking(db, id, 'completed');
/** confirmed -> no_show. Throws NotFound, IllegalTransition. */
export const markNoShow = (db: Db, id: Id) => transitionBooking(db, id, 'no_show');

/** Marks every lapsed hold expired; returns their ids. Housekeeping only: lapsed holds never block. */
export async function expireHolds(db: Db): Promise<string[]> {
  const rows = await many(db, q.expire_holds);
  return rows.map((r) => r.id);
}

/** Upcoming bookings of one customer: 100 by default, at most 1000. */
export const CUSTOMER_BOOKINGS_PAGE: PageSize = { default: 100, max: 1000 };

/** Upcoming active bookings of a customer (email case-insensitive), soonest first. */
export function listCustomerBookings(db: Db, email: string, opts: { limit?: number } = {}): Promise<Booking[]> {
  const limit = pageLimit(opts.limit, CUSTOMER_BOOKINGS_PAGE);
  return many(db, q.list_customer_bookings, [email, limit]);
}

// ---------------------------------------------------------------------------------------------
// payments

/**
 * Records a payment; returns it. Throws NotFound (booking), ForeignKeyViolation
 * (payments_booking_currency_fkey: currency differs from the booking's), CheckViolation
 * (payments_not_over_balance, payments_amount_positive, payments_currency_iso), UniqueViolation
 * (payments_provider_reference_key, payments_idempotency_key_key).
 */
export async function createPayment(db: Db, bookingId: Id, p: NewPayment): Promise<Payment> {
  await getBooking(db, bookingId);
  const [row] = await many(db, q.create_payment, [
    bookingId,
    p.amountMinor,
    p.currency,
    p.status ?? 'succeeded',
    p.providerReference,
    p.idempotencyKey ?? null,
  ]);
  return row!;
}

/** What a payment provider reports about a payment it was asked to take. */
export type SettledStatus = 'succeeded' | 'failed';

/**
 * Settles the pending payment with `providerReference` as the provider reports it; returns the
 * payment and whether this call changed it (false: a redelivery of the same report). Throws NotFound
 * (no such reference), PaymentAlreadySettled (it was settled otherwise before), CheckViolation
 * (payments_not_over_balance: a success above the balance due).
 */
export async function settlePayment(
  db: Db,
  providerReference: string,
  status: SettledStatus,
): Promise<{ payment: Payment; changed: boolean }> {
  const { changed, ...payment } = found(await maybeOne(db, q.settle_payment, [providerReference, status]), 'payment');
  if (!changed && payment.status !== status) throw new PaymentAlreadySettled(payment.status, status);
  return { payment, changed };
}

/** Payments listed per request: the oldest 100 unless `limit` (at most 1000) says otherwise. */
export const PAYMENTS_PAGE: PageSize = { default: 100, max: 1000 };

/** One page of the payments of a booking (PAYMENTS_PAGE), oldest first; throws NotFound. */
export async function listPayments(db: Db, bookingId: Id, opts: { limit?: number } = {}): Promise<Payment[]> {
  await getBooking(db, bookingId);
  return many(db, q.list_payments, [bookingId, pageLimit(opts.limit, PAYMENTS_PAGE)]);
}
