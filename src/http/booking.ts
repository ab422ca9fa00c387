/**
 * /booking: resources, availability, free slots, bookings with a status machine, payments.
 * POST /bookings and POST /bookings/:id/payments honour an Idempotency-Key header.
 *
 * Who may do what. A customer (no token) reads the catalogue (resources, slots, utilisation), books,
 * and records a payment it started with the provider, always `pending`. Everything else needs the
 * admin token: resources, availability, blackouts, status changes, payments with a status, and every
 * read of a booking. Booking ids are sequential, so reading a booking by id without a credential
 * would hand out every customer's email; a per-booking secret would need a column. The provider's
 * signed callback (POST /payments/events, BOOKING_WEBHOOK_SECRET) settles a pending payment.
 */
import { Type, type Static } from '@sinclair/typebox';
import type { Response } from 'express';
import type { Db } from '../lib/core/db.js';
import * as booking from '../lib/booking/index.js';
import { idempotent, requestHash, type StoredResponse } from '../lib/core/idempotency.js';
import { InvalidSignature, SIGNATURE_TOLERANCE_SECONDS, verifySignedPayload } from '../lib/core/webhook.js';
import { unauthorized } from './core/admin.js';
import { Api, rawBody, type RouteGuard } from './core/api.js';
import { explainConstraint, HttpError, meaningOf, registerProblem } from './core/problem.js';
import { DateTime, Id, IdParams, Limit, Nullable, ProblemWith, StringEnum } from './core/schemas.js';

const meanings: [string, string, string][] = [
  ['resources_name_length', 'name', 'name must be 1 to 200 characters'],
  ['resources_time_zone_valid', 'timeZone', 'timeZone must be an IANA time zone such as Europe/Berlin'],
  ['resources_min_minutes_positive', 'minMinutes', 'minMinutes must be at least 1'],
  ['resources_max_minutes_range', 'maxMinutes', 'maxMinutes must be at least minMinutes and at most 10080 (7 days)'],
  ['resources_buffer_before_range', 'bufferBeforeMinutes', 'bufferBeforeMinutes must be 0 to 1440'],
  ['resources_buffer_after_range', 'bufferAfterMinutes', 'bufferAfterMinutes must be 0 to 1440'],
  ['resources_currency_iso', 'currency', 'currency must be an ISO 4217 code such as EUR'],
  ['resources_price_has_currency', 'currency', 'a price needs a currency'],
  ['resources_payment_needs_price', 'priceMinor', 'a resource that requires payment needs a price above 0'],
  ['availability_windows_start_before_end', 'windows', 'each window must start before it ends'],
  ['availability_windows_no_overlap', 'windows', 'windows of one weekday must not overlap'],
  ['blackouts_period_bounded', 'end', 'end must be after start'],
  ['bookings_period_bounded', 'end', 'end must be after start'],
  ['bookings_length_within_limits', 'end', "the booking length is outside the resource's minMinutes .. maxMinutes"],
  ['bookings_within_availability', 'start', "the period is outside the resource's availability windows"],
  ['bookings_outside_blackouts', 'start', 'the period overlaps a blackout of the resource'],
  ['bookings_resource_id_fkey', 'resourceId', 'no such resource'],
  ['bookings_customer_email_format', 'customerEmail', 'customerEmail must be an email address'],
  ['bookings_idempotency_key_key', 'idempotency-key', 'this Idempotency-Key already created a booking'],
  ['bookings_no_overlap', 'start', "the period (with the resource's buffers) overlaps an active booking"],
  ['date_range', 'to', 'to must be on or after from and at most 62 days later'],
  [
    'slot_count',
    'minutes',
    `at most ${booking.MAX_SLOTS} candidate slots (days x 1440 / minutes): lengthen minutes or shorten the range`,
  ],
  ['payments_booking_currency_fkey', 'currency', "currency must be the booking's currency"],
  ['payments_not_over_balance', 'amountMinor', 'a succeeded payment may not exceed the balance due'],
  ['payments_provider_reference_key', 'providerReference', 'this provider reference is already recorded'],
  ['payments_idempotency_key_key', 'idempotency-key', 'this Idempotency-Key already recorded a payment'],
  ['payments_currency_iso', 'currency', 'currency must be an ISO 4217 code such as EUR'],
  ['bookings_status_transition', 'status', 'the booking cannot move from its current status to this one'],
  ['bookings_hold_expired', 'status', 'the hold has expired'],
  ['bookings_paid_before_confirm', 'status', 'the resource requires payment: the booking still has a balance due'],
];
for (const [constraint, field, message] of meanings) explainConstraint('booking', constraint, { field, message });

// Overloads keep a non-null column non-null in the JSON types the response schemas check.
function iso(d: Date | string): string;
function iso(d: Date | string | null): string | null;
function iso(d: Date | string | null) {
  return d === null ? null : new Date(d).toISOString();
}
function int(v: string | number): number;
function int(v: string | number | null): number | null;
function int(v: string | number | null) {
  return v === null ? null : Number(v);
}

const WindowJson = Type.Object(
  {
    weekday: Type.Integer({ minimum: 0, maximum: 6, description: '0 = Sunday .. 6 = Saturday' }),
    start: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$', description: 'local "HH:MM", inclusive' }),
    end: Type.String({
      pattern: '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$',
      description: 'local "HH:MM", exclusive; "24:00" ends the day',
    }),
  },
  { additionalProperties: false },
);
const ResourceJson = Type.Object(
  {
    id: Type.Integer(),
    name: Type.String(),
    timeZone: Type.String(),
    minMinutes: Type.Integer(),
    maxMinutes: Type.Integer(),
    bufferBeforeMinutes: Type.Integer(),
    bufferAfterMinutes: Type.Integer(),
    requiresPayment: Type.Boolean(),
    priceMinor: Type.Integer(),
    currency: Nullable(Type.String()),
    windows: Type.Array(WindowJson),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);
const BookingJson = Type.Object(
  {
    id: Type.Integer(),
    resourceId: Type.Integer(),
    customerEmail: Type.String(),
    start: DateTime(),
    end: DateTime(),
    status: StringEnum(['held', 'pending', 'confirmed', 'completed', 'cancelled', 'expired', 'no_show'], {
      description: 'a lapsed hold reads as expired',
    }),
    holdExpiresAt: Nullable(DateTime()),
    priceMinor: Type.Integer(),
    currency: Nullable(Type.String()),
    balanceDueMinor: Type.Integer({ description: 'price minus succeeded payments, minor units' }),
    createdAt: DateTime(),
    updatedAt: DateTime(),
  },
  { additionalProperties: false },
);
const paymentStatus = StringEnum(['pending', 'succeeded', 'failed', 'refunded']);
const PaymentJson = Type.Object(
  {
    id: Type.Integer(),
    bookingId: Type.Integer(),
    amountMinor: Type.Integer(),
    currency: Type.String(),
    status: paymentStatus,
    providerReference: Type.String(),
    createdAt: DateTime(),
  },
  { additionalProperties: false },
);
const idempotencyHeader = Type.Object({
  'idempotency-key': Type.Optional(
    Type.String({
      minLength: 1,
      maxLength: 255,
      description: 'replays the first response for the same body; 422 for another body under the same key',
    }),
  ),
});
const dateRange = {
  from: Type.String({ format: 'date', description: 'first local date (resource time zone)' }),
  to: Type.String({ format: 'date', description: 'last local date, inclusive, at most 62 days after from' }),
};
const replayedHeader = {
  'Idempotent-Replayed': {
    description: '"true" when this is the stored response of an earlier request with the same Idempotency-Key',
  },
};
const conflict = { description: 'illegal status change or unpaid booking (problem names the constraint)' };

function resourceToJson(r: booking.Resource): Static<typeof ResourceJson> {
  return {
    id: Number(r.id),
    name: r.name,
    timeZone: r.time_zone,
    minMinutes: r.min_minutes,
    maxMinutes: r.max_minutes,
    bufferBeforeMinutes: r.buffer_before_minutes,
    bufferAfterMinutes: r.buffer_after_minutes,
    requiresPayment: r.requires_payment,
    priceMinor: Number(r.price_minor),
    currency: r.currency,
    windows: r.windows,
    createdAt: iso(r.created_at),
  };
}

function bookingToJson(b: booking.Booking): Static<typeof BookingJson> {
  return {
    id: Number(b.id),
    resourceId: Number(b.resource_id),
    customerEmail: b.customer_email,
    start: iso(b.start_at),
    end: iso(b.end_at),
    status: b.status,
    holdExpiresAt: iso(b.hold_expires_at),
    priceMinor: int(b.price_minor),
    currency: b.currency,
    balanceDueMinor: int(b.balance_due_minor),
    createdAt: iso(b.created_at),
    updatedAt: iso(b.updated_at),
  };
}

function paymentToJson(p: booking.Payment): Static<typeof PaymentJson> {
  return {
    id: Number(p.id),
    bookingId: Number(p.booking_id),
    amountMinor: Number(p.amount_minor),
    currency: p.currency,
    status: p.status,
    providerReference: p.provider_reference,
    createdAt: iso(p.created_at),
  };
}

// The booking library's own errors: state conflicts are 409, and an overlap lists what it overlaps.
registerProblem(booking.BookingConflict, (err) => {
  const conflicts = err.conflicts.map((c) => ({ id: Number(c.id), start: iso(c.start_at), end: iso(c.end_at) }));
  return {
    status: 409,
    title: 'Overlaps an active booking',
    detail: `the period overlaps ${conflicts.length ? `booking ${conflicts.map((c) => c.id).join(', ')}` : 'an active booking'} of this resource (buffers included)`,
    constraint: err.constraint,
    errors: [{ in: 'body', field: 'start', message: 'overlaps an active booking' }],
    conflicts,
  };
});
registerProblem(booking.IllegalTransition, (err) => ({
  status: 409,
  title: 'Illegal status change',
  detail: meaningOf(err)?.message,
  constraint: err.constraint,
}));
registerProblem(booking.PaymentAlreadySettled, (err) => ({
  status: 409,
  title: 'Payment already settled',
  detail: err.message,
  errors: [{ in: 'body', field: 'status', message: `the payment is already ${err.status}` }],
}));
registerProblem(InvalidSignature, (err) => ({
  status: 400,
  title: 'Invalid signature',
  detail: `the Booking-Signature header is ${err.reason}`,
  errors: [{ in: 'header', field: 'booking-signature', message: err.reason }],
}));
registerProblem(booking.PaymentRequired, (err) => ({
  status: 409,
  title: 'Payment required before confirming',
  detail: meaningOf(err)?.message,
  constraint: err.constraint,
}));

/** Runs a write once per Idempotency-Key (when given) and sends its response. */
async function respondOnce(
  db: Db,
  res: Response,
  scope: string,
  key: string | undefined,
  body: unknown,
  work: (db: Db) => Promise<StoredResponse<{ id: number }>>,
  location: (id: number) => string,
) {
  const out =
    key === undefined
      ? { ...(await work(db)), replayed: false }
      : await idempotent(db, booking.idempotencyQueries, scope, key, requestHash(body), work);
  if (out.replayed) res.set('Idempotent-Replayed', 'true');
  res.status(out.status).location(location(out.body.id)).json(out.body);
}

export interface BookingApiOptions {
  /** The admin-token guard of the administration routes. */
  admin: RouteGuard;
  /** Secret of the payment provider's signed callbacks; without one POST /payments/events is 503. */
  webhookSecret?: string | undefined;
}

export function bookingApi(db: Db, { admin: guard, webhookSecret }: BookingApiOptions): Api {
  const api = new Api('/booking', 'booking', 'Project 6: bookings that the database refuses to double-book');
  const admin = { guard };
  api.route({
    security: admin,
    method: 'post',
    path: '/resources',
    summary: 'Create a resource',
    body: Type.Object(
      {
        name: Type.String({ minLength: 1, maxLength: 200 }),
        timeZone: Type.String({ minLength: 1, maxLength: 64, description: 'IANA zone, e.g. Europe/Berlin' }),
        minMinutes: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 10080, default: booking.RESOURCE_DEFAULTS.minMinutes }),
        ),
        maxMinutes: Type.Optional(
          Type.Integer({ minimum: 1, maximum: 10080, default: booking.RESOURCE_DEFAULTS.maxMinutes }),
        ),
        bufferBeforeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440, default: 0 })),
        bufferAfterMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 1440, default: 0 })),
        requiresPayment: Type.Optional(
          Type.Boolean({ default: false, description: 'bookings cannot be confirmed before paid in full' }),
        ),
        priceMinor: Type.Optional(
          Type.Integer({
            minimum: 0,
            maximum: Number.MAX_SAFE_INTEGER,
            default: 0,
            description: 'price per booking in minor units',
          }),
        ),
        currency: Type.Optional(
          Nullable(Type.String({ pattern: '^[A-Z]{3}$', description: 'ISO 4217, required with a price' })),
        ),
      },
      { additionalProperties: false },
    ),
    responses: {
      201: {
        description: 'created',
        schema: ResourceJson,
        headers: { Location: { description: 'URL of the resource' } },
      },
    },
    handler: async ({ body }, req, res) => {
      const r = await booking.createResource(db, body);
      res.status(201).location(`${req.baseUrl}/resources/${r.id}`).json(resourceToJson(r));
    },
  });
  api.route({
    method: 'get',
    path: '/resources/:id',
    summary: 'Get a resource with its availability windows',
    params: IdParams,
    responses: { 200: { description: 'the resource', schema: ResourceJson }, 404: { description: 'no such resource' } },
    handler: async ({ params }, _req, res) => {
      res.json(resourceToJson(await booking.getResource(db, params.id)));
    },
  });
  api.route({
    security: admin,
    method: 'put',
    path: '/resources/:id/availability',
    summary: 'Replace the weekly availability windows',
    description: "Local times in the resource's zone. A resource without windows is available around the clock.",
    params: IdParams,
    body: Type.Object({ windows: Type.Array(WindowJson, { maxItems: 100 }) }, { additionalProperties: false }),
    responses: { 200: { description: 'the resource', schema: ResourceJson }, 404: { description: 'no such resource' } },
    handler: async ({ params, body }, _req, res) => {
      res.json(resourceToJson(await booking.replaceAvailability(db, params.id, body.windows)));
    },
  });
  api.route({
    security: admin,
    method: 'post',
    path: '/resources/:id/blackouts',
    summary: 'Add a blackout period (no new bookings overlap it)',
    params: IdParams,
    body: Type.Object(
      { start: DateTime(), end: DateTime(), reason: Type.Optional(Type.String({ maxLength: 500 })) },
      { additionalProperties: false },
    ),
    responses: {
      201: {
        description: 'created',
        schema: Type.Object(
          {
            id: Type.Integer(),
            resourceId: Type.Integer(),
            start: DateTime(),
            end: DateTime(),
            reason: Nullable(Type.String()),
          },
          { additionalProperties: false },
        ),
      },
    },
    handler: async ({ params, body }, _req, res) => {
      const b = await booking.createBlackout(db, params.id, body);
      res.status(201).json({
        id: Number(b.id),
        resourceId: Number(b.resource_id),
        start: iso(b.start_at),
        end: iso(b.end_at),
        reason: b.reason,
      });
    },
  });
  api.route({
    method: 'get',
    path: '/resources/:id/slots',
    summary: 'Free slots between two local dates (DST-correct)',
    params: IdParams,
    query: Type.Object(
      {
        ...dateRange,
        minutes: Type.Integer({
          minimum: 1,
          maximum: 10080,
          description: "slot length; must be within the resource's limits",
        }),
      },
      { additionalProperties: false },
    ),
    responses: {
      200: {
        description: 'free slots, earliest first',
        schema: Type.Array(
          Type.Object(
            {
              start: DateTime(),
              end: DateTime(),
              localStart: Type.String({ description: "YYYY-MM-DDTHH:MM in the resource's zone" }),
            },
            { additionalProperties: false },
          ),
        ),
      },
      404: { description: 'no such resource' },
    },
    handler: async ({ params, query }, _req, res) => {
      const slots = await booking.listSlots(db, params.id, query);
      res.json(slots.map((s) => ({ start: iso(s.start_at), end: iso(s.end_at), localStart: s.local_start })));
    },
  });
  api.route({
    method: 'get',
    path: '/resources/:id/utilisation',
    summary: 'Available and booked minutes per local day',
    params: IdParams,
    query: Type.Object(dateRange, { additionalProperties: false }),
    responses: {
      200: {
        description: 'one entry per day',
        schema: Type.Array(
          Type.Object(
            {
              date: Type.String({ format: 'date' }),
              availableMinutes: Type.Integer(),
              bookedMinutes: Type.Integer(),
              utilisation: Nullable(Type.Number()),
            },
            { additionalProperties: false },
          ),
        ),
      },
      404: { description: 'no such resource' },
    },
    handler: async ({ params, query }, _req, res) => {
      const days = await booking.resourceUtilisation(db, params.id, query);
      res.json(
        days.map((d) => ({
          date: d.day,
          availableMinutes: d.available_minutes,
          bookedMinutes: d.booked_minutes,
          utilisation:
            d.available_minutes > 0 ? Math.round((d.booked_minutes / d.available_minutes) * 1000) / 1000 : null,
        })),
      );
    },
  });
  api.route({
    method: 'post',
    path: '/bookings',
    summary: 'Book a period of a resource',
    description:
      'An overlap with an active booking (buffers included) is 409 and lists the conflicting bookings; outside availability, in a blackout or a bad length is 422. `hold: true` makes a hold that lapses after holdMinutes (default 15); a lapsed hold never blocks.',
    headers: idempotencyHeader,
    body: Type.Object(
      {
        resourceId: Id,
        start: DateTime(),
        end: DateTime(),
        customerEmail: Type.String({ format: 'email', maxLength: 254 }),
        hold: Type.Optional(Type.Boolean({ default: false })),
        holdMinutes: Type.Optional(
          Type.Integer({
            minimum: 1,
            maximum: 1440,
            description: `life of a hold, default ${booking.DEFAULT_HOLD_MINUTES}`,
          }),
        ),
      },
      { additionalProperties: false },
    ),
    responses: {
      201: {
        description: 'booked',
        schema: BookingJson,
        headers: { Location: { description: 'URL of the booking' }, ...replayedHeader },
      },
      409: {
        description: 'overlaps an active booking: the problem has `conflicts: [{id, start, end}]`',
        contentType: 'application/problem+json',
        schema: ProblemWith({
          conflicts: Type.Optional(
            Type.Array(
              Type.Object({ id: Type.Integer(), start: DateTime(), end: DateTime() }, { additionalProperties: false }),
            ),
          ),
        }),
      },
      422: {
        description:
          'outside availability, in a blackout, bad length, unknown resource, or an Idempotency-Key reused with another body',
      },
    },
    handler: async ({ body, headers }, req, res) => {
      const key = headers['idempotency-key'];
      await respondOnce(
        db,
        res,
        'POST /booking/bookings',
        key,
        body,
        async (tx) => ({
          status: 201,
          body: bookingToJson(
            await booking.createBooking(tx, {
              resourceId: body.resourceId,
              customerEmail: body.customerEmail,
              start: body.start,
              end: body.end,
              holdMinutes: body.hold ? (body.holdMinutes ?? booking.DEFAULT_HOLD_MINUTES) : undefined,
              idempotencyKey: key,
            }),
          ),
        }),
        (id) => `${req.baseUrl}/bookings/${id}`,
      );
    },
  });
  api.route({
    security: admin,
    method: 'get',
    path: '/bookings/:id',
    summary: 'Get a booking (with its balance due)',
    params: IdParams,
    responses: { 200: { description: 'the booking', schema: BookingJson }, 404: { description: 'no such booking' } },
    handler: async ({ params }, _req, res) => {
      res.json(bookingToJson(await booking.getBooking(db, params.id)));
    },
  });
  const transitions: [string, string, (db: Db, id: number) => Promise<booking.Booking>][] = [
    ['confirm', 'held or pending -> confirmed (a paying resource needs the balance paid)', booking.confirmBooking],
    ['cancel', 'held, pending or confirmed -> cancelled', booking.cancelBooking],
    ['complete', 'confirmed -> completed', booking.completeBooking],
    ['no-show', 'confirmed -> no_show', booking.markNoShow],
  ];
  for (const [verb, summary, fn] of transitions) {
    api.route({
      security: admin,
      method: 'post',
      path: `/bookings/:id/${verb}`,
      summary,
      params: IdParams,
      responses: {
        200: { description: 'the booking', schema: BookingJson },
        404: { description: 'no such booking' },
        409: conflict,
      },
      handler: async ({ params }, _req, res) => {
        res.json(bookingToJson(await fn(db, params.id)));
      },
    });
  }
  api.route({
    security: { guard, optional: true },
    method: 'post',
    path: '/bookings/:id/payments',
    summary: 'Record a payment for a booking',
    description:
      "Without the admin token: a payment the customer started with the provider, recorded `pending` until the provider's signed callback settles it (a `status` other than pending is 401). With it: any status, default `succeeded`.",
    params: IdParams,
    headers: idempotencyHeader,
    body: Type.Object(
      {
        amountMinor: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'minor units (cents)' }),
        currency: Type.String({ pattern: '^[A-Z]{3}$', description: "ISO 4217; must be the booking's currency" }),
        providerReference: Type.String({
          minLength: 1,
          maxLength: 255,
          description: "the payment provider's id; unique",
        }),
        status: Type.Optional(
          StringEnum(['pending', 'succeeded', 'failed', 'refunded'], {
            description: 'admin only but pending; default succeeded for the admin, pending for a customer',
          }),
        ),
      },
      { additionalProperties: false },
    ),
    responses: {
      201: { description: 'recorded', schema: PaymentJson, headers: replayedHeader },
      401: { description: 'a status other than pending without the admin token, or a wrong token' },
      404: { description: 'no such booking' },
      409: { description: 'provider reference already recorded' },
      422: { description: 'wrong currency, more than the balance due, or an Idempotency-Key reused with another body' },
    },
    handler: async ({ params, body, headers }, req, res) => {
      const isAdmin = guard.allows(req);
      if (!isAdmin && body.status !== undefined && body.status !== 'pending') {
        throw unauthorized(`only the admin records a payment as ${body.status}`);
      }
      // The status is part of what the key replays: a customer's pending payment and the desk's
      // succeeded one under the same key and body are different requests.
      const payment = { ...body, status: body.status ?? (isAdmin ? 'succeeded' : 'pending') };
      const key = headers['idempotency-key'];
      await respondOnce(
        db,
        res,
        `POST /booking/bookings/${params.id}/payments`,
        key,
        payment,
        async (tx) => ({
          status: 201,
          body: paymentToJson(await booking.createPayment(tx, params.id, { ...payment, idempotencyKey: key })),
        }),
        () => `${req.baseUrl}/bookings/${params.id}/payments`,
      );
    },
  });
  api.route({
    method: 'post',
    path: '/payments/events',
    summary: "The payment provider's signed callback: settles a pending payment",
    description: `Signed like Stripe's webhooks: \`Booking-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>" under BOOKING_WEBHOOK_SECRET>\`, at most ${SIGNATURE_TOLERANCE_SECONDS} s old. A redelivery is a no-op (200, \`Idempotent-Replayed: true\`).`,
    headers: Type.Object({ 'booking-signature': Type.String({ minLength: 1, maxLength: 1024 }) }),
    body: Type.Object(
      {
        providerReference: Type.String({ minLength: 1, maxLength: 255 }),
        status: StringEnum(['succeeded', 'failed']),
      },
      { additionalProperties: false },
    ),
    responses: {
      200: { description: 'the settled payment', schema: PaymentJson, headers: replayedHeader },
      400: { description: 'missing, malformed, expired or wrong signature, or a bad body' },
      404: { description: 'no payment has this provider reference' },
      409: { description: 'the payment was already settled otherwise' },
      422: { description: 'a success above the balance due' },
      503: { description: 'BOOKING_WEBHOOK_SECRET is not configured' },
    },
    handler: async ({ body, headers }, req, res) => {
      if (!webhookSecret) {
        throw new HttpError(503, 'Not configured', 'payment callbacks need BOOKING_WEBHOOK_SECRET');
      }
      verifySignedPayload(headers['booking-signature'], rawBody(req), webhookSecret);
      const { payment, changed } = await booking.settlePayment(db, body.providerReference, body.status);
      if (!changed) res.set('Idempotent-Replayed', 'true');
      res.json(paymentToJson(payment));
    },
  });
  api.route({
    security: admin,
    method: 'get',
    path: '/bookings/:id/payments',
    summary: 'Payments of a booking, oldest first',
    params: IdParams,
    query: Type.Object({ limit: Limit(booking.PAYMENTS_PAGE) }, { additionalProperties: false }),
    responses: {
      200: { description: 'payments', schema: Type.Array(PaymentJson) },
      404: { description: 'no such booking' },
    },
    handler: async ({ params, query }, _req, res) => {
      res.json((await booking.listPayments(db, params.id, query)).map(paymentToJson));
    },
  });
  api.route({
    security: admin,
    method: 'get',
    path: '/customers/:email/bookings',
    summary: 'Upcoming active bookings of a customer, soonest first',
    params: Type.Object({ email: Type.String({ minLength: 3, maxLength: 254 }) }, { additionalProperties: false }),
    query: Type.Object({ limit: Limit(booking.CUSTOMER_BOOKINGS_PAGE) }, { additionalProperties: false }),
    responses: { 200: { description: 'bookings', schema: Type.Array(BookingJson) } },
    handler: async ({ params, query }, _req, res) => {
      res.json((await booking.listCustomerBookings(db, params.email, query)).map(bookingToJson));
    },
  });
  return api;
}
