import { useEffect, useState } from 'react';

/**
 * Follows a resource over Server-Sent Events: starts from the server-rendered value and replaces it
 * with every `state` event. Without JavaScript the page simply shows the rendered value.
 */
export function useLiveResource<T>(initial: T, url: string): { value: T; live: boolean } {
  const [value, setValue] = useState(initial);
  const [live, setLive] = useState(false);
  useEffect(() => setValue(initial), [initial]);
  useEffect(() => {
    const source = new EventSource(url, { withCredentials: true });
    source.addEventListener('open', () => setLive(true));
    source.addEventListener('error', () => setLive(false));
    source.addEventListener('state', (event) => {
      try {
        setValue(JSON.parse((event as MessageEvent<string>).data) as T);
      } catch {
        /* a malformed event is skipped; the next one carries the full state again */
      }
    });
    return () => source.close();
  }, [url]);
  return { value, live };
}
