/** Read by AdminJS when it is first imported: a minified bundle, built in a folder under dist/. */
process.env.NODE_ENV = 'production';
process.env.ADMIN_JS_TMP_DIR = 'dist/admin-ui-work';
