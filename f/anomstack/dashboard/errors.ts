// The error the dashboard's backend scripts throw for bad input; its message names the field.
// Examples: an unknown batch, an invalid window, a feedback request naming a point that does not exist.
//nobundling

/** Bad input to a dashboard script; the local server answers it with HTTP 400. */
export class DashboardInputError extends Error {
  override name = "DashboardInputError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}
