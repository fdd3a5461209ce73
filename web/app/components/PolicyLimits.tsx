import {
  ASSET_CODES,
  CASH_ASSETS,
  EDGE_MAX_UNITS,
  isCashAsset,
  type AssetCode,
} from '../../../domain/money.js';
import { groupDigits } from '../amounts.js';
import { Money } from './Money.js';

// The per-asset maximum amounts of a policy (its `maxAmount`, domain/amount-limits.ts) as a table
// and, for admins, one field per asset inside the policy page's form (one form, one reason per
// policy): an empty field is no limit of the policy's own. The fields post as `max.<ASSET>`.

/** The assets whose maximum each policy with limits takes. */
export const LIMIT_ASSETS: Readonly<Record<string, readonly AssetCode[]>> = {
  deposit: CASH_ASSETS,
  withdrawal: CASH_ASSETS,
  trading: ASSET_CODES,
};

/** What one asset's limit bounds in `policy`, in words. */
function bounds(policy: string, asset: AssetCode): string {
  if (policy === 'deposit') return 'one announced deposit';
  if (policy === 'withdrawal') return 'one withdrawal';
  return isCashAsset(asset) ? `one order's value, quoted in ${asset}` : `one order's quantity of ${asset}`;
}

/** Whether `policy` has a limits table (its maximum amounts are edited there, not in the JSON). */
export function hasLimits(policy: string): boolean {
  return Object.hasOwn(LIMIT_ASSETS, policy);
}

/** The form's `max.<ASSET>` fields as a maxAmount document (blank fields left out). */
export function maxAmountFromForm(policy: string, form: FormData): Record<string, string> {
  const maxAmount: Record<string, string> = {};
  for (const asset of LIMIT_ASSETS[policy] ?? []) {
    const text = String(form.get(`max.${asset}`) ?? '').trim();
    if (text !== '') maxAmount[asset] = text;
  }
  return maxAmount;
}

export function PolicyLimits({
  name,
  policy,
  mayEdit,
  fieldErrors,
}: {
  name: string;
  policy: Record<string, unknown>;
  mayEdit: boolean;
  /** Problems by field path (`policy.maxAmount.EUR`) from the last save of this policy. */
  fieldErrors: Record<string, string>;
}) {
  const assets = LIMIT_ASSETS[name];
  if (!assets) return null;
  const limits = (policy.maxAmount ?? {}) as Partial<Record<AssetCode, string>>;
  const edge = `no limit of its own (at most ${groupDigits(String(EDGE_MAX_UNITS))} per request)`;
  return (
    <section aria-labelledby={`limits-${name}`}>
      <h3 id={`limits-${name}`}>Maximum amounts</h3>
      <table className="grid limits">
        <thead>
          <tr>
            <th scope="col">Asset</th>
            <th scope="col">Limits</th>
            <th scope="col" className="num">
              In force
            </th>
            {mayEdit ? <th scope="col">New maximum</th> : null}
          </tr>
        </thead>
        <tbody>
          {assets.map((asset) => {
            const error = fieldErrors[`policy.maxAmount.${asset}`];
            return (
              <tr key={asset}>
                <th scope="row">{asset}</th>
                <td>{bounds(name, asset)}</td>
                <td className="num">
                  {limits[asset] ? (
                    <Money amount={limits[asset]} asset={asset} />
                  ) : (
                    <span className="muted">{edge}</span>
                  )}
                </td>
                {mayEdit ? (
                  <td>
                    <label>
                      <span className="visually-hidden">
                        {name} maximum in {asset}
                      </span>
                      <input
                        name={`max.${asset}`}
                        defaultValue={limits[asset] ?? ''}
                        inputMode="decimal"
                        placeholder="no limit"
                        maxLength={20}
                        aria-invalid={error ? true : undefined}
                        aria-describedby={error ? `limit-error-${name}-${asset}` : undefined}
                      />
                    </label>
                    {error ? (
                      <span className="error small" id={`limit-error-${name}-${asset}`}>
                        {error}
                      </span>
                    ) : null}
                  </td>
                ) : null}
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
