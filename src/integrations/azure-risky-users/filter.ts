/**
 * The `$filter` of both list commands: clauses in the reference's fixed order, joined with ` and `.
 * Only `eq` values are quoted (quotes inside doubled, which the reference forgot); dates are bare
 * OData DateTimeOffset literals.
 */
import { odataString } from "../odata.ts";

export interface FilterValues {
  riskState?: string | undefined;
  riskLevel?: string | undefined;
  /** Already formatted as OData dates (`formatODataDate`). */
  detectedBefore?: string | undefined;
  detectedAfter?: string | undefined;
  updatedBefore?: string | undefined;
  updatedAfter?: string | undefined;
}

type Operator = "eq" | "le" | "ge";

/** The clause table, in the order the reference appends them. */
const CLAUSES: ReadonlyArray<readonly [input: keyof FilterValues, field: string, operator: Operator]> = [
  ["riskState", "riskState", "eq"],
  ["riskLevel", "riskLevel", "eq"],
  ["detectedBefore", "detectedDateTime", "le"],
  ["detectedAfter", "detectedDateTime", "ge"],
  ["updatedBefore", "riskLastUpdatedDateTime", "le"],
  ["updatedAfter", "riskLastUpdatedDateTime", "ge"],
];

/** Appends one clause to a filter (empty values leave it unchanged). */
export function appendClause(
  filter: string,
  field: string,
  operator: Operator,
  value: string | undefined,
): string {
  if (value === undefined || value === "") return filter;
  const literal = operator === "eq" ? odataString(value) : value;
  const clause = `${field} ${operator} ${literal}`;
  return filter === "" ? clause : `${filter} and ${clause}`;
}

export function buildFilter(values: FilterValues): string {
  return CLAUSES.reduce(
    (filter, [input, field, operator]) => appendClause(filter, field, operator, values[input]),
    "",
  );
}
