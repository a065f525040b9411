// A refused request: its status and the parameter at fault, answered as
// `{"error": {"status": 400, "parameter": "from", "message": "..."}}`.

export class ApiError extends Error {
  constructor(
    readonly status: 400 | 401 | 404 | 413 | 501 | 503,
    readonly parameter: string | null,
    message: string,
  ) {
    super(message);
  }
}

export interface ApiErrorBody {
  error: { status: number; parameter: string | null; message: string };
}

export const errorBody = (status: number, parameter: string | null, message: string): ApiErrorBody => ({
  error: { status, parameter, message },
});
