import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Read by AdminJS when it is first imported: a minified bundle, built in a folder beside the compiled code. */
process.env.NODE_ENV = 'production';
process.env.ADMIN_JS_TMP_DIR = relative(process.cwd(), fileURLToPath(new URL('../../admin-ui-work', import.meta.url)));
