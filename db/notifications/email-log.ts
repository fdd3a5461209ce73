// Mails sent (email_message): one row per (event, recipient), so a re-run job sends nothing twice.
import type pg from 'pg';

/**
 * Claims the (event, recipient) mail on `client` inside the transaction that ends after sending:
 * true when this is the first claim. A failed send rolls the claim back, so the retry sends.
 */
export async function claimEmail(
  client: pg.PoolClient,
  mail: { eventId: string; recipient: string; template: string },
): Promise<boolean> {
  const inserted = await client.query(
    `INSERT INTO email_message (event_id, recipient, template) VALUES ($1, $2, $3)
     ON CONFLICT (event_id, recipient) DO NOTHING`,
    [mail.eventId, mail.recipient, mail.template],
  );
  return inserted.rowCount === 1;
}

export async function recordEmailMessageId(
  client: pg.PoolClient,
  mail: { eventId: string; recipient: string; messageId: string },
): Promise<void> {
  await client.query(`UPDATE email_message SET message_id = $3 WHERE event_id = $1 AND recipient = $2`, [
    mail.eventId,
    mail.recipient,
    mail.messageId,
  ]);
}
