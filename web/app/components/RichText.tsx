import { textTokens } from '../text-tokens.js';
import { Money } from './Money.js';
import { Person, type People } from './Person.js';
import { Time } from './Time.js';

/**
 * A recorded text (a timeline reason, a task summary) as people read it: the ids of people the
 * loader looked up by name, amounts grouped with their asset, instants in the viewer's time zone.
 */
export function RichText({ text, people }: { text: string; people: People | undefined }) {
  return (
    <>
      {textTokens(text, (id) => Boolean(people?.[id])).map((token, index) => {
        switch (token.kind) {
          case 'person':
            return <Person key={index} people={people} id={token.id} />;
          case 'amount':
            return <Money key={index} amount={token.amount} asset={token.asset} />;
          case 'time':
            return <Time key={index} at={token.at} />;
          default:
            return token.text;
        }
      })}
    </>
  );
}
