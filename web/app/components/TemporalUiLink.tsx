/**
 * The link from a staff lifecycle page to its workflow in the Temporal UI (the loader builds the
 * address with temporalUiLink, which reads the server's environment). Nothing while the lifecycle
 * has no workflow yet (a KYC review never submitted).
 */
export function TemporalUiLink({ href }: { href: string | null }) {
  if (!href) return null;
  return (
    <p className="muted">
      <a href={href} target="_blank" rel="noreferrer">
        Open the workflow in the Temporal UI
      </a>
    </p>
  );
}
