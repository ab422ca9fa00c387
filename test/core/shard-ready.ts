// Every project schema of the migrated template is shard-ready for Citus as its plan says
// (src/lib/core/shard-plans.ts, rules in src/lib/core/shards.ts), checked on the catalog: Citus is not
// installable here, so this is what can be proven. A broken fixture schema shows that each rule fails.
import t from 'tap';
import { shardPlans } from '../../src/lib/core/shard-plans.js';
import { citusStatements, projectSchemas, type ShardPlan, shardProblems } from '../../src/lib/core/shards.js';
import { testDb } from '../helpers/db.js';

const { superSql, ownerUrl } = await testDb(t);
const schemas = await projectSchemas(superSql);

t.test('every project schema has a plan, and every plan a schema', async (t) => {
  t.ok(schemas.includes('saas') && schemas.includes('todo'), 'the template has the project schemas', { schemas });
  t.same(
    schemas.filter((s) => !(s in shardPlans)),
    [],
    'a schema without an entry in src/lib/core/shard-plans.ts fails here',
  );
  t.same(
    Object.keys(shardPlans).filter((s) => !schemas.includes(s)),
    [],
    'no plan for a schema that does not exist',
  );
});

for (const schema of schemas) {
  const plan = shardPlans[schema];
  if (!plan) continue;
  t.test(`${schema}: Citus would accept it, but for its listed gaps`, async (t) => {
    const problems = await shardProblems(superSql, schema, plan);
    const gaps = plan.gaps ?? {};
    t.same(
      problems.filter((p) => !(p.constraint in gaps)),
      [],
      'no refusal beyond the gaps listed with their fix',
    );
    t.same(
      Object.keys(gaps).filter((name) => !problems.some((p) => p.constraint === name)),
      [],
      'every listed gap still fails (remove the ones a migration closed)',
    );
    t.ok(citusStatements(schema, plan).length > 0, 'the plan has its Citus statements');
  });
}

t.test('a broken fixture schema fails each rule', async (t) => {
  const { connect } = await import('../../src/lib/core/db.js');
  const owner = connect(ownerUrl, { max: 1 });
  t.teardown(() => owner.end({ timeout: 1 }));
  await owner.unsafe(`
    create schema shard_fixture;
    create table shard_fixture.tenants (id bigint primary key, name text not null);
    create table shard_fixture.plans (code text primary key);
    create table shard_fixture.notes (id bigint primary key, note text);
    create table shard_fixture.widgets (
      tenant_id bigint not null references shard_fixture.tenants (id),
      id        bigint not null,
      serial    text   not null,
      plan      text   references shard_fixture.plans (code),
      note_id   bigint references shard_fixture.notes (id),
      primary key (id),
      constraint widgets_serial_key unique (serial),
      constraint widgets_tenant_serial_key unique (tenant_id, serial),
      constraint widgets_id_tenant_key unique (id, tenant_id)
    );
    create unique index widgets_lower_serial_idx on shard_fixture.widgets (lower(serial));
    create table shard_fixture.parts (
      tenant_id bigint not null,
      widget_id bigint not null,
      id        bigint not null,
      primary key (tenant_id, id),
      constraint parts_widget_fkey foreign key (tenant_id, widget_id) references shard_fixture.widgets (id, tenant_id)
    );
    alter table shard_fixture.plans add column tenant_id bigint references shard_fixture.tenants (id);
    create table shard_fixture.forgotten (id bigint primary key);
  `);
  t.same(
    (await projectSchemas(superSql)).filter((s) => !(s in shardPlans)),
    ['shard_fixture'],
    'a schema without a plan is found',
  );
  const plan: ShardPlan = {
    key: 'tenant_id',
    tables: {
      tenants: { distributed: 'id' },
      widgets: { distributed: 'tenant_id' },
      parts: { distributed: 'tenant_id' },
      plans: 'reference',
      notes: 'local',
      ghosts: 'reference',
    },
  };
  const problems = await shardProblems(superSql, 'shard_fixture', plan);
  t.same(
    problems.map((p) => `${p.table}.${p.constraint}`),
    [
      'forgotten.forgotten', // no plan
      'ghosts.ghosts', // planned but missing
      'parts.parts_widget_fkey', // pairs tenant_id with widgets.id: not the distribution columns
      'plans.plans_tenant_id_fkey', // a reference table pointing at a distributed one
      'widgets.widgets_lower_serial_idx', // unique index without tenant_id
      'widgets.widgets_note_id_fkey', // a distributed table pointing at a local one
      'widgets.widgets_pkey', // primary key (id)
      'widgets.widgets_serial_key', // unique (serial)
    ],
    'each refusal, and nothing else (widgets_tenant_serial_key, widgets_id_tenant_key, the FKs to tenants and plans pass)',
    { problems },
  );
  // The same schema with its plan's other rules: a distribution column that is no column, keys of two types.
  const typed = await shardProblems(superSql, 'shard_fixture', {
    key: 'mixed',
    tables: {
      tenants: { distributed: 'name' },
      widgets: { distributed: 'tenant_id' },
      parts: { distributed: 'tenant' },
      plans: 'reference',
      notes: 'local',
      forgotten: 'local',
    },
  });
  t.ok(
    typed.some((p) => p.table === 'parts' && /not a column/.test(p.reason)),
    'a distribution column the table lacks',
  );
  t.ok(
    typed.some((p) => p.table === '*' && /different types/.test(p.reason)),
    'distribution columns of different types',
  );
  t.ok(
    typed.some((p) => p.constraint === 'widgets_tenant_id_fkey' && /does not pair/.test(p.reason)),
    'a foreign key onto a table distributed by another column',
  );
});
