import type { PluginManifest } from '../manifests/index.js';
import type { WebFormProps } from './studio/shapes.js';
import { UI } from './ui.js';

type WebForm = NonNullable<NonNullable<PluginManifest['tables']>[number]['webForm']>;

/**
 * How a web form table's fields column shows: built with the form builder, read as a list of
 * questions beside the form's public address and embed snippet. The page lives at
 * `/forms/<module id>/<workspace slug>/<form slug>` (the routes' web form pages).
 */
export function webFormProperties(moduleId: string, workspaceSlug: string, webForm: WebForm): Record<string, object> {
  return {
    [webForm.fields]: {
      components: { edit: UI.FormBuilder, show: UI.FormFields },
      custom: {
        webForm: {
          pageBase: `/forms/${encodeURIComponent(moduleId)}/${encodeURIComponent(workspaceSlug)}/`,
          slugColumn: webForm.slug,
          titleColumn: webForm.title,
          activeColumn: webForm.active,
        } satisfies WebFormProps,
      },
    },
  };
}
