// The dashboards' and the navigation's figures for the pages (db/dashboards), per the viewer's role.
import { taskRolesFor } from '../../domain/roles.js';
import {
  amlHoldAgeing,
  dailyTrades,
  dailyVolume,
  openTasksByAge,
  taskCounts,
} from '../../db/dashboards/staff.js';
import type { AppDeps } from '../deps.js';
import { forbidden } from '../errors.js';
import type { WebUser } from './load-context.js';

const DASHBOARD_DAYS = 30;

export function dashboardWebServices(deps: AppDeps) {
  return {
    /** The inbox counts beside "Task inbox" in the navigation; none for roles without tasks. */
    taskCounts: async (user: WebUser) => {
      const roles = taskRolesFor(user.role);
      return roles.length === 0 ? null : taskCounts(deps.pool, roles, user.id);
    },
    staff: async (user: WebUser) => {
      if (user.role === 'client') throw forbidden('the staff dashboard is for staff');
      const roles = taskRolesFor(user.role);
      const [deposits, withdrawals, tasks, amlHolds, trades] = await Promise.all([
        dailyVolume(deps.pool, 'deposit', DASHBOARD_DAYS),
        dailyVolume(deps.pool, 'withdrawal', DASHBOARD_DAYS),
        roles.length === 0 ? Promise.resolve([]) : openTasksByAge(deps.pool, roles),
        amlHoldAgeing(deps.pool),
        dailyTrades(deps.pool, DASHBOARD_DAYS),
      ]);
      return { days: DASHBOARD_DAYS, deposits, withdrawals, tasks, amlHolds, trades };
    },
  };
}
