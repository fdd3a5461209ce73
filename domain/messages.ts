// What a person reads when a form is refused: the validation issues of the API (schema wording such
// as 'amounts are decimal strings like "1250.50"') turned into instructions ("Enter an amount like
// 1250.50"). Pure: a table of rules, first match wins, the API's own message as the last resort.
// English is the only language of the pages today; a second one is a second table.

export interface IssueLike {
  path: string;
  code?: string;
  message: string;
}

interface Rule {
  /** The issue this rule rewrites. */
  matches: (issue: IssueLike, field: string) => boolean;
  text: (issue: IssueLike, field: string) => string;
}

const AMOUNT_FIELD = /amount$/i;

function isAmountField(field: string): boolean {
  return AMOUNT_FIELD.test(field) || field === 'quantity' || field === 'price';
}

/** "receivedAmount" → "received amount", "iban" → "IBAN". */
export function fieldLabel(path: string): string {
  const last = path.split('.').filter(Boolean).at(-1) ?? path;
  const known: Record<string, string> = { iban: 'IBAN', bic: 'BIC', clientId: 'client', id: 'id' };
  if (known[last]) return known[last];
  return last.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
}

const RULES: readonly Rule[] = [
  {
    matches: (issue, field) => isAmountField(field) && issue.code === 'too_big',
    text: (issue) => {
      const cap = /at most ([\d.]+)/.exec(issue.message)?.[1];
      const asset = /^([A-Z]{3,4}) amounts/.exec(issue.message)?.[1];
      return cap
        ? `That amount is too large: enter at most ${groupThousands(cap)}${asset ? ` ${asset}` : ''}.`
        : 'That amount is too large.';
    },
  },
  {
    matches: (issue, field) => isAmountField(field) && /whole numbers/i.test(issue.message),
    text: () => 'Enter a whole number like 300.',
  },
  {
    matches: (issue, field) => isAmountField(field) && /decimal|scale|decimals|digits/i.test(issue.message),
    text: (issue) => {
      const scale = /at most (\d+) decimal/i.exec(issue.message)?.[1];
      return scale
        ? `Enter an amount like 1250.50, with at most ${scale} decimals.`
        : 'Enter an amount like 1250.50 (digits, a dot for the decimals, no thousands separators).';
    },
  },
  {
    matches: (issue, field) => isAmountField(field) && /zero|positive|greater/i.test(issue.message),
    text: () => 'Enter an amount greater than zero.',
  },
  {
    matches: (issue) => /required|expected string, received undefined/i.test(issue.message),
    text: (_issue, field) => `Enter the ${fieldLabel(field)}.`,
  },
  {
    matches: (issue) => issue.code === 'too_small' && /character|>=1|at least 1/i.test(issue.message),
    text: (_issue, field) => `Enter the ${fieldLabel(field)}.`,
  },
  {
    matches: (issue) => issue.code === 'too_big' && /character/i.test(issue.message),
    text: (issue, field) => {
      const max = /(\d+)/.exec(issue.message)?.[1];
      return `The ${fieldLabel(field)} is too long${max ? `: at most ${max} characters` : ''}.`;
    },
  },
  {
    matches: (issue) => /uuid/i.test(issue.message),
    text: (_issue, field) => `Choose the ${fieldLabel(field)} from the list.`,
  },
  {
    matches: (_issue, field) => /iban/i.test(field),
    text: () => 'Enter a valid IBAN, for example DE89 3704 0044 0532 0130 00.',
  },
  {
    matches: (issue, field) =>
      /currency|asset/i.test(field) && /enum|option|expected one of/i.test(issue.message),
    text: () => 'Choose a currency from the list.',
  },
  {
    matches: (issue) => /ISO|datetime|instant|date/i.test(issue.message),
    text: (_issue, field) => `Enter the ${fieldLabel(field)} as a date and time.`,
  },
];

function groupThousands(decimal: string): string {
  const [whole = '', fraction] = decimal.split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return fraction === undefined ? grouped : `${grouped}.${fraction}`;
}

/** The sentence a form shows beside `issue`'s field. */
export function friendlyIssue(issue: IssueLike): string {
  const field = issue.path;
  for (const rule of RULES) if (rule.matches(issue, field)) return rule.text(issue, field);
  // Unknown wording: the API's message, as a sentence.
  const text = issue.message.trim();
  return text
    ? `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`
    : 'Check this field.';
}

/** The line above the form: the whole refusal in a sentence. */
export function friendlyRefusal(code: string, message: string, issues: readonly IssueLike[]): string {
  if (code === 'validation_failed') {
    if (issues.length === 1) return friendlyIssue(issues[0]!);
    if (issues.length > 1) return 'Please correct the fields marked below.';
    return 'Please check what you entered.';
  }
  if (code === 'forbidden') return `You may not do this: ${message}.`;
  if (code === 'not_found') return 'This no longer exists or you may not see it.';
  if (code === 'rate_limited') return 'Too many attempts; wait a minute and try again.';
  if (code === 'temporarily_unavailable') return 'The service is busy; try again in a moment.';
  const text = message.trim();
  return text
    ? `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`
    : 'That did not work.';
}
