// Type-checks ../kubestate-platform.json against Grafana's own dashboard
// types from @grafana/schema (the version pinned in package.json):
//   npm ci && npx --no-install tsc --noEmit --strict -p .
//
// TypeScript widens every string in an imported JSON file to `string`, so a
// JSON dashboard can never be assigned to `Dashboard` as is: the schema's
// string enums and unions (ThresholdsMode "absolute", VariableType "query",
// RowPanel type "row") would all be rejected. `AsJson` makes exactly that
// one concession, replacing string literal types and string enums by
// `string` (numeric enums by `number`), and keeps everything else: which
// fields are required, and the type of every field (a number given as a
// string, an object for an array, a variable without a name all fail).
// Enum *values* are checked by tests/bundle_dashboards.rs instead.
import type { Dashboard, RowPanel } from '@grafana/schema';
import dashboard from '../kubestate-platform.json';

type IsAny<T> = 0 extends 1 & T ? true : false;

type AsJson<T> =
  IsAny<T> extends true
    ? T
    : T extends string
      ? string
      : T extends number
        ? number
        : T extends boolean
          ? boolean
          : T extends readonly (infer E)[]
            ? AsJson<E>[]
            : T extends object
              ? { [K in keyof T]: AsJson<T[K]> }
              : T;

// The whole dashboard.
export const checked: AsJson<Dashboard> = dashboard;

// Panels are `Panel | RowPanel`, and with `type` widened to string a broken
// row still passes as a Panel. So the rows (the panels with `collapsed`) are
// also held to RowPanel on their own.
type JsonPanel = (typeof dashboard.panels)[number];
type JsonRow = Extract<JsonPanel, { collapsed: unknown }>;
declare const rowsOfTheJson: JsonRow[];
export const rows: AsJson<RowPanel>[] = rowsOfTheJson;
