/**
 * The chat library's own errors: the SQLSTATEs its procedures raise (registered here, so importing
 * the library is what teaches `mapDbError` their meaning). Nothing here knows about HTTP.
 */
import { DbError, registerSqlState } from '../core/errors.js';

/** SQLSTATE raised when the caller is not a current member of the conversation (or it does not exist). */
export const NOT_A_MEMBER = 'CH001';
/** SQLSTATE raised when a member may not do this (edit another's message, add members as a plain member). */
export const NOT_ALLOWED = 'CH002';
/** SQLSTATE raised when the message does not exist or is deleted. */
export const NO_SUCH_MESSAGE = 'CH003';

/** CH001: not a current member of the conversation, or no such conversation (the two look the same). */
export class NotAMember extends DbError {
  override name = 'NotAMember';
}

/** CH002: a member, but their role or authorship does not allow this (constraint names the rule). */
export class NotAllowed extends DbError {
  override name = 'NotAllowed';
}

/** CH003: no such message in the conversation, or it was deleted. */
export class NoSuchMessage extends DbError {
  override name = 'NoSuchMessage';
}

registerSqlState(NOT_A_MEMBER, NotAMember);
registerSqlState(NOT_ALLOWED, NotAllowed);
registerSqlState(NO_SUCH_MESSAGE, NoSuchMessage);
