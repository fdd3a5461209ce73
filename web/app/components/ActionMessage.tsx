/** What became of the form just sent: the refusal in words, or the success message. */
export function ActionMessage({
  result,
}: {
  result: { ok: true; message?: string } | { ok: false; error: string } | undefined;
}) {
  if (!result) return null;
  if (!result.ok) {
    return (
      <p className="error" role="alert">
        {result.error}
      </p>
    );
  }
  return <p className="ok">{result.message}</p>;
}
