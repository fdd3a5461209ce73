import { createContext, useContext } from 'react';

/**
 * The CSP nonce of the page being rendered (api/pages/mount.ts makes one per answer; entry.server.tsx
 * provides it). Undefined in the browser, which hides nonces from the DOM anyway.
 */
export const NonceContext = createContext<string | undefined>(undefined);

export function useNonce(): string | undefined {
  return useContext(NonceContext);
}
