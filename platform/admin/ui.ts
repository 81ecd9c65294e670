import { fileURLToPath } from 'node:url';
import { ComponentLoader } from 'adminjs';

/** The React screens' sources: bundled at build time (`scripts/bundle-ui.ts`), never in the request path. */
const SOURCES = new URL('../../../platform/admin/ui/', import.meta.url);

/** One loader for every workspace's AdminJS: the components are code, the same for all; what they show comes from the studio API. */
export const componentLoader = new ComponentLoader();

const add = (name: string): string => componentLoader.add(name, fileURLToPath(new URL(`${name}.tsx`, SOURCES)));

// The top bar's user menu becomes the workspace bar: which workspace, switching, security, sign-out.
componentLoader.override('LoggedIn', fileURLToPath(new URL('WorkspaceBar.tsx', SOURCES)));
// A list's cell shows a list's values (a contact's emails), not AdminJS's "Length: 2".
componentLoader.override('DefaultArrayListProperty', fileURLToPath(new URL('ArrayValues.tsx', SOURCES)));
// Every control named and reached by keyboard, with no hidden drawer in the tab order.
for (const [name, file] of Object.entries({
  SidebarResourceSection: 'SidebarGroups',
  ActionHeader: 'ActionBar',
  FilterDrawer: 'FilterPanel',
  DefaultFilterProperty: 'FilterField',
  DefaultDatetimeFilterProperty: 'DateRangeFilter',
  DefaultListAction: 'RecordList',
  RecordsTableHeader: 'ListHeader',
  RecordInList: 'ListRow',
  DefaultEditProperty: 'EditField',
  DefaultArrayEditProperty: 'ArrayEdit',
  DefaultPropertyValue: 'PropertyValue',
}))
  componentLoader.override(name, fileURLToPath(new URL(`${file}.tsx`, SOURCES)));

export const UI = {
  Dashboard: add('Dashboard'),
  LayoutEditor: add('LayoutEditor'),
  ThemeEditor: add('ThemeEditor'),
  Marketplace: add('Marketplace'),
  EventLog: add('EventLog'),
  ContactTimeline: add('ContactTimeline'),
  ContactMerge: add('ContactMerge'),
  ContactList: add('ContactList'),
  NewContact: add('NewContact'),
  ConsentValue: add('ConsentValue'),
  ProvenanceValue: add('ProvenanceValue'),
  FormBuilder: add('FormBuilder'),
  FormFields: add('FormFields'),
  // The filter field of a list column, which AdminJS leaves out of its filter drawer.
  ArrayFilter: componentLoader.add('ArrayFilter', fileURLToPath(new URL('FilterField.tsx', SOURCES))),
};
