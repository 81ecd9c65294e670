/* Generated from manifests/layout.schema.json by `npm run gen:types`. Do not edit: change the schema. */

/**
 * Property names, in the order shown.
 *
 * @maxItems 100
 */
export type Properties = string[];

/**
 * How one resource is shown in the admin: which properties on which screen, in which order, with which labels.
 */
export interface LayoutDefinition {
  $schema?: string;
  /**
   * A shell entity (contacts) or a module table (<module id>.<table>).
   */
  resource: string;
  label?: string;
  navigation?: {
    group?: string;
    icon?: string;
    order?: number;
    hidden?: boolean;
  };
  list?: Properties;
  show?: Properties;
  edit?: Properties;
  filter?: Properties;
  /**
   * Property name -> label.
   */
  labels?: {
    [k: string]: string;
  };
  sort?: {
    property: string;
    direction?: 'asc' | 'desc';
  };
  /**
   * @maxItems 20
   */
  dashboard?: {
    kind: 'count' | 'recent' | 'per_day';
    title: string;
    resource?: string;
    /**
     * per_day: count this event (every event when neither it nor series is given).
     */
    event?: string;
    /**
     * per_day: several lines on one chart, each counting its events.
     *
     * @minItems 1
     * @maxItems 6
     */
    series?: [
      {
        label: string;
        /**
         * @minItems 1
         * @maxItems 10
         */
        events: [string, ...string[]];
      },
      ...{
        label: string;
        /**
         * @minItems 1
         * @maxItems 10
         */
        events: [string, ...string[]];
      }[]
    ];
    days?: number;
  }[];
}
