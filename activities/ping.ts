import type pg from 'pg';

export function createPingActivities(pool: pg.Pool) {
  return {
    /** Reads the database clock, proving the worker reaches PostgreSQL. */
    async recordPing(message: string): Promise<string> {
      const { rows } = await pool.query<{ now: Date }>('SELECT now() AS now');
      if (message.length > 200) throw new Error('ping message too long');
      return rows[0]!.now.toISOString();
    },
  };
}

export type PingActivities = ReturnType<typeof createPingActivities>;
