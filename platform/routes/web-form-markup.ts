import { escapeHtml as e, scriptJson } from '../markup/index.js';

/** One property of a form's fields schema, as far as a page can render it. */
interface FieldSchema {
  type?: unknown;
  title?: unknown;
  description?: unknown;
  format?: unknown;
  enum?: unknown;
  maxLength?: unknown;
  minimum?: unknown;
  maximum?: unknown;
  'x-plinth-widget'?: unknown;
}

export interface FieldsSchema {
  properties?: Record<string, FieldSchema>;
  required?: unknown;
  'x-plinth-order'?: unknown;
}

/** What the page needs of a form row; every string is the workspace's, so escaped where it is written. */
export interface WebFormPage {
  title: string;
  fields: FieldsSchema;
  consent: string | null;
  /** Where the page posts, as JSON: the module's route for this form. */
  action: string;
  nonce: string;
}

/** The properties in the order the form gives (`x-plinth-order`), then any it leaves out, in their own order. */
export function orderedFields(schema: FieldsSchema): [string, FieldSchema][] {
  const properties = schema.properties ?? {};
  const order = Array.isArray(schema['x-plinth-order']) ? schema['x-plinth-order'].filter((k) => typeof k === 'string') : [];
  const names = [...new Set([...order.filter((k) => Object.hasOwn(properties, k)), ...Object.keys(properties)])];
  return names.map((name) => [name, properties[name]!]); // every name is one of the properties' own keys
}

const text = (value: unknown): string | undefined => (typeof value === 'string' && value.trim() !== '' ? value : undefined);

/** How the script reads a field back: a number, a tick, or text. */
type Reading = 'number' | 'boolean' | 'text';

/** One field's label, control and help; undefined for a shape no control can fill (a nested object). */
function control(
  name: string,
  position: number,
  field: FieldSchema,
  required: boolean,
): { html: string; reading: Reading } | undefined {
  // By position, not by name: a property's name is the workspace's text.
  const id = `field-${position}`;
  const label = e(text(field.title) ?? name);
  const help = text(field.description) ? `<p class="help" id="${id}-help">${e(field.description as string)}</p>` : '';
  const described = help ? ` aria-describedby="${id}-help"` : '';
  const need = required ? ' required' : '';
  const mark = required ? ' <span aria-hidden="true">*</span>' : '';
  const labelled = `<label for="${id}">${label}${mark}</label>`;
  const max = Number.isInteger(field.maxLength) ? ` maxlength="${field.maxLength as number}"` : '';
  const attrs = `id="${id}" name="${e(name)}"${need}${described}`;
  if (field.type === 'boolean')
    return { html: `<div class="field tick"><input type="checkbox" ${attrs}>${labelled}${help}</div>`, reading: 'boolean' };
  if (field.type === 'number' || field.type === 'integer') {
    const bounds = ['minimum', 'maximum']
      .filter((k) => typeof field[k as keyof FieldSchema] === 'number')
      .map((k) => ` ${k.slice(0, 3)}="${field[k as keyof FieldSchema] as number}"`)
      .join('');
    const step = field.type === 'integer' ? '1' : 'any';
    return {
      html: `<div class="field">${labelled}<input type="number" step="${step}"${bounds} ${attrs}>${help}</div>`,
      reading: 'number',
    };
  }
  if (field.type !== 'string') return undefined;
  if (Array.isArray(field.enum)) {
    const options = field.enum
      .filter((v): v is string => typeof v === 'string')
      .map((v) => `<option value="${e(v)}">${e(v)}</option>`)
      .join('');
    return {
      html: `<div class="field">${labelled}<select ${attrs}><option value="">Choose…</option>${options}</select>${help}</div>`,
      reading: 'text',
    };
  }
  const widget = field['x-plinth-widget'];
  if (widget === 'textarea')
    return { html: `<div class="field">${labelled}<textarea rows="5"${max} ${attrs}></textarea>${help}</div>`, reading: 'text' };
  const type = field.format === 'email' ? 'email' : widget === 'phone' ? 'tel' : 'text';
  const autocomplete = { email: 'email', tel: 'tel', text: name === 'name' ? 'name' : 'off' }[type];
  return {
    html: `<div class="field">${labelled}<input type="${type}" autocomplete="${autocomplete}"${max} ${attrs}>${help}</div>`,
    reading: 'text',
  };
}

/**
 * The page a person fills a form in on, alone or in another site's iframe. It needs its one
 * script (with this response's nonce) to post JSON to the module's route; the module checks the
 * submission again, and its answer (thanks or what is wrong) shows beside the Send button.
 */
export function webFormPage(page: WebFormPage): string {
  const required = new Set(Array.isArray(page.fields.required) ? page.fields.required : []);
  const rendered = orderedFields(page.fields).flatMap(([name, field], position) => {
    const c = field && typeof field === 'object' ? control(name, position, field, required.has(name)) : undefined;
    return c ? [{ name, ...c }] : [];
  });
  const readings = Object.fromEntries(rendered.map((r) => [r.name, r.reading]));
  const consent = page.consent
    ? `<div class="field tick"><input type="checkbox" id="consent" name="consent" required><label for="consent">${e(page.consent)}</label></div>`
    : '';
  return `<!doctype html><html lang="en"><meta charset="utf-8"><title>${e(page.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style nonce="${page.nonce}">${STYLE}</style>
<main><h1>${e(page.title)}</h1>
<form id="web-form" novalidate>
${rendered.map((r) => r.html).join('\n')}
${consent}
<div class="trap" aria-hidden="true"><label for="website">Leave this empty</label><input id="website" name="website" tabindex="-1" autocomplete="off"></div>
<button type="submit">Send</button>
<p id="outcome" role="status" aria-live="polite"></p>
<noscript><p>This form needs JavaScript to send.</p></noscript>
</form></main>
<script nonce="${page.nonce}">(${SCRIPT})(${scriptJson({ action: page.action, readings, consent: page.consent !== null })});</script>
</html>`;
}

const STYLE = `body{font-family:system-ui,sans-serif;color:#1c1c1c;background:#fff;margin:0;padding:1rem;line-height:1.5}
main{max-width:36rem;margin:0 auto}h1{font-size:1.5rem;margin:0 0 1rem}.field{margin:0 0 1rem}
label{display:block;font-weight:600;margin-bottom:.25rem}.tick{display:flex;gap:.5rem;align-items:flex-start}
.tick label{font-weight:400;margin:0}input,select,textarea{font:inherit;box-sizing:border-box;width:100%;padding:.5rem;
border:1px solid #6b6b6b;border-radius:4px}.tick input{width:auto;margin-top:.3rem}.help{color:#4a4a4a;margin:.25rem 0 0;font-size:.9rem}
input:focus,select:focus,textarea:focus,button:focus{outline:3px solid #1d4ed8;outline-offset:2px}
button{font:inherit;padding:.6rem 1.4rem;border:0;border-radius:4px;background:#1d4ed8;color:#fff;cursor:pointer}
.trap{position:absolute;left:-10000px;width:1px;height:1px;overflow:hidden}#outcome{min-height:1.5rem}
#outcome.error{color:#a40e26}#outcome.done{color:#14532d}`;

/**
 * Runs in the visitor's browser: reads each field as its schema's type (a number, a tick, text;
 * an empty optional field is left out), posts the submission and shows the module's answer.
 */
const SCRIPT = `function (config) {
  var form = document.getElementById('web-form');
  var outcome = document.getElementById('outcome');
  var button = form.querySelector('button[type=submit]');
  function show(kind, message) { outcome.className = kind; outcome.textContent = message; }
  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!form.reportValidity()) return;
    var fields = {};
    Object.keys(config.readings).forEach(function (name) {
      var input = form.elements.namedItem(name);
      var reading = config.readings[name];
      if (reading === 'boolean') fields[name] = input.checked;
      else if (input.value.trim() !== '') fields[name] = reading === 'number' ? Number(input.value) : input.value.trim();
    });
    var body = { fields: fields, website: form.elements.namedItem('website').value, page: (document.referrer || location.href).slice(0, 500) };
    if (config.consent) body.consent = form.elements.namedItem('consent').checked;
    button.disabled = true;
    show('', 'Sending…');
    fetch(config.action, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) {
        return res.json().catch(function () { return {}; }).then(function (answer) {
          if (res.ok) { form.reset(); show('done', answer.message || 'Thank you.'); }
          else if (res.status === 429) show('error', 'Too many submissions from here: please try again in a minute.');
          else show('error', answer.error || 'This form could not be sent: please try again later.');
        });
      })
      .catch(function () { show('error', 'This form could not be sent: check your connection and try again.'); })
      .then(function () { button.disabled = false; });
  });
}`;
