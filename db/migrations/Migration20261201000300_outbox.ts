import { Migration } from '@mikro-orm/migrations';

// Events and notifications (docs/notifications.md):
//   outbox_event              one row per business event, written in the transaction of its
//                             projection (activities/lifecycle.ts); dispatched_at is set by the
//                             dispatcher once the event is in its BullMQ queue
//   notification              a person's in-app notification, at most one per (event, user)
//   notification_preference   per user and event type: in-app and email on or off
//   notification_profile      per user: the locale amounts are written in
//   email_message             one row per (event, user) mail sent: consumed once even if the job runs twice
//   webhook_endpoint          a client's (or an admin's system) endpoint with its event types and secrets
//   webhook_delivery          one row per (endpoint, event): status, attempts, last status code
// (No question marks in this SQL: knex would read them as bindings.)
export class Migration20261201000300_outbox extends Migration {
  override async up(): Promise<void> {
    this.addSql(`
      CREATE TABLE outbox_event (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL,
        owner_id uuid,
        workflow_id text,
        data jsonb NOT NULL DEFAULT '{}'::jsonb,
        created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
        dispatched_at timestamptz,
        CONSTRAINT outbox_event_type_shape CHECK (type ~ '^[a-z][a-z0-9_]*\\.[a-z][a-z0-9_]*$'),
        CONSTRAINT outbox_event_data_object CHECK (jsonb_typeof(data) = 'object')
      );
    `);
    // The dispatcher's scan: only what is still to be published, oldest first.
    this.addSql(
      `CREATE INDEX outbox_event_pending_idx ON outbox_event (created_at, id) WHERE dispatched_at IS NULL;`,
    );

    this.addSql(`
      CREATE TABLE notification (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES outbox_event (id),
        user_id uuid NOT NULL REFERENCES app_user (id),
        type text NOT NULL,
        title text NOT NULL,
        body text NOT NULL,
        link text,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at timestamptz,
        CONSTRAINT notification_event_user_key UNIQUE (event_id, user_id)
      );
    `);
    this.addSql(
      `CREATE INDEX notification_user_created_idx ON notification (user_id, created_at DESC, id DESC);`,
    );
    this.addSql(`CREATE INDEX notification_user_unread_idx ON notification (user_id) WHERE read_at IS NULL;`);

    this.addSql(`
      CREATE TABLE notification_preference (
        user_id uuid NOT NULL REFERENCES app_user (id),
        event_type text NOT NULL,
        in_app boolean NOT NULL,
        email boolean NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, event_type)
      );
    `);
    this.addSql(`
      CREATE TABLE notification_profile (
        user_id uuid PRIMARY KEY REFERENCES app_user (id),
        locale text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
    `);
    this.addSql(`
      CREATE TABLE email_message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        event_id uuid NOT NULL REFERENCES outbox_event (id),
        recipient text NOT NULL,
        template text NOT NULL,
        message_id text,
        sent_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT email_message_event_recipient_key UNIQUE (event_id, recipient)
      );
    `);

    this.addSql(`
      CREATE TABLE webhook_endpoint (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        owner_id uuid NOT NULL REFERENCES app_user (id),
        system boolean NOT NULL DEFAULT false,
        url text NOT NULL,
        events text[] NOT NULL,
        secret text NOT NULL,
        previous_secret text,
        previous_secret_expires_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        deleted_at timestamptz,
        CONSTRAINT webhook_endpoint_events_some CHECK (cardinality(events) >= 1),
        CONSTRAINT webhook_endpoint_previous_pair CHECK ((previous_secret IS NULL) = (previous_secret_expires_at IS NULL))
      );
    `);
    this.addSql(
      `CREATE INDEX webhook_endpoint_owner_idx ON webhook_endpoint (owner_id) WHERE deleted_at IS NULL;`,
    );
    this.addSql(`
      CREATE TABLE webhook_delivery (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        endpoint_id uuid NOT NULL REFERENCES webhook_endpoint (id),
        event_id uuid NOT NULL REFERENCES outbox_event (id),
        event_type text NOT NULL,
        status text NOT NULL DEFAULT 'PENDING',
        attempts integer NOT NULL DEFAULT 0,
        last_status_code integer,
        last_error text,
        next_attempt_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        delivered_at timestamptz,
        redeliveries integer NOT NULL DEFAULT 0,
        CONSTRAINT webhook_delivery_endpoint_event_key UNIQUE (endpoint_id, event_id),
        CONSTRAINT webhook_delivery_status_known CHECK (status IN ('PENDING', 'DELIVERED', 'FAILED', 'DEAD')),
        CONSTRAINT webhook_delivery_attempts_nonnegative CHECK (attempts >= 0)
      );
    `);
    this.addSql(
      `CREATE INDEX webhook_delivery_endpoint_created_idx ON webhook_delivery (endpoint_id, created_at DESC, id DESC);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(
      'DROP TABLE webhook_delivery, webhook_endpoint, email_message, notification_profile, notification_preference, notification, outbox_event;',
    );
  }
}
