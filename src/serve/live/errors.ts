/** A refused request: the HTTP status and the reason the client sees as `{ error }`. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, message);
export const conflict = (message: string): ApiError => new ApiError(409, message);
