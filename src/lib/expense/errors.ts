/**
 * The expense library's own errors: EX001, raised by expense.convert when a report meets a row in
 * a currency with no exchange rate on or before its date (registered here, so importing the
 * library teaches `mapDbError` its meaning). Nothing here knows about HTTP.
 */
import { DbError, registerSqlState } from '../core/errors.js';

/** SQLSTATE raised by expense.convert: no rate for a row's currency on or before its date. */
export const MISSING_EXCHANGE_RATE = 'EX001';

/** EX001: a report needs a rate that was never recorded (PUT .../exchange_rates first). */
export class MissingExchangeRate extends DbError {
  override name = 'MissingExchangeRate';
}

registerSqlState(MISSING_EXCHANGE_RATE, MissingExchangeRate);
