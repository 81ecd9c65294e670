import type { Filter } from 'adminjs';
import { choiceCondition, filterCondition, FilterError, type AttributeType, type Bind } from './filter-conditions.js';
import { attributeOf, type ResourceScope } from './resource-scope.js';
import type { ScopedTable } from './scoped-table.js';

/** A filter as the WHERE clause of a resource's statements: the workspace's condition always first. */
export class ResourceConditions {
  constructor(
    private readonly scope: ResourceScope,
    private readonly table: ScopedTable,
  ) {}

  /**
   * The WHERE clause of a filter, the workspace's condition first; `$n` values are appended to
   * `values`. Null when the filter can match nothing: another workspace, or a hidden column. A
   * filter naming an unknown property, or a value its column cannot hold, is refused (a
   * FilterError) — unless `searching`: a search's free text that cannot be of its property's type
   * finds nothing.
   */
  where(filter: Filter | undefined, values: unknown[], searching = false): string | null {
    values.push(this.scope.unit.workspaceId);
    const conditions = [`${this.table.column(this.scope.workspaceKey)} = $${values.length}`];
    const bind = (v: unknown) => `$${values.push(v)}`;
    for (const element of Object.values(filter?.filters ?? {})) {
      const attribute = attributeOf(element.path);
      if (attribute === this.scope.workspaceKey) {
        // Asking for this workspace changes nothing; asking for another finds nothing.
        if (String(element.value) !== this.scope.unit.workspaceId) return null;
        continue;
      }
      const own = this.ownCondition(element.path);
      if (own) {
        const condition = own(element.value, bind);
        if (condition) conditions.push(condition);
        continue;
      }
      if (this.table.isHidden(attribute)) return null;
      try {
        const definition = this.table.attribute(attribute);
        if (!definition || attribute !== element.path) throw new FilterError(`filters.${element.path}`, 'no such property');
        const type = definition.type as AttributeType;
        const choices = this.scope.choices?.[attribute];
        const condition = choices
          ? choiceCondition(element.path, this.table.column(attribute), choices, element.value, bind)
          : filterCondition(element.path, this.table.column(attribute), type, element.value, bind);
        if (condition) conditions.push(condition);
      } catch (err) {
        if (searching && err instanceof FilterError) return null;
        throw err;
      }
    }
    return conditions.join(' AND ');
  }

  /** Whether the filter holds a condition of the resource's own (a search) with something to look for. */
  ownConditionIn(filter: Filter | undefined): boolean {
    return Object.values(filter?.filters ?? {}).some(
      (element) => this.ownCondition(element.path) && String(element.value ?? '').trim() !== '',
    );
  }

  /** The resource's own condition for a filter path: its own key only, never one every object inherits (`constructor`). */
  private ownCondition(path: string): ((value: unknown, bind: Bind) => string | null) | undefined {
    const conditions = this.scope.conditions;
    return conditions && Object.hasOwn(conditions, path) ? conditions[path] : undefined;
  }
}
