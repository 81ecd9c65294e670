import type { Field, ImportRow, Mapping, ReportedOutcome, RunResult } from '../import/index.js';
import { escapeHtml } from './markup.js';
import { plainPage } from './plain-page.js';
import { UPLOAD_LIMIT_TEXT } from './import-upload.js';

/** An uploaded file on its way to an import: its target and the mapping chosen so far. */
export interface Draft {
  sha: string;
  name: string;
  target: string;
  country?: string;
  headers: string[];
  fields: Field[];
  mapping: Mapping;
}

const WIDE = `<style>body{max-width:64rem}table{border-collapse:collapse;margin:1rem 0}
th,td{border:1px solid #ccc;padding:.2rem .5rem;text-align:left;vertical-align:top}select{font:inherit}</style>`;

const e = escapeHtml;
const page = (title: string, body: string) => plainPage(title, WIDE + body);

/** A table: its caption, headers and rows of cells already escaped. */
const table = (caption: string, headers: string[], rows: string[][]) =>
  `<table><caption>${e(caption)}</caption><thead><tr>${headers.map((h) => `<th scope="col">${e(h)}</th>`).join('')}</tr></thead>
<tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n')}</tbody></table>`;

/** A value as the preview shows it: lists joined, structures as JSON. */
const shown = (value: unknown): string =>
  value === undefined || value === null
    ? ''
    : Array.isArray(value)
      ? value.map(shown).join('; ')
      : typeof value === 'object'
        ? JSON.stringify(value)
        : String(value);

const back = (base: string) => `<p><a href="${e(base)}">Back to imports</a></p>`;

/** The hidden fields that carry a draft from one form to the next. */
const draftFields = (draft: Draft) =>
  [
    ['name', draft.name],
    ['target', draft.target],
    ['country', draft.country ?? ''],
    ['mapped', '1'],
    ...draft.headers.map((column, i) => [`c${i}`, draft.mapping.find((m) => m.column === column)?.field ?? '']),
  ]
    .map(([name, value]) => `<input type="hidden" name="${e(name!)}" value="${e(value!)}">`)
    .join('');

const draftForm = (base: string, draft: Draft, action: string, label: string, extra = '') =>
  `<form method="post" action="${e(`${base}/new/${draft.sha}/${action}`)}">${draftFields(draft)}${extra}<button type="submit">${e(label)}</button></form>`;

const state = (item: ImportRow, running: Set<string>) =>
  item.status === 'done' ? 'done' : running.has(item.id) ? 'running' : 'stopped (resume it from its page)';

export function importListPage(
  base: string,
  targets: { id: string; label: string }[],
  list: ImportRow[],
  running: Set<string>,
): string {
  const upload = `<form method="post" enctype="multipart/form-data" action="${e(base)}">
<p><label for="file">CSV file (UTF-8, its first line naming the columns; at most ${UPLOAD_LIMIT_TEXT})</label><br>
<input type="file" id="file" name="file" accept=".csv,text/csv" required></p>
<p><label for="target">Import into</label><br><select id="target" name="target">${targets
    .map((t) => `<option value="${e(t.id)}">${e(t.label)} (${e(t.id)})</option>`)
    .join('')}</select></p>
<p><button type="submit">Upload and map columns</button></p></form>`;
  const past = list.length
    ? table(
        'Past imports',
        ['Started', 'File', 'Into', 'By', 'Rows', 'State'],
        list.map((item) => [
          `<a href="${e(`${base}/${item.id}`)}">${e(item.createdAt.toISOString())}</a>`,
          e(item.fileName),
          e(item.target),
          e(item.createdBy),
          `${item.rowsDone} of ${item.totalRows}`,
          e(state(item, running)),
        ]),
      )
    : '<p>No imports yet.</p>';
  return page('Import CSV', `${upload}<h2>Past imports</h2>${past}`);
}

export function mappingPage(
  base: string,
  draft: Draft,
  preview: { row: number; values: Record<string, unknown> }[] | undefined,
  refusal: string | undefined,
): string {
  const options = (chosen: string) =>
    `<option value="">(not imported)</option>${draft.fields
      .map(
        (f) =>
          `<option value="${e(f.name)}"${f.name === chosen ? ' selected' : ''}>${e(f.name)}${f.required ? ' (required)' : ''}</option>`,
      )
      .join('')}`;
  const rows = draft.headers.map((column, i) => {
    const field = draft.mapping.find((m) => m.column === column)?.field ?? '';
    return `<tr><th scope="row"><label for="c${i}">${e(column)}</label></th><td><select id="c${i}" name="c${i}">${options(field)}</select></td></tr>`;
  });
  const mapping = `<form method="get" action="${e(`${base}/new/${draft.sha}`)}">
<input type="hidden" name="name" value="${e(draft.name)}"><input type="hidden" name="target" value="${e(draft.target)}">
<input type="hidden" name="mapped" value="1">
<table><caption>Each column of ${e(draft.name)} and the field of ${e(draft.target)} it fills</caption>
<thead><tr><th scope="col">Column</th><th scope="col">Field</th></tr></thead><tbody>${rows.join('\n')}</tbody></table>
${draft.target === 'contacts' ? `<p><label for="country">Country of phone numbers written without a country code (such as GB)</label><br><input id="country" name="country" value="${e(draft.country ?? '')}" maxlength="2" size="3"></p>` : ''}
<p><button type="submit">Preview with this mapping</button></p></form>`;
  const fields = [...new Set(draft.mapping.map((m) => m.field))];
  const next =
    refusal !== undefined
      ? `<p class="error" role="alert">${e(refusal)}</p>`
      : `${table(
          'The first rows as they would be written',
          ['Row', ...fields],
          (preview ?? []).map((r) => [String(r.row), ...fields.map((f) => e(shown(r.values[f])))]),
        )}
${draftForm(base, draft, 'dry-run', 'Dry run: what each row would become')}
${draftForm(base, draft, 'run', 'Import')}`;
  return page(`Import ${draft.name} into ${draft.target}`, `${mapping}${next}${back(base)}`);
}

const countsOf = (outcomes: ReportedOutcome[]): RunResult['counts'] => {
  const counts = { created: 0, merged: 0, refused: 0 };
  for (const o of outcomes) counts[o.outcome]++;
  return counts;
};

const countLine = (counts: RunResult['counts']) =>
  `<p role="status">${counts.created} created, ${counts.merged} merged, ${counts.refused} refused.</p>`;

/** Rows shown on the page; all of them are in the download. */
const SHOWN = 100;

export function dryRunPage(base: string, draft: Draft, outcomes: ReportedOutcome[]): string {
  const rows = outcomes
    .slice(0, SHOWN)
    .map((o) => [
      String(o.row),
      e(o.outcome),
      e(o.recordId ?? ''),
      o.firstRow === undefined ? '' : String(o.firstRow),
      e(o.column ?? ''),
      e(o.reason ?? ''),
    ]);
  const body = `${countLine(countsOf(outcomes))}
${draftForm(base, draft, 'dry-run', 'Download the report (CSV)', '<input type="hidden" name="format" value="csv">')}
${table(
  outcomes.length > SHOWN ? `The first ${SHOWN} rows of ${outcomes.length}` : 'Each row',
  ['Row', 'Outcome', 'Record', 'Created by row', 'Column', 'Reason'],
  rows,
)}
${draftForm(base, draft, 'run', 'Import')}
<p><a href="${e(`${base}/new/${draft.sha}?${new URLSearchParams({ name: draft.name, target: draft.target })}`)}">Change the mapping</a></p>`;
  return page(`Dry run of ${draft.name} into ${draft.target}`, body + back(base));
}

export function importPage(base: string, item: ImportRow, active: boolean, counts: RunResult['counts']): string {
  const progress = `<p><label for="progress">Rows imported</label><br>
<progress id="progress" max="${item.totalRows}" value="${item.rowsDone}">${item.rowsDone} of ${item.totalRows}</progress>
${item.rowsDone} of ${item.totalRows}: ${e(state(item, active ? new Set([item.id]) : new Set()))}</p>`;
  const resume =
    item.status === 'running' && !active
      ? `<form method="post" action="${e(`${base}/${item.id}/resume`)}"><button type="submit">Resume after row ${item.rowsDone}</button></form>`
      : '';
  const body = `<p>${e(item.fileName)} into ${e(item.target)}, started ${e(item.createdAt.toISOString())} by ${e(item.createdBy)}.</p>
${progress}${countLine(counts)}${resume}
<p><a href="${e(`${base}/${item.id}/outcomes.csv`)}" download>Download each row's outcome (CSV)</a></p>`;
  return page(`Import ${item.fileName}`, body + back(base));
}
