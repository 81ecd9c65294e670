import { CHANNELS, type ContactInput, type Entities } from '../entities/index.js';
import { ValidationError } from '../errors/index.js';
import { columnsOf, type ImportTarget } from './target.js';
import type { Field, Mapping } from './mapping.js';
import type { RowOutcome } from './outcome.js';
import type { CsvRecord } from './source.js';

/** Where an import's captures say they came from (their provenance). */
export const IMPORT_SOURCE = { module: 'plinth', channel: 'import' } as const;

const FIELDS: Field[] = [
  { name: 'name', aliases: ['full name', 'contact name', 'contact'] },
  { name: 'organization', aliases: ['organisation', 'company', 'company name', 'org', 'firm'] },
  { name: 'emails', aliases: ['email', 'e-mail', 'email address', 'e-mail address', 'mail'], list: true },
  { name: 'phones', aliases: ['phone', 'phone number', 'telephone', 'tel', 'mobile', 'cell'], list: true },
  { name: 'qualificationStatus', aliases: ['qualification status', 'status', 'qualification'] },
  { name: 'leadScore', aliases: ['lead score', 'score'] },
  { name: 'warmth', aliases: [] },
  { name: 'ref', aliases: ['reference', 'external id'] },
  ...CHANNELS.map((channel) => ({ name: `consent.${channel}`, aliases: [`${channel} consent`] })),
];

/** A row as a capture, and which column each of its inputs came from (to name it in a refusal). */
interface Capture {
  input: ContactInput;
  origin: Map<string, string>;
}

/**
 * Contacts, imported as captures through the shell's upsert: a row whose email or phone is a
 * contact's (already, or from an earlier row of the file) is merged into it by the identity rules.
 */
export class ContactTarget implements ImportTarget {
  readonly name = 'contacts';
  readonly fields = FIELDS;

  constructor(
    private readonly entities: Entities,
    private readonly workspaceId: string,
    /** For phone numbers written without a country code (ISO 3166 alpha-2). */
    private readonly defaultCountry?: string,
  ) {}

  checkMapping(mapping: Mapping): void {
    if (!mapping.some((m) => m.field === 'emails' || m.field === 'phones'))
      throw new ValidationError('--map', 'maps no column to emails or phones: a contact is found and kept by them');
  }

  values(record: CsvRecord, mapping: Mapping): Record<string, unknown> {
    const { input } = this.capture(record, mapping);
    const { source: _source, defaultCountry: _country, ...values } = input;
    return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined));
  }

  async write(records: CsvRecord[], mapping: Mapping, dryRun: boolean): Promise<RowOutcome[]> {
    const captures = records.map((record) => {
      try {
        return this.capture(record, mapping);
      } catch (err) {
        if (err instanceof ValidationError) return err;
        throw err;
      }
    });
    const valid = captures.filter((c): c is Capture => !(c instanceof ValidationError));
    const results = await this.entities.contacts.captureEach(
      this.workspaceId,
      valid.map((c) => c.input),
      { identityLocks: !dryRun },
    );
    let next = 0;
    return records.map((record, i): RowOutcome => {
      const capture = captures[i]!; // one per record
      if (capture instanceof ValidationError) return refused(record.row, capture, (path) => path);
      const result = results[next++]!; // one per valid capture
      if ('error' in result) return refused(record.row, result.error, (path) => capture.origin.get(path));
      return { row: record.row, outcome: result.created ? 'created' : 'merged', recordId: result.contactId };
    });
  }

  /** A record as the shell's capture; a cell that cannot be one (a score that is no number) is refused, naming its column. */
  private capture(record: CsvRecord, mapping: Mapping): Capture {
    const origin = new Map<string, string>();
    const cell = (field: string): string | undefined => {
      const [column] = columnsOf(mapping, field);
      if (column === undefined) return undefined;
      const value = record.cells[column]!.trim(); // mapped columns are the file's
      origin.set(field === 'ref' ? 'source.ref' : field, column);
      return value === '' ? undefined : value;
    };
    const list = (field: 'emails' | 'phones', separator: RegExp): string[] => {
      const values: string[] = [];
      for (const column of columnsOf(mapping, field)) {
        for (const value of record.cells[column]!.split(separator).map((v) => v.trim())) {
          if (value === '') continue;
          origin.set(`${field}[${values.length}]`, column);
          values.push(value);
        }
      }
      return values;
    };
    // An email holds no comma, semicolon or space; a phone may hold spaces and commas are rare in one.
    const emails = list('emails', /[;,\s]+/);
    const phones = list('phones', /;/);
    // A row with neither is refused by the upsert; its columns are where the reader should look.
    origin.set('emails', [...columnsOf(mapping, 'emails'), ...columnsOf(mapping, 'phones')].join(' / '));
    const score = cell('leadScore');
    if (score !== undefined && !/^\d{1,3}$/.test(score))
      throw new ValidationError(origin.get('leadScore')!, `"${score}" is not a whole number from 0 to 100`);
    const consent: NonNullable<ContactInput['consent']> = {};
    for (const channel of CHANNELS) {
      const status = cell(`consent.${channel}`)?.toLowerCase();
      if (status === undefined) continue;
      origin.set(`consent.${channel}.status`, origin.get(`consent.${channel}`)!);
      consent[channel] = { status: status as 'granted' };
    }
    return {
      origin,
      input: {
        name: cell('name'),
        organization: cell('organization'),
        emails,
        phones,
        ...(this.defaultCountry && { defaultCountry: this.defaultCountry }),
        source: { ...IMPORT_SOURCE, ref: cell('ref') },
        ...(Object.keys(consent).length > 0 && { consent }),
        qualificationStatus: cell('qualificationStatus')?.toLowerCase() as ContactInput['qualificationStatus'],
        leadScore: score === undefined ? undefined : Number(score),
        warmth: cell('warmth')?.toLowerCase() as ContactInput['warmth'],
      },
    };
  }
}

/** A refusal as an outcome: the column the error's input came from (`columnOf` its path), and why in words. */
function refused(row: number, err: ValidationError, columnOf: (path: string) => string | undefined): RowOutcome {
  const path = err.path ?? '';
  const column = columnOf(path);
  return { row, outcome: 'refused', ...(column && { column }), reason: err.message.slice(path.length + 2) };
}
