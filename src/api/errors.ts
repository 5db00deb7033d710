/**
 * The API's error body, one shape for every 4xx/5xx: `{ "error": { "code", "message", "details"? } }`,
 * after ARM's own convention so clients of both read errors the same way.
 */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export function errorBody(code: string, message: string, details?: unknown) {
  return { error: { code, message, ...(details === undefined ? {} : { details }) } };
}
