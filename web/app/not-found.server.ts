import { ApiError } from '../../api/errors.js';

/** Runs a service read; the API's 404 (also for another client's resource) becomes a 404 page. */
export async function loadOr404<T>(read: () => Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 400)) {
      throw new Response('Not found', { status: 404, statusText: 'Not found' });
    }
    throw error;
  }
}
