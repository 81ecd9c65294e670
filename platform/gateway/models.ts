import { DataTypes, type Model, type ModelAttributes, type ModelStatic, type Sequelize } from 'sequelize';
import type { PluginManifest } from '../manifests/index.js';
import type { ModuleNames } from '../registry/index.js';

type TableDecl = NonNullable<PluginManifest['tables']>[number];
type ColumnDecl = TableDecl['schema']['properties'][string];
export type ModuleModel = ModelStatic<Model<Record<string, unknown>, Record<string, unknown>>>;

function attributeType(column: ColumnDecl) {
  switch (column.type) {
    case 'string':
      return (
        { 'date-time': DataTypes.DATE, date: DataTypes.DATEONLY, uuid: DataTypes.UUID }[column.format ?? ''] ?? DataTypes.TEXT
      );
    case 'integer':
      return DataTypes.BIGINT;
    case 'number':
      return DataTypes.DOUBLE;
    case 'boolean':
      return DataTypes.BOOLEAN;
    default:
      return DataTypes.JSONB;
  }
}

/**
 * Sequelize models of a module's declared tables, in its schema. Their queries join the unit's
 * transaction like any other, so they run under the module's role and its workspace's policies;
 * `workspace_id` is filled from the transaction's workspace, never taken from the caller.
 */
export function defineModuleModels(
  sequelize: Sequelize,
  names: ModuleNames,
  manifest: PluginManifest,
  workspaceId: () => string,
): Record<string, ModuleModel> {
  const models: Record<string, ModuleModel> = {};
  for (const table of manifest.tables ?? []) {
    const required = new Set(table.schema.required ?? []);
    const attributes: ModelAttributes = {
      id: { type: DataTypes.UUID, primaryKey: true, defaultValue: DataTypes.UUIDV4 },
      workspace_id: { type: DataTypes.UUID, allowNull: false },
    };
    for (const [name, column] of Object.entries(table.schema.properties)) {
      attributes[name] = { type: attributeType(column), allowNull: !required.has(name) };
    }
    const model = sequelize.define(`${manifest.id}@${manifest.version}.${table.name}`, attributes, {
      schema: names.schema,
      tableName: table.name,
      underscored: true,
      timestamps: true,
      // Attributes named as their columns: layouts and filters name what the manifest's author sees.
      createdAt: 'created_at',
      updatedAt: 'updated_at',
    }) as ModuleModel;
    model.beforeValidate((row) => {
      row.set('workspace_id', workspaceId());
    });
    models[table.name] = model;
  }
  return models;
}
