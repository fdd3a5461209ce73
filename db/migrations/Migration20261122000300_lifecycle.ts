import { Migration } from '@mikro-orm/migrations';

// The read model of every workflow lifecycle (deposit, withdrawal, KYC, ...), written only by the
// recordTransition activity (activities/lifecycle.ts), one transaction per transition:
//   lifecycle        one summary row per workflow (lists, filters)
//   lifecycle_event  the timeline, one row per transition, numbered by the workflow (seq)
//   task             the staff inbox: opened and closed by workflows, claimed by people
// (No question marks in this SQL: knex would read them as bindings.)
export class Migration20261122000300_lifecycle extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE lifecycle (
        workflow_id text PRIMARY KEY,
        type text NOT NULL,
        business_id text NOT NULL,
        owner_id uuid,
        status text NOT NULL,
        attributes jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL,
        updated_at timestamptz NOT NULL,
        closed_at timestamptz,
        last_seq integer NOT NULL,
        CONSTRAINT lifecycle_attributes_object CHECK (jsonb_typeof(attributes) = 'object'),
        CONSTRAINT lifecycle_last_seq_positive CHECK (last_seq >= 1)
      );
    `);
    this.addSql(`CREATE UNIQUE INDEX lifecycle_type_business_key ON lifecycle (type, business_id);`);
    // Staff lists: by type, optionally status, newest first (keyset on created_at, workflow_id).
    this.addSql(
      `CREATE INDEX lifecycle_type_status_created_idx ON lifecycle (type, status, created_at DESC, workflow_id DESC);`,
    );
    this.addSql(
      `CREATE INDEX lifecycle_type_created_idx ON lifecycle (type, created_at DESC, workflow_id DESC);`,
    );
    // A client's own lists, and the AML velocity look-back.
    this.addSql(
      `CREATE INDEX lifecycle_owner_created_idx ON lifecycle (owner_id, type, created_at DESC, workflow_id DESC);`,
    );

    this.addSql(`
      CREATE TABLE lifecycle_event (
        id bigserial PRIMARY KEY,
        workflow_id text NOT NULL REFERENCES lifecycle (workflow_id) DEFERRABLE INITIALLY DEFERRED,
        seq integer NOT NULL,
        at timestamptz NOT NULL,
        from_status text,
        to_status text NOT NULL,
        actor_id uuid,
        actor_role text,
        reason text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT lifecycle_event_seq_key UNIQUE (workflow_id, seq),
        CONSTRAINT lifecycle_event_seq_positive CHECK (seq >= 1),
        CONSTRAINT lifecycle_event_actor_pair CHECK ((actor_id IS NULL) = (actor_role IS NULL)),
        CONSTRAINT lifecycle_event_first_has_no_from CHECK ((seq = 1) = (from_status IS NULL))
      );
    `);

    this.addSql(`
      CREATE TABLE task (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        kind text NOT NULL,
        workflow_id text NOT NULL REFERENCES lifecycle (workflow_id) DEFERRABLE INITIALLY DEFERRED,
        subject_type text NOT NULL,
        subject_id text NOT NULL,
        required_role text NOT NULL,
        status text NOT NULL DEFAULT 'open',
        assignee uuid,
        claimed_at timestamptz,
        summary text,
        priority integer NOT NULL DEFAULT 0,
        version integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL,
        due_at timestamptz,
        completed_at timestamptz,
        completed_by uuid,
        outcome text,
        CONSTRAINT task_status_known CHECK (status IN ('open', 'claimed', 'done', 'cancelled')),
        CONSTRAINT task_role_known CHECK (required_role IN ('client', 'operations', 'aml_officer', 'auditor', 'admin')),
        -- A claimed task has an assignee; a closed one keeps whoever held it.
        CONSTRAINT task_claim_has_assignee CHECK (status <> 'claimed' OR assignee IS NOT NULL),
        CONSTRAINT task_open_unassigned CHECK (status <> 'open' OR assignee IS NULL),
        CONSTRAINT task_completion_consistent CHECK ((status IN ('done', 'cancelled')) = (completed_at IS NOT NULL))
      );
    `);
    // A retried activity, or a workflow re-opening a kind, can never leave two live tasks of a kind.
    this.addSql(`
      CREATE UNIQUE INDEX task_live_kind_key ON task (workflow_id, kind) WHERE status IN ('open', 'claimed');
    `);
    // The inbox: live tasks for a role, most urgent first.
    this.addSql(`
      CREATE INDEX task_inbox_idx ON task (required_role, status, priority DESC, due_at, created_at, id)
        WHERE status IN ('open', 'claimed');
    `);
    this.addSql(`CREATE INDEX task_workflow_idx ON task (workflow_id, created_at);`);
    this.addSql(`CREATE INDEX task_assignee_idx ON task (assignee) WHERE status = 'claimed';`);
  }

  override async down(): Promise<void> {
    this.addSql(`DROP TABLE IF EXISTS task;`);
    this.addSql(`DROP TABLE IF EXISTS lifecycle_event;`);
    this.addSql(`DROP TABLE IF EXISTS lifecycle;`);
  }
}
