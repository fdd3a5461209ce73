/** One step of a lifecycle as a person reads it, and the statuses that mean "here". */
export interface StepDef {
  label: string;
  statuses: readonly string[];
}

/**
 * Where a lifecycle is along its usual path: steps before the current one done, the current one
 * marked (aria-current), a refusal or cancellation shown as the end instead of the remaining steps.
 */
export function Stepper({
  steps,
  status,
  ended,
}: {
  steps: readonly StepDef[];
  status: string;
  /** Statuses that end the path early (REJECTED, CANCELLED, FAILED): shown as the last step. */
  ended?: readonly string[];
}) {
  const stopped = ended?.includes(status) ?? false;
  const foundIndex = steps.findIndex((step) => step.statuses.includes(status));
  // A stopped lifecycle is shown past the steps it finished; unknown statuses mark nothing.
  const current = stopped ? -1 : foundIndex;
  return (
    <ol className="stepper" aria-label="Progress">
      {steps.map((step, index) => {
        const state =
          current === -1 ? 'todo' : index < current ? 'done' : index === current ? 'current' : 'todo';
        const last = index === steps.length - 1;
        const shownState = !stopped && last && index === current ? 'done' : state;
        return (
          <li
            key={step.label}
            className={`step ${shownState}`}
            aria-current={index === current ? 'step' : undefined}
          >
            {step.label}
          </li>
        );
      })}
      {stopped ? (
        <li className="step stopped" aria-current="step">
          {status.replaceAll('_', ' ').toLowerCase()}
        </li>
      ) : null}
    </ol>
  );
}
