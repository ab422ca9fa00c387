/**
 * The booking library's own errors: the two custom SQLSTATEs raised by the bookings_check_status
 * trigger, and an overlap that names what it overlaps. Nothing here knows about HTTP.
 */
import { DbError, ExclusionViolation, type PgErrorFields } from '../core/errors.js';

/** SQLSTATE raised for a status change the status machine forbids (or a lapsed hold). */
export const ILLEGAL_TRANSITION = 'BK001';
/** SQLSTATE raised when a booking of a paying resource is confirmed with a balance due. */
export const PAYMENT_REQUIRED = 'BK002';

/** BK001: the booking cannot move to the requested status (constraint bookings_status_transition or bookings_hold_expired). */
export class IllegalTransition extends DbError { override name = 'IllegalTransition'; }

/** BK002: the resource requires payment and the booking still has a balance due (bookings_paid_before_confirm). */
export class PaymentRequired extends DbError { override name = 'PaymentRequired'; }

/** An active booking already blocks (part of) the requested period, buffers included. */
export interface ConflictingBooking {
  id: string;
  start_at: Date;
  end_at: Date;
}

/** 23P01 on bookings_no_overlap, with the bookings it collided with (empty if they vanished since). */
export class BookingConflict extends ExclusionViolation {
  override name = 'BookingConflict';
  constructor(fields: PgErrorFields, readonly conflicts: ConflictingBooking[], cause?: unknown) {
    super('the period overlaps an active booking of this resource', fields, cause);
  }
}

interface DriverError { code?: unknown; message?: unknown; constraint_name?: string; table_name?: string; schema_name?: string; detail?: string }

/** Maps BK001/BK002 driver errors to their classes; anything else is returned unchanged. */
export function mapBookingError(err: unknown): unknown {
  const e = err as DriverError | null;
  if (typeof e !== 'object' || e === null || (e.code !== ILLEGAL_TRANSITION && e.code !== PAYMENT_REQUIRED)) return err;
  const Class = e.code === ILLEGAL_TRANSITION ? IllegalTransition : PaymentRequired;
  return new Class(typeof e.message === 'string' ? e.message : 'booking state conflict', {
    code: e.code,
    constraint: e.constraint_name,
    table: e.table_name,
    schema: e.schema_name,
    detail: e.detail,
  }, err);
}
