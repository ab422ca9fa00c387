/**
 * The booking library's own errors: the two custom SQLSTATEs raised by the bookings_check_status
 * trigger (registered here, so importing the library is what teaches `mapDbError` their meaning),
 * and an overlap that names what it overlaps. Nothing here knows about HTTP.
 */
import { DbError, ExclusionViolation, PgGrindError, registerSqlState, type PgErrorFields } from '../core/errors.js';

/** SQLSTATE raised for a status change the status machine forbids (or a lapsed hold). */
export const ILLEGAL_TRANSITION = 'BK001';
/** SQLSTATE raised when a booking of a paying resource is confirmed with a balance due. */
export const PAYMENT_REQUIRED = 'BK002';

/** BK001: the booking cannot move to the requested status (constraint bookings_status_transition or bookings_hold_expired). */
export class IllegalTransition extends DbError {
  override name = 'IllegalTransition';
}

/** BK002: the resource requires payment and the booking still has a balance due (bookings_paid_before_confirm). */
export class PaymentRequired extends DbError {
  override name = 'PaymentRequired';
}

/** An active booking already blocks (part of) the requested period, buffers included. */
export interface ConflictingBooking {
  id: string;
  start_at: Date;
  end_at: Date;
}

/** 23P01 on bookings_no_overlap, with the bookings it collided with (empty if they vanished since). */
export class BookingConflict extends ExclusionViolation {
  override name = 'BookingConflict';
  constructor(
    fields: PgErrorFields,
    readonly conflicts: ConflictingBooking[],
    cause?: unknown,
  ) {
    super('the period overlaps an active booking of this resource', fields, cause);
  }
}

/** A provider reported a payment `reported` that an earlier report already settled as `status`. */
export class PaymentAlreadySettled extends PgGrindError {
  override name = 'PaymentAlreadySettled';
  constructor(
    readonly status: string,
    readonly reported: string,
  ) {
    super(`the payment is already ${status}, not ${reported}`);
  }
}

registerSqlState(ILLEGAL_TRANSITION, IllegalTransition);
registerSqlState(PAYMENT_REQUIRED, PaymentRequired);
