// A recorded text (a task summary, a timeline reason) as plain text, read the way RichText shows it:
// people by name and email, amounts grouped with their asset, instants in UTC written out. For the
// places without markup — a CSV cell, a mail subject — where a reader still never meets a UUID, an
// ungrouped amount or "…Z".
import { formatMoney, formatUtc } from './amounts.js';
import { personName, type People } from './components/Person.js';
import { textTokens } from './text-tokens.js';

export function plainText(text: string, people: People | undefined): string {
  return textTokens(text, (id) => Boolean(people?.[id]))
    .map((token) => {
      switch (token.kind) {
        case 'person':
          return personName(people, token.id);
        case 'amount':
          return formatMoney(token.amount, token.asset);
        case 'time':
          return formatUtc(token.at);
        default:
          return token.text;
      }
    })
    .join('');
}
