/** A person as the pages name them: the display name, else the email; the role beside it. */
export interface PersonLabel {
  email: string;
  displayName: string;
}

export type People = Record<string, PersonLabel>;

export function personName(people: People | undefined, id: string | null | undefined): string {
  if (!id) return 'system';
  const person = people?.[id];
  if (!person) return 'unknown user';
  return person.displayName ? `${person.displayName} <${person.email}>` : person.email;
}

export function Person({
  people,
  id,
  role,
}: {
  people: People | undefined;
  id: string | null;
  role?: string;
}) {
  if (!id) return <span>system</span>;
  const person = people?.[id];
  return (
    <span className="person" title={person?.email}>
      {person ? person.displayName || person.email : 'unknown user'}
      {role ? <span className="muted"> · {role.replaceAll('_', ' ')}</span> : null}
    </span>
  );
}
