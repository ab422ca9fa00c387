/**
 * How Citus would hold each project's tables: one entry per project schema, checked on the migrated
 * catalog by test/core/shard-ready.ts (rules in shards.ts). A new project adds its entry here; the test
 * fails for a project schema without one, for a table of it without a plan, and for every constraint
 * Citus would refuse that is not listed, with its reason and fix, under `gaps`. The reasons behind each
 * plan, the statements that fan out to every shard and the migrations that would close the gaps are in
 * the project's docs/<project>.md ("Sharding with Citus").
 */
import type { ShardPlan } from './shards.js';

export const shardPlans: Record<string, ShardPlan> = {
  todo: {
    key: 'id (Todo-Backend has no owner: each todo is its own shard key)',
    tables: { todos: { distributed: 'id' } },
  },
  booking: {
    key: 'resource_id (the no-overlap exclusion is per resource)',
    tables: {
      resources: { distributed: 'id' },
      availability_windows: { distributed: 'resource_id' },
      blackouts: { distributed: 'resource_id' },
      bookings: { distributed: 'resource_id' },
      payments: { distributed: 'booking_id' },
      // Keyed by (scope, key), a text: not co-locatable with the bigint keys; small and short-lived.
      idempotency_keys: 'local',
    },
    gaps: {
      availability_windows_pkey: 'primary key (id): needs primary key (resource_id, id)',
      blackouts_pkey: 'primary key (id): needs primary key (resource_id, id)',
      bookings_pkey: 'primary key (id): needs primary key (resource_id, id), and routes that carry the resource',
      bookings_id_currency_key: 'unique (id, currency), the target of payments: needs (resource_id, id, currency)',
      bookings_idempotency_key_key: 'globally unique idempotency key: needs (resource_id, idempotency_key)',
      payments_booking_currency_fkey: 'payments have no resource_id: add it, distribute payments by it',
      payments_idempotency_key_key: 'globally unique: needs the resource (or payments as a local table)',
      payments_provider_reference_key:
        'the provider reference is looked up without a booking: keep a local lookup table provider_reference -> (resource_id, id)',
      payments_pkey: 'primary key (id) under booking_id: goes with payments_booking_currency_fkey',
    },
  },
  saas: {
    key: 'org_id (the tenant: every tenant table carries it in its primary key and foreign keys)',
    tables: {
      orgs: { distributed: 'id' },
      memberships: { distributed: 'org_id' },
      invitations: { distributed: 'org_id' },
      teams: { distributed: 'org_id' },
      team_members: { distributed: 'org_id' },
      projects: { distributed: 'org_id' },
      tasks: { distributed: 'org_id' },
      // People belong to several orgs and log in before naming one: one copy per node.
      users: 'reference',
      // The token signing key, read by every server at start.
      settings: 'reference',
    },
    gaps: {
      invitations_token_hash_key:
        'acceptance finds the invitation by its token before the invitee is in any org: a reference (or local) table token_hash -> (org_id, id)',
    },
  },
  blog: {
    key: 'article id (articles by id; their comments, tags and favourites by article_id)',
    tables: {
      articles: { distributed: 'id' },
      comments: { distributed: 'article_id' },
      article_tags: { distributed: 'article_id' },
      favorites: { distributed: 'article_id' },
      follows: { distributed: 'follower_id' },
      // Read on every request, written rarely (sign-ups, new tags, the signing secret once).
      users: 'reference',
      tags: 'reference',
      settings: 'reference',
    },
    gaps: {
      articles_slug_key:
        'slugs are unique across all articles: needs a reference (or local) table slug -> article id, or the id in the slug',
      comments_pkey: 'primary key (id): needs primary key (article_id, id)',
    },
  },
  expense: {
    key: 'plan_id (a budget: every table of a plan carries it, and composite foreign keys pair it)',
    tables: {
      plans: { distributed: 'id' },
      accounts: { distributed: 'plan_id' },
      category_groups: { distributed: 'plan_id' },
      categories: { distributed: 'plan_id' },
      payees: { distributed: 'plan_id' },
      transactions: { distributed: 'plan_id' },
      subtransactions: { distributed: 'plan_id' },
      month_budgets: { distributed: 'plan_id' },
      scheduled_transactions: { distributed: 'plan_id' },
      exchange_rates: { distributed: 'plan_id' },
      // Who signs in, and their bearer tokens, are looked up before any plan is named.
      users: 'reference',
      access_tokens: 'reference',
    },
    gaps: {
      accounts_pkey: 'primary key (id): needs primary key (plan_id, id) (ids are uuids, so no sequence to share)',
      category_groups_pkey:
        'primary key (id): needs primary key (plan_id, id) (ids are uuids, so no sequence to share)',
      categories_pkey: 'primary key (id): needs primary key (plan_id, id) (ids are uuids, so no sequence to share)',
      payees_pkey: 'primary key (id): needs primary key (plan_id, id) (ids are uuids, so no sequence to share)',
      transactions_pkey: 'primary key (id): needs primary key (plan_id, id) (ids are uuids, so no sequence to share)',
      subtransactions_pkey:
        'primary key (id): needs primary key (plan_id, id) (ids are uuids, so no sequence to share)',
      scheduled_transactions_pkey:
        'primary key (id): needs primary key (plan_id, id) (ids are uuids, so no sequence to share)',
      month_budgets_pkey: 'primary key (category_id, month): needs (plan_id, category_id, month)',
      payees_transfer_account_id_key: 'unique (transfer_account_id): needs (plan_id, transfer_account_id)',
      transactions_import_id_key: 'unique (account_id, import_id): needs (plan_id, account_id, import_id)',
      subtransactions_transaction_id_fkey: 'references transactions (id): needs (plan_id, transaction_id)',
      transactions_transfer_transaction_id_fkey:
        'references transactions (id): needs (plan_id, transfer_transaction_id) (a transfer stays inside its plan)',
    },
  },
  chat: {
    key: 'conversation_id (a conversation and its members, messages, events and reactions)',
    tables: {
      conversations: { distributed: 'id' },
      members: { distributed: 'conversation_id' },
      membership_events: { distributed: 'conversation_id' },
      messages: { distributed: 'conversation_id' },
      message_events: { distributed: 'conversation_id' },
      reactions: { distributed: 'conversation_id' },
      attachments: { distributed: 'conversation_id' },
      users: 'reference',
    },
    gaps: {
      membership_events_pkey: 'primary key (id): needs primary key (conversation_id, id)',
      message_events_pkey: 'primary key (id): needs primary key (conversation_id, id)',
      attachments_pkey: 'primary key (id): needs primary key (conversation_id, id)',
      conversations_direct_pair_key:
        'one direct conversation per pair is checked across conversations: a reference (or local) table (low, high) -> conversation id',
    },
  },
  queue: {
    key: null,
    // Not distributed: a claim must see every ready job of a queue in one index scan, SKIP LOCKED
    // across shards would take a batch per shard, and LISTEN/NOTIFY reach one node. A queue outgrows
    // one server by splitting queues across databases, not by sharding one (docs/queue.md).
    tables: {
      jobs: 'local',
      job_history: 'local',
      queues: 'local',
      workers: 'local',
      schedules: 'local',
      schedule_ticks: 'local',
    },
  },
};
