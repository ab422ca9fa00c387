/**
 * The saas library's own SQLSTATE meaning, registered at import so that `mapDbError` knows it.
 * Nothing here knows about HTTP.
 */
import { DbError, PgGrindError, registerSqlState } from '../core/errors.js';

/**
 * 42501 insufficient_privilege. In saas it comes from a row-level-security WITH CHECK that
 * refused a written row (an admin granting 'owner', a member writing into another team), or from
 * saas.create_org() when it ran without a user (no `asUser`). The library turns the first kind
 * into `Forbidden` naming the action; any other reaching a caller is still a refusal.
 */
export class RowSecurityRefused extends DbError {
  override name = 'RowSecurityRefused';
}

registerSqlState('42501', RowSecurityRefused);

/**
 * The invitation token was right, but its invitation expired (410): the invitee asks for a new
 * one. A wrong or already used token is `NotFound('invitation')` instead; neither says which org
 * the token was for.
 */
export class InvitationExpired extends PgGrindError {
  override name = 'InvitationExpired';
  constructor() {
    super('invitation expired');
  }
}
